//! Fuzzing-only stand-ins for X25519 and XSalsa20-Poly1305. NOT cryptography: nothing here
//! is secret or unforgeable.
//!
//! Why they exist: a real CURVE handshake costs a dozen X25519 multiplications (~50 µs
//! each), which held the `curve` fuzz target to ~800 inputs/s, so a 50-million-run campaign
//! would take most of a day. `nacl.rs` swaps these in only under `cfg(fuzzing)`, which
//! cargo-fuzz sets for its builds and which `cargo build`/`cargo test` never set. Unit tests
//! compile this file too, so the stand-ins are tested without ever replacing the real ones.
//!
//! What they keep, so the fuzzer explores the same code the real primitives would drive:
//! - key agreement commutes (Diffie-Hellman in the multiplicative group modulo 2^61 - 1),
//!   so client and server derive the same box keys and every later state is reachable;
//! - a public key of order 1 or 2 in that group (0, 1 and p - 1, standing in for
//!   Curve25519's low-order points) yields the all-zero secret `BoxKey::between` refuses,
//!   so key validation stays on the fuzzed path (0 and 1 are refused, as with X25519);
//! - a box has NaCl's layout (16-byte tag, then ciphertext as long as the plaintext) and
//!   opens only with the key and nonce it was sealed with and unaltered bytes, so every
//!   reject path still runs. A failed open leaves the text untouched, as the real one does.

use crate::curve::KEY_LEN;

/// The Mersenne prime 2^61 - 1: products fit in u128 and reduce with a shift and an add.
const P: u64 = (1 << 61) - 1;
/// A primitive root modulo P, so public keys do not collapse into a small subgroup.
const G: u64 = 37;

fn mul(a: u64, b: u64) -> u64 {
    let x = u128::from(a) * u128::from(b);
    let r = (x as u64 & P) + (x >> 61) as u64;
    if r >= P { r - P } else { r }
}

fn pow(mut base: u64, mut exp: u64) -> u64 {
    let mut acc = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// All 32 bytes matter, as they do for X25519 (a key differing anywhere is another key),
/// and repeated words do not cancel out; yet `fold(encode(v)) == v`, as mix(0) is 0.
fn fold(key: &[u8; KEY_LEN]) -> u64 {
    let mut w = [0u64; 4];
    for (slot, word) in w.iter_mut().zip(words(key)) {
        *slot = word;
    }
    w[0] ^ mix(w[1] ^ mix(w[2] ^ mix(w[3])))
}

fn encode(v: u64) -> [u8; KEY_LEN] {
    let mut out = [0u8; KEY_LEN];
    out[..8].copy_from_slice(&v.to_le_bytes());
    out
}

/// Never zero, as X25519's clamping makes the scalar never zero.
fn scalar(secret: &[u8; KEY_LEN]) -> u64 {
    fold(secret) | 1
}

/// The stand-in for X25519 with the base point.
pub(crate) fn public_key(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    encode(pow(G, scalar(secret)))
}

/// The stand-in for X25519: the shared secret, all zeros for a low-order key.
pub(crate) fn shared(theirs: &[u8; KEY_LEN], ours: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    let s = pow(fold(theirs) % P, scalar(ours));
    if s <= 1 || s == P - 1 {
        [0; KEY_LEN]
    } else {
        encode(s)
    }
}

/// splitmix64's finaliser: cheap, and every input bit reaches every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks(8).map(|c| {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(w)
    })
}

/// The stand-in for XSalsa20-Poly1305 under one key.
pub(crate) struct Cipher(u64);

impl Cipher {
    pub fn new(key: &[u8; KEY_LEN]) -> Cipher {
        Cipher(words(key).fold(0x5eed, |h, w| mix(h ^ w)))
    }

    fn seed(&self, nonce: &[u8; 24]) -> u64 {
        words(nonce).fold(self.0, |h, w| mix(h ^ w))
    }

    fn xor_stream(seed: u64, text: &mut [u8]) {
        let mut state = seed;
        for chunk in text.chunks_mut(8) {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            for (b, k) in chunk.iter_mut().zip(mix(state).to_le_bytes()) {
                *b ^= k;
            }
        }
    }

    /// Over the ciphertext, as Poly1305 is, so a box is checked before it is decrypted.
    fn tag(seed: u64, text: &[u8]) -> [u8; 16] {
        let (mut a, mut b) = (mix(seed ^ 0x7a67), mix(seed ^ 0x6c65));
        for w in words(text) {
            a = mix(a ^ w);
            b = mix(b.wrapping_add(w) ^ a);
        }
        let len = text.len() as u64;
        let mut tag = [0u8; 16];
        tag[..8].copy_from_slice(&mix(a ^ len).to_le_bytes());
        tag[8..].copy_from_slice(&mix(b ^ len.rotate_left(32)).to_le_bytes());
        tag
    }

