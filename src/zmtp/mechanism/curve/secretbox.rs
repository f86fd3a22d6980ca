//! NaCl's crypto_secretbox, XSalsa20-Poly1305, on a detached tag: the keystream's first
//! 32 bytes are the one-time Poly1305 key, the bytes after them encrypt the text, and the
//! tag is Poly1305 of the ciphertext.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::poly;
use super::salsa::{BLOCK, Salsa20, WIDE, hsalsa20};

/// The Poly1305 tag.
pub(super) const TAG_LEN: usize = poly::TAG_LEN;

/// Bytes of keystream block 0 that key Poly1305 rather than encrypt.
const MAC_KEY: usize = 32;

/// The keystream of one box, computed a buffer of blocks at a time. The first buffer is
/// made at the start because `open` needs the MAC key in it before it decrypts.
struct Keystream {
    salsa: Salsa20,
    buf: [[u8; BLOCK]; WIDE],
    mac_key: [u8; MAC_KEY],
}

impl Keystream {
    fn start(salsa: Salsa20, text_len: usize) -> Keystream {
        let mut stream = Keystream {
            salsa,
            buf: [[0; BLOCK]; WIDE],
            mac_key: [0; MAC_KEY],
        };
        let blocks = (MAC_KEY + text_len).div_ceil(BLOCK).min(WIDE);
        stream.salsa.fill(0, &mut stream.buf[..blocks]);
        stream.mac_key.copy_from_slice(&stream.buf[0][..MAC_KEY]);
        stream.buf[0][..MAC_KEY].zeroize();
        stream
    }

    fn mac(&self, text: &[u8]) -> [u8; TAG_LEN] {
        poly::mac(&self.mac_key, text)
    }

    /// XORs `text` with the keystream from byte 32 of block 0 on; once only.
    fn apply(&mut self, text: &mut [u8]) {
        let (first, rest) = text.split_at_mut(text.len().min(WIDE * BLOCK - MAC_KEY));
        xor(first, &self.buf.as_flattened()[MAC_KEY..]);
        let mut counter = WIDE as u64;
        for chunk in rest.chunks_mut(WIDE * BLOCK) {
            let blocks = chunk.len().div_ceil(BLOCK);
            self.salsa.fill(counter, &mut self.buf[..blocks]);
            xor(chunk, self.buf.as_flattened());
            counter += WIDE as u64;
        }
    }
}

impl Drop for Keystream {
    /// Only the MAC key is secret (and the key, which `Salsa20` wipes): the rest of the
    /// keystream is ciphertext XOR plaintext, both of which the caller holds anyway.
    fn drop(&mut self) {
        self.mac_key.zeroize();
    }
}

fn xor(text: &mut [u8], keystream: &[u8]) {
    for (t, k) in text.iter_mut().zip(keystream) {
        *t ^= k;
    }
}

/// The key for every nonce that starts with one 16-byte prefix: XSalsa20's HSalsa20
/// subkey, which each box would otherwise compute again. All the MESSAGE nonces one side of
/// a CURVE connection sends start with the same 16 bytes.
pub(super) struct Prefixed {
    subkey: [u8; 32],
}

impl Prefixed {
    pub fn new(key: &[u8; 32], prefix: &[u8; 16]) -> Prefixed {
        Prefixed {
            subkey: hsalsa20(key, prefix),
        }
    }

    /// Encrypts `text` in place under the nonce prefix + `tail`; returns its tag.
    pub fn seal(&self, tail: &[u8; 8], text: &mut [u8]) -> [u8; TAG_LEN] {
        let mut stream = Keystream::start(Salsa20::new(&self.subkey, tail), text.len());
        stream.apply(text);
        stream.mac(text)
    }

    /// Checks `tag` against `text`, then decrypts `text` in place; false, with `text` left
    /// as it was, if the tag is wrong.
    pub fn open(&self, tail: &[u8; 8], tag: &[u8; TAG_LEN], text: &mut [u8]) -> bool {
        let mut stream = Keystream::start(Salsa20::new(&self.subkey, tail), text.len());
        if !bool::from(stream.mac(text).ct_eq(tag)) {
            return false;
        }
        stream.apply(text);
        true
    }
}

impl Drop for Prefixed {
    fn drop(&mut self) {
        self.subkey.zeroize();
    }
}

/// A 24-byte nonce as its 16-byte prefix and 8-byte tail.
pub(super) fn split(nonce: &[u8; 24]) -> ([u8; 16], [u8; 8]) {
    let (mut prefix, mut tail) = ([0u8; 16], [0u8; 8]);
    prefix.copy_from_slice(&nonce[..16]);
    tail.copy_from_slice(&nonce[16..]);
    (prefix, tail)
}

