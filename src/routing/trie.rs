//! Prefix subscriptions (SUB, XSUB, PUB, XPUB): which byte prefixes are subscribed, how often,
//! and whether a message starts with one of them.
//!
//! A radix tree: edges carry runs of bytes, so memory follows the bytes subscribed, and every
//! node below the root is subscribed or forks, which lets `remove` prune in place. Walks are
//! loops, never recursion, so a peer's deep tree cannot overflow a stack.

use std::{fmt, mem};

/// Byte-prefix subscriptions with reference counts.
#[derive(Default)]
pub struct Trie {
    root: Node,
    len: usize,
}

/// One node; `label` is the edge from its parent (empty only at the root).
#[derive(Default)]
struct Node {
    label: Vec<u8>,
    count: u32,
    /// Sorted by `label[0]`, which is unique among siblings.
    children: Vec<Node>,
}

impl Trie {
    /// An empty trie: nothing is subscribed, so nothing matches.
    pub fn new() -> Trie {
        Trie::default()
    }

    /// Adds one reference to `prefix`; true when it was absent before (count 0 -> 1).
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        self.add_count(prefix, 1)
    }

    /// Drops one reference; true when that removed the prefix (count 1 -> 0). False (and no
    /// change) if absent.
    pub fn remove(&mut self, prefix: &[u8]) -> bool {
        self.release(prefix, false)
    }

    /// Drops every reference to `prefix`; true if it was present.
    pub fn remove_all(&mut self, prefix: &[u8]) -> bool {
        self.release(prefix, true)
    }

    /// Whether `prefix` itself is subscribed (count > 0).
    pub fn contains(&self, prefix: &[u8]) -> bool {
        self.count(prefix) > 0
    }

    /// The reference count of `prefix` (0 if absent).
    pub fn count(&self, prefix: &[u8]) -> u32 {
        let (mut node, mut rest) = (&self.root, prefix);
        while !rest.is_empty() {
            let Some((i, tail)) = node.descend(rest) else {
                return 0;
            };
            (node, rest) = (&node.children[i], tail);
        }
        node.count
    }

    /// Whether some subscribed prefix is a prefix of `data` (the empty prefix matches
    /// everything).
    pub fn matches(&self, data: &[u8]) -> bool {
        // Runs per message and subscriber: no allocation, and the shortest match stops it.
        let (mut node, mut rest) = (&self.root, data);
        while node.count == 0 {
            let Some((i, tail)) = node.descend(rest) else {
                return false;
            };
            (node, rest) = (&node.children[i], tail);
        }
        true
    }

    /// Every subscribed prefix (each once, in byte order), e.g. to re-send them after a
    /// reconnect.
    pub fn prefixes(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        self.for_each(|prefix, _| out.push(prefix.to_vec()));
        out
    }

    /// Number of distinct subscribed prefixes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no prefix is subscribed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Unsubscribes everything and frees every node.
    pub fn clear(&mut self) {
        // Assigning runs `Drop` on the old tree, which frees it without recursion.
        *self = Trie::new();
    }

    /// Adds `n` references to `prefix` (`n` > 0); true when it was absent before.
    fn add_count(&mut self, prefix: &[u8], n: u32) -> bool {
        let (mut node, mut rest) = (&mut self.root, prefix);
        while let Some(&first) = rest.first() {
            let i = match node.child_index(first) {
                Ok(i) => i,
                Err(i) => {
                    let mut leaf = Node::default();
                    (leaf.label, leaf.count) = (rest.to_vec(), n);
                    node.children.insert(i, leaf);
                    self.len += 1;
                    return true;
                }
            };
            let child = &mut node.children[i];
            let common = common_len(&child.label, rest);
            if common < child.label.len() {
                // A one-child fork is brief: `prefix` ends here or adds a second child next.
                child.split(common);
            }
            rest = &rest[common..];
            node = child;
        }
        // A count stuck at the maximum keeps the prefix subscribed rather than wrapping to 0.
        let added = node.count == 0;
        node.count = node.count.saturating_add(n);
        self.len += usize::from(added);
        added
    }

    /// Lowers the count of `prefix` by one (or to 0 when `all`); true when it reached 0.
    fn release(&mut self, prefix: &[u8], all: bool) -> bool {
        let Some(path) = self.path_to(prefix) else {
            return false;
        };
        let node = path.iter().fold(&mut self.root, |n, &i| &mut n.children[i]);
        let before = node.count;
        node.count = if all { 0 } else { before.saturating_sub(1) };
        if before == 0 || node.count > 0 {
            return false;
        }
        self.len -= 1;
        // Only this node and its parent can break the invariant; the root (no path) stays.
        if let Some((&last, above)) = path.split_last() {
            let parent = above
                .iter()
                .fold(&mut self.root, |n, &i| &mut n.children[i]);
            if parent.children[last].children.is_empty() {
                parent.children.remove(last);
                if !above.is_empty() {
                    parent.absorb_only_child();
                }
            } else {
                parent.children[last].absorb_only_child();
            }
        }
        true
    }

    /// Child indices from the root to the node spelling exactly `prefix`, if there is one.
    fn path_to(&self, prefix: &[u8]) -> Option<Vec<usize>> {
        let mut path = Vec::new();
        let (mut node, mut rest) = (&self.root, prefix);
        while !rest.is_empty() {
            let (i, tail) = node.descend(rest)?;
            (node, rest) = (&node.children[i], tail);
            path.push(i);
        }
        Some(path)
    }

    /// Calls `f(prefix, count)` for each subscribed prefix in byte order.
    fn for_each(&self, mut f: impl FnMut(&[u8], u32)) {
        let mut prefix = Vec::new();
        // Each entry holds the length of its parent's prefix, to cut `prefix` back to.
        let mut stack = vec![(&self.root, 0)];
        while let Some((node, parent_len)) = stack.pop() {
            prefix.truncate(parent_len);
            prefix.extend_from_slice(&node.label);
            if node.count > 0 {
                f(&prefix, node.count);
            }
            stack.extend(node.children.iter().rev().map(|c| (c, prefix.len())));
        }
    }
}

