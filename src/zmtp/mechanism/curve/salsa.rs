//! Salsa20/20 and HSalsa20, the stream cipher half of NaCl's secretbox.
//!
//! A CURVE MESSAGE spends most of its CPU time here, so several blocks are computed at
//! once: [`blocks`] runs the whole 20-round block function inside a loop over N blocks,
//! and LLVM's loop vectoriser turns that loop into one pass with each of the 16 state
//! words in a vector register, one lane per block: SSE2 for N = 4, AVX2 (where the
//! processor has it, through `sys::simd`) for N = 8. No intrinsics, no `unsafe`: the
//! round function is plain `u32` arithmetic, and N = 1 is the scalar cipher, for short
//! tails and HSalsa20.

use zeroize::Zeroize;

use crate::sys::simd;

/// "expand 32-byte k", the constant words of every Salsa20 input block.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Bytes in one keystream block.
pub(super) const BLOCK: usize = 64;

/// The most blocks one pass computes (AVX2's 8 lanes), and so the size of a keystream
/// buffer worth filling at a time.
pub(super) const WIDE: usize = 8;

/// `x[t] ^= (x[a] + x[b]) <<< r`: the one operation Salsa20 is made of.
#[inline(always)]
fn step(x: &mut [u32; 16], t: usize, a: usize, b: usize, r: u32) {
    x[t] ^= x[a].wrapping_add(x[b]).rotate_left(r);
}

#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    step(x, b, a, d, 7);
    step(x, c, b, a, 9);
    step(x, d, c, b, 13);
    step(x, a, d, c, 18);
}

#[inline(always)]
fn double_round(x: &mut [u32; 16]) {
    quarter(x, 0, 4, 8, 12);
    quarter(x, 5, 9, 13, 1);
    quarter(x, 10, 14, 2, 6);
    quarter(x, 15, 3, 7, 11);
    quarter(x, 0, 1, 2, 3);
    quarter(x, 5, 6, 7, 4);
    quarter(x, 10, 11, 8, 9);
    quarter(x, 15, 12, 13, 14);
}

/// The 20 rounds, without the final addition of the input. Written out rather than
/// looped: LLVM vectorises only innermost loops, and the innermost loop must be the one
/// over blocks in [`blocks`].
#[inline(always)]
fn rounds(x: &mut [u32; 16]) {
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
    double_round(x);
}

