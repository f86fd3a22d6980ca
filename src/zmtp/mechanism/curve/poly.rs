//! Poly1305, the one-time authenticator of NaCl's secretbox, in OpenSSL's 64-bit form: h
//! in two 64-bit words and a few bits above them, r in two words, four 64x64->128-bit
//! products a block, h kept below 2p and reduced only for the tag.
//!
//! Ours rather than the `poly1305` crate's: a CURVE MESSAGE is short, and the crate's
//! AVX2 backend pays for precomputed powers of r and a four-way final reduction on every
//! message; at 1 KiB this scalar form takes less than half its instructions and time. No
//! branch or memory access depends on the key or the message, and x86-64's `mul` takes the
//! same time for any operands.

use zeroize::Zeroize;

/// The tag's size, and the block's.
pub(super) const TAG_LEN: usize = 16;

fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

fn mul(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

/// The accumulator and r, wiped when dropped.
struct State {
    r: [u64; 2],
    h: [u64; 3],
}

impl State {
    /// h = (h + block + pad * 2^128) * r, partly reduced mod p = 2^130 - 5.
    #[inline(always)]
    fn block(&mut self, block: &[u8], pad: u64) {
        let [r0, r1] = self.r;
        // r1 is a multiple of 4 (clamped), so r1 * 2^128 = r1 / 4 * 2^130 = r1 / 4 * 5 mod p.
        let s1 = r1 + (r1 >> 2);
        let [h0, h1, h2] = self.h;
        let t = u128::from(h0) + u128::from(le64(&block[..8]));
        let h0 = t as u64;
        let t = u128::from(h1) + u128::from(le64(&block[8..])) + (t >> 64);
        let h1 = t as u64;
        let h2 = h2 + (t >> 64) as u64 + pad;

        let d0 = mul(h0, r0) + mul(h1, s1);
        let d1 = mul(h0, r1) + mul(h1, r0) + u128::from(h2 * s1) + (d0 >> 64);
        let h2 = h2 * r0 + (d1 >> 64) as u64;
        // What is above 2^130, times 5, goes back to the bottom: c = (h2 >> 2) * 5.
        let c = (h2 >> 2) + (h2 & !3);
        let (h0, carry) = (d0 as u64).overflowing_add(c);
        let (h1, carry) = (d1 as u64).overflowing_add(u64::from(carry));
        self.h = [h0, h1, (h2 & 3) + u64::from(carry)];
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.r.zeroize();
        self.h.zeroize();
    }
}

/// The Poly1305 tag of `msg` under the one-time `key` (r, then s).
pub(super) fn mac(key: &[u8; 32], msg: &[u8]) -> [u8; TAG_LEN] {
    let mut st = State {
        r: [
            le64(&key[..8]) & 0x0fff_fffc_0fff_ffff,
            le64(&key[8..16]) & 0x0fff_fffc_0fff_fffc,
        ],
        h: [0; 3],
    };
    let mut blocks = msg.chunks_exact(TAG_LEN);
    for block in &mut blocks {
        st.block(block, 1);
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // A short last block gets its 2^(8 * len) bit as a byte, and no 2^128.
        let mut last = [0u8; TAG_LEN];
        last[..rest.len()].copy_from_slice(rest);
        last[rest.len()] = 1;
        st.block(&last, 0);
    }

    // h < 2p; h - p = h + 5 - 2^130 is the one to take where h + 5 reaches 2^130.
    let [h0, h1, h2] = st.h;
    let t = u128::from(h0) + 5;
    let g0 = t as u64;
    let t = u128::from(h1) + (t >> 64);
    let g1 = t as u64;
    let take_g = 0u64.wrapping_sub((h2 + (t >> 64) as u64) >> 2);
    let h0 = (h0 & !take_g) | (g0 & take_g);
    let h1 = (h1 & !take_g) | (g1 & take_g);

    // tag = (h + s) mod 2^128
    let t = u128::from(h0) + u128::from(le64(&key[16..24]));
    let lo = t as u64;
    let hi = (u128::from(h1) + u128::from(le64(&key[24..])) + (t >> 64)) as u64;
    let mut tag = [0u8; TAG_LEN];
    tag[..8].copy_from_slice(&lo.to_le_bytes());
    tag[8..].copy_from_slice(&hi.to_le_bytes());
    tag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::curve::secretbox::tests::Rng;
    use poly1305::universal_hash::KeyInit;

    fn theirs(key: &[u8; 32], msg: &[u8]) -> [u8; TAG_LEN] {
        poly1305::Poly1305::new(key.into())
            .compute_unpadded(msg)
            .into()
    }

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let s: String = s.split_whitespace().collect();
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    #[test]
    fn rfc_8439_s2_5_2() {
        let key = hex::<32>("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        let tag = hex::<16>("a8061dc1305136c6c22b8baf0c0127a9");
        assert_eq!(mac(&key, b"Cryptographic Forum Research Group"), tag);
    }

    /// RFC 8439 A.3's edge cases, where h lands at or above p and the final reduction and
    /// carries matter: ours and the RustCrypto crate's agree, and both give the RFC's tags.
    #[test]
    fn rfc_8439_a3_edge_cases() {
        let (one, two) = (hex::<16>("01000000000000000000000000000000"), {
            hex::<16>("02000000000000000000000000000000")
        });
        let (zero, ff) = ([0u8; 16], [0xffu8; 16]);
        let key = |r: [u8; 16], s: [u8; 16]| -> [u8; 32] {
            core::array::from_fn(|i| if i < 16 { r[i] } else { s[i - 16] })
        };
        let cat = |parts: &[[u8; 16]]| parts.concat();
        let mut f0 = ff;
        f0[0] = 0xf0;
        let mut e11 = zero;
        e11[0] = 0x11;
        let mut fbfe = [0xfeu8; 16];
        fbfe[0] = 0xfb;
        let mut fd = ff;
        fd[0] = 0xfd;
        let cases: [([u8; 32], Vec<u8>, &str); 5] = [
            (
                key(two, zero),
                cat(&[ff]),
                "03000000000000000000000000000000",
            ),
            (
                key(two, ff),
                cat(&[two]),
                "03000000000000000000000000000000",
            ),
            (
                key(one, zero),
                cat(&[ff, f0, e11]),
                "05000000000000000000000000000000",
            ),
            (
                key(one, zero),
                cat(&[ff, fbfe, [1; 16]]),
                "00000000000000000000000000000000",
            ),
            (
                key(two, zero),
                cat(&[fd]),
                "faffffffffffffffffffffffffffffff",
            ),
        ];
        for (i, (key, msg, tag)) in cases.iter().enumerate() {
            assert_eq!(theirs(key, msg), hex::<16>(tag), "case {i}, the crate");
            assert_eq!(mac(key, msg), hex::<16>(tag), "case {i}");
        }
    }

    /// Random keys and messages of every length to 300, and keys and messages of all ones
    /// (the largest limbs, the most carries), against the RustCrypto crate.
    #[test]
    fn agrees_with_the_rustcrypto_crate() {
        let mut rng = Rng(3);
        for len in (0..=300).chain([1024, 1025, 4200]) {
            let mut key = [0u8; 32];
            let mut msg = vec![0u8; len];
            rng.fill(&mut key);
            rng.fill(&mut msg);
            assert_eq!(mac(&key, &msg), theirs(&key, &msg), "random, {len} bytes");
            let ones = vec![0xff; len];
            assert_eq!(
                mac(&[0xff; 32], &ones),
                theirs(&[0xff; 32], &ones),
                "ones, {len}"
            );
            assert_eq!(
                mac(&key, &ones),
                theirs(&key, &ones),
                "ones, random key, {len}"
            );
        }
    }
}
