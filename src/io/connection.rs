//! One connection on an I/O thread: a byte stream, its ZMTP engine and the socket's pipe.
//! A connection made by `connect` outlives its streams: it keeps its pipe and reconnects.

use std::io::{self, IoSlice};
use std::sync::Arc;
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::direct::Direct;
use super::timers::Timers;
use super::{IoHandle, PeerMeta, SocketEvent, SocketLink};
use crate::endpoint::{Endpoint, resolve_tcp};
use crate::message::Message;
use crate::monitor::{MonitorEvent, loss_event};
use crate::pipe::{Notifier, PipeEnd, PushError, pipe_with};
use crate::routing::Trie;
use crate::socket_type::SocketType;
use crate::transport::{Stream, ipc, tcp};
use crate::zmtp::bodies::BodyPool;
use crate::zmtp::command::encode_subscription_message;
use crate::zmtp::decoder::ReadTarget;
use crate::zmtp::{Engine, EngineConfig, Event, PeerInfo};

/// Bytes asked of the kernel by the first read; later reads adapt between the bounds below.
const READ_CHUNK: usize = 64 * 1024;
const MIN_READ: usize = 4 * 1024;
pub(super) const MAX_READ: usize = 256 * 1024;
/// Leftover input up to this size is copied into each read's fresh buffer; a larger partial
/// frame keeps growing its buffer instead, so no byte is copied more than a few times.
const FRESH_CARRY: usize = 4 * 1024;
/// Reads at least this large get a fresh buffer: they hold many messages to share its cost.
const FRESH_MIN: usize = 16 * 1024;
/// Stop moving messages from the pipe into the engine past this many unwritten bytes, so a
/// slow peer leaves its backlog in the pipe, where the high-water mark bounds it.
const OUT_HIGH: usize = 256 * 1024;
/// At most this many buffers per gather write.
const MAX_IOV: usize = 64;

/// What the I/O thread lends a connection while it works.
pub(super) struct Cx<'a> {
    pub registry: &'a Registry,
    pub timers: &'a mut Timers,
    pub io: &'a IoHandle,
    pub now: Instant,
    /// The thread's read buffer, zeroed once: small reads land here and are copied into the
    /// engine, so an idle connection holds no read buffer of its own.
    pub scratch: &'a mut [u8],
}

/// Whether the thread keeps the connection.
pub(super) enum Verdict {
    Keep,
    Remove,
}

enum Phase {
    /// Waiting to (re)connect at `retry_at`.
    Idle,
    /// A non-blocking connect is in progress.
    Connecting,
    /// Streaming: handshake or messages (the engine knows which).
    Open,
}

pub(super) struct Connection {
    token: usize,
    link: SocketLink,
    /// Where to reconnect to; `None` for an accepted connection.
    endpoint: Option<Endpoint>,
    attempt: u32,
    retry_at: Instant,
    phase: Phase,
    /// Shared with the socket's thread for direct writes (see [`super::direct`]).
    stream: Option<Arc<Stream>>,
    engine: Option<Engine>,
    pipe: Option<PipeEnd>,
    /// A decoded message the socket's full pipe could not take yet.
    stalled: Option<Message>,
    /// Messages went into the pipe since the socket was last woken.
    unflushed: bool,
    /// How much to ask the kernel for next: grows while reads come back full, shrinks when
    /// they come back short, so a trickle of small messages does not pay for big buffers.
    read_hint: usize,
    /// The last read filled all it asked for: more is probably waiting in the kernel.
    read_full: bool,
    readable: bool,
    writable: bool,
    /// Set once the socket closed: `Some(deadline)`, or `None` to linger forever.
    linger_until: Option<Option<Instant>>,
    /// The earliest deadline already in the thread's timer heap, so each service does not
    /// add another entry for the same deadline.
    timer: Option<Instant>,
    /// The listener that accepted this connection (unbind closes its connections too).
    listener: Option<usize>,
    /// When the current connect attempt gives up (CONNECT_TIMEOUT).
    connect_deadline: Option<Instant>,
    /// For SUB and XSUB: the subscriptions sent upstream, to send again after a reconnect.
    sent_subscriptions: Trie,
    /// The endpoint monitor events name: as connected to, or the accepting listener's.
    label: Arc<str>,
    /// The current stream completed its handshake.
    handshaken: bool,
}