/// Encrypts `text` in place; returns its tag.
pub(super) fn seal(key: &[u8; 32], nonce: &[u8; 24], text: &mut [u8]) -> [u8; TAG_LEN] {
    let (prefix, tail) = split(nonce);
    Prefixed::new(key, &prefix).seal(&tail, text)
}

/// Checks `tag` against `text`, then decrypts `text` in place; false, with `text` left as
/// it was, if the tag is wrong.
pub(super) fn open(key: &[u8; 32], nonce: &[u8; 24], tag: &[u8; TAG_LEN], text: &mut [u8]) -> bool {
    let (prefix, tail) = split(nonce);
    Prefixed::new(key, &prefix).open(&tail, tag, text)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crypto_secretbox::aead::generic_array::GenericArray;
    use crypto_secretbox::{AeadInPlace, KeyInit, XSalsa20Poly1305};

    /// splitmix64: reproducible inputs without a dependency.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        pub fn fill(&mut self, buf: &mut [u8]) {
            for b in buf {
                *b = self.next() as u8;
            }
        }
    }

    /// Every length up to 130 (around the MAC key's 32 bytes and the first blocks), the
    /// edges of the buffers of 8 and 4 blocks, and random lengths up to 4200.
    fn lengths(rng: &mut Rng) -> Vec<usize> {
        let mut lens: Vec<usize> = (0..=130).collect();
        for edge in [
            192, 224, 256, 448, 480, 512, 992, 1024, 1056, 1504, 2016, 4096, 4200,
        ] {
            lens.extend(
                [edge - 1, edge, edge + 1]
                    .into_iter()
                    .filter(|&l| l <= 4200),
            );
        }
        lens.extend((0..150).map(|_| (rng.next() % 4201) as usize));
        lens
    }

    #[test]
    fn seal_and_open_agree_with_the_rustcrypto_secretbox() {
        let mut rng = Rng(0x5a15a);
        for len in lengths(&mut rng) {
            let (mut key, mut nonce) = ([0u8; 32], [0u8; 24]);
            rng.fill(&mut key);
            rng.fill(&mut nonce);
            let mut plain = vec![0u8; len];
            rng.fill(&mut plain);

            let mut ours = plain.clone();
            let tag = seal(&key, &nonce, &mut ours);
            let mut theirs = plain.clone();
            let their_tag = XSalsa20Poly1305::new(GenericArray::from_slice(&key))
                .encrypt_in_place_detached(GenericArray::from_slice(&nonce), b"", &mut theirs)
                .unwrap();
            assert_eq!(ours, theirs, "ciphertext of {len} bytes");
            assert_eq!(tag[..], their_tag[..], "tag of {len} bytes");

            let mut opened = ours.clone();
            assert!(open(&key, &nonce, &tag, &mut opened), "{len} bytes");
            assert_eq!(opened, plain, "{len} bytes");

            let (prefix, tail) = split(&nonce);
            let prefixed = Prefixed::new(&key, &prefix);
            let mut again = plain.clone();
            assert_eq!(
                prefixed.seal(&tail, &mut again),
                tag,
                "prefixed, {len} bytes"
            );
            assert_eq!(again, ours, "prefixed, {len} bytes");
            assert!(
                prefixed.open(&tail, &tag, &mut again),
                "prefixed, {len} bytes"
            );
            assert_eq!(again, plain, "prefixed, {len} bytes");
        }
    }

    #[test]
    fn a_flipped_bit_in_tag_text_key_or_nonce_is_refused_and_the_text_left_alone() {
        let mut rng = Rng(7);
        for len in [0, 1, 31, 32, 33, 64, 479, 480, 481, 1025, 4200] {
            let (mut key, mut nonce) = ([0u8; 32], [0u8; 24]);
            rng.fill(&mut key);
            rng.fill(&mut nonce);
            let mut text = vec![0u8; len];
            rng.fill(&mut text);
            let tag = seal(&key, &nonce, &mut text);
            let sealed = text.clone();
            let bit = 1 << (rng.next() % 8);
            let mut bad_tag = tag;
            bad_tag[rng.next() as usize % TAG_LEN] ^= bit;
            assert!(!open(&key, &nonce, &bad_tag, &mut text));
            if len > 0 {
                let i = rng.next() as usize % len;
                text[i] ^= bit;
                let tampered = text.clone();
                assert!(!open(&key, &nonce, &tag, &mut text));
                assert_eq!(text, tampered, "a refused box is not decrypted");
                text[i] ^= bit;
            }
            let mut other_key = key;
            other_key[31] ^= bit;
            assert!(!open(&other_key, &nonce, &tag, &mut text));
            let mut other_nonce = nonce;
            other_nonce[23] ^= bit;
            assert!(!open(&key, &other_nonce, &tag, &mut text));
            assert_eq!(text, sealed);
            assert!(open(&key, &nonce, &tag, &mut text));
        }
    }
}
