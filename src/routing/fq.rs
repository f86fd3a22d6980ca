//! Fair queueing: take from each pipe with input in turn (PULL, SUB, DEALER, ROUTER).

use super::cursor::Cursor;

/// Round-robin for receiving over a changing set of pipes, numbered `0..n`.
#[derive(Debug, Default, Clone)]
pub struct FairQueue {
    cursor: Cursor,
}

impl FairQueue {
    /// A fair queue starting at pipe 0.
    pub fn new() -> FairQueue {
        FairQueue::default()
    }

    /// Takes the next message, trying each of `n` pipes once starting after the pipe that
    /// gave the last message, so one busy peer cannot starve the others.
    pub fn recv<M>(
        &mut self,
        n: usize,
        mut attempt: impl FnMut(usize) -> Option<M>,
    ) -> Option<(usize, M)> {
        for i in self.cursor.order(n) {
            if let Some(m) = attempt(i) {
                self.cursor.used(i, n);
                return Some((i, m));
            }
        }
        None
    }

    /// Keeps the position in range after a pipe was swap-removed from a set that now has `n`.
    pub fn pipe_removed(&mut self, removed: usize, n: usize) {
        self.cursor.pipe_removed(removed, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fq_alternates_between_busy_pipes() {
        let mut fq = FairQueue::new();
        let got: Vec<usize> = (0..4).map(|_| fq.recv(2, Some).unwrap().0).collect();
        assert_eq!(got, [0, 1, 0, 1]);
    }

    #[test]
    fn fq_skips_empty_pipes() {
        let mut fq = FairQueue::new();
        let has = [false, false, true];
        let got = fq.recv(3, |i| has[i].then_some(i)).unwrap();
        assert_eq!(got, (2, 2));
        assert_eq!(fq.recv(3, |_| None::<()>), None);
    }

    #[test]
    fn fq_stays_in_range_after_removal() {
        let mut fq = FairQueue::new();
        fq.recv(3, |i| (i == 2).then_some(())).unwrap();
        fq.pipe_removed(1, 2);
        assert!(fq.recv(2, Some).unwrap().0 < 2);
    }
}
