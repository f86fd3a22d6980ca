//! One module per socket pattern, behind one trait: what a socket type does with a message
//! it is asked to send, which message a receive returns, what happens when a peer's pipe is
//! attached or goes, and when the socket is readable or writable. The socket core (blocking,
//! events from the I/O threads, options, endpoints) knows nothing of the types.
//!
//! Adding a socket type is one module here and one line in [`for_type`].

mod dealer;
mod pair;
pub(crate) mod peers;
mod pipeline;
mod publish;
mod rep;
mod req;
mod router;
mod stream;
mod subscribe;

use bytes::Bytes;

use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;
use crate::socket_type::SocketType;

/// What a single non-blocking send attempt came to.
pub(crate) enum Attempt {
    Sent,
    /// Nothing could take it now; the message comes back for the next try.
    WouldBlock(Message),
    /// It can never go (wrong state, unroutable); no point blocking.
    Failed(Error, Message),
}

/// A socket type's rules. Each call gets the socket's options as they are now.
pub(crate) trait Pattern: Send {
    /// A pipe to a new peer. `peer_id` is the routing id the peer announced, when its
    /// handshake is done (a pipe made at connect learns it later, in `peer_ready`).
    fn attach(&mut self, pipe: PipeEnd, peer_id: Option<Bytes>, o: &Options);

    /// A pipe made at connect finished its handshake; `peer_id` is what the peer announced.
    fn peer_ready(&mut self, _pipe_id: u64, _peer_id: Bytes, _o: &Options) {}

    /// One non-blocking send by the pattern's rules.
    fn try_send(&mut self, msg: Message, o: &Options) -> Attempt;

    /// One non-blocking receive; `Ok(None)` when nothing is there.
    fn try_recv(&mut self, o: &Options) -> Result<Option<Message>, Error>;

    /// Whether a receive would return a message now, when the pattern can tell without
    /// taking one (PULL, DEALER, PAIR deliver every queued message as it is); `None` makes
    /// the core take the message early to find out (a SUB's filter, a REQ's stale
    /// replies). Taking nothing keeps the pipe's count of messages taken, which paces its
    /// writer, where libzmq's is (its has_in takes nothing for these types either).
    fn readable(&mut self, _o: &Options) -> Option<bool> {
        None
    }

    /// Whether a send would go through now (ZMQ_POLLOUT).
    fn writable(&mut self, o: &Options) -> bool;

    /// Whether a message whose first frame is `first` may start now, for callers that send
    /// frame by frame (the C ABI): libzmq refuses the first frame, not the last.
    fn may_start(&mut self, _first: &[u8], _o: &Options) -> Result<(), Error> {
        Ok(())
    }

    /// Whether a message starting with `first` could be queued now, for callers that send
    /// frame by frame: libzmq decides at the first frame whether a message fits (EAGAIN or
    /// blocking there), so a multipart message is never refused half-way.
    fn can_queue(&mut self, _first: &[u8], o: &Options) -> bool {
        self.writable(o)
    }

    /// Whether a received message must be read to its end before the socket may send
    /// (REQ unless REQ_RELAXED, and REP): libzmq flips their state at a message's last
    /// frame, so one taken early or read in part leaves POLLOUT off and a send EFSM.
    fn sends_after_recv(&self, _o: &Options) -> bool {
        false
    }

    /// How many frames make a message when the caller's MORE flags say otherwise: a
    /// STREAM message is a routing id and a body, whatever the flags (libzmq's rule).
    fn frames_per_message(&self) -> Option<usize> {
        None
    }

    /// The routing id the socket should report as ZMQ_ROUTING_ID after an attach, if the
    /// pattern changed it (libzmq's STREAM reports the id it generated last).
    fn take_reported_id(&mut self) -> Option<Bytes> {
        None
    }

    /// ZMQ_SUBSCRIBE, for the types that take it.
    fn subscribe(&mut self, _topic: &[u8], _o: &Options) -> Result<(), Error> {
        Err(Error::Invalid("no such option for this socket type"))
    }

    /// ZMQ_UNSUBSCRIBE, for the types that take it.
    fn unsubscribe(&mut self, _topic: &[u8], _o: &Options) -> Result<(), Error> {
        Err(Error::Invalid("no such option for this socket type"))
    }

