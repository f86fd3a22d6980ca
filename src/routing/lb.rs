//! Load balancing: round-robin over the pipes that can take a message (PUSH, DEALER, REQ).

use super::cursor::Cursor;

/// Round-robin over a changing set of pipes, numbered `0..n`.
#[derive(Debug, Default, Clone)]
pub struct LoadBalancer {
    cursor: Cursor,
}

impl LoadBalancer {
    /// A balancer starting at pipe 0.
    pub fn new() -> LoadBalancer {
        LoadBalancer::default()
    }

    /// Offers `msg` to each of `n` pipes in turn, starting after the last one that took a
    /// message. `attempt(i, msg)` gives the message back when pipe `i` cannot take it.
    /// Returns the pipe that took it, or the message when none could.
    pub fn send<M>(
        &mut self,
        n: usize,
        mut msg: M,
        mut attempt: impl FnMut(usize, M) -> Result<(), M>,
    ) -> Result<usize, M> {
        for i in self.cursor.order(n) {
            match attempt(i, msg) {
                Ok(()) => {
                    self.cursor.used(i, n);
                    return Ok(i);
                }
                Err(m) => msg = m,
            }
        }
        Err(msg)
    }

    /// Keeps the position fair after pipe `removed` was swap-removed from a set that now has
    /// `n` pipes.
    pub fn pipe_removed(&mut self, removed: usize, n: usize) {
        self.cursor.pipe_removed(removed, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lb_rotates_over_all_pipes() {
        let mut lb = LoadBalancer::new();
        let picks: Vec<usize> = (0..6)
            .map(|_| lb.send(3, (), |_, _| Ok(())).unwrap())
            .collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn lb_skips_pipe_at_hwm() {
        let mut lb = LoadBalancer::new();
        let full = [false, true, false];
        let picks: Vec<usize> = (0..4)
            .map(|_| {
                lb.send(3, 7, |i, m| if full[i] { Err(m) } else { Ok(()) })
                    .unwrap()
            })
            .collect();
        assert_eq!(picks, [0, 2, 0, 2]);
    }

    #[test]
    fn lb_gives_message_back_when_every_pipe_is_full() {
        let mut lb = LoadBalancer::new();
        assert_eq!(lb.send(2, "m", |_, m| Err(m)), Err("m"));
        assert_eq!(lb.send(0, "m", |_, _| Ok(())), Err("m"));
    }

    #[test]
    fn lb_stays_in_range_after_removal() {
        let mut lb = LoadBalancer::new();
        lb.send(3, (), |_, _| Ok(())).unwrap();
        lb.send(3, (), |_, _| Ok(())).unwrap();
        lb.pipe_removed(2, 2);
        assert!(lb.send(2, (), |_, _| Ok(())).unwrap() < 2);
        lb.pipe_removed(0, 0);
        assert_eq!(lb.send(1, (), |_, _| Ok(())), Ok(0));
    }
}
