//! Sockets as C sees them: zmq_socket, zmq_close, bind/connect/unbind/disconnect, and the
//! frame-at-a-time state that turns ferrozmq's whole messages into libzmq's frames.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use super::Registry;
use super::ctx::{CONTEXTS, FfiCtx};
use super::wake::{EventFd, Woke, deadline, readable, sleep_on};
use super::{c_str, guard};
use crate::io::PeerMeta;
use crate::message::Message;
use crate::signal::{Signal, Watcher};
use crate::socket::core::SocketCore;
use crate::socket_type::SocketType;
use crate::sys::lock::{Lock, LockGuard};

pub(crate) static SOCKETS: Registry<FfiSocket> = Registry::new();

/// A socket handle: the ferrozmq core plus what libzmq's frame API needs on top of it.
pub(crate) struct FfiSocket {
    pub(crate) kind: SocketType,
    /// Written by the socket's signal on every change while someone listens (a blocking
    /// call about to sleep on it, or C holding it as ZMQ_FD).
    pub(crate) wake: Arc<EventFd>,
    signal: Arc<Signal>,
    pub(crate) ctx: Arc<FfiCtx>,
    /// `None` once closed (a call racing zmq_close sees ENOTSOCK).
    state: Lock<Option<SockState>>,
    /// Whether ZMQ_FD was handed out: from then on every change reaches the eventfd.
    fd_exported: AtomicBool,
    /// The thread publishing zmq_socket_monitor's events, if one runs.
    pub(crate) publisher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// While alive, the socket's changes reach its eventfd (see [`FfiSocket::listen`]).
pub(crate) struct Listening<'a> {
    sock: &'a FfiSocket,
    temporary: bool,
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        if self.temporary {
            self.sock.signal.unwatch(&self.sock.wake);
        }
    }
}

/// The mutable part of a socket handle.
pub(crate) struct SockState {
    pub(crate) core: SocketCore,
    /// Frames sent with ZMQ_SNDMORE, waiting for the last frame of their message.
    pub(crate) outgoing: Message,
    /// The rest of a received message, handed out one frame per receive.
    pub(crate) incoming: VecDeque<Bytes>,
    /// The metadata of the peer `incoming` came from.
    pub(crate) incoming_meta: Option<Arc<PeerMeta>>,
    /// ZMQ_RCVMORE: whether the last frame received has more after it.
    pub(crate) rcvmore: bool,
}

impl FfiSocket {
    /// Makes the socket's changes write to its eventfd until the guard drops, and drains
    /// it: look at the socket after this, then sleep on the fd. Outside such sleeps (and
    /// unless ZMQ_FD was handed out) nothing writes to the fd, so a busy socket's peers
    /// make no system call per wake-up.
    pub(crate) fn listen(&self) -> Listening<'_> {
        let temporary = !self.fd_exported.load(Ordering::SeqCst);
        if temporary {
            self.signal.watch(&self.wake);
        }
        self.wake.drain();
        Listening {
            sock: self,
            temporary,
        }
    }

    /// ZMQ_FD: the eventfd, written on every change from now on (edge-triggered, reset by
    /// ZMQ_EVENTS). Handed out after something happened (a peer attached, a message came),
    /// it starts readable, as libzmq's does: a loop that waits on it before asking
    /// ZMQ_EVENTS must not sleep through what came before.
    pub(crate) fn export_fd(&self) -> c_int {
        if !self.fd_exported.swap(true, Ordering::SeqCst) {
            self.signal.watch(&self.wake);
            if self.signal.was_notified() {
                self.wake.wake();
            }
        }
        self.wake.raw()
    }

    /// Locks the socket's state; ENOTSOCK if it was closed meanwhile.
    pub(crate) fn lock(&self) -> Result<StateGuard<'_>, c_int> {
        let guard = self.state.lock();
        if guard.is_none() {
            return Err(libc::ENOTSOCK);
        }
        Ok(StateGuard(guard))
    }

    /// Runs `attempt` until it gives a value, sleeping on the socket's eventfd in between:
    /// once if `nonblocking`, else up to `timeout` (EAGAIN after), and EINTR if a signal
    /// handler runs meanwhile. `attempt` returns `Ok(None)` to wait.
    pub(crate) fn block<T>(
        &self,
        st: &mut SockState,
        nonblocking: bool,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(&mut SockState) -> Result<Option<T>, c_int>,
    ) -> Result<T, c_int> {
        let deadline = deadline(if nonblocking {
            Some(Duration::ZERO)
        } else {
            timeout
        });
        loop {
            if let Some(v) = attempt(st)? {
                return Ok(v);
            }
            if nonblocking {
                return Err(libc::EAGAIN);
            }
            // Listening, then tried again before the sleep: a change after this point leaves
            // the fd readable, so the sleep cannot miss it; the fast path (the first attempt
            // succeeds) makes no system call.
            let _listening = self.listen();
            if let Some(v) = attempt(st)? {
                return Ok(v);
            }
            let mut fds = [readable(self.wake.raw())];
            match sleep_on(&mut fds, deadline)? {
                Woke::Ready => {}
                Woke::TimedOut => return Err(libc::EAGAIN),
                Woke::Interrupted => return Err(libc::EINTR),
            }
        }
    }
}

