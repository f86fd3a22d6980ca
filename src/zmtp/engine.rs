//! The per-connection ZMTP state machine: greeting, NULL handshake, then messages and commands.
//!
//! Sans-IO: the I/O layer reads into [`Engine::read_target`], drains [`Engine::poll_event`] until
//! it returns `Ok(None)`, and writes [`Engine::outbuf`] with `writev`. After an `Err` it should
//! flush what is queued (best effort: it may hold an ERROR for the peer) and close.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::ProtocolError;
use super::command::{self, Command};
use super::decoder::{Decoder, ReadTarget};
use super::frame::{self, COMMAND, FrameHeader, MORE};
use super::greeting;
use super::heartbeat::Heartbeat;
use super::mechanism::{Mechanism, Security};
use super::outbuf::OutBuf;
use super::zap::{ZapReply, ZapRequest};
use crate::message::Message;
use crate::socket_type::SocketType;

/// libzmq's default HANDSHAKE_IVL.
pub const DEFAULT_HANDSHAKE_IVL: Duration = Duration::from_secs(30);

/// What one side of a connection needs to know to speak ZMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Our socket type, sent as Socket-Type in READY.
    pub socket_type: SocketType,
    /// Sent as the Identity property when `socket_type.sends_identity()`.
    pub routing_id: Bytes,
    /// MAXMSGSIZE: the largest frame body accepted (`None` = unlimited), checked per frame
    /// before anything is allocated for it, as libzmq does.
    pub max_msg_size: Option<u64>,
    /// HANDSHAKE_IVL: the time allowed from creation to the peer's READY (`None` = forever).
    pub handshake_ivl: Option<Duration>,
    /// HEARTBEAT_IVL: once ready, a PING is sent this often (`None` or zero = never).
    pub heartbeat_ivl: Option<Duration>,
    /// HEARTBEAT_TTL: sent in our PINGs, in whole tenths of a second up to 0xFFFF, telling the
    /// peer how long to wait for our traffic (`None` = 0, no limit).
    pub heartbeat_ttl: Option<Duration>,
    /// HEARTBEAT_TIMEOUT: how long after a PING to wait for any input before giving up on the
    /// peer (`None` = the interval, libzmq's default; zero = never give up).
    pub heartbeat_timeout: Option<Duration>,
    /// STREAM_NOTIFY, for raw connections (a STREAM socket's, which speak no ZMTP): an
    /// empty message announces the connection.
    pub raw_notify: bool,
    /// The security mechanism and its credentials.
    pub security: Security,
    /// ZAP_DOMAIN: NULL asks the ZAP handler only when it is set.
    pub zap_domain: Bytes,
    /// ZAP_ENFORCE_DOMAIN: no ZAP handler bound fails the handshake.
    pub zap_enforce_domain: bool,
    /// The peer's IP address (no port) for ZAP requests; empty for ipc.
    pub peer_address: Bytes,
}

impl EngineConfig {
    /// libzmq's defaults for `socket_type`: empty routing id, no size limit, 30 s handshake,
    /// no heartbeats.
    pub fn new(socket_type: SocketType) -> EngineConfig {
        EngineConfig {
            socket_type,
            routing_id: Bytes::new(),
            max_msg_size: None,
            handshake_ivl: Some(DEFAULT_HANDSHAKE_IVL),
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            raw_notify: true,
            security: Security::Null,
            zap_domain: Bytes::new(),
            zap_enforce_domain: false,
            peer_address: Bytes::new(),
        }
    }

    /// Whether this connection is raw: a STREAM socket's bytes, with no ZMTP at all.
    pub fn is_raw(&self) -> bool {
        self.socket_type.is_raw()
    }
}

/// What the handshake told us about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's socket type (compatible with ours).
    pub socket_type: SocketType,
    /// The peer's Identity property, empty if it sent none.
    pub identity: Bytes,
    /// Every READY property in wire order, Socket-Type and Identity included (metadata).
    pub properties: Vec<(String, Bytes)>,
    /// The ZMTP minor version whose rules apply: 0 for a 3.0 peer, 1 for 3.1 and later.
    pub minor: u8,
}

impl PeerInfo {
    /// Adds what the ZAP handler said of the peer: "User-Id" (when it gave one) and its
    /// metadata, as libzmq adds them to every message's properties.
    pub fn add_zap(&mut self, reply: ZapReply) {
        if !reply.user_id.is_empty() {
            self.properties.push(("User-Id".to_owned(), reply.user_id));
        }
        self.properties.extend(reply.metadata);
    }
}

