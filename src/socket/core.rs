//! The machinery every socket type shares: pipes to peers, events from the I/O threads,
//! blocking with timeouts, options, close. What each socket type does with messages lives
//! in `pattern`, one module per type; the core never asks which type it is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::Receiver;

use super::endpoints::Endpoints;
use super::pattern::{self, Attempt, Pattern};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::io::{Command, EventSender, PeerMeta, SocketEvent, SocketLink, SocketState};
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;
use crate::routing::ids::IdMap;
use crate::signal::Signal;
use crate::socket_type::SocketType;
use crate::transport::inproc::{self, InprocPeer};

/// The state behind every typed socket; lives in a `RefCell` (sockets are `Send`, not
/// `Sync`, as libzmq sockets are not thread-safe).
#[doc(hidden)]
pub struct SocketCore {
    pub(super) ctx: Context,
    pub(super) id: u64,
    pub(super) kind: SocketType,
    /// The type whose rules and wire behaviour the socket follows (a ROUTER_RAW ROUTER
    /// follows STREAM's); `kind` stays what ZMQ_TYPE reports.
    pub(super) wire_kind: SocketType,
    pub(crate) options: Arc<Options>,
    pub(super) signal: Arc<Signal>,
    pub(super) events_tx: EventSender,
    events_rx: Receiver<SocketEvent>,
    /// Set when an event was sent; see [`EventSender`].
    events_pending: Arc<AtomicBool>,
    pub(super) state: Arc<SocketState>,
    /// The socket type's rules, with its pipes.
    pub(super) pattern: Box<dyn Pattern>,
    pub(super) endpoints: Endpoints,
    /// A message taken early to answer a readiness query; the next receive returns it.
    pub(super) lookahead: Option<Message>,
    /// Handshake metadata of peers, by pipe id (message properties for the C ABI).
    pub(super) peer_meta: IdMap<u64, Arc<PeerMeta>>,
    /// The handle last attached to a received message (see `last_properties`).
    pub(super) last_properties: Option<crate::message::Properties>,
}

impl SocketCore {
    /// A socket of `kind` in `ctx`.
    pub(crate) fn new(ctx: &Context, kind: SocketType) -> Result<SocketCore> {
        let signal = Arc::new(Signal::new());
        let id = ctx.inner.add_socket(&signal)?;
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let events_pending = Arc::new(AtomicBool::new(false));
        let events_tx = EventSender::new(events_tx, events_pending.clone());
        Ok(SocketCore {
            ctx: ctx.clone(),
            id,
            kind,
            wire_kind: kind,
            options: Arc::new(ctx.inner.socket_defaults()),
            signal,
            events_tx,
            events_rx,
            events_pending,
            state: Arc::new(SocketState::default()),
            pattern: pattern::for_type(kind),
            endpoints: Endpoints::default(),
            lookahead: None,
            peer_meta: IdMap::default(),
            last_properties: None,
        })
    }

    /// The socket's wake-up point (the poller watches it).
    pub(crate) fn signal(&self) -> &Arc<Signal> {
        &self.signal
    }

    /// How many messages were dropped for peers at their high-water mark.
    pub(crate) fn dropped(&mut self) -> u64 {
        self.pattern.pipes().dropped()
    }

    /// Acts on an option just changed. The new value is in `options` already: what the
    /// socket reads on each call sees it at once, and each bind or connect snapshots it.
    pub(crate) fn option_changed(&mut self, effect: crate::options::Effect) {
        match effect {
            crate::options::Effect::Now | crate::options::Effect::Attach => {}
            // libzmq 4.3 resizes the pipes that exist too (socket_base's
            // update_pipe_options); a lowered mark lets a full pipe drain below it first.
            crate::options::Effect::Pipes => {
                let (snd, rcv) = (self.options.sndhwm, self.options.rcvhwm);
                self.pattern.pipes().set_hwms(snd, rcv);
            }
            crate::options::Effect::Rules => {
                let rules = self.rules();
                if rules != self.wire_kind {
                    // libzmq changes the rules for the connections made from then on;
                    // ferrozmq's patterns hold their pipes, so the old ones close.
                    self.pattern.pipes().clear();
                    self.pattern = pattern::for_type(rules);
                    self.wire_kind = rules;
                }
            }
        }
    }