impl Node {
    fn child_index(&self, first: u8) -> Result<usize, usize> {
        self.children.binary_search_by_key(&first, |c| c.label[0])
    }

    /// The child whose whole label starts `rest`, and what follows that label.
    fn descend<'d>(&self, rest: &'d [u8]) -> Option<(usize, &'d [u8])> {
        let i = self.child_index(*rest.first()?).ok()?;
        Some((i, rest.strip_prefix(self.children[i].label.as_slice())?))
    }

    /// Turns this node into a fork at `at` bytes into its label, holding the rest below it.
    fn split(&mut self, at: usize) {
        let tail = Node {
            label: self.label.split_off(at),
            count: mem::take(&mut self.count),
            children: mem::take(&mut self.children),
        };
        self.children = vec![tail];
    }

    /// Merges an unsubscribed node with its only child, so no chain of bare nodes remains.
    fn absorb_only_child(&mut self) {
        if self.count > 0 || self.children.len() != 1 {
            return;
        }
        let child = self.children.remove(0);
        self.label.extend_from_slice(&child.label);
        self.count = child.count;
        self.children = child.children;
    }
}

fn common_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Drop for Trie {
    fn drop(&mut self) {
        // A derived drop recurses per level; this frees each node after taking its children.
        let mut stack = mem::take(&mut self.root.children);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

impl Clone for Trie {
    fn clone(&self) -> Trie {
        // Unlike a derived clone this never recurses, and costs what subscribing did.
        let mut copy = Trie::new();
        self.for_each(|prefix, count| _ = copy.add_count(prefix, count));
        copy
    }
}

impl fmt::Debug for Trie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        self.for_each(|prefix, count| _ = map.entry(&prefix.escape_ascii().to_string(), &count));
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Every node below the root, to check that removal gives memory back.
    fn nodes(t: &Trie) -> Vec<&Node> {
        let (mut all, mut stack) = (Vec::new(), vec![&t.root]);
        while let Some(n) = stack.pop() {
            stack.extend(&n.children);
            all.push(n);
        }
        all.split_off(1)
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut t = Trie::new();
        assert!(!t.matches(b"") && !t.matches(b"x") && t.add(b""));
        assert!(t.matches(b"") && t.matches(b"anything") && t.contains(b""));
        assert!(t.remove(b"") && !t.matches(b"anything") && t.is_empty());
    }

    #[test]
    fn subscribing_twice_needs_two_unsubscribes() {
        let mut t = Trie::new();
        assert!(t.add(b"topic") && !t.add(b"topic"));
        assert_eq!((t.count(b"topic"), t.len()), (2, 1));
        assert!(!t.remove(b"topic") && t.matches(b"topic.a"));
        assert!(t.remove(b"topic") && !t.matches(b"topic.a") && t.is_empty());
    }

    #[test]
    fn remove_of_absent_prefix_is_false() {
        let mut t = Trie::new();
        assert!(!t.remove(b"a") && !t.remove_all(b""));
        assert!(t.add(b"abc") && t.add(b"abd"));
        // "ab" is a fork node and "a" ends inside its edge: neither is subscribed.
        assert!(!t.remove(b"ab") && !t.remove(b"a") && !t.remove(b"abcd"));
        assert_eq!(t.prefixes(), [b"abc".to_vec(), b"abd".to_vec()]);
    }

    #[test]
    fn matches_needs_a_whole_prefix() {
        let mut t = Trie::new();
        assert!(t.add(b"AB") && !t.matches(b"A") && !t.matches(b"AC") && !t.matches(b""));
        assert!(t.matches(b"AB") && t.matches(b"ABC"));
        assert!(!t.contains(b"A") && t.count(b"ABC") == 0);
    }

    #[test]
    fn prefixes_lists_each_once_in_order() {
        let mut t = Trie::new();
        let adds: [&[u8]; 7] = [b"b", b"abc", b"", b"ab", b"b", b"\xff", b"abd"];
        adds.iter().for_each(|p| _ = t.add(p));
        let want: [&[u8]; 6] = [b"", b"ab", b"abc", b"abd", b"b", b"\xff"];
        assert_eq!(
            (t.prefixes(), t.len()),
            (want.map(<[u8]>::to_vec).to_vec(), 6)
        );
        assert_eq!(format!("{t:?}").matches("\"b\": 2").count(), 1);
    }

    #[test]
    fn removing_everything_frees_every_node() {
        let mut t = Trie::new();
        let keys: Vec<Vec<u8>> = (0u32..2000).map(|i| i.to_string().into_bytes()).collect();
        keys.iter().for_each(|k| _ = t.add(k));
        assert!(nodes(&t).len() >= keys.len());
        assert!(keys.iter().rev().all(|k| t.remove(k)));
        assert_eq!((nodes(&t).len(), t.len()), (0, 0));
        keys.iter().for_each(|k| _ = t.add(k));
        t.clear();
        assert!(nodes(&t).is_empty() && !t.matches(b"1"));
    }

    #[test]
    fn remove_all_drops_even_a_saturated_count() {
        let mut t = Trie::new();
        t.add(b"x");
        t.root.children[0].count = u32::MAX;
        assert!(!t.add(b"x") && t.count(b"x") == u32::MAX);
        assert!(t.remove_all(b"x") && !t.remove_all(b"x") && nodes(&t).is_empty());
    }

    #[test]
    fn deep_prefix_does_not_overflow_the_stack() {
        let long = vec![7u8; 1_000_000];
        let mut t = Trie::new();
        assert!(t.add(&long) && t.matches(&long) && !t.matches(&long[1..]));
        t.add(&long[..500_000]);
        assert_eq!(t.clone().prefixes().len(), 2);
        assert!(t.remove(&long[..500_000]) && t.remove(&long) && nodes(&t).is_empty());
        // The chain of nested prefixes, walked on a small stack, is in tests/trie_stack.rs:
        // this module stays free of threads.
    }

    #[test]
    fn random_operations_agree_with_a_naive_model() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let (mut t, mut model) = (Trie::new(), HashMap::<Vec<u8>, u32>::new());
        for step in 0..20_000 {
            let key: Vec<u8> = (0..next(5)).map(|_| next(3) as u8).collect();
            let had = model.get(&key).copied().unwrap_or(0);
            let (got, want, now) = match next(5) {
                0 | 1 => (t.add(&key), had == 0, had + 1),
                2 => (t.remove(&key), had == 1, had.saturating_sub(1)),
                3 => (t.remove_all(&key), had > 0, 0),
                _ => {
                    let hit = (0..=key.len()).any(|n| model.contains_key(&key[..n]));
                    (t.matches(&key), hit, had)
                }
            };
            assert_eq!((got, t.count(&key)), (want, now), "step {step}");
            model.insert(key, now);
            model.retain(|_, count| *count > 0);
            assert_eq!(t.len(), model.len());
            if step % 97 == 0 {
                // Each node has sorted, distinct first bytes, and is subscribed or forks.
                for n in nodes(&t) {
                    assert!(!n.label.is_empty() && (n.count > 0 || n.children.len() >= 2));
                    assert!(n.children.windows(2).all(|w| w[0].label[0] < w[1].label[0]));
                }
                let mut keys: Vec<Vec<u8>> = model.keys().cloned().collect();
                keys.sort();
                assert_eq!(t.clone().prefixes(), keys);
            }
        }
        model.keys().for_each(|k| _ = t.remove_all(k));
        assert_eq!((nodes(&t).len(), t.len()), (0, 0));
    }
}
