//! Fuzz entry point for the subscription trie: operations decoded from arbitrary bytes are
//! applied to a [`Trie`] and to a plain model (a map of prefixes to counts), which must agree
//! after every step. Called by the cargo-fuzz target `trie` and by the tests below.

use std::collections::BTreeMap;

use super::Trie;

/// Applies the operations `data` encodes to a trie and to the model, checking that they
/// agree. Each operation is an opcode byte and a length byte, then that many bytes of prefix
/// (mapped onto four letters, so prefixes share and split edges often).
pub fn fuzz_trie(data: &[u8]) {
    let mut trie = Trie::new();
    let mut model: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
    let mut rest = data;
    while let [op, len, tail @ ..] = rest {
        let take = usize::from(*len % 12).min(tail.len());
        let prefix: Vec<u8> = tail[..take].iter().map(|b| b'a' + b % 4).collect();
        rest = &tail[take..];
        let count = model.get(&prefix).copied().unwrap_or(0);
        match op % 6 {
            0 => {
                assert_eq!(trie.add(&prefix), count == 0, "add {prefix:?}");
                model.insert(prefix, count.saturating_add(1));
            }
            1 => {
                assert_eq!(trie.remove(&prefix), count == 1, "remove {prefix:?}");
                match count {
                    0 => {}
                    1 => drop(model.remove(&prefix)),
                    n => drop(model.insert(prefix, n - 1)),
                }
            }
            2 => {
                assert_eq!(trie.remove_all(&prefix), count > 0, "remove_all {prefix:?}");
                model.remove(&prefix);
            }
            3 => {
                let expected = model.keys().any(|k| prefix.starts_with(k));
                assert_eq!(trie.matches(&prefix), expected, "matches {prefix:?}");
            }
            4 => assert_eq!(trie.count(&prefix), count, "count {prefix:?}"),
            _ => {
                let listed: Vec<Vec<u8>> = model.keys().cloned().collect();
                assert_eq!(trie.prefixes(), listed);
            }
        }
        assert_eq!(trie.len(), model.len());
        assert_eq!(trie.is_empty(), model.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trie_fuzz_entry_point_survives_seeded_random_inputs() {
        let mut state = 0x7472_6965u64;
        for _ in 0..2000 {
            let len = (state >> 40) as usize % 200;
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (state >> 33) as u8
                })
                .collect();
            fuzz_trie(&input);
        }
    }
}
