//! Contexts: zmq_ctx_new/term/shutdown/set/get and the older zmq_init/zmq_term.
//!
//! The ferrozmq [`Context`] (and its I/O threads) is made at the first zmq_socket, so
//! ZMQ_IO_THREADS set before then takes effect, as in libzmq.

use std::ffi::{c_int, c_void};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use super::Registry;
use super::errno::ETERM;
use super::guard;
use super::wake::with_signals_blocked;
use crate::Context;

const ZMQ_IO_THREADS: c_int = 1;
const ZMQ_MAX_SOCKETS: c_int = 2;
const ZMQ_SOCKET_LIMIT: c_int = 3;
const ZMQ_MAX_MSGSZ: c_int = 5;
const ZMQ_MSG_T_SIZE: c_int = 6;
const ZMQ_IPV6: c_int = 42;
const ZMQ_BLOCKY: c_int = 70;

/// ferrozmq's hard cap on sockets per context (context.rs), reported as ZMQ_SOCKET_LIMIT.
const SOCKET_LIMIT: c_int = 1023;

pub(crate) static CONTEXTS: Registry<FfiCtx> = Registry::new();

/// A context as C sees it: settings until the first socket, then a ferrozmq Context.
pub(crate) struct FfiCtx {
    state: Mutex<CtxState>,
    /// Sockets made and not yet closed, against ZMQ_MAX_SOCKETS.
    pub(crate) open_sockets: AtomicUsize,
}

/// Settings a context hands each new socket.
#[derive(Clone, Copy)]
pub(crate) struct SocketDefaults {
    pub ipv6: bool,
    /// ZMQ_BLOCKY off: sockets start with LINGER 0, so term never waits on them.
    pub blocky: bool,
}

struct CtxState {
    ctx: Option<Context>,
    io_threads: c_int,
    max_sockets: c_int,
    max_msgsz: c_int,
    ipv6: bool,
    blocky: bool,
    shut: bool,
}

impl FfiCtx {
    fn new(io_threads: c_int) -> FfiCtx {
        FfiCtx {
            state: Mutex::new(CtxState {
                ctx: None,
                io_threads,
                max_sockets: SOCKET_LIMIT,
                max_msgsz: c_int::MAX,
                ipv6: false,
                blocky: true,
                shut: false,
            }),
            open_sockets: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CtxState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The context for a new socket (started on first use), with the socket defaults.
    pub(crate) fn context(&self) -> Result<(Context, SocketDefaults), c_int> {
        let mut st = self.lock();
        if st.shut {
            return Err(ETERM);
        }
        let defaults = SocketDefaults {
            ipv6: st.ipv6,
            blocky: st.blocky,
        };
        if let Some(c) = &st.ctx {
            return Ok((c.clone(), defaults));
        }
        let n = usize::try_from(st.io_threads).unwrap_or(1).max(1);
        let ctx = with_signals_blocked(|| Context::with_io_threads(n)).map_err(|e| e.errno())?;
        st.ctx = Some(ctx.clone());
        Ok((ctx, defaults))
    }

    /// The most sockets this context allows (ZMQ_MAX_SOCKETS).
    pub(crate) fn max_sockets(&self) -> usize {
        usize::try_from(self.lock().max_sockets).unwrap_or(0)
    }

    fn shutdown(&self) {
        let mut st = self.lock();
        st.shut = true;
        if let Some(c) = &st.ctx {
            c.shutdown();
        }
    }

    fn term(&self) {
        let ctx = {
            let mut st = self.lock();
            st.shut = true;
            st.ctx.take()
        };
        if let Some(c) = ctx {
            c.term();
        }
    }
}

fn lookup(ctx: *mut c_void) -> Result<Arc<FfiCtx>, c_int> {
    CONTEXTS.get(ctx).ok_or(libc::EFAULT)
}

/// A new context with one I/O thread.
#[unsafe(export_name = "ferrozmq_zmq_ctx_new")]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        Ok(CONTEXTS.insert(Arc::new(FfiCtx::new(1))))
    })
}

