//! The round-robin position both load balancing and fair queueing keep over a changing set of
//! pipes, numbered `0..n`.

/// Where the next round-robin scan starts.
#[derive(Debug, Default, Clone)]
pub struct Cursor {
    next: usize,
}

impl Cursor {
    /// The pipe indices in scan order for a set of `n` pipes.
    pub fn order(&self, n: usize) -> impl Iterator<Item = usize> + use<> {
        let start = self.next;
        (0..n).map(move |k| (start + k) % n)
    }

    /// Pipe `i` of `n` was just used: the next scan starts after it.
    pub fn used(&mut self, i: usize, n: usize) {
        self.next = (i + 1) % n.max(1);
    }

    /// Keeps the position fair after pipe `removed` was swap-removed from a set that now has
    /// `n` pipes: the last pipe moved into `removed` and keeps its turn.
    pub fn pipe_removed(&mut self, removed: usize, n: usize) {
        if self.next == n && removed < n {
            self.next = removed;
        }
        if self.next >= n {
            self.next = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_starts_after_the_last_used_pipe() {
        let mut c = Cursor::default();
        c.used(1, 3);
        assert_eq!(c.order(3).collect::<Vec<_>>(), [2, 0, 1]);
    }

    #[test]
    fn moved_last_pipe_keeps_its_turn_after_removal() {
        let mut c = Cursor::default();
        c.used(1, 3);
        // Pipe 0 removed: pipe 2 (whose turn it was) now sits at index 0.
        c.pipe_removed(0, 2);
        assert_eq!(c.order(2).next(), Some(0));
        c.pipe_removed(0, 0);
        assert_eq!(c.order(0).next(), None);
    }
}
