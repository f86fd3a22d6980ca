//! I/O threads: each runs a mio poll loop that moves bytes between the kernel and the ZMTP
//! engines of its connections, and between the engines and the sockets' pipes.

pub(crate) mod bodies;
mod connection;
pub(crate) mod direct;
mod thread;
mod timers;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use crossbeam_channel::Sender;

use crate::endpoint::Endpoint;
use crate::monitor::{MonitorEvent, MonitorSink};
use crate::options::Options;
use crate::pipe::PipeEnd;
use crate::signal::Signal;
use crate::socket_type::SocketType;
use crate::transport::Listener;
use bodies::BodyPool;

pub(crate) use thread::spawn;

/// The token mio reserves for the waker.
const WAKER_TOKEN: usize = 0;

/// A request from a socket (or a pipe) to an I/O thread.
pub(crate) enum Command {
    /// Serve a bound listener for a socket.
    Listen {
        token: usize,
        listener: Listener,
        link: SocketLink,
        /// The resolved endpoint, as monitor events name it.
        label: Arc<str>,
    },
    /// Connect (and keep reconnecting) to an endpoint; `pipe` is the I/O side of the
    /// socket's pipe for this endpoint (`None` with IMMEDIATE: made per connection).
    Connect {
        token: usize,
        endpoint: Endpoint,
        link: SocketLink,
        pipe: Option<PipeEnd>,
        /// The endpoint as given to connect, as monitor events name it.
        label: Arc<str>,
    },
    /// Close a listener and the connections it accepted (unbind); `ack` once done.
    Unlisten { token: usize, ack: Sender<()> },
    /// Drop a connection made by connect, and its queued messages (disconnect).
    Disconnect(usize),
    /// Something changed on a connection's pipe: look at it again.
    Wake(usize),
    /// The socket closed: stop its listeners and its connections that have no pipe yet.
    /// The listeners are closed before `ack` is answered, so the socket can report its
    /// endpoints free by the time its close returns.
    SocketClosed(u64, Option<Sender<()>>),
    /// The context is going away: finish lingering connections, then exit.
    Shutdown,
}

/// A handle to one I/O thread.
#[derive(Clone)]
pub(crate) struct IoHandle {
    inner: Arc<IoHandleInner>,
}

struct IoHandleInner {
    commands: Sender<Command>,
    waker: mio::Waker,
    next_token: AtomicUsize,
    /// Large frame bodies' buffers, recycled among this thread's connections.
    bodies: Arc<BodyPool>,
}

impl IoHandle {
    /// Sends a command and wakes the thread.
    pub fn send(&self, cmd: Command) {
        // The thread outlives every handle's use except during shutdown, when a lost command
        // has nothing left to act on.
        if self.inner.commands.send(cmd).is_ok() {
            let _ = self.inner.waker.wake();
        }
    }

    /// The pool this thread's connections take large frame bodies' buffers from.
    pub fn bodies(&self) -> &Arc<BodyPool> {
        &self.inner.bodies
    }

    /// Asks the thread to look at connection `token` again.
    pub fn wake(&self, token: usize) {
        self.send(Command::Wake(token));
    }

    /// Whether both handles reach the same thread.
    pub fn same_thread(&self, other: &IoHandle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// A fresh token for a new listener or connection on this thread.
    pub fn token(&self) -> usize {
        self.inner.next_token.fetch_add(1, Ordering::Relaxed)
    }
}

/// What an I/O thread knows of the socket that owns a listener or a connection: how to hand
/// it new pipes, and the options that were in force when the endpoint was added.
#[derive(Clone)]
pub(crate) struct SocketLink {
    pub socket_id: u64,
    pub socket_type: SocketType,
    pub options: Arc<Options>,
    pub signal: Arc<Signal>,
    pub events: EventSender,
    pub state: Arc<SocketState>,
    /// The context, for reaching its ZAP handler (weak: the context owns the I/O threads).
    pub ctx: std::sync::Weak<crate::context::ContextInner>,
}

/// The sending half of a socket's event channel, with a flag the socket checks on every send
/// and receive: one load, where asking the channel whether it is empty costs several.
#[derive(Clone)]
pub(crate) struct EventSender {
    tx: Sender<SocketEvent>,
    pending: Arc<AtomicBool>,
}

impl EventSender {
    /// A channel's sender and the flag its receiver checks.
    pub fn new(tx: Sender<SocketEvent>, pending: Arc<AtomicBool>) -> EventSender {
        EventSender { tx, pending }
    }

    /// Sends `ev`; false when the socket is gone (the event is dropped).
    pub fn send(&self, ev: SocketEvent) -> bool {
        if self.tx.send(ev).is_err() {
            return false;
        }
        // Set after the send: a receiver that sees the flag finds the event.
        self.pending.store(true, Ordering::Release);
        true
    }
}

/// Socket state the I/O threads read: whether it closed, and its LINGER then; and where
/// monitor events go.
#[derive(Default)]
pub(crate) struct SocketState {
    closed: AtomicBool,
    /// LINGER in milliseconds at close; -1 = forever.
    linger_ms: AtomicI64,
    /// Whether `monitor` holds a sink: read first, so unmonitored sockets never lock.
    monitored: AtomicBool,
    monitor: Mutex<Option<MonitorSink>>,
}

impl std::fmt::Debug for SocketState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketState")
            .field("closed", &self.closed)
            .field("linger_ms", &self.linger_ms)
            .finish_non_exhaustive()
    }
}