    /// The rules the socket follows: its type's, or a STREAM's for a ROUTER_RAW ROUTER.
    fn rules(&self) -> SocketType {
        if self.options.router_raw {
            SocketType::Stream
        } else {
            self.kind
        }
    }

    /// The options to change. Connections share the socket's options until then (an idle
    /// connection's snapshot costs a pointer), so a change copies them first if shared.
    pub(crate) fn options_mut(&mut self) -> &mut Options {
        Arc::make_mut(&mut self.options)
    }

    pub(super) fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.id,
            socket_type: self.wire_kind,
            options: self.options.clone(),
            signal: self.signal.clone(),
            events: self.events_tx.clone(),
            state: self.state.clone(),
            ctx: Arc::downgrade(&self.ctx.inner),
        }
    }

    pub(super) fn inproc_peer(&self) -> InprocPeer {
        InprocPeer {
            socket_id: self.id,
            signal: self.signal.clone(),
            events: self.events_tx.clone(),
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            conflate: self.options.conflate,
            routing_id: self.options.routing_id.clone(),
        }
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.ctx.inner.is_terminated() {
            return Err(Error::Terminated);
        }
        Ok(())
    }

    /// Takes in pipes and peer news from the I/O threads and inproc peers.
    pub(crate) fn process_events(&mut self) {
        // Checked on every send and receive: an emptiness test is cheaper than a failed take.
        if !self.events_pending.load(Ordering::Acquire) {
            return;
        }
        // Cleared before draining: an event sent meanwhile sets it again and is drained
        // now or next time.
        self.events_pending.store(false, Ordering::Relaxed);
        while let Ok(ev) = self.events_rx.try_recv() {
            let (pipe_id, meta) = match ev {
                SocketEvent::Attach {
                    pipe,
                    routing_id,
                    meta,
                } => {
                    let id = pipe.id();
                    self.attach(pipe, routing_id, true);
                    (id, meta)
                }
                SocketEvent::PeerReady {
                    pipe_id,
                    routing_id,
                    meta,
                } => {
                    self.peer_ready(pipe_id, routing_id);
                    (pipe_id, meta)
                }
            };
            self.note_meta(pipe_id, meta);
        }
    }

    /// Drops pipes whose peer is gone and who have nothing left to read.
    pub(super) fn reap(&mut self) {
        self.pattern.pipes().reap();
        self.forget_removed();
    }

    /// Forgets the metadata of peers whose pipes the pattern removed, and gives memory back
    /// to the system once many were freed (see sys::heap). Called on the slow paths only:
    /// reaping, taking in events, and before a call blocks.
    pub(super) fn forget_removed(&mut self) {
        let removed = self.pattern.pipes().take_removed();
        if removed.is_empty() {
            return;
        }
        for id in &removed {
            self.peer_meta.remove(id);
        }
        if removed.len() >= 32 {
            crate::sys::heap::trim();
        }
    }

    /// Adds a pipe to a new peer. `identified` is false for a pipe made at connect, whose
    /// peer's routing id arrives later with its handshake.
    pub(super) fn attach(&mut self, pipe: PipeEnd, routing_id: Bytes, identified: bool) {
        self.reap();
        let peer_id = identified.then_some(routing_id);
        self.pattern.attach(pipe, peer_id, &self.options);
        if let Some(id) = self.pattern.take_reported_id() {
            self.options_mut().routing_id = id;
        }
    }

    /// A pipe made at connect completed a handshake: the pattern learns the peer's id.
    pub(super) fn peer_ready(&mut self, pipe_id: u64, routing_id: Bytes) {
        self.pattern.peer_ready(pipe_id, routing_id, &self.options);
    }

    /// One non-blocking send by the pattern's rules.
    pub(super) fn try_send(&mut self, msg: Message) -> Attempt {
        self.pattern.try_send(msg, &self.options)
    }

    /// One non-blocking receive by the pattern's rules; `Ok(None)` when nothing is there.
    pub(super) fn try_recv(&mut self) -> Result<Option<Message>> {
        let got = self.pattern.try_recv(&self.options)?;
        if got.is_none() && self.pattern.wants_events() {
            self.process_events();
            return self.pattern.try_recv(&self.options);
        }
        Ok(got)
    }

    /// Whether a send would go through now (ZMQ_POLLOUT).
    pub(crate) fn writable(&mut self) -> bool {
        if self.check_open().is_err() || self.receiving(false) {
            return false;
        }
        self.process_events();
        self.pattern.writable(&self.options)
    }

    /// Whether the socket must finish a receive before it may send: a REQ's reply or a
    /// REP's request taken early (to answer a readiness query), or one the caller is
    /// still `reading` frame by frame, has moved the pattern to its sending turn already,
    /// but libzmq moves only at the message's last frame.
    pub(crate) fn receiving(&self, reading: bool) -> bool {
        (reading || self.lookahead.is_some()) && self.pattern.sends_after_recv(&self.options)
    }

    /// ZMQ_SUBSCRIBE: SUB, and XPUB under XPUB_MANUAL.
    pub(crate) fn subscribe(&mut self, topic: &[u8]) -> Result<()> {
        self.process_events();
        self.pattern.subscribe(topic, &self.options)
    }

    /// ZMQ_UNSUBSCRIBE: SUB, and XPUB under XPUB_MANUAL.
    pub(crate) fn unsubscribe(&mut self, topic: &[u8]) -> Result<()> {
        self.process_events();
        self.pattern.unsubscribe(topic, &self.options)
    }

    /// Whether a receive would return a message now (ZMQ_POLLIN). Unless the pattern can
    /// tell without, takes the message early; the next receive returns it.
    pub(crate) fn readable(&mut self) -> bool {
        if self.lookahead.is_some() {
            return true;
        }
        if self.check_open().is_err() {
            return false;
        }
        self.process_events();
        if let Some(ready) = self.pattern.readable(&self.options) {
            return ready;
        }
        match self.try_recv() {
            Ok(Some(m)) => {
                self.lookahead = Some(m);
                true
            }
            _ => false,
        }
    }
}