/// Something the peer sent that the socket layer must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake is complete: messages may flow both ways.
    Ready(Box<PeerInfo>),
    /// A whole message (all its frames).
    Message(Message),
    /// A SUBSCRIBE command (ZMTP 3.1) with its topic prefix.
    Subscribe(Bytes),
    /// A CANCEL command (ZMTP 3.1) with its topic prefix.
    Cancel(Bytes),
    /// The mechanism asks the ZAP handler; answer with [`Engine::zap_reply`]. The handshake
    /// waits until then.
    ZapRequest(Box<ZapRequest>),
}

#[derive(Debug)]
enum State {
    /// A raw connection, not yet announced to the socket.
    RawStart,
    /// A raw connection: bytes in, bytes out, no framing.
    Raw,
    /// Waiting for the peer's greeting.
    Greeting,
    /// Our READY is queued; waiting for the peer's.
    Handshake,
    /// Both READYs exchanged.
    Ready,
    /// A protocol error ended the connection.
    Closed(ProtocolError),
}

/// One ZMTP connection's protocol state, input buffer and output queue.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    state: State,
    input: Decoder,
    out: OutBuf,
    deadline: Option<Instant>,
    peer: Option<PeerInfo>,
    peer_minor: Option<u8>,
    /// Frames of the multipart message being received.
    parts: Vec<Bytes>,
    heartbeat: Heartbeat,
    /// The input length after the last decode: growth beyond it is newly received bytes.
    seen_input: usize,
    /// A raw connection's empty "connected" message went to the socket (or is not wanted).
    raw_announced: bool,
    /// How much of our greeting is queued (it goes out in stages; see `greeting::staged`).
    greeting_sent: usize,
    /// The security handshake, from the peer's greeting on.
    mechanism: Option<Box<dyn Mechanism>>,
    /// A request for the ZAP handler, not yet handed to the I/O layer.
    zap_out: Option<ZapRequest>,
    /// Frames travel sealed by the mechanism (CURVE).
    sealed: bool,
    /// The latest time the I/O layer gave (mechanisms read it through `Step`).
    clock: Option<Instant>,
}

impl Engine {
    /// A new connection's engine, with our whole greeting already queued in the out buffer.
    pub fn new(config: EngineConfig, now: Instant) -> Engine {
        let deadline = config.handshake_ivl.and_then(|ivl| now.checked_add(ivl));
        let mut engine = Engine::with_deadline(config, deadline);
        engine.clock = Some(now);
        engine
    }

    /// Takes large frame bodies' buffers from `pool` and returns them there when the
    /// messages are dropped.
    pub fn set_body_pool(&mut self, pool: std::sync::Arc<dyn super::decoder::BodyBuffers>) {
        self.input.set_pool(pool);
    }

    /// As [`Engine::new`] with an absolute handshake deadline (`None` = none).
    pub(crate) fn with_deadline(config: EngineConfig, deadline: Option<Instant>) -> Engine {
        let mut out = OutBuf::new();
        let state = if config.is_raw() {
            State::RawStart
        } else {
            out.put_slice(&Engine::our_greeting(&config)[..greeting::staged(0)]);
            State::Greeting
        };
        let heartbeat = Heartbeat::new(
            config.heartbeat_ivl,
            config.heartbeat_ttl,
            config.heartbeat_timeout,
        );
        Engine {
            input: Decoder::new(config.max_msg_size),
            heartbeat,
            seen_input: 0,
            raw_announced: false,
            greeting_sent: greeting::staged(0),
            config,
            state,
            out,
            deadline,
            peer: None,
            peer_minor: None,
            parts: Vec::new(),
            mechanism: None,
            zap_out: None,
            sealed: false,
            clock: None,
        }
    }

    /// The input buffer, for appending received bytes directly (tests). It grows only with
    /// what arrives; the I/O layer uses [`read_target`](Engine::read_target), which also
    /// routes large frame bodies to their own buffer.
    pub fn read_buf(&mut self) -> &mut BytesMut {
        self.input.buf()
    }

