//! One connection on an I/O thread: a byte stream, its ZMTP engine and the socket's pipe.
//! A connection made by `connect` outlives its streams: it keeps its pipe and reconnects.

mod input;
mod output;
mod socks;
mod zap;

pub(super) use input::MAX_READ;
use input::READ_CHUNK;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::timers::Timers;
use super::{IoHandle, SocketLink};
use crate::endpoint::{Endpoint, resolve_tcp};
use crate::message::Message;
use crate::monitor::{MonitorEvent, loss_events};
use crate::options::codec::SecurityMechanism;
use crate::pipe::PipeEnd;
use crate::routing::Trie;
use crate::transport::socks::Socks5Connect;
use crate::transport::{Stream, ipc, tcp};
use crate::zmtp::mechanism::Security;
use crate::zmtp::mechanism::curve::CurveConfig;
use crate::zmtp::{Engine, EngineConfig};

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
    /// Connected to the SOCKS proxy, asking it to connect to the peer.
    Proxying,
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
    /// The SOCKS exchange, while `phase` is `Proxying`.
    socks: Option<Socks5Connect>,
    /// The pipe to the ZAP handler while the handshake waits for its reply.
    zap: Option<PipeEnd>,
}

impl Connection {
    /// Lets the engine recycle large bodies' buffers through `pool`.
    pub fn use_bodies(&mut self, pool: &std::sync::Arc<super::bodies::BodyPool>) {
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
        let engine = Engine::new(engine_config(&link, &stream), now);
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
            socks: None,
            zap: None,
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
            socks: None,
            zap: None,
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
            Phase::Proxying => self.pump_socks(cx),
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
        let fd = self.stream.as_ref().map_or(-1, |s| s.fd());
        let connecting = !matches!(self.phase, Phase::Open);
        // Not the engine's state: an engine that gave up on a silent peer is closed, and
        // that loss is a DISCONNECTED, not a failed handshake.
        let handshaken = self.handshaken;
        for ev in loss_events(&self.label, fd, connecting, handshaken, &reason) {
            self.link.state.emit(|| Some(ev));
        }
        self.flush_best_effort();
        if self.handshaken && self.link.options.stream_notify && self.link.socket_type.is_raw() {
            // STREAM_NOTIFY: an empty message tells the socket this peer went away.
            self.deliver(Message::single(bytes::Bytes::new()));
            self.wake_socket();
        }
        self.deregister(cx.registry);
        self.detach_direct();
        self.stream = None;
        self.engine = None;
        self.socks = None;
        self.zap = None;
        self.handshaken = false;
        self.readable = false;
        self.writable = false;
        if self.endpoint.is_none() || gives_up(&reason) {
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

    fn start_connect(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        let Some(endpoint) = &self.endpoint else {
            return Ok(());
        };
        let stream = match endpoint {
            Endpoint::Tcp { host, port } => {
                let o = &self.link.options;
                // Through a SOCKS proxy the proxy is what this connects to; the peer's
                // name is for the proxy to resolve.
                let addr = match socks::proxy_endpoint(o) {
                    Some((proxy_host, proxy_port)) => resolve_tcp(&proxy_host, proxy_port, o.ipv6),
                    None => resolve_tcp(host, *port, o.ipv6),
                }
                .map_err(|e| io::Error::new(io::ErrorKind::AddrNotAvailable, e.to_string()))?;
                let s = tcp::connect(addr, &self.link.options)?;
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
        if self.via_socks() {
            return self.start_socks(cx);
        }
        self.start_engine(cx, &[])
    }

    /// The peer is reached: ZMTP starts, with `early` the peer's bytes already read (those
    /// that followed a SOCKS proxy's reply).
    fn start_engine(&mut self, cx: &mut Cx<'_>, early: &[u8]) -> io::Result<()> {
        let fd = self.stream.as_ref().map_or(-1, |s| s.fd());
        self.emit(|endpoint| MonitorEvent::Connected { endpoint, fd });
        let Some(stream) = self.stream.clone() else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        let mut engine = Engine::new(engine_config(&self.link, &stream), cx.now);
        engine.set_body_pool(cx.io.bodies().clone());
        if !early.is_empty() {
            engine.handle_input(early);
        }
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
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The socket's pipe may outlive the connection; its Arc must not keep the fd open.
        self.detach_direct();
    }
}

/// Whether a connect gives up for good after `reason`, as libzmq's session does after a
/// protocol error (a refused handshake, a broken rule): trying again would meet the same
/// refusal. Lost streams and timeouts are retried.
fn gives_up(reason: &io::Error) -> bool {
    use crate::zmtp::ProtocolError;
    reason
        .get_ref()
        .and_then(|e| e.downcast_ref::<ProtocolError>())
        .is_some_and(|p| {
            !matches!(
                p,
                ProtocolError::HandshakeTimeout | ProtocolError::HeartbeatTimeout
            )
        })
}

fn engine_config(link: &SocketLink, stream: &Stream) -> EngineConfig {
    let o = &link.options;
    let mut config = EngineConfig::new(link.socket_type);
    config.routing_id = o.routing_id.clone();
    config.max_msg_size = o.maxmsgsize;
    config.handshake_ivl = o.handshake_ivl;
    config.heartbeat_ivl = o.heartbeat_ivl;
    config.heartbeat_ttl = o.heartbeat_ttl;
    config.heartbeat_timeout = o.heartbeat_timeout;
    config.raw_notify = o.stream_notify;
    config.security = security(o);
    config.zap_domain = o.zap_domain.clone();
    config.zap_enforce_domain = o.zap_enforce_domain;
    config.peer_address = stream.peer_ip().unwrap_or_default().into();
    config
}

/// The mechanism the socket's options chose, with its credentials.
fn security(o: &crate::options::Options) -> Security {
    match o.mechanism {
        SecurityMechanism::Plain => Security::Plain {
            server: o.plain_server,
            username: o.plain_username.clone(),
            password: o.plain_password.clone(),
        },
        SecurityMechanism::Curve => Security::Curve(Box::new(CurveConfig {
            server: o.curve_server,
            public_key: o.curve_public_key,
            secret_key: o.curve_secret_key.clone(),
            server_key: o.curve_server_key,
        })),
        _ => Security::Null,
    }
}