    /// Whether a message waits that the pattern could only place after the socket has
    /// taken in the I/O threads' news (a ROUTER's peer whose handshake news trails its
    /// first message). The core takes in its events and receives again.
    fn wants_events(&self) -> bool {
        false
    }

    /// The pattern's pipes, for what every pattern does the same way.
    fn pipes(&mut self) -> &mut dyn PipeSet;
}

/// What the core asks of a pattern's pipes whatever the pattern.
pub(crate) trait PipeSet {
    /// Drops pipes whose peer is gone and that have nothing left to read.
    fn reap(&mut self);
    /// The ids of the pipes removed since the last call, by `reap` or on the way.
    fn take_removed(&mut self) -> Vec<u64>;
    /// Whether one of the pipes has this id.
    fn has_pipe(&self, pipe_id: u64) -> bool;
    /// The pipe the last received message came from.
    fn last_from(&self) -> u64;
    /// Messages dropped for peers at their high-water mark, or unroutable.
    fn dropped(&self) -> u64;
    /// Closes the pipe with this id (a disconnect); the pattern forgets its peer as if
    /// it had gone.
    fn close_pipe(&mut self, pipe_id: u64);
    /// Applies changed high-water marks to every pipe (see `PipeEnd::set_hwms`).
    fn set_hwms(&mut self, sndhwm: usize, rcvhwm: usize);
    /// Closes every pipe.
    fn clear(&mut self);
}

impl<T> PipeSet for peers::Peers<T> {
    fn reap(&mut self) {
        peers::Peers::reap(self);
    }
    fn take_removed(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.removed)
    }
    fn has_pipe(&self, pipe_id: u64) -> bool {
        self.index_of(pipe_id).is_some()
    }
    fn last_from(&self) -> u64 {
        self.last_from
    }
    fn dropped(&self) -> u64 {
        self.dropped
    }
    fn close_pipe(&mut self, pipe_id: u64) {
        self.close(pipe_id);
    }
    fn set_hwms(&mut self, sndhwm: usize, rcvhwm: usize) {
        for p in self.iter() {
            p.pipe.set_hwms(sndhwm, rcvhwm);
        }
    }
    fn clear(&mut self) {
        peers::Peers::clear(self)
    }
}

/// The rules for a socket of `kind`: the registry of socket types.
pub(crate) fn for_type(kind: SocketType) -> Box<dyn Pattern> {
    match kind {
        SocketType::Pair => Box::new(pair::Pair::default()),
        SocketType::Push => Box::new(pipeline::Push::default()),
        SocketType::Pull => Box::new(pipeline::Pull::default()),
        SocketType::Dealer => Box::new(dealer::Dealer::default()),
        SocketType::Req => Box::new(req::Req::new()),
        SocketType::Rep => Box::new(rep::Rep::default()),
        SocketType::Router => Box::new(router::Router::new()),
        SocketType::Pub => Box::new(publish::Publish::new(false)),
        SocketType::XPub => Box::new(publish::Publish::new(true)),
        SocketType::Sub => Box::new(subscribe::Subscribe::new(false)),
        SocketType::XSub => Box::new(subscribe::Subscribe::new(true)),
        SocketType::Stream => Box::new(stream::Stream::new()),
    }
}

/// A routing id generated for a peer that has none: a zero byte, then a counter (libzmq's
/// form; ids starting with zero are reserved for these).
fn generated_id(next: &mut u32) -> Bytes {
    let mut id = vec![0u8];
    id.extend_from_slice(&next.to_be_bytes());
    *next = next.wrapping_add(1);
    Bytes::from(id)
}

/// Sends an empty message to a new peer when ZMQ_PROBE_ROUTER asks for it.
fn probe(pipe: &PipeEnd, o: &Options) {
    if o.probe_router {
        let _ = pipe.push(Message::single(Bytes::new()));
    }
}

/// Generated routing ids (ROUTER) and request ids (REQ_CORRELATE) start at a different
/// point in each process, as libzmq's do, so ids from a restarted peer are unlikely to
/// collide with stale ones.
fn first_generated_id() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEED: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    SEED.fetch_add(0x9E37_79B9, Ordering::Relaxed) ^ nanos ^ std::process::id()
}
