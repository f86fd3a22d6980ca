//! A pipe's high-water marks: each end counts what it sent and what it took, the reader
//! publishes its count at each low-water mark, and a writer that finds the queue full arms
//! a wake-up, as libzmq's pipes do with activate_write.

use std::cell::Cell;
use std::sync::atomic::{Ordering, fence};
use std::time::{Duration, Instant};

use super::PipeEnd;

/// `peer_hwms` of a pipe whose other end is an I/O connection, not a socket.
pub(super) const NO_PEER: usize = usize::MAX;

/// Messages a reader takes between looks at a writer's mark while the writer has none.
const RECHECK_UNBOUNDED: u64 = 512;

/// The capacity of a queue that both a writer's and a reader's high-water mark bound:
/// their sum, or no limit when either is 0 (libzmq's rule for inproc pipes).
pub(crate) fn combined_hwm(snd: usize, rcv: usize) -> usize {
    if snd == 0 || rcv == 0 {
        0
    } else {
        snd.saturating_add(rcv)
    }
}

thread_local! {
    static GLANCING: Cell<bool> = const { Cell::new(false) };
}

/// How long a non-blocking send keeps its view of a pipe's room. libzmq's socket reads the
/// commands that hand credit back at most once a millisecond during non-blocking sends
/// (max_command_delay, 3 M TSC ticks), so a burst of ZMQ_DONTWAIT sends meets the
/// high-water mark even while the reader keeps up, and programs (libzmq's
/// test_hwm_pubsub among them) count on seeing EAGAIN there.
pub(super) const GLANCE_STALE: Duration = Duration::from_millis(1);

/// Runs `f`, a C caller's ZMQ_DONTWAIT send, with libzmq's stale view of pipe credit: a
/// pipe that looked full within the last millisecond is refused without re-reading the
/// reader's count and without arming a wake-up (the caller is not going to wait; its
/// readiness checks and blocking calls read afresh). The Rust API's `try_send` keeps the
/// exact view: only the drop-in needs libzmq's lag.
pub(crate) fn glancing<T>(f: impl FnOnce() -> T) -> T {
    GLANCING.with(|g| g.set(true));
    let out = f();
    GLANCING.with(|g| g.set(false));
    out
}

fn is_glancing() -> bool {
    GLANCING.with(Cell::get)
}

impl PipeEnd {
    /// Whether this end's count of messages in flight is under the high-water mark.
    pub(super) fn has_credit(&self) -> bool {
        let hwm = self.shared.hwm[self.side].load(Ordering::Relaxed) as u64;
        if hwm == 0 || self.sent.get() - self.seen_taken.get() < hwm {
            return true;
        }
        if is_glancing() {
            let now = Instant::now();
            if let Some(t) = self.glanced_at.get()
                && now.duration_since(t) < GLANCE_STALE
            {
                return false;
            }
            self.glanced_at.set(Some(now));
        }
        self.seen_taken
            .set(self.shared.taken[self.side].load(Ordering::SeqCst));
        self.sent.get() - self.seen_taken.get() < hwm
    }

    /// Applies this end's socket's high-water marks to the pipe, as libzmq does when a
    /// socket's SNDHWM or RCVHWM changes: the direction this end writes holds `sndhwm`
    /// messages, the other `rcvhwm`; on an inproc pipe each adds the other socket's
    /// (0 on either side is no limit). A conflating direction stays unbounded. A writer
    /// waiting for room is woken, as the new mark may give it some.
    pub fn set_hwms(&self, sndhwm: usize, rcvhwm: usize) {
        let me = self.side;
        let peer = |i: usize| self.shared.peer_hwms[me][i].load(Ordering::Relaxed);
        let (out, inward) = if peer(0) == NO_PEER {
            (sndhwm, rcvhwm)
        } else {
            (combined_hwm(sndhwm, peer(1)), combined_hwm(peer(0), rcvhwm))
        };
        for (dir, hwm) in [(me, out), (1 - me, inward)] {
            if !self.shared.conflate[dir] {
                self.shared.hwm[dir].store(hwm, Ordering::Relaxed);
            }
            if self.shared.writer_blocked[dir].swap(false, Ordering::SeqCst) {
                self.shared.notifiers[dir].notify();
            }
        }
    }