    /// Encrypts `text` in place; its tag.
    pub fn seal(&self, nonce: &[u8; 24], text: &mut [u8]) -> [u8; 16] {
        let seed = self.seed(nonce);
        Self::xor_stream(seed, text);
        Self::tag(seed, text)
    }

    /// Decrypts `text` in place if `tag` is its tag; false, and `text` untouched, if not.
    pub fn open(&self, nonce: &[u8; 24], tag: &[u8], text: &mut [u8]) -> bool {
        let seed = self.seed(nonce);
        if Self::tag(seed, text)[..] != *tag {
            return false;
        }
        Self::xor_stream(seed, text);
        true
    }
}

/// The secretbox interface of `secretbox.rs`, on [`Cipher`].
pub(crate) mod secretbox {
    use super::Cipher;
    use crate::curve::KEY_LEN;

    pub const TAG_LEN: usize = 16;

    pub(crate) fn seal(key: &[u8; KEY_LEN], nonce: &[u8; 24], text: &mut [u8]) -> [u8; TAG_LEN] {
        Cipher::new(key).seal(nonce, text)
    }

    pub(crate) fn open(
        key: &[u8; KEY_LEN],
        nonce: &[u8; 24],
        tag: &[u8; TAG_LEN],
        text: &mut [u8],
    ) -> bool {
        Cipher::new(key).open(nonce, tag, text)
    }

    /// A key for nonces that share a 16-byte prefix.
    pub(crate) struct Prefixed(Cipher, [u8; 16]);

    impl Prefixed {
        pub fn new(key: &[u8; KEY_LEN], prefix: &[u8; 16]) -> Prefixed {
            Prefixed(Cipher::new(key), *prefix)
        }

        fn nonce(&self, tail: &[u8; 8]) -> [u8; 24] {
            let mut n = [0u8; 24];
            n[..16].copy_from_slice(&self.1);
            n[16..].copy_from_slice(tail);
            n
        }

        pub fn seal(&self, tail: &[u8; 8], text: &mut [u8]) -> [u8; TAG_LEN] {
            self.0.seal(&self.nonce(tail), text)
        }

        pub fn open(&self, tail: &[u8; 8], tag: &[u8; TAG_LEN], text: &mut [u8]) -> bool {
            self.0.open(&self.nonce(tail), tag, text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secretbox_stand_in_agrees_with_itself_with_and_without_a_prefixed_key() {
        let (key, nonce) = ([3u8; KEY_LEN], [5u8; 24]);
        let mut text = b"sealed".to_vec();
        let tag = secretbox::seal(&key, &nonce, &mut text);
        let prefixed = secretbox::Prefixed::new(&key, nonce[..16].try_into().unwrap());
        let tail: [u8; 8] = nonce[16..].try_into().unwrap();
        let mut again = b"sealed".to_vec();
        assert_eq!(prefixed.seal(&tail, &mut again), tag);
        assert_eq!(again, text);
        assert!(prefixed.open(&tail, &tag, &mut again));
        assert!(secretbox::open(&key, &nonce, &tag, &mut text));
        assert_eq!((&text[..], &again[..]), (&b"sealed"[..], &b"sealed"[..]));
        assert_eq!(secretbox::TAG_LEN, tag.len());
    }

    #[test]
    fn agreement_commutes_and_low_order_keys_give_the_zero_secret() {
        let (a, b) = ([0x11; KEY_LEN], [0x22; KEY_LEN]);
        let s = shared(&public_key(&b), &a);
        assert_eq!(s, shared(&public_key(&a), &b));
        assert_ne!(s, [0; KEY_LEN]);
        assert_ne!(public_key(&a), public_key(&b));
        assert_eq!(fold(&encode(P - 2)), P - 2);
        let mut one = [0u8; KEY_LEN];
        one[0] = 1;
        for low in [[0; KEY_LEN], one, encode(P - 1)] {
            assert_eq!(shared(&low, &a), [0; KEY_LEN]);
        }
    }

    #[test]
    fn a_box_opens_only_unaltered_with_its_key_and_nonce() {
        let (key, nonce) = (Cipher::new(&[9; KEY_LEN]), [7u8; 24]);
        let plain = b"seventeen bytes!!".to_vec();
        let mut text = plain.clone();
        let tag = key.seal(&nonce, &mut text);
        assert_ne!(text, plain);
        let mut other_nonce = nonce;
        other_nonce[23] ^= 1;
        assert!(!key.open(&other_nonce, &tag, &mut text.clone()));
        assert!(!Cipher::new(&[8; KEY_LEN]).open(&nonce, &tag, &mut text.clone()));
        for i in 0..text.len() {
            let mut bad = text.clone();
            bad[i] ^= 0x80;
            assert!(!key.open(&nonce, &tag, &mut bad));
            assert_eq!(
                bad[i],
                text[i] ^ 0x80,
                "a failed open leaves the text as it was"
            );
        }
        assert!(!key.open(&nonce, &tag[..15], &mut text.clone()));
        assert!(key.open(&nonce, &tag, &mut text));
        assert_eq!(text, plain);
    }
}