impl SocketState {
    /// Records the close; `linger` as in the LINGER option.
    pub fn close(&self, linger: Option<std::time::Duration>) {
        let ms = linger.map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.linger_ms.store(ms, Ordering::SeqCst);
        self.closed.store(true, Ordering::SeqCst);
        // A closed socket raises no more events: its monitor hears MonitorStopped now.
        self.set_monitor(None);
    }

    /// Starts sending events to `sink` (or stops, with `None`); a monitor it replaces hears
    /// MonitorStopped.
    pub fn set_monitor(&self, sink: Option<MonitorSink>) {
        let mut slot = self.monitor.lock().unwrap_or_else(|p| p.into_inner());
        self.monitored.store(sink.is_some(), Ordering::SeqCst);
        let old = std::mem::replace(&mut *slot, sink);
        drop(slot);
        drop(old);
    }

    /// Raises the event `make` builds (if any), when a monitor runs: unmonitored sockets
    /// never build events.
    pub fn emit(&self, make: impl FnOnce() -> Option<MonitorEvent>) {
        if !self.monitored.load(Ordering::Relaxed) {
            return;
        }
        let slot = self.monitor.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(sink), Some(ev)) = (slot.as_ref(), make()) {
            sink.send(ev);
        }
    }

    /// `None` while open; `Some(linger)` once closed.
    pub fn closed(&self) -> Option<Option<std::time::Duration>> {
        if !self.closed.load(Ordering::SeqCst) {
            return None;
        }
        let ms = self.linger_ms.load(Ordering::SeqCst);
        Some(u64::try_from(ms).ok().map(std::time::Duration::from_millis))
    }
}

/// What an I/O thread tells a socket.
pub(crate) enum SocketEvent {
    /// A peer completed its handshake on a bound endpoint (or an IMMEDIATE connect, or an
    /// inproc peer joined): a new pipe for the socket.
    Attach {
        pipe: PipeEnd,
        routing_id: Bytes,
        meta: Option<Arc<PeerMeta>>,
    },
    /// The peer behind an existing pipe (made at connect) completed a handshake, again after
    /// each reconnect; it may bring a new routing id.
    PeerReady {
        pipe_id: u64,
        routing_id: Bytes,
        meta: Option<Arc<PeerMeta>>,
    },
}

/// What a peer said about itself in its handshake, for the metadata of the messages it
/// sends (zmq_msg_gets): its READY properties, the address it connected from, and the
/// descriptor of its connection.
#[derive(Debug, Default)]
pub(crate) struct PeerMeta {
    /// Property names and values, NUL-terminated so C can borrow them.
    pub properties: Vec<(String, std::ffi::CString)>,
}

/// The private property libzmq keeps a connection's descriptor in, for ZMQ_SRCFD.
pub(crate) const FD_PROPERTY: &str = "__fd";

impl PeerMeta {
    /// Metadata from a peer's READY properties, for tcp its IP address, and the descriptor
    /// of the tcp or ipc connection it came in on (libzmq's private "__fd", which
    /// zmq_msg_get(ZMQ_SRCFD) reads).
    pub fn new(
        properties: &[(String, Bytes)],
        peer_address: Option<String>,
        fd: Option<i32>,
    ) -> PeerMeta {
        let text = |v: &[u8]| {
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            std::ffi::CString::new(&v[..end]).unwrap_or_default()
        };
        let mut props: Vec<(String, std::ffi::CString)> = properties
            .iter()
            .map(|(k, v)| (k.clone(), text(v)))
            .collect();
        if let Some(addr) = peer_address {
            props.push(("Peer-Address".into(), text(addr.as_bytes())));
        }
        if let Some(fd) = fd {
            props.push((FD_PROPERTY.into(), text(fd.to_string().as_bytes())));
        }
        PeerMeta { properties: props }
    }

    /// The descriptor of the connection the peer's messages came in on, if it had one.
    pub fn fd(&self) -> Option<i32> {
        self.get(FD_PROPERTY)?.to_str().ok()?.parse().ok()
    }

    /// A property by name (ZMTP names are case-insensitive); "Routing-Id" and its older
    /// name "Identity" answer for each other.
    pub fn get(&self, name: &str) -> Option<&std::ffi::CStr> {
        let find = |n: &str| {
            self.properties
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_c_str())
        };
        find(name).or_else(|| {
            if name.eq_ignore_ascii_case("Routing-Id") {
                find("Identity")
            } else if name.eq_ignore_ascii_case("Identity") {
                find("Routing-Id")
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_meta_answers_routing_id_and_identity_for_each_other_and_ignores_case() {
        let props = [
            ("Socket-Type".to_string(), Bytes::from_static(b"DEALER")),
            ("Identity".to_string(), Bytes::from_static(b"D1")),
        ];
        let meta = PeerMeta::new(&props, Some("10.0.0.1".into()), Some(7));
        assert_eq!(meta.get("socket-type").unwrap().to_bytes(), b"DEALER");
        assert_eq!(meta.get("Routing-Id").unwrap().to_bytes(), b"D1");
        assert_eq!(meta.get("Peer-Address").unwrap().to_bytes(), b"10.0.0.1");
        assert!(meta.get("User-Id").is_none());
        assert_eq!(meta.fd(), Some(7));
    }

    #[test]
    fn peer_meta_without_a_connection_has_no_descriptor() {
        let meta = PeerMeta::new(&[], None, None);
        assert_eq!(meta.fd(), None);
        assert!(meta.get(FD_PROPERTY).is_none());
    }
}
