//! Pipes: a pair of queues joining a socket to one peer (an I/O connection, or another
//! socket for inproc), each bounded by a high-water mark, with wake-ups on edges only.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::io::IoHandle;
use crate::io::direct::{Direct, DirectSend};
use crate::message::Message;
use crate::signal::Signal;

mod credit;
mod queue;

use credit::NO_PEER;
pub(crate) use credit::{combined_hwm, glancing};

use queue::{Rx, Tx};

/// How to wake the owner of one end of a pipe.
pub(crate) enum Notifier {
    /// A socket: its signal, set when the socket attaches (inproc connect-before-bind leaves
    /// it empty until the binder appears).
    Socket(OnceLock<Arc<Signal>>),
    /// An I/O-thread connection, named by its token; `pending` suppresses repeated wake-ups
    /// until the I/O thread has looked at the connection again.
    Io {
        io: IoHandle,
        token: usize,
        pending: AtomicBool,
        /// The connection's stream, for the socket's own thread to write to directly.
        direct: Arc<Direct>,
    },
}

impl Notifier {
    /// A notifier for a socket whose signal is known now.
    pub fn socket(signal: Arc<Signal>) -> Notifier {
        let cell = OnceLock::new();
        let _ = cell.set(signal);
        Notifier::Socket(cell)
    }

    /// A notifier for a connection served by an I/O thread.
    pub fn io(io: IoHandle, token: usize) -> Notifier {
        Notifier::Io {
            io,
            token,
            pending: AtomicBool::new(false),
            direct: Direct::new(),
        }
    }

    fn notify(&self) {
        match self {
            Notifier::Socket(cell) => {
                if let Some(s) = cell.get() {
                    s.notify();
                }
            }
            Notifier::Io {
                io, token, pending, ..
            } => {
                fence(Ordering::SeqCst);
                if !pending.load(Ordering::SeqCst) && !pending.swap(true, Ordering::SeqCst) {
                    io.wake(*token);
                }
            }
        }
    }
}

/// Keeps a field on cache lines of its own (two, for the adjacent-line prefetcher), so a
/// store from one core does not evict what the other core reads on every message.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct Shared {
    id: u64,
    /// How to wake side 0 and side 1.
    notifiers: [Padded<Notifier>; 2],
    /// Per direction, indexed by the writing side: the writer found the queue full.
    writer_blocked: [Padded<AtomicBool>; 2],
    /// Per direction, indexed by the writing side: capacity in messages (0 = unbounded).
    /// It changes when a socket's SNDHWM or RCVHWM does, and when an inproc connect made
    /// before the bind meets its binder, so it is atomic; only relaxed loads are needed,
    /// as a change is followed by a wake-up of the writer it concerns.
    hwm: [AtomicUsize; 2],
    /// Per side, for inproc pipes: the high-water marks (SNDHWM, RCVHWM) of the socket at
    /// the other end, which add to this side's own (libzmq's "boost"); `NO_PEER` for a
    /// pipe to an I/O connection.
    peer_hwms: [[AtomicUsize; 2]; 2],
    /// Per side: that end has been dropped.
    closed: [AtomicBool; 2],
    /// Per direction: the writer replaces what is queued (ZMQ_CONFLATE).
    conflate: [bool; 2],
    /// Per direction, indexed by the writing side: messages the reader has taken. The
    /// reader only stores to it, and only every few messages (see
    /// [`PipeEnd::count_taken`]); the writer reads it only when its own count says the queue
    /// may be full, so the hot path touches no cache line the other side writes.
    taken: [Padded<AtomicU64>; 2],
    /// Per direction, indexed by the writing side: messages the writer wrote straight to
    /// the connection (see [`PipeEnd::push`]) that the reader has not yet counted as taken.
    /// They hold their high-water-mark credit until the I/O thread next looks at the pipe,
    /// as a queued message holds it until that thread reads it (libzmq's accounting:
    /// at SNDHWM 1 a burst of sends gets about one message through, not a kernel buffer's
    /// worth).
    direct_written: [Padded<AtomicU64>; 2],
}

/// Messages at least this large are written directly whenever nothing is queued ahead.
const DIRECT_MIN_SIZE: usize = 8 * 1024;
/// Smaller ones are written directly after the pipe has been idle this long.
const DIRECT_IDLE: Duration = Duration::from_micros(20);

static NEXT_PIPE_ID: AtomicU64 = AtomicU64::new(1);