/// A new context with `io_threads` I/O threads (the older API).
#[unsafe(export_name = "ferrozmq_zmq_init")]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        if io_threads < 0 {
            return Err(libc::EINVAL);
        }
        Ok(CONTEXTS.insert(Arc::new(FfiCtx::new(io_threads))))
    })
}

/// Terminates a context: blocking calls on its sockets return ETERM, and this waits until
/// every socket is closed. The handle is invalid afterwards.
#[unsafe(export_name = "ferrozmq_zmq_ctx_term")]
pub extern "C" fn zmq_ctx_term(ctx: *mut c_void) -> c_int {
    guard(-1, || {
        let c = lookup(ctx)?;
        c.term();
        CONTEXTS.remove(ctx);
        Ok(0)
    })
}

/// Same as zmq_ctx_term.
#[unsafe(export_name = "ferrozmq_zmq_term")]
pub extern "C" fn zmq_term(ctx: *mut c_void) -> c_int {
    zmq_ctx_term(ctx)
}

/// Same as zmq_ctx_term.
#[unsafe(export_name = "ferrozmq_zmq_ctx_destroy")]
pub extern "C" fn zmq_ctx_destroy(ctx: *mut c_void) -> c_int {
    zmq_ctx_term(ctx)
}

/// Makes blocking calls on the context's sockets return ETERM, without waiting.
#[unsafe(export_name = "ferrozmq_zmq_ctx_shutdown")]
pub extern "C" fn zmq_ctx_shutdown(ctx: *mut c_void) -> c_int {
    guard(-1, || {
        lookup(ctx)?.shutdown();
        Ok(0)
    })
}

/// Sets IO_THREADS (before the first socket), MAX_SOCKETS, MAX_MSGSZ, IPV6 or BLOCKY.
#[unsafe(export_name = "ferrozmq_zmq_ctx_set")]
pub extern "C" fn zmq_ctx_set(ctx: *mut c_void, option: c_int, value: c_int) -> c_int {
    guard(-1, || {
        let c = lookup(ctx)?;
        let mut st = c.lock();
        match option {
            ZMQ_IO_THREADS if value >= 0 => st.io_threads = value,
            ZMQ_MAX_SOCKETS if (1..=SOCKET_LIMIT).contains(&value) => st.max_sockets = value,
            ZMQ_MAX_MSGSZ if value >= 0 => st.max_msgsz = value,
            ZMQ_IPV6 if value == 0 || value == 1 => st.ipv6 = value == 1,
            ZMQ_BLOCKY if value == 0 || value == 1 => st.blocky = value == 1,
            _ => return Err(libc::EINVAL),
        }
        Ok(0)
    })
}

/// Reads a context option; also SOCKET_LIMIT and MSG_T_SIZE.
#[unsafe(export_name = "ferrozmq_zmq_ctx_get")]
pub extern "C" fn zmq_ctx_get(ctx: *mut c_void, option: c_int) -> c_int {
    guard(-1, || {
        let c = lookup(ctx)?;
        let st = c.lock();
        Ok(match option {
            ZMQ_IO_THREADS => st.io_threads,
            ZMQ_MAX_SOCKETS => st.max_sockets,
            ZMQ_SOCKET_LIMIT => SOCKET_LIMIT,
            ZMQ_MAX_MSGSZ => st.max_msgsz,
            ZMQ_MSG_T_SIZE => 64,
            ZMQ_IPV6 => c_int::from(st.ipv6),
            ZMQ_BLOCKY => c_int::from(st.blocky),
            _ => return Err(libc::EINVAL),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctx_options_round_trip_and_unknown_ones_are_einval() {
        let c = zmq_ctx_new();
        assert_eq!(zmq_ctx_set(c, ZMQ_IO_THREADS, 2), 0);
        assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), 2);
        assert_eq!(zmq_ctx_get(c, ZMQ_MSG_T_SIZE), 64);
        assert_eq!(zmq_ctx_set(c, 99, 1), -1);
        assert_eq!(super::super::errno::zmq_errno(), libc::EINVAL);
        assert_eq!(zmq_ctx_term(c), 0);
        assert_eq!(zmq_ctx_get(c, ZMQ_IO_THREADS), -1);
        assert_eq!(super::super::errno::zmq_errno(), libc::EFAULT);
    }
}