impl Drop for SocketCore {
    fn drop(&mut self) {
        // Each listener closed with the socket says so before the monitor stops (closing
        // the state stops it), as libzmq's listeners do when their socket is closed.
        for (endpoint, fd) in self.endpoints.bound_listeners() {
            self.state
                .emit(|| Some(crate::MonitorEvent::Closed { endpoint, fd }));
        }
        // Order matters: the I/O threads read the linger from `state` when they see the
        // pipes go, and SocketClosed reaches connections that have no pipe yet.
        self.state.close(self.options.linger);
        inproc::unbind_all(&self.ctx.inner, self.id);
        let listener_io = self.endpoints.listener_threads();
        let (ack_tx, ack_rx) = crossbeam_channel::unbounded();
        for io in self.ctx.inner.io_threads() {
            let hosts_listener = listener_io.iter().any(|h| h.same_thread(io));
            let ack = hosts_listener.then(|| ack_tx.clone());
            io.send(Command::SocketClosed(self.id, ack));
        }
        // Wait (briefly) for the listeners to close, so the endpoints can be bound again as
        // soon as the socket is gone.
        for _ in &listener_io {
            let _ = ack_rx.recv_timeout(Duration::from_secs(1));
        }
        self.pattern.pipes().clear();
        self.ctx.inner.remove_socket(self.id);
    }
}