fn words<const W: usize>(bytes: &[u8]) -> [u32; W] {
    let mut w = [0u32; W];
    for (w, b) in w.iter_mut().zip(bytes.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    w
}

/// The input block for `key` and a 16-byte tail (nonce, then counter, or HSalsa20's
/// 16-byte nonce), as words.
fn input(key: &[u8; 32], tail: &[u8; 16]) -> [u32; 16] {
    let k: [u32; 8] = words(key);
    let t: [u32; 4] = words(tail);
    [
        SIGMA[0], k[0], k[1], k[2], k[3], SIGMA[1], t[0], t[1], t[2], t[3], SIGMA[2], k[4], k[5],
        k[6], k[7], SIGMA[3],
    ]
}

/// HSalsa20: derives XSalsa20's subkey from a key and the nonce's first 16 bytes (and
/// crypto_box_beforenm's box key from an X25519 secret, with a zero nonce).
pub(crate) fn hsalsa20(key: &[u8; 32], nonce: &[u8; 16]) -> [u8; 32] {
    let mut x = input(key, nonce);
    rounds(&mut x);
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip([0, 5, 10, 15, 6, 7, 8, 9]) {
        o.copy_from_slice(&x[w].to_le_bytes());
    }
    x.zeroize();
    out
}

/// Keystream blocks `counter..counter + N`. The loop over blocks is the one LLVM
/// vectorises (N lanes of one vector each), so nothing in it may differ between blocks but
/// the counter. Values in and out, no references: where this is inlined, LLVM cannot
/// always tell a caller's output buffer from the input, and then does not vectorise.
#[inline(always)]
fn blocks<const N: usize>(input: [u32; 16], counter: u64) -> [[u8; BLOCK]; N] {
    let mut out = [[0u8; BLOCK]; N];
    for (l, block) in out.iter_mut().enumerate() {
        let mut x = input;
        let c = counter.wrapping_add(l as u64);
        x[8] = c as u32;
        x[9] = (c >> 32) as u32;
        let start = x;
        rounds(&mut x);
        for (w, o) in block.chunks_exact_mut(4).enumerate() {
            o.copy_from_slice(&x[w].wrapping_add(start[w]).to_le_bytes());
        }
    }
    out
}

/// Fills `out` with the blocks from `counter` on, N at a time; a rest of one block by the
/// scalar function, which costs about half an N-block pass.
#[inline(always)]
fn fill_with<const N: usize>(input: &[u32; 16], mut counter: u64, out: &mut [[u8; BLOCK]]) {
    let mut chunks = out.chunks_exact_mut(N);
    for chunk in &mut chunks {
        chunk.copy_from_slice(&blocks::<N>(*input, counter));
        counter = counter.wrapping_add(N as u64);
    }
    match chunks.into_remainder() {
        [] => {}
        [one] => *one = blocks::<1>(*input, counter)[0],
        rest => rest.copy_from_slice(&blocks::<N>(*input, counter)[..rest.len()]),
    }
}

/// A Salsa20/20 key and 8-byte nonce.
pub(super) struct Salsa20 {
    input: [u32; 16],
}

impl Salsa20 {
    /// Salsa20 with `key` and `nonce`, at block 0. XSalsa20 is this with HSalsa20's subkey
    /// of the key and the first 16 bytes of its 24-byte nonce, and the last 8 as the nonce.
    pub fn new(key: &[u8; 32], nonce: &[u8; 8]) -> Salsa20 {
        let mut tail = [0u8; 16];
        tail[..8].copy_from_slice(nonce);
        Salsa20 {
            input: input(key, &tail),
        }
    }

    /// Keystream blocks `counter..counter + out.len()`.
    pub fn fill(&self, counter: u64, out: &mut [[u8; BLOCK]]) {
        let input = &self.input;
        if simd::avx2(|| fill_with::<8>(input, counter, &mut *out)).is_none() {
            fill_with::<4>(input, counter, out);
        }
    }
}

impl Drop for Salsa20 {
    fn drop(&mut self) {
        self.input.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::curve::secretbox::tests::Rng;
    use salsa20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

    type Fill = fn(&[u32; 16], u64, &mut [[u8; BLOCK]]);

    #[test]
    fn hsalsa20_is_the_salsa20_crates() {
        let mut rng = Rng(1);
        for _ in 0..20 {
            let (mut key, mut nonce) = ([0u8; 32], [0u8; 16]);
            rng.fill(&mut key);
            rng.fill(&mut nonce);
            let theirs =
                salsa20::hsalsa::<salsa20::cipher::consts::U10>((&key).into(), (&nonce).into());
            assert_eq!(hsalsa20(&key, &nonce)[..], theirs[..]);
        }
    }

    /// Every run length from 1 to 20 blocks (whole wide passes, the wide pass cut short and
    /// the scalar rest) at counters that carry into the counter's high word.
    #[test]
    fn keystream_blocks_are_the_salsa20_crates_at_any_counter() {
        let mut rng = Rng(2);
        for counter in [0u64, 1, 7, 0xffff_fffe, 0x1_2345_6789] {
            for blocks in 1..=20 {
                let (mut key, mut nonce) = ([0u8; 32], [0u8; 8]);
                rng.fill(&mut key);
                rng.fill(&mut nonce);
                let salsa = Salsa20::new(&key, &nonce);
                let mut theirs = vec![0u8; blocks * BLOCK];
                let mut cipher = salsa20::Salsa20::new((&key).into(), (&nonce).into());
                cipher.seek(counter * BLOCK as u64);
                cipher.apply_keystream(&mut theirs);
                // The dispatching fill and each width whatever this processor has.
                let fills: [Fill; 4] = [
                    |i, c, o| Salsa20 { input: *i }.fill(c, o),
                    fill_with::<1>,
                    fill_with::<4>,
                    fill_with::<8>,
                ];
                for (f, fill) in fills.iter().enumerate() {
                    let mut ours = vec![[0u8; BLOCK]; blocks];
                    fill(&salsa.input, counter, &mut ours);
                    assert_eq!(
                        ours.as_flattened(),
                        &theirs[..],
                        "{f}: {blocks} at {counter}"
                    );
                }
            }
        }
    }
}