impl Connection {
    /// Lets the engine recycle large bodies' buffers through `pool`.
    pub fn use_bodies(&mut self, pool: &std::sync::Arc<crate::zmtp::bodies::BodyPool>) {
        if let Some(e) = &mut self.engine {
            e.set_body_pool(pool.clone());
        }
    }

    /// A connection accepted by a listener, starting its handshake.
    pub fn accepted(
        token: usize,
        listener: usize,
        stream: Stream,
        link: SocketLink,
        label: Arc<str>,
        now: Instant,
    ) -> Connection {
        let engine = Engine::new(engine_config(&link), now);
        Connection {
            token,
            link,
            endpoint: None,
            attempt: 0,
            retry_at: now,
            phase: Phase::Open,
            stream: Some(Arc::new(stream)),
            engine: Some(engine),
            pipe: None,
            stalled: None,
            unflushed: false,
            read_hint: READ_CHUNK,
            read_full: false,
            readable: true,
            writable: true,
            linger_until: None,
            timer: None,
            listener: Some(listener),
            connect_deadline: None,
            sent_subscriptions: Trie::new(),
            label,
            handshaken: false,
        }
    }

    /// A connection that `connect` asked for; it connects at once and again after failures.
    pub fn connecting(
        token: usize,
        endpoint: Endpoint,
        link: SocketLink,
        pipe: Option<PipeEnd>,
        label: Arc<str>,
        now: Instant,
    ) -> Connection {
        Connection {
            token,
            link,
            endpoint: Some(endpoint),
            attempt: 0,
            retry_at: now,
            phase: Phase::Idle,
            stream: None,
            engine: None,
            pipe,
            stalled: None,
            unflushed: false,
            read_hint: READ_CHUNK,
            read_full: false,
            readable: false,
            writable: false,
            linger_until: None,
            timer: None,
            listener: None,
            connect_deadline: None,
            sent_subscriptions: Trie::new(),
            label,
            handshaken: false,
        }
    }

    /// The id of the socket this connection serves.
    pub fn socket_id(&self) -> u64 {
        self.link.socket_id
    }

    /// The listener that accepted this connection, if a listener did.
    pub fn listener(&self) -> Option<usize> {
        self.listener
    }

    /// Registers the stream with the poll.
    pub fn register(&mut self, registry: &Registry) -> io::Result<()> {
        match &self.stream {
            Some(s) => registry.register(
                &mut SourceFd(&s.fd()),
                Token(self.token),
                Interest::READABLE | Interest::WRITABLE,
            ),
            None => Ok(()),
        }
    }

    /// Removes the stream from the poll.
    pub fn deregister(&mut self, registry: &Registry) {
        if let Some(s) = &self.stream {
            let _ = registry.deregister(&mut SourceFd(&s.fd()));
        }
    }

    /// Records readiness reported by the poll (edge-triggered: kept until WouldBlock).
    pub fn on_readiness(&mut self, readable: bool, writable: bool) {
        self.readable |= readable;
        self.writable |= writable;
    }

    /// Does all the work the connection can do now.
    pub fn service(&mut self, cx: &mut Cx<'_>) -> Verdict {
        if self.timer.is_some_and(|t| t <= cx.now) {
            self.timer = None;
        }
        if let Some(p) = &self.pipe {
            p.clear_pending();
        }
        self.note_socket_closed(cx.now);
        if self.pipe.is_none() && self.linger_until.is_some() {
            // Closed before the handshake finished (or, with IMMEDIATE, while disconnected):
            // nothing is queued for this peer.
            return Verdict::Remove;
        }
        let result = match self.phase {
            Phase::Idle if cx.now >= self.retry_at => self.start_connect(cx),
            Phase::Idle => {
                // An earlier timer may have fired first; keep the retry on the heap.
                self.schedule(cx, self.retry_at);
                Ok(())
            }
            Phase::Connecting => self.finish_connect(cx),
            Phase::Open => self.pump(cx),
        };
        self.wake_socket();
        if let Err(reason) = result
            && let Verdict::Remove = self.lost(cx, reason)
        {
            return Verdict::Remove;
        }
        self.linger_verdict(cx)
    }

