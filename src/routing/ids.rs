//! Maps keyed by the library's own numbers (pipe ids, connection tokens). They are made
//! here, sequential and never chosen by a peer, so SipHash's defence against chosen keys
//! buys nothing, and its ~100 instructions per lookup showed in the profile of every
//! received message (the peer metadata a C receive attaches). One multiply spreads them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for integer ids made by the library.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // Fibonacci hashing: the high bits, which hashbrown uses for its control bytes,
        // depend on every bit of the id.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }

    fn write_usize(&mut self, n: usize) {
        self.0 ^= n as u64;
    }
}

/// A map from library-made ids.
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_spread_over_the_high_bits() {
        let hash = |n: u64| {
            let mut h = IdHasher::default();
            h.write_u64(n);
            h.finish() >> 57
        };
        let distinct: std::collections::HashSet<u64> = (1..=64).map(hash).collect();
        assert!(distinct.len() > 32, "{} distinct of 64", distinct.len());
    }

    #[test]
    fn an_id_map_finds_what_was_inserted() {
        let mut m: IdMap<u64, u32> = IdMap::default();
        for i in 0..1000 {
            m.insert(i, i as u32 * 2);
        }
        assert!((0..1000).all(|i| m.get(&i) == Some(&(i as u32 * 2))));
        assert_eq!(m.get(&1000), None);
    }
}