/// A locked, open socket state.
pub(crate) struct StateGuard<'a>(LockGuard<'a, Option<SockState>>);

impl std::ops::Deref for StateGuard<'_> {
    type Target = SockState;
    fn deref(&self) -> &SockState {
        // Checked open when the guard was made, and only zmq_close empties it.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("guard made on an open socket"))
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut SockState {
        self.0
            .as_mut()
            .unwrap_or_else(|| unreachable!("guard made on an open socket"))
    }
}

/// Sockets this thread looked up last. Every call starts with a lookup, and the registry's
/// one lock, shared by all threads, was the hottest spot of a two-thread PUSH/PULL. A cached
/// socket is safe to hand out after zmq_close: its state is gone (ENOTSOCK), and the cache's
/// reference keeps its address from being reused by a new socket meanwhile.
const RECENT: usize = 4;

/// The next slot to replace, and the cached (handle, socket) pairs.
#[allow(clippy::redundant_allocation, reason = "see lookup")]
type Recent = (usize, [Option<(usize, Rc<Arc<FfiSocket>>)>; RECENT]);

thread_local! {
    static RECENT_SOCKETS: RefCell<Recent> = const { RefCell::new((0, [const { None }; RECENT])) };
}

/// The socket behind a handle: ENOTSOCK for NULL, closed or foreign pointers. A handle
/// this thread used lately comes from a per-thread cache as an `Rc`, so the call holds the
/// socket alive with a plain increment (an `Arc` clone and drop were two locked operations
/// per send and per receive, 5% of a 1-byte stream's time).
#[allow(
    clippy::redundant_allocation,
    reason = "the Rc is this thread's cheap handle on the shared Arc"
)]
pub(crate) fn lookup(s: *mut c_void) -> Result<Rc<Arc<FfiSocket>>, c_int> {
    let key = s as usize;
    let hit = RECENT_SOCKETS.with(|r| {
        r.borrow()
            .1
            .iter()
            .flatten()
            .find(|(k, _)| *k == key)
            .map(|(_, sock)| sock.clone())
    });
    if let Some(sock) = hit {
        return Ok(sock);
    }
    let sock = Rc::new(SOCKETS.get(s).ok_or(libc::ENOTSOCK)?);
    RECENT_SOCKETS.with(|r| {
        let mut r = r.borrow_mut();
        let slot = r.0 % RECENT;
        r.0 = r.0.wrapping_add(1);
        r.1[slot] = Some((key, sock.clone()));
    });
    Ok(sock)
}