    /// Where the I/O layer should read into next: the input buffer, or the body of a large
    /// frame (read straight into the buffer that becomes the message frame).
    pub fn read_target(&mut self) -> ReadTarget<'_> {
        self.input.target()
    }

    /// Takes a chunk of received bytes that continues the input (see
    /// [`Decoder::feed_chunk`](super::decoder::Decoder::feed_chunk)).
    pub fn feed_chunk(&mut self, chunk: Vec<u8>) {
        self.input.feed_chunk(chunk);
    }

    /// Appends received bytes where they belong (for tests and fuzzing; I/O uses
    /// `read_target`).
    pub fn handle_input(&mut self, data: &[u8]) {
        self.input.push(data);
    }

    /// Decodes the next event from the buffered input; `Ok(None)` means more input is needed.
    ///
    /// PINGs are answered (a PONG is queued) and PONGs ignored without returning. Input that
    /// arrived since the last call counts as a sign of life received at `now`, and whatever
    /// [`handle_timeout`](Engine::handle_timeout) would do is done first. After an error the
    /// engine is closed and returns that error again on every call.
    pub fn poll_event(&mut self, now: Instant) -> Result<Option<Event>, ProtocolError> {
        self.clock = Some(now);
        if matches!(self.state, State::Ready) && self.heartbeat.is_inert() {
            // No timer can fire: decoding needs no clock work (the hot path). A PING that
            // brings a TTL ends that, and is itself input received now.
            let res = self.poll();
            if !self.heartbeat.is_inert() {
                self.heartbeat.on_ready(now);
                self.heartbeat.on_input(now);
            }
            return res;
        }
        self.handle_timeout(now)?;
        let res = self.poll();
        self.tick(now);
        res
    }

    /// [`poll_event`](Engine::poll_event) without a clock (no deadline is checked).
    pub(crate) fn poll(&mut self) -> Result<Option<Event>, ProtocolError> {
        let res = self.next_event();
        if let Err(e) = &res {
            self.close(e.clone());
        }
        self.seen_input = self.input.buffered();
        res
    }

    /// Whether both READYs have been exchanged, so messages may be sent and received.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready | State::Raw)
    }

    /// Whether frames travel sealed by the mechanism (CURVE) rather than in clear ZMTP
    /// framing. Known from the configuration, before the handshake: the I/O layer must not
    /// frame anything itself for such a connection (no direct writes).
    pub fn is_sealed(&self) -> bool {
        self.sealed || self.config.security.seals()
    }

    /// Whether a protocol error has ended the connection.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// The error that closed the engine, if any.
    pub fn error(&self) -> Option<&ProtocolError> {
        match &self.state {
            State::Closed(e) => Some(e),
            _ => None,
        }
    }

    /// The peer's handshake information, once its READY has been accepted.
    pub fn peer(&self) -> Option<&PeerInfo> {
        self.peer.as_ref()
    }

    /// The minor version whose rules apply to the peer, once its greeting has arrived.
    pub fn peer_minor(&self) -> Option<u8> {
        self.peer_minor
    }

    /// The TTL of the peer's last PING that set one: how long it asks us to wait for its
    /// traffic before giving up on it.
    pub fn peer_heartbeat_ttl(&self) -> Option<Duration> {
        self.heartbeat.peer_ttl()
    }

    /// The configuration this engine was made with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Queues `msg`, MORE set on all frames but the last; bodies of at least
    /// [`frame::ZERO_COPY_MIN`] bytes are queued without copying.
    ///
    /// Only valid once [`is_ready`](Engine::is_ready); ignored on a closed engine.
    pub fn send(&mut self, msg: &Message) {
        if !self.is_ready() {
            debug_assert!(
                self.is_closed(),
                "Engine::send before the handshake completed"
            );
            return;
        }
        let frames = msg.frames();
        if matches!(self.state, State::Raw) {
            for body in frames {
                self.out.put_bytes(body.clone());
            }
            return;
        }
        let last = frames.len().saturating_sub(1);
        if self.sealed {
            if let Some(m) = &mut self.mechanism {
                for (i, body) in frames.iter().enumerate() {
                    m.seal(if i < last { MORE } else { 0 }, body, &mut self.out);
                }
            }
            return;
        }
        for (i, body) in frames.iter().enumerate() {
            let flags = if i < last { MORE } else { 0 };
            frame::encode_frame(&mut self.out, flags, body);
        }
    }

    /// Queues a command (SUBSCRIBE, PING, ...); ignored on a closed engine.
    pub fn send_command(&mut self, cmd: &Command) {
        if !self.is_closed() {
            self.put_command(cmd);
        }
    }

    /// Queues a command as a frame of its own, or sealed with the COMMAND flag once the
    /// mechanism seals (libzmq sends SUBSCRIBE, CANCEL, PING and PONG so under CURVE).
    fn put_command(&mut self, cmd: &Command) {
        match &mut self.mechanism {
            Some(m) if self.sealed => {
                let framed = cmd.to_bytes();
                let body = frame::decode_header(&framed)
                    .ok()
                    .flatten()
                    .map_or(&framed[..], |h| &framed[h.header_len..]);
                m.seal(COMMAND, body, &mut self.out);
            }
            _ => cmd.encode(&mut self.out),
        }
    }

    /// Queues a (un)subscription in the form the peer's version expects: a SUBSCRIBE/CANCEL
    /// command for ZMTP 3.1, a `01`/`00`-prefixed message for 3.0. Only valid once ready.
    pub fn send_subscription(&mut self, subscribe: bool, topic: &[u8]) {
        if self.peer_minor.unwrap_or(greeting::MINOR) >= 1 {
            let topic = Bytes::copy_from_slice(topic);
            let cmd = if subscribe {
                Command::Subscribe(topic)
            } else {
                Command::Cancel(topic)
            };
            self.send_command(&cmd);
        } else {
            let body = command::encode_subscription_message(subscribe, topic);
            self.send(&Message::single(body));
        }
    }

    /// The bytes waiting to be written; the I/O layer writes with `io_slices` then `advance`.
    pub fn outbuf(&mut self) -> &mut OutBuf {
        &mut self.out
    }

    /// When [`handle_timeout`](Engine::handle_timeout) next has work: the handshake deadline
    /// while the handshake is under way; once ready, the earliest of the next PING, the
    /// HEARTBEAT_TIMEOUT after an unanswered PING and the peer's TTL; `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Greeting | State::Handshake => self.handshake_deadline(),
            State::Ready => self.heartbeat.poll_timeout(),
            State::RawStart | State::Raw | State::Closed(_) => None,
        }
    }

    /// Does what is due at `now`: fails a handshake past its deadline (`HandshakeTimeout`);
    /// once ready, queues a PING every HEARTBEAT_IVL and fails with `HeartbeatTimeout` if the
    /// peer is silent too long after a PING or past its own PING's TTL. Input that arrived
    /// since the last call counts as a sign of life at `now`.
    ///
    /// Cheap and idempotent, so it may run on every service: early or repeated calls queue
    /// nothing more. On a closed engine returns the error that closed it.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ProtocolError> {
        self.clock = Some(now);
        let res = match &self.state {
            State::Closed(e) => return Err(e.clone()),
            State::RawStart | State::Raw => Ok(()),
            State::Greeting | State::Handshake => match self.handshake_deadline() {
                Some(deadline) if now >= deadline => Err(ProtocolError::HandshakeTimeout),
                _ => Ok(()),
            },
            State::Ready => {
                self.tick(now);
                let due = self.heartbeat.handle_timeout(now);
                if let Ok(Some(ping)) = &due {
                    self.put_command(ping);
                }
                due.map(drop)
            }
        };
        if let Err(e) = &res {
            self.close(e.clone());
        }
        res
    }

    /// The earlier of HANDSHAKE_IVL's deadline and the mechanism's own.
    fn handshake_deadline(&self) -> Option<Instant> {
        let own = self.mechanism.as_ref().and_then(|m| m.deadline());
        match (self.deadline, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Starts the heartbeat once ready and stamps newly received input with `now`.
    fn tick(&mut self, now: Instant) {
        if !self.is_ready() {
            return;
        }
        self.heartbeat.on_ready(now);
        let len = self.input.buffered();
        if len > self.seen_input {
            self.heartbeat.on_input(now);
        }
        self.seen_input = len;
    }

    fn close(&mut self, err: ProtocolError) {
        self.state = State::Closed(err);
        self.parts = Vec::new();
        self.input.clear();
    }

    fn next_event(&mut self) -> Result<Option<Event>, ProtocolError> {
        loop {
            match &self.state {
                State::Closed(e) => return Err(e.clone()),
                State::RawStart => {
                    self.state = State::Raw;
                    self.raw_announced = !self.config.raw_notify;
                    let peer = PeerInfo {
                        socket_type: SocketType::Stream,
                        identity: Bytes::new(),
                        properties: Vec::new(),
                        minor: greeting::MINOR,
                    };
                    self.peer = Some(peer.clone());
                    return Ok(Some(Event::Ready(Box::new(peer))));
                }
                State::Raw if !self.raw_announced => {
                    // STREAM_NOTIFY: an empty message tells the socket of the connection.
                    self.raw_announced = true;
                    return Ok(Some(Event::Message(Message::single(Bytes::new()))));
                }
                State::Raw => {
                    return Ok(self
                        .input
                        .take_all()
                        .map(|b| Event::Message(Message::single(b))));
                }
                State::Greeting => {
                    if !self.read_greeting()? {
                        return Ok(None);
                    }
                }
                State::Handshake => {
                    if let Some(request) = self.zap_out.take() {
                        return Ok(Some(Event::ZapRequest(Box::new(request))));
                    }
                    if let Some(peer) = self.mechanism.as_mut().and_then(|m| m.take_peer()) {
                        return Ok(Some(self.on_ready(peer)));
                    }
                    let Some((header, body)) = self.read_frame()? else {
                        return Ok(None);
                    };
                    if !header.command {
                        return Err(ProtocolError::UnexpectedMessage);
                    }
                    self.on_handshake_command(body)?;
                }
                State::Ready if self.sealed => {
                    // The outer frame's flags mean nothing here (libzmq sends MESSAGE as a
                    // data frame, RFC 26 as a command): MORE and COMMAND are in the box.
                    let Some((_, sealed)) = self.input.next_frame(|_| Ok(()))? else {
                        return Ok(None);
                    };
                    let Some(m) = &mut self.mechanism else {
                        return Ok(None);
                    };
                    let (flags, body) = m.open(sealed)?;
                    let event = if flags & COMMAND != 0 {
                        self.on_command(body)?
                    } else {
                        self.on_message_frame(flags & MORE != 0, body)
                    };
                    if event.is_some() {
                        return Ok(event);
                    }
                }
                State::Ready => {
                    let Some((header, body)) = self.read_frame()? else {
                        return Ok(None);
                    };
                    let event = if header.command {
                        self.on_command(body)?
                    } else {
                        self.on_message_frame(header.more, body)
                    };
                    if event.is_some() {
                        return Ok(event);
                    }
                }
            }
        }
    }

    /// Splits the next whole frame off the input, refusing frames that are wrong here from
    /// their header alone.
    fn read_frame(&mut self) -> Result<Option<(FrameHeader, Bytes)>, ProtocolError> {
        let in_message = !self.parts.is_empty();
        let ready = self.is_ready();
        self.input.next_frame(|header| {
            if header.command && in_message {
                Err(ProtocolError::CommandInMessage)
            } else if !header.command && !ready {
                Err(ProtocolError::UnexpectedMessage)
            } else {
                Ok(())
            }
        })
    }

    fn on_message_frame(&mut self, more: bool, body: Bytes) -> Option<Event> {
        if more {
            self.parts.push(body);
            None
        } else if self.parts.is_empty() {
            Some(Event::Message(Message::single(body)))
        } else {
            self.parts.push(body);
            let frames = std::mem::take(&mut self.parts);
            Some(Event::Message(Message::from(frames)))
        }
    }

    fn on_command(&mut self, body: Bytes) -> Result<Option<Event>, ProtocolError> {
        let ready = self.is_ready();
        match Command::decode(body)? {
            Command::Error(reason) => Err(ProtocolError::PeerError(reason)),
            Command::Subscribe(topic) if ready => Ok(Some(Event::Subscribe(topic))),
            Command::Cancel(topic) if ready => Ok(Some(Event::Cancel(topic))),
            Command::Ping { ttl, context } if ready => {
                // "TTL ... in tenths of a second"; 0 means the peer sets no limit. (libzmq 4.3
                // multiplies in a u16, so it waits less than asked for TTLs over 65.5 s.)
                let ttl = (ttl > 0).then(|| Duration::from_millis(u64::from(ttl) * 100));
                self.heartbeat.set_peer_ttl(ttl);
                self.put_command(&Command::Pong(context));
                Ok(None)
            }
            Command::Pong(_) if ready => Ok(None),
            // libzmq 4.3 ignores well-formed commands it does not know (checked against it in
            // tests/wire.rs), which leaves room for newer peers' extensions.
            Command::Unknown { .. } if ready => Ok(None),
            // Before READY any other command ends the handshake, as in libzmq; so does a
            // second READY.
            other => Err(ProtocolError::UnexpectedCommand(other.name().to_owned())),
        }
    }
}

#[path = "engine_handshake.rs"]
mod handshake;

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
