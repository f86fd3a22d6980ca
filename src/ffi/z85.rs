//! Z85 (ZeroMQ RFC 32): 4 bytes as 5 printable characters, and back; and the CURVE key
//! functions whose keys are Z85 text.

use std::ffi::{c_char, c_int};

use super::guard;
use crate::curve::{CurveKeyPair, CurveSecretKey, Z85_LEN};
use crate::z85::{decode, encode};

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

/// Writes `text` and a NUL to the 41-byte buffer `dest`.
fn put_key(dest: *mut c_char, text: &str) {
    debug_assert_eq!(text.len(), Z85_LEN);
    // SAFETY: the caller checked `dest` is not NULL; zmq_curve_keypair's and
    // zmq_curve_public's contract gives it room for 40 characters and a NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), Z85_LEN);
        *dest.add(Z85_LEN) = 0;
    }
}

/// Makes a new CURVE key pair and writes both halves as Z85 text with a NUL (41 bytes
/// each); 0, or -1 with EINVAL for a NULL buffer (EIO if the random source fails).
#[unsafe(export_name = "ferrozmq_zmq_curve_keypair")]
pub extern "C" fn zmq_curve_keypair(public: *mut c_char, secret: *mut c_char) -> c_int {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return Err(libc::EINVAL);
        }
        let pair = CurveKeyPair::generate().map_err(|_| libc::EIO)?;
        put_key(public, &pair.public.to_z85());
        put_key(secret, &pair.secret.to_z85());
        Ok(0)
    })
}

/// Derives the public key from the Z85 secret key `secret` (40 characters and a NUL) and
/// writes it as Z85 text with a NUL; 0, or -1 with EINVAL for a key that does not decode.
#[unsafe(export_name = "ferrozmq_zmq_curve_public")]
pub extern "C" fn zmq_curve_public(public: *mut c_char, secret: *const c_char) -> c_int {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: a NUL-terminated string from C.
        let text = unsafe { std::ffi::CStr::from_ptr(secret) };
        let text = text.to_str().map_err(|_| libc::EINVAL)?;
        let secret = CurveSecretKey::from_z85(text).map_err(|_| libc::EINVAL)?;
        put_key(public, &secret.public_key().to_z85());
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(buf: &[c_char; 41]) -> String {
        // SAFETY: the functions under test wrote a NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
        s.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_new_key_pair_is_two_z85_keys_and_the_public_one_derives_from_the_secret() {
        let mut public = [1 as c_char; 41];
        let mut secret = [1 as c_char; 41];
        assert_eq!(
            zmq_curve_keypair(public.as_mut_ptr(), secret.as_mut_ptr()),
            0
        );
        assert_eq!((text(&public).len(), text(&secret).len()), (40, 40));
        let mut derived = [0 as c_char; 41];
        assert_eq!(zmq_curve_public(derived.as_mut_ptr(), secret.as_ptr()), 0);
        assert_eq!(text(&derived), text(&public));
    }

    #[test]
    fn a_secret_key_that_does_not_decode_is_einval() {
        let mut public = [0 as c_char; 41];
        assert_eq!(zmq_curve_public(public.as_mut_ptr(), c"short".as_ptr()), -1);
        assert_eq!(crate::ffi::errno::zmq_errno(), libc::EINVAL);
        assert_eq!(
            zmq_curve_keypair(std::ptr::null_mut(), public.as_mut_ptr()),
            -1
        );
        assert_eq!(crate::ffi::errno::zmq_errno(), libc::EINVAL);
    }
}
