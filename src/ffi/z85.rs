//! Z85 (ZeroMQ RFC 32): 4 bytes as 5 printable characters, and back; and the CURVE key
//! functions whose keys are Z85 text (ENOTSUP: ferrozmq has no CURVE yet).

use std::ffi::{c_char, c_int};

use super::guard;

const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Encodes `data` (a multiple of 4 bytes); None otherwise.
pub(crate) fn encode(data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut v = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut block = [0u8; 5];
        for slot in block.iter_mut().rev() {
            *slot = ALPHABET[(v % 85) as usize];
            v /= 85;
        }
        out.extend_from_slice(&block);
    }
    Some(out)
}

/// Decodes Z85 text (a multiple of 5 characters of the alphabet); None otherwise.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(5) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for chunk in text.chunks_exact(5) {
        let mut v: u64 = 0;
        for &c in chunk {
            let digit = ALPHABET.iter().position(|&a| a == c)?;
            v = v * 85 + digit as u64;
        }
        let v = u32::try_from(v).ok()?;
        out.extend_from_slice(&v.to_be_bytes());
    }
    Some(out)
}

/// Writes the Z85 text of `size` bytes at `data` (a multiple of 4) to `dest`, which needs
/// `size * 5 / 4 + 1` bytes; returns `dest`, or NULL with EINVAL.
#[unsafe(export_name = "ferrozmq_zmq_z85_encode")]
pub extern "C" fn zmq_z85_encode(dest: *mut c_char, data: *const u8, size: usize) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        if dest.is_null() || (data.is_null() && size > 0) {
            return Err(libc::EINVAL);
        }
        let input = if size == 0 {
            &[][..]
        } else {
            // SAFETY: C passes `size` readable bytes at `data`.
            unsafe { std::slice::from_raw_parts(data, size) }
        };
        let text = encode(input).ok_or(libc::EINVAL)?;
        // SAFETY: `dest` has room for the text and its NUL (zmq_z85_encode's contract).
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), text.len());
            *dest.add(text.len()) = 0;
        }
        Ok(dest)
    })
}

/// Decodes the NUL-terminated Z85 `string` into `dest` (`strlen * 4 / 5` bytes); returns
/// `dest`, or NULL with EINVAL for a bad length or character.
#[unsafe(export_name = "ferrozmq_zmq_z85_decode")]
pub extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    guard(std::ptr::null_mut(), || {
        if dest.is_null() || string.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: a NUL-terminated string from C.
        let text = unsafe { std::ffi::CStr::from_ptr(string) }.to_bytes();
        let bytes = decode(text).ok_or(libc::EINVAL)?;
        // SAFETY: `dest` has room for the decoded bytes (the caller's contract).
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len()) };
        Ok(dest)
    })
}

/// CURVE key pairs need the CURVE mechanism, which ferrozmq lacks: ENOTSUP, as from a
/// libzmq built without CURVE.
#[unsafe(export_name = "ferrozmq_zmq_curve_keypair")]
pub extern "C" fn zmq_curve_keypair(_public: *mut c_char, _secret: *mut c_char) -> c_int {
    guard(-1, || Err(libc::ENOTSUP))
}

/// See zmq_curve_keypair: ENOTSUP.
#[unsafe(export_name = "ferrozmq_zmq_curve_public")]
pub extern "C" fn zmq_curve_public(_public: *mut c_char, _secret: *const c_char) -> c_int {
    guard(-1, || Err(libc::ENOTSUP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z85_encodes_the_rfc_32_test_vector_and_back() {
        let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&data).unwrap(), b"HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), data);
    }

    #[test]
    fn z85_rejects_bad_lengths_and_characters() {
        assert!(encode(&[1, 2, 3]).is_none());
        assert!(decode(b"Hell").is_none());
        assert!(decode(b"Hell~").is_none());
    }

    #[test]
    fn curve_keys_are_enotsup_without_curve() {
        let mut public = [0 as c_char; 41];
        let mut secret = [0 as c_char; 41];
        assert_eq!(
            zmq_curve_keypair(public.as_mut_ptr(), secret.as_mut_ptr()),
            -1
        );
        assert_eq!(crate::ffi::errno::zmq_errno(), libc::ENOTSUP);
    }
}