    /// Starts the linger clock once the socket has closed.
    fn note_socket_closed(&mut self, now: Instant) {
        if self.linger_until.is_none()
            && let Some(linger) = self.link.state.closed()
        {
            self.linger_until = Some(linger.map(|d| now + d));
        }
    }

    fn linger_verdict(&mut self, cx: &mut Cx<'_>) -> Verdict {
        let peer_gone = self.pipe.as_ref().is_some_and(PipeEnd::is_peer_gone);
        // The socket records its close before it drops its pipes, so a gone peer read here
        // guarantees the close is visible too, even if it happened during this service.
        self.note_socket_closed(cx.now);
        match self.linger_until {
            // The socket dropped this pipe without closing (e.g. a PAIR that already has a
            // peer): the connection has no one to serve.
            None if peer_gone => Verdict::Remove,
            None => Verdict::Keep,
            Some(deadline) => {
                let unsent_in_pipe = self.pipe.as_ref().is_some_and(PipeEnd::has_input);
                let unwritten = self.engine.as_mut().is_some_and(|e| !e.outbuf().is_empty())
                    || self.direct().is_some_and(|d| !d.lock().spill.is_empty());
                if !unsent_in_pipe && !unwritten {
                    return Verdict::Remove;
                }
                match deadline {
                    Some(d) if cx.now >= d => Verdict::Remove,
                    Some(d) => {
                        self.schedule(cx, d);
                        Verdict::Keep
                    }
                    None => Verdict::Keep,
                }
            }
        }
    }

    /// Asks the thread to service this connection at `at`, unless an earlier call is due.
    fn schedule(&mut self, cx: &mut Cx<'_>, at: Instant) {
        if self.timer.is_none_or(|t| at < t) {
            cx.timers.add(at, self.token);
            self.timer = Some(at);
        }
    }

    /// The stream failed or ended: an accepted connection goes away, a connecting one waits
    /// for its next attempt.
    fn lost(&mut self, cx: &mut Cx<'_>, reason: io::Error) -> Verdict {
        self.link.state.emit(|| {
            let fd = self.stream.as_ref().map_or(-1, |s| s.fd());
            let connecting = !matches!(self.phase, Phase::Open);
            // Not the engine's state: an engine that gave up on a silent peer is closed, and
            // that loss is a DISCONNECTED, not a failed handshake.
            let handshaken = self.handshaken;
            loss_event(&self.label, fd, connecting, handshaken, &reason)
        });
        self.flush_best_effort();
        self.deregister(cx.registry);
        self.detach_direct();
        self.stream = None;
        self.engine = None;
        self.handshaken = false;
        self.readable = false;
        self.writable = false;
        if self.endpoint.is_none() {
            return Verdict::Remove;
        }
        if self.link.options.immediate {
            // IMMEDIATE: the pipe lives only as long as a connection.
            self.pipe = None;
        }
        self.connect_deadline = None;
        let Some(delay) = self.link.options.reconnect_delay(self.attempt) else {
            return Verdict::Remove;
        };
        self.attempt = self.attempt.saturating_add(1);
        self.phase = Phase::Idle;
        self.retry_at = cx.now + delay;
        self.schedule(cx, self.retry_at);
        self.emit(|endpoint| MonitorEvent::ConnectRetried {
            endpoint,
            interval: delay,
        });
        Verdict::Keep
    }

    /// Raises a monitor event about this connection's endpoint.
    fn emit(&self, make: impl FnOnce(String) -> MonitorEvent) {
        self.link.state.emit(|| Some(make(self.label.to_string())));
    }