/// As [`lookup`], for a caller that keeps the socket beyond the call or across threads.
pub(crate) fn lookup_shared(s: *mut c_void) -> Result<Arc<FfiSocket>, c_int> {
    lookup(s).map(|sock| Arc::clone(&sock))
}

/// A new socket of `kind` (ZMQ_PAIR ... ZMQ_XSUB) in `ctx`.
#[unsafe(export_name = "ferrozmq_zmq_socket")]
pub extern "C" fn zmq_socket(ctx: *mut c_void, kind: c_int) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let c = CONTEXTS.get(ctx).ok_or(libc::EFAULT)?;
        let kind = SocketType::from_number(kind).ok_or(libc::EINVAL)?;
        let (context, defaults) = c.context()?;
        // The context holds MAX_SOCKETS as it was when it started (EMFILE past it), as
        // libzmq sizes its socket slots then; IPV6 and BLOCKY are read for each socket.
        let mut core = SocketCore::new(&context, kind).map_err(|e| e.errno())?;
        core.options_mut().ipv6 = defaults.ipv6;
        core.options_mut().linger = (!defaults.blocky).then_some(Duration::ZERO);
        let wake = Arc::new(EventFd::new()?);
        let signal = core.signal().clone();
        let sock = FfiSocket {
            kind,
            wake,
            signal,
            ctx: c,
            state: Lock::new(Some(SockState {
                core,
                outgoing: Message::new(),
                incoming: VecDeque::new(),
                incoming_meta: None,
                rcvmore: false,
            })),
            fd_exported: AtomicBool::new(false),
            publisher: Mutex::new(None),
        };
        Ok(SOCKETS.insert(Arc::new(sock)))
    })
}

/// Closes a socket: queued messages go out as LINGER allows; the handle is invalid after.
#[unsafe(export_name = "ferrozmq_zmq_close")]
pub extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    guard(-1, || {
        let sock = SOCKETS.remove(s).ok_or(libc::ENOTSOCK)?;
        let state = sock.state.lock().take();
        if sock.fd_exported.load(Ordering::SeqCst) {
            sock.signal.unwatch(&sock.wake);
        }
        drop(state);
        Ok(0)
    })
}

/// Runs an endpoint operation on a socket.
fn endpoint_op(
    s: *mut c_void,
    addr: *const c_char,
    op: impl FnOnce(&mut SocketCore, &str) -> crate::Result<()>,
) -> c_int {
    guard(-1, || {
        let sock = lookup(s)?;
        let addr = c_str(addr)?;
        let mut st = sock.lock()?;
        op(&mut st.core, addr).map_err(|e| e.errno())?;
        Ok(0)
    })
}

/// Binds to an endpoint (tcp, ipc, inproc; `tcp://host:*` picks a free port).
#[unsafe(export_name = "ferrozmq_zmq_bind")]
pub extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_op(s, addr, |c, a| c.bind(a))
}

/// Connects to an endpoint, reconnecting as needed.
#[unsafe(export_name = "ferrozmq_zmq_connect")]
pub extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_op(s, addr, |c, a| c.connect(a))
}

/// Stops listening on a bound endpoint.
#[unsafe(export_name = "ferrozmq_zmq_unbind")]
pub extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_op(s, addr, |c, a| c.unbind(a))
}

/// Drops a connection made by zmq_connect.
#[unsafe(export_name = "ferrozmq_zmq_disconnect")]
pub extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_op(s, addr, |c, a| c.disconnect(a))
}

/// Whether C may send on a socket of `kind` (libzmq answers ENOTSUP otherwise).
pub(crate) fn can_send(kind: SocketType) -> bool {
    !matches!(kind, SocketType::Pull | SocketType::Sub)
}

/// Whether C may receive on a socket of `kind`.
pub(crate) fn can_recv(kind: SocketType) -> bool {
    !matches!(kind, SocketType::Push | SocketType::Pub)
}
