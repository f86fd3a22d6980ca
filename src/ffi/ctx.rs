//! Contexts: zmq_ctx_new/term/shutdown/set/get and the older zmq_init/zmq_term.
//!
//! The ferrozmq [`Context`] (and its I/O threads) is made at the first zmq_socket, as
//! libzmq starts its threads, so the options set before then (IO_THREADS, MAX_SOCKETS, the
//! thread options) take effect; IPV6 and BLOCKY apply to each socket made after they are
//! set. The options themselves, their numbers and ranges, are the table in `options::ctx`.

use std::ffi::{c_int, c_void};
use std::sync::{Arc, Mutex};

use super::Registry;
use super::errno::ETERM;
use super::guard;
use super::wake::with_signals_blocked;
use crate::Context;
use crate::options::CtxOptions;

pub(crate) static CONTEXTS: Registry<FfiCtx> = Registry::new();

/// A context as C sees it: its options, and once started a ferrozmq Context.
pub(crate) struct FfiCtx {
    state: Mutex<CtxState>,
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
    options: CtxOptions,
    shut: bool,
}

impl FfiCtx {
    fn new(options: CtxOptions) -> FfiCtx {
        FfiCtx {
            state: Mutex::new(CtxState {
                ctx: None,
                options,
                shut: false,
            }),
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
            ipv6: st.options.ipv6,
            blocky: st.options.blocky,
        };
        if let Some(c) = &st.ctx {
            return Ok((c.clone(), defaults));
        }
        let options = st.options.clone();
        let ctx = with_signals_blocked(|| Context::with_options(options)).map_err(|e| e.errno())?;
        st.ctx = Some(ctx.clone());
        Ok((ctx, defaults))
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
        Ok(CONTEXTS.insert(Arc::new(FfiCtx::new(CtxOptions::default()))))
    })
}

/// A new context with `io_threads` I/O threads (the older API).
#[unsafe(export_name = "ferrozmq_zmq_init")]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let io_threads = usize::try_from(io_threads).map_err(|_| libc::EINVAL)?;
        let options = CtxOptions {
            io_threads,
            ..CtxOptions::default()
        };
        Ok(CONTEXTS.insert(Arc::new(FfiCtx::new(options))))
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

/// Sets a context option (see `options::ctx`): EINVAL for an unknown option, one that
/// cannot be set, or a value out of its range.
#[unsafe(export_name = "ferrozmq_zmq_ctx_set")]
pub extern "C" fn zmq_ctx_set(ctx: *mut c_void, option: c_int, value: c_int) -> c_int {
    guard(-1, || {
        let c = lookup(ctx)?;
        let mut st = c.lock();
        st.options.set_c(option, value).map_err(|e| e.errno())?;
        Ok(0)
    })
}

/// Reads a context option: EINVAL for an unknown option or one that cannot be read.
#[unsafe(export_name = "ferrozmq_zmq_ctx_get")]
pub extern "C" fn zmq_ctx_get(ctx: *mut c_void, option: c_int) -> c_int {
    guard(-1, || {
        let c = lookup(ctx)?;
        let st = c.lock();
        st.options.get_c(option).map_err(|e| e.errno())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZMQ_IO_THREADS: c_int = 1;
    const ZMQ_MSG_T_SIZE: c_int = 6;

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