    /// Joins an inproc pipe made before its binder existed to that binder (this end):
    /// each side's marks now add the other socket's, as libzmq sizes such a pipe at the
    /// bind. `mine` and `theirs` are (SNDHWM, RCVHWM) of this end's socket and of the
    /// connecter as it was when it connected.
    pub fn join_inproc(&self, mine: [usize; 2], theirs: [usize; 2]) {
        let me = self.side;
        for (i, v) in theirs.into_iter().enumerate() {
            self.shared.peer_hwms[me][i].store(v, Ordering::Relaxed);
        }
        for (i, v) in mine.into_iter().enumerate() {
            self.shared.peer_hwms[1 - me][i].store(v, Ordering::Relaxed);
        }
        self.set_hwms(mine[0], mine[1]);
    }

    /// Counts a message written directly against the high-water mark, until the reader
    /// credits it (see `direct_written`).
    pub(super) fn count_direct(&self) {
        self.sent.set(self.sent.get() + 1);
        self.shared.direct_written[self.side].fetch_add(1, Ordering::Release);
    }

    /// Marks this end's writer as waiting for room, then says whether room appeared
    /// meanwhile. A reader that owes credit for direct writes is asked to come and give it.
    pub(super) fn arm_writer_wake(&self) -> bool {
        self.shared.writer_blocked[self.side].store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.ask_direct_credit();
        self.has_credit()
    }

    /// Asks a reader that owes credit for direct writes to come and give it.
    pub(super) fn ask_direct_credit(&self) {
        if self.shared.direct_written[self.side].load(Ordering::Relaxed) > 0 {
            self.shared.notifiers[1 - self.side].notify();
        }
    }

    /// After a refused look: arms the wake-up and looks again, except in a glance, which
    /// only asks for the credit direct writes hold (so the next look may find it).
    pub(super) fn retry_after_full(&self) -> bool {
        if is_glancing() {
            self.ask_direct_credit();
            return false;
        }
        self.arm_writer_wake()
    }

    /// Whether a message would be admitted now. When not, the reader wakes this end once
    /// the queue drains, as after a refused push (XPUB_NODROP checks every subscriber's
    /// room before it sends to any).
    pub fn has_room(&self) -> bool {
        self.has_credit() || self.retry_after_full()
    }

    /// Counts the messages the other end wrote directly as taken, and tells it (the I/O
    /// thread calls this whenever it looks at the connection, as it would have read them).
    pub fn credit_direct_writes(&self) {
        if self.take_direct_credit() {
            self.publish_taken();
            self.wake_writer();
        }
    }

    pub(super) fn take_direct_credit(&self) -> bool {
        let owed = &self.shared.direct_written[1 - self.side];
        if owed.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let n = owed.swap(0, Ordering::Acquire);
        self.received.set(self.received.get() + n);
        n > 0
    }

    /// Counts a message taken, and tells the writer every low-water mark (half the
    /// direction's capacity, rounded up) of messages taken since the pipe was made, as
    /// libzmq's pipes send activate_write: a writer at its high-water mark sees room come
    /// back that many at a time, so it resumes in batches and POLLOUT answers as libzmq's.
    /// Between those points the writer reads nothing this side writes.
    pub(super) fn count_taken(&self) {
        self.received.set(self.received.get() + 1);
        let left = self.until_publish.get();
        if left > 1 {
            self.until_publish.set(left - 1);
            return;
        }
        // The writer's mark is read again at each publish, so a changed one applies from
        // the next. Without a mark nobody waits for credit, but one may be set meanwhile:
        // look again after a while (a drained queue publishes at once anyway).
        let writer = 1 - self.side;
        let lwm = (self.shared.hwm[writer].load(Ordering::Relaxed) as u64).div_ceil(2);
        let next = if lwm == 0 { RECHECK_UNBOUNDED } else { lwm };
        if left == 1 || next == 1 {
            self.publish_taken();
            self.wake_writer();
            self.until_publish.set(next);
        } else {
            // The first message taken: it counts towards the first mark.
            self.until_publish.set(next - 1);
        }
    }

    pub(super) fn publish_taken(&self) {
        let taken = &self.shared.taken[1 - self.side];
        let n = self.received.get();
        if taken.load(Ordering::Relaxed) != n {
            taken.store(n, Ordering::SeqCst);
        }
    }

    /// Wakes the other end's writer if it found the queue full.
    pub(super) fn wake_writer(&self) {
        let writer = 1 - self.side;
        let blocked = &self.shared.writer_blocked[writer];
        // SeqCst pairs with the writer's SeqCst store of its flag and re-read of `taken`:
        // of the two orders, at least one side sees the other, so a blocked writer is
        // never missed.
        if blocked.load(Ordering::SeqCst) && blocked.swap(false, Ordering::SeqCst) {
            self.shared.notifiers[writer].notify();
        }
    }
}