/// How each direction of a new pipe queues, indexed by the writing side.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PipeConfig {
    /// Capacity in messages (0 = unbounded).
    pub hwm: [usize; 2],
    /// Keep only the newest message (ZMQ_CONFLATE): the writer replaces what is queued.
    pub conflate: [bool; 2],
    /// For inproc pipes, per side: the other socket's (SNDHWM, RCVHWM), which
    /// [`PipeEnd::set_hwms`] adds to that side's own, as libzmq does.
    pub peer_hwms: Option<[[usize; 2]; 2]>,
}

/// One end of a pipe: sends towards the other end and receives from it.
pub(crate) struct PipeEnd {
    shared: Arc<Shared>,
    side: usize,
    /// The queue towards the other end (the messages in flight; the high-water mark is
    /// enforced on the counts below).
    tx: Tx<Message>,
    /// The queue from the other end.
    rx: Rx<Message>,
    /// Messages this end has queued towards the other.
    sent: Cell<u64>,
    /// The other end's `taken` count for our direction, as last read.
    seen_taken: Cell<u64>,
    /// Messages this end has taken from the other (published in `taken`).
    received: Cell<u64>,
    /// Messages still to take before `received` is published, counting down from the
    /// writer's low-water mark (a division per message cost more than the rest of the
    /// count; 0 until the first message).
    until_publish: Cell<u64>,
    /// When this end last queued a message, for [`PipeEnd::push`]'s choice of a direct write.
    last_push: Cell<Option<Instant>>,
    /// When a non-blocking send last re-read the reader's progress (see [`glancing`]).
    glanced_at: Cell<Option<Instant>>,
}

/// Why a message could not be queued.
pub(crate) enum PushError {
    /// The queue is at its high-water mark.
    Full(Message),
    /// The other end is gone.
    Closed(Message),
}

/// Creates a pipe with per-direction settings.
pub(crate) fn pipe_with(notifiers: [Notifier; 2], config: PipeConfig) -> (PipeEnd, PipeEnd) {
    let mut hwm = config.hwm;
    let peer_hwm = |side: usize| {
        config
            .peer_hwms
            .map_or([NO_PEER; 2], |p| p[side])
            .map(AtomicUsize::new)
    };
    let peer_hwms = [peer_hwm(0), peer_hwm(1)];
    for (h, c) in hwm.iter_mut().zip(config.conflate) {
        if c {
            // A conflating queue never fills: the newest message replaces the others.
            *h = 0;
        }
    }
    let shared = Arc::new(Shared {
        id: NEXT_PIPE_ID.fetch_add(1, Ordering::Relaxed),
        notifiers: notifiers.map(Padded),
        writer_blocked: Default::default(),
        hwm: hwm.map(AtomicUsize::new),
        peer_hwms,
        closed: [AtomicBool::new(false), AtomicBool::new(false)],
        conflate: config.conflate,
        taken: Default::default(),
        direct_written: Default::default(),
    });
    let [(tx0, rx0), (tx1, rx1)] = queue::pair(config.conflate);
    let end = |shared, side, tx, rx| PipeEnd {
        shared,
        side,
        tx,
        rx,
        sent: Cell::new(0),
        seen_taken: Cell::new(0),
        received: Cell::new(0),
        until_publish: Cell::new(0),
        last_push: Cell::new(None),
        glanced_at: Cell::new(None),
    };
    (end(shared.clone(), 0, tx0, rx1), end(shared, 1, tx1, rx0))
}

impl PipeEnd {
    /// A number unique to this pipe within the process, the same at both ends.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Queues a message towards the other end, waking it if needed. Towards a connection
    /// that is idle, or with a large message, it writes the message to the stream itself
    /// when nothing is queued ahead (see [`crate::io::direct`]).
    pub fn push(&self, mut msg: Message) -> Result<(), PushError> {
        if let Notifier::Socket(_) = &self.shared.notifiers[1 - self.side].0 {
            // Inproc: the receiving thread frees the message.
            msg.rehome_small_frames();
        }
        let msg = match self.try_direct(msg)? {
            Some(msg) => msg,
            None => return Ok(()),
        };
        self.admit(msg).map(|msg| {
            self.tx.push(msg);
            self.shared.notifiers[1 - self.side].notify();
        })
    }

