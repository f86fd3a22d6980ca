//! Z85 (ZeroMQ RFC 32): every 4 bytes as 5 printable characters, and back. CURVE keys
//! travel as Z85 text in options, key files and ZAP user ids.
//!
//! ```
//! use ferrozmq::z85;
//! // RFC 32's test vector.
//! let bytes = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
//! assert_eq!(z85::encode(&bytes).as_deref(), Some("HelloWorld"));
//! assert_eq!(z85::decode("HelloWorld"), Some(bytes.to_vec()));
//! ```

use crate::message::IntoBytes;

const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Each character's value, 0xFF for bytes outside the alphabet.
const VALUES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The Z85 text of `data`; `None` unless its length is a multiple of 4 ("the binary frame
/// MUST have a length that is divisible by 4").
pub fn encode(data: impl IntoBytes) -> Option<String> {
    let data = data.as_slice();
    if !data.len().is_multiple_of(4) {
        return None;
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut v = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut block = [0u8; 5];
        for slot in block.iter_mut().rev() {
            *slot = ALPHABET[(v % 85) as usize];
            v /= 85;
        }
        out.extend(block.iter().map(|&c| char::from(c)));
    }
    Some(out)
}

/// The bytes Z85 `text` stands for; `None` unless its length is a multiple of 5, every
/// character is in the alphabet and no group exceeds 2^32 - 1.
pub fn decode(text: impl IntoBytes) -> Option<Vec<u8>> {
    let text = text.as_slice();
    if !text.len().is_multiple_of(5) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for chunk in text.chunks_exact(5) {
        let mut v: u64 = 0;
        for &c in chunk {
            let digit = VALUES[usize::from(c)];
            if digit == 0xFF {
                return None;
            }
            v = v * 85 + u64::from(digit);
        }
        out.extend_from_slice(&u32::try_from(v).ok()?.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_test_vector_round_trips() {
        let bytes = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&bytes).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), bytes);
    }

    #[test]
    fn every_byte_value_survives_a_round_trip() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(encode(&data).unwrap()).unwrap(), data);
        assert_eq!(encode(&[]).unwrap(), "");
    }

    #[test]
    fn lengths_off_the_block_size_and_foreign_characters_are_refused() {
        assert_eq!(encode(&[1, 2, 3]), None);
        assert_eq!(decode("Hello"), Some(vec![0x86, 0x4F, 0xD2, 0x6F]));
        assert_eq!(decode("Hell"), None);
        assert_eq!(decode("Hell~"), None);
        assert_eq!(decode("Hell\u{e9}"), None);
        // "#####" is 85^5 - 1, past what 4 bytes hold.
        assert_eq!(decode("#####"), None);
    }
}