    /// Gives a peer the ERROR command an engine queued before closing, if the kernel takes it.
    fn flush_best_effort(&mut self) {
        let direct = self.direct();
        let _writing = direct.as_deref().map(Direct::lock);
        if let (Some(stream), Some(engine)) = (&self.stream, &mut self.engine) {
            let out = engine.outbuf();
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.io_slices(&mut slices);
            if n > 0 {
                let _ = stream.write_vectored(&slices[..n]);
            }
        }
    }

    fn start_connect(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        let Some(endpoint) = &self.endpoint else {
            return Ok(());
        };
        let stream = match endpoint {
            Endpoint::Tcp { host, port } => {
                let addr = resolve_tcp(host, *port, self.link.options.ipv6)
                    .map_err(|e| io::Error::new(io::ErrorKind::AddrNotAvailable, e.to_string()))?;
                let s = tcp::connect(addr)?;
                tcp::keepalive(&s, &self.link.options);
                Stream::Tcp(s)
            }
            Endpoint::Ipc(addr) => Stream::Ipc(ipc::connect(addr)?),
            Endpoint::Inproc(_) => return Err(io::ErrorKind::Unsupported.into()),
        };
        self.stream = Some(Arc::new(stream));
        self.register(cx.registry)?;
        self.phase = Phase::Connecting;
        if let Some(Stream::Tcp(_)) = self.stream.as_deref() {
            self.emit(|endpoint| MonitorEvent::ConnectDelayed {
                endpoint,
                errno: libc::EINPROGRESS,
            });
        }
        if let Some(t) = self.link.options.connect_timeout {
            let deadline = cx.now + t;
            self.connect_deadline = Some(deadline);
            self.schedule(cx, deadline);
        }
        Ok(())
    }

    fn finish_connect(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        let Some(stream) = &self.stream else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        if !stream.is_connected() {
            if self.connect_deadline.is_some_and(|d| cx.now >= d) {
                return Err(io::ErrorKind::TimedOut.into());
            }
            if self.readable {
                // Readiness without a connection: the attempt failed (refused, reset).
                return Err(io::ErrorKind::ConnectionRefused.into());
            }
            return Ok(());
        }
        self.connect_deadline = None;
        let fd = stream.fd();
        self.emit(|endpoint| MonitorEvent::Connected { endpoint, fd });
        let mut engine = Engine::new(engine_config(&self.link), cx.now);
        engine.set_body_pool(cx.io.bodies().clone());
        self.engine = Some(engine);
        self.phase = Phase::Open;
        self.readable = true;
        self.writable = true;
        self.pump(cx)
    }

    /// Moves bytes and messages until nothing more can move without waiting.
    fn pump(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        let Some(engine) = &mut self.engine else {
            return Ok(());
        };
        if let Err(e) = engine.handle_timeout(cx.now) {
            return Err(io::Error::new(io::ErrorKind::TimedOut, e));
        }
        loop {
            self.read_input(cx)?;
            let (more_queued, flushed) = self.output()?;
            if !(more_queued && flushed) {
                break;
            }
        }
        if let Some(t) = self.engine.as_ref().and_then(Engine::poll_timeout) {
            self.schedule(cx, t);
        }
        Ok(())
    }