    /// Writes `msg` directly if this is the socket's end of a pipe to a connection, the
    /// message is large or the pipe was idle, and nothing is queued ahead of it. Returns the
    /// message if it still needs queueing.
    fn try_direct(&self, msg: Message) -> Result<Option<Message>, PushError> {
        let Notifier::Io {
            direct, pending, ..
        } = &self.shared.notifiers[1 - self.side].0
        else {
            return Ok(Some(msg));
        };
        if !self.has_credit() {
            // No credit: the queued path refuses it (and arranges the wake-up).
            return Ok(Some(msg));
        }
        if !self.tx.is_empty() {
            return Ok(Some(msg));
        }
        if msg.size() < DIRECT_MIN_SIZE {
            // An I/O thread already woken for this pipe is about to write what is queued:
            // this message joins it (and the clock is not read, once per message of a
            // stream).
            if !direct.takes_small() || pending.load(Ordering::Relaxed) {
                return Ok(Some(msg));
            }
            // Small messages only when the pipe has been idle: a stream of them is cheaper
            // batched by the I/O thread than written one system call each.
            let now = Instant::now();
            let idle = self
                .last_push
                .replace(Some(now))
                .is_none_or(|t| now.duration_since(t) >= DIRECT_IDLE);
            if !idle {
                return Ok(Some(msg));
            }
        }
        if self.is_peer_gone() {
            return Err(PushError::Closed(msg));
        }
        match direct.try_send(msg, || self.tx.is_empty()) {
            DirectSend::Written => {
                self.count_direct();
                Ok(None)
            }
            DirectSend::Spilled => {
                self.count_direct();
                self.shared.notifiers[1 - self.side].notify();
                Ok(None)
            }
            DirectSend::Declined(msg) => Ok(Some(msg)),
        }
    }

    /// The connection's direct-write state, at the I/O thread's end of a pipe.
    pub fn direct(&self) -> Option<&Arc<Direct>> {
        match &self.shared.notifiers[self.side].0 {
            Notifier::Io { direct, .. } => Some(direct),
            Notifier::Socket(_) => None,
        }
    }

    /// Queues a message without waking the other end or handing it over yet; call
    /// [`PipeEnd::flush`] after the batch.
    pub fn push_quiet(&self, msg: Message) -> Result<(), PushError> {
        let msg = self.admit(msg)?;
        self.tx.push_quiet(msg);
        Ok(())
    }

    /// Checks the peer and the high-water mark, and counts the message as sent.
    fn admit(&self, msg: Message) -> Result<Message, PushError> {
        if self.is_peer_gone() {
            return Err(PushError::Closed(msg));
        }
        // The reader may have drained the queue between the check and the flag.
        if !self.has_credit() && !self.retry_after_full() {
            return Err(PushError::Full(msg));
        }
        // The newest message replaces whatever is still queued (ZMQ_CONFLATE).
        self.tx.clear();
        self.sent.set(self.sent.get() + 1);
        Ok(msg)
    }

    /// Hands quiet pushes over (one publish for the batch) and wakes the other end.
    pub fn flush(&self) {
        self.tx.publish();
        self.shared.notifiers[1 - self.side].notify();
    }

    /// Takes the next message from the other end. `Ok(None)` means empty for now; `Err(())`
    /// means the other end is gone and everything it sent has been taken.
    #[allow(clippy::result_unit_err)]
    pub fn pull(&self) -> Result<Option<Message>, ()> {
        if let Some(msg) = self.rx.pop() {
            self.count_taken();
            return Ok(Some(msg));
        }
        // Drained: the writer's view of our progress becomes exact again, the messages it
        // wrote directly included (libzmq's stays at the last low-water mark; a writer
        // whose mark was lowered under a full queue would then wait for messages that
        // never come).
        self.take_direct_credit();
        self.publish_taken();
        self.wake_writer();
        if !self.is_peer_gone() {
            return Ok(None);
        }
        // A message handed over just before the peer closed.
        let msg = self.rx.pop().ok_or(())?;
        self.count_taken();
        Ok(Some(msg))
    }

    /// Whether a message is waiting to be pulled.
    pub fn has_input(&self) -> bool {
        !self.rx.is_empty()
    }

    /// Whether the other end has gone away (it dropped its end).
    pub fn is_peer_gone(&self) -> bool {
        self.shared.closed[1 - self.side].load(Ordering::SeqCst)
    }

    /// Sets the socket signal of this end (inproc connect-before-bind attaches it late).
    pub fn attach_signal(&self, signal: Arc<Signal>) {
        if let Notifier::Socket(cell) = &self.shared.notifiers[self.side].0 {
            let _ = cell.set(signal);
        }
    }

    /// Clears this end's pending-wake flag; an I/O thread calls it before it looks at the pipe.
    pub fn clear_pending(&self) {
        if let Notifier::Io { pending, .. } = &self.shared.notifiers[self.side].0 {
            pending.store(false, Ordering::SeqCst);
            fence(Ordering::SeqCst);
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        // What we sent stays readable: the queues live as long as either end.
        self.tx.publish();
        self.shared.closed[self.side].store(true, Ordering::SeqCst);
        self.shared.notifiers[1 - self.side].notify();
    }
}

#[cfg(test)]
mod tests;
