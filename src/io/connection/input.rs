//! The input half of a connection: reading from the stream, decoding, and handing messages
//! and the handshake's outcome to the socket.

use std::io;
use std::sync::Arc;

use super::{Connection, Cx};
use crate::io::bodies::BodyPool;
use crate::io::{PeerMeta, SocketEvent};
use crate::message::Message;
use crate::monitor::MonitorEvent;
use crate::pipe::{Notifier, PushError, pipe_with};
use crate::transport::Stream;
use crate::zmtp::command::encode_subscription_message;
use crate::zmtp::decoder::ReadTarget;
use crate::zmtp::{Engine, Event, PeerInfo};

/// Bytes asked of the kernel by the first read; later reads adapt between the bounds below.
pub(super) const READ_CHUNK: usize = 64 * 1024;

const MIN_READ: usize = 4 * 1024;

pub(in crate::io) const MAX_READ: usize = 256 * 1024;

/// Leftover input up to this size is copied into each read's fresh buffer; a larger partial
/// frame keeps growing its buffer instead, so no byte is copied more than a few times.
const FRESH_CARRY: usize = 4 * 1024;

/// Reads at least this large get a fresh buffer: they hold many messages to share its cost.
const FRESH_MIN: usize = 16 * 1024;

impl Connection {
    /// Reads and decodes until the kernel has nothing more or the socket's pipe is full.
    pub(super) fn read_input(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
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
    pub(super) fn wake_socket(&mut self) {
        if self.unflushed
            && let Some(p) = &self.pipe
        {
            p.flush();
        }
        self.unflushed = false;
    }

    /// Decodes buffered input into the pipe until it is empty or the pipe is full.
    pub(super) fn decode(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        self.take_zap_reply()?;
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
                Some(Event::Ready(peer)) => self.on_handshake(cx, *peer)?,
                // A 3.1 SUBSCRIBE/CANCEL reaches the socket in the 3.0 message form, the one
                // form PUB and XPUB then handle.
                Some(Event::Subscribe(topic)) => {
                    self.deliver(encode_subscription_message(true, &topic).into());
                }
                Some(Event::Cancel(topic)) => {
                    self.deliver(encode_subscription_message(false, &topic).into());
                }
                Some(Event::ZapRequest(request)) => self.ask_zap(cx, &request)?,
            }
        }
        Ok(())
    }

    /// Queues an inbound message for the socket; false when the pipe is full and the
    /// message is held back.
    pub(super) fn deliver(&mut self, msg: Message) -> bool {
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

    pub(super) fn on_handshake(&mut self, cx: &mut Cx<'_>, peer: PeerInfo) -> io::Result<()> {
        self.attempt = 0;
        self.handshaken = true;
        self.emit(|endpoint| MonitorEvent::HandshakeSucceeded { endpoint });
        // The address the engine was made with (and its ZAP request named), not a second
        // getpeername/SO_PEERCRED call.
        let address = match &self.engine {
            Some(engine) if !engine.config().peer_address.is_empty() => {
                Some(String::from_utf8_lossy(&engine.config().peer_address).into_owned())
            }
            _ => self.stream.as_ref().and_then(|s| s.peer_ip()),
        };
        let fd = self.stream.as_ref().map(|s| s.fd());
        let meta = Some(Arc::new(PeerMeta::new(&peer.properties, address, fd)));
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