    /// Reads and decodes until the kernel has nothing more or the socket's pipe is full.
    fn read_input(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        if let Some(msg) = self.stalled.take()
            && !self.deliver(msg)
        {
            return Ok(());
        }
        loop {
            self.decode(cx)?;
            if self.stalled.is_some() || !self.readable {
                break;
            }
            let (Some(stream), Some(engine)) = (&self.stream, &mut self.engine) else {
                break;
            };
            let pace = (&mut self.read_hint, &mut self.read_full);
            match read_some(stream, engine, pace, cx.scratch, cx.io.bodies()) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.wake_socket();
        Ok(())
    }

    /// Wakes the socket once for everything delivered since the last wake. Every exit of a
    /// service passes here, errors included: a peer's last messages often arrive in the
    /// same read as its disconnect.
    fn wake_socket(&mut self) {
        if self.unflushed
            && let Some(p) = &self.pipe
        {
            p.flush();
        }
        self.unflushed = false;
    }

    /// Decodes buffered input into the pipe until it is empty or the pipe is full.
    fn decode(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        while self.stalled.is_none() {
            let Some(engine) = &mut self.engine else {
                break;
            };
            let event = engine
                .poll_event(cx.now)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            match event {
                None => break,
                Some(Event::Message(msg)) => {
                    self.deliver(msg);
                }
                Some(Event::Ready(peer)) => self.on_handshake(cx, peer)?,
                // A 3.1 SUBSCRIBE/CANCEL reaches the socket in the 3.0 message form, the one
                // form PUB and XPUB then handle.
                Some(Event::Subscribe(topic)) => {
                    self.deliver(encode_subscription_message(true, &topic).into());
                }
                Some(Event::Cancel(topic)) => {
                    self.deliver(encode_subscription_message(false, &topic).into());
                }
            }
        }
        Ok(())
    }

    /// Queues an inbound message for the socket; false when the pipe is full and the
    /// message is held back.
    fn deliver(&mut self, msg: Message) -> bool {
        let Some(pipe) = &self.pipe else {
            return false;
        };
        match pipe.push_quiet(msg) {
            Ok(()) => {
                self.unflushed = true;
                true
            }
            Err(PushError::Full(msg)) => {
                self.stalled = Some(msg);
                false
            }
            // The socket is gone; what it would have read is dropped with it.
            Err(PushError::Closed(_)) => false,
        }
    }

    fn on_handshake(&mut self, cx: &mut Cx<'_>, peer: PeerInfo) -> io::Result<()> {
        self.attempt = 0;
        self.handshaken = true;
        self.emit(|endpoint| MonitorEvent::HandshakeSucceeded { endpoint });
        let address = self.stream.as_ref().and_then(|s| s.peer_ip());
        let meta = Some(Arc::new(PeerMeta::new(&peer.properties, address)));
        let event = match &self.pipe {
            Some(pipe) => {
                // A reconnect: the peer may be a new process, so the socket hears its id
                // again, and a subscriber's subscriptions go out again before anything else.
                for topic in self.sent_subscriptions.prefixes() {
                    if let Some(engine) = &mut self.engine {
                        engine.send_subscription(true, &topic);
                    }
                }
                SocketEvent::PeerReady {
                    pipe_id: pipe.id(),
                    routing_id: peer.identity,
                    meta,
                }
            }
            None => {
                let (socket_end, io_end) = pipe_with(
                    [
                        Notifier::socket(self.link.signal.clone()),
                        Notifier::io(cx.io.clone(), self.token),
                    ],
                    self.link.options.pipe_config(),
                );
                self.pipe = Some(io_end);
                SocketEvent::Attach {
                    pipe: socket_end,
                    routing_id: peer.identity,
                    meta,
                }
            }
        };
        let new_pipe = matches!(event, SocketEvent::Attach { .. });
        if !self.link.events.send(event) && new_pipe {
            // The socket is gone, so no one would read from this connection. A pipe made at
            // connect outlives its socket while it lingers, and the news can be dropped.
            return Err(io::ErrorKind::NotConnected.into());
        }
        self.attach_direct();
        self.link.signal.notify();
        Ok(())
    }

    /// Writes what a direct write left over, then moves queued messages into the engine and
    /// writes them, all under the direct-write lock so nothing overtakes anything. Returns
    /// whether more wait in the pipe, and whether everything was written.
    fn output(&mut self) -> io::Result<(bool, bool)> {
        let direct = self.direct();
        let nothing_to_write = self.pipe.as_ref().is_none_or(|p| !p.has_input())
            && self.engine.as_mut().is_none_or(|e| e.outbuf().is_empty())
            && direct.as_deref().is_none_or(|d| !d.has_spill());
        if nothing_to_write {
            // Not even the lock: the socket's thread may be writing its reply directly right
            // now, and waiting for it would cost both threads a futex call. Anything it
            // queues later wakes this thread again.
            return Ok((false, true));
        }
        let mut writing = direct.as_deref().map(Direct::lock);
        let mut spilled = false;
        if let Some(st) = writing.as_mut()
            && !st.spill.is_empty()
        {
            spilled = !self.writable || !st.write_spill()?;
            if spilled {
                self.writable = false;
            }
        }
        if !spilled && let Some(d) = &direct {
            d.clear_spilled();
        }
        let more_queued = self.fill_output();
        let flushed = !spilled && self.write_output()?;
        if let Some(st) = writing.as_mut() {
            st.io_pending = self.engine.as_mut().is_some_and(|e| !e.outbuf().is_empty());
            if flushed && !st.io_pending {
                st.congested = false;
            }
        }
        Ok((more_queued, flushed))
    }

    /// The connection's direct-write state, shared with the socket through the pipe.
    fn direct(&self) -> Option<Arc<Direct>> {
        self.pipe.as_ref().and_then(PipeEnd::direct).cloned()
    }

    /// Lets the socket's thread write to the stream (once the handshake is done).
    fn attach_direct(&mut self) {
        let kind = self.link.socket_type;
        let subscriber = matches!(kind, SocketType::Sub | SocketType::XSub);
        if let (false, Some(direct), Some(stream)) = (subscriber, self.direct(), &self.stream) {
            direct.set_takes_small(!matches!(kind, SocketType::Pub | SocketType::XPub));
            let mut st = direct.lock();
            st.stream = Some(stream.clone());
            st.io_pending = self.engine.as_mut().is_some_and(|e| !e.outbuf().is_empty());
        }
    }

    /// Ends direct writes: the stream is going away.
    fn detach_direct(&mut self) {
        if let Some(direct) = self.direct() {
            direct.lock().detach();
            direct.clear_spilled();
        }
    }

    /// Moves queued messages into the engine; returns whether more wait in the pipe.
    fn fill_output(&mut self) -> bool {
        let (Some(engine), Some(pipe)) = (&mut self.engine, &self.pipe) else {
            return false;
        };
        if !engine.is_ready() {
            return false;
        }
        let subscriber = matches!(self.link.socket_type, SocketType::Sub | SocketType::XSub);
        while engine.outbuf().len() < OUT_HIGH {
            match pipe.pull() {
                Ok(Some(msg)) => {
                    if subscriber {
                        send_upstream(engine, &mut self.sent_subscriptions, &msg);
                    } else {
                        engine.send(&msg);
                    }
                }
                Ok(None) | Err(()) => return false,
            }
        }
        true
    }

    /// Writes until the engine's output is empty or the kernel is full; returns whether
    /// everything was written.
    fn write_output(&mut self) -> io::Result<bool> {
        let (Some(stream), Some(engine)) = (&self.stream, &mut self.engine) else {
            return Ok(false);
        };
        let out = engine.outbuf();
        while !out.is_empty() {
            if !self.writable {
                return Ok(false);
            }
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.io_slices(&mut slices);
            match stream.write_vectored(&slices[..n]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(k) => out.advance(k),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The socket's pipe may outlive the connection; its Arc must not keep the fd open.
        self.detach_direct();
    }
}

/// Reads once into wherever the engine wants the bytes. Returns the bytes read (0 at the
/// end of the stream); `WouldBlock` may follow bytes that were kept.
fn read_some(
    stream: &Stream,
    engine: &mut Engine,
    (hint, full): (&mut usize, &mut bool),
    scratch: &mut [u8],
    pool: &Arc<BodyPool>,
) -> io::Result<usize> {
    let mut chunk = None;
    let res = match engine.read_target() {
        ReadTarget::Body { buf, missing } => {
            // Straight into the frame's own buffer, without zero-filling it first.
            let room = (buf.capacity() - buf.len()).min(missing);
            let before = buf.len();
            let r = stream.read_append(buf, room.max(1));
            let n = buf.len() - before;
            // The next frame's header is read through the scratch buffer, and whatever of
            // its body comes with it is copied once more: after a large body expect another,
            // and read a little first (the hint doubles again if small frames follow).
            *hint = MIN_READ;
            match r {
                Err(e) if n == 0 || e.kind() != io::ErrorKind::WouldBlock => Err(e),
                Err(_) => Ok(n),
                // Fewer bytes than asked for and no error: the stream ended after them, which
                // the next read reports.
                Ok(_) => Ok(n),
            }
        }
        ReadTarget::Input(buf) if *full && *hint >= FRESH_MIN && buf.len() <= FRESH_CARRY => {
            // Streaming: the last read was full, so this one will most likely bring as much.
            // It goes straight into a buffer of its own (see below for why), sparing the
            // copy out of the scratch buffer; a recycled one where possible, whose pages are
            // already mapped (a fresh 256 KiB buffer cost a page fault per 4 KiB).
            let want = *hint;
            let mut fresh = pool
                .take(buf.len() + want)
                .unwrap_or_else(|| Vec::with_capacity(buf.len() + want));
            fresh.extend_from_slice(buf);
            buf.clear();
            let before = fresh.len();
            let r = stream.read_append(&mut fresh, want);
            let n = fresh.len() - before;
            *full = n == want;
            *hint = next_hint(want, n);
            chunk = Some(fresh);
            match r {
                Err(e) if n == 0 || e.kind() != io::ErrorKind::WouldBlock => Err(e),
                _ => Ok(n),
            }
        }
        ReadTarget::Input(buf) => {
            // Into the thread's scratch buffer, then appended: the input buffer is often still
            // shared with messages just handed out, and growing it for a read that finds
            // nothing would allocate for nothing.
            let want = (*hint).min(scratch.len());
            let r = stream.read(&mut scratch[..want]);
            *full = matches!(r, Ok(n) if n == want);
            if let Ok(n) = r {
                if n >= FRESH_MIN && buf.len() <= FRESH_CARRY {
                    // A buffer of its own for each large read: the frames split off it share
                    // one reference count, which this thread raises while decoding and the
                    // socket's thread lowers once done with them. Appending to a buffer that
                    // the socket still reads from would bounce that count's cache line
                    // between the two cores once per message. Small reads (a request, a
                    // reply) append instead: there the allocation would cost more.
                    let mut fresh = pool
                        .take(buf.len() + n)
                        .unwrap_or_else(|| Vec::with_capacity(buf.len() + n));
                    fresh.extend_from_slice(buf);
                    fresh.extend_from_slice(&scratch[..n]);
                    buf.clear();
                    chunk = Some(fresh);
                } else {
                    buf.extend_from_slice(&scratch[..n]);
                }
                *hint = next_hint(want, n);
            }
            r
        }
    };
    if let Some(fresh) = chunk.filter(|c| !c.is_empty()) {
        engine.feed_chunk(fresh);
    }
    res
}

/// The next read's size: double after a full read, else about what came.
fn next_hint(want: usize, got: usize) -> usize {
    if got == want {
        (want * 2).min(MAX_READ)
    } else {
        got.next_power_of_two().clamp(MIN_READ, MAX_READ)
    }
}

/// Sends what a SUB or XSUB queued: subscriptions in the form the peer's ZMTP version
/// expects (the engine decides), remembered for the next reconnect; anything else as is.
fn send_upstream(engine: &mut Engine, sent: &mut Trie, msg: &Message) {
    let frames = msg.frames();
    match frames {
        [only] if matches!(only.first(), Some(0 | 1)) => {
            let subscribe = only[0] == 1;
            let topic = &only[1..];
            if subscribe {
                if !sent.contains(topic) {
                    sent.add(topic);
                }
            } else {
                sent.remove_all(topic);
            }
            engine.send_subscription(subscribe, topic);
        }
        _ => engine.send(msg),
    }
}

fn engine_config(link: &SocketLink) -> EngineConfig {
    let o = &link.options;
    let mut config = EngineConfig::new(link.socket_type);
    config.routing_id = o.routing_id.clone();
    config.max_msg_size = o.maxmsgsize;
    config.handshake_ivl = o.handshake_ivl;
    config.heartbeat_ivl = o.heartbeat_ivl;
    config.heartbeat_ttl = o.heartbeat_ttl;
    config.heartbeat_timeout = o.heartbeat_timeout;
    config
}
