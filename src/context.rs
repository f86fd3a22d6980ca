//! Context: the pool of I/O threads and the inproc registry its sockets share, and the
//! builder that sets the context options (see `options::ctx`) before the threads start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::io::{self, Command, IoHandle};
use crate::options::{CtxOptions, Options, context_option_table};
use crate::signal::Signal;
use crate::sys::thread::Scheduling;
use crate::transport::inproc::InprocEntry;

/// The most bytes a Linux thread name holds (16 with its NUL), which libzmq's names fill.
const THREAD_NAME_BYTES: usize = 15;

/// A ferrozmq context: owns the I/O threads that serve its sockets' tcp and ipc connections,
/// and joins its sockets' inproc endpoints.
///
/// Cheap to clone (`Clone + Send + Sync`); every clone and every socket keeps it alive. When
/// the last of them is gone, the I/O threads finish what LINGER allows and exit.
#[derive(Clone)]
pub struct Context {
    pub(crate) inner: Arc<ContextInner>,
}

/// Context options (libzmq's zmq_ctx_set), set before the context starts its I/O threads.
///
/// ```
/// let ctx = ferrozmq::Context::builder()
///     .io_threads(2)
///     .thread_name_prefix("app")
///     .max_sockets(64)
///     .build()?;
/// assert_eq!((ctx.io_threads(), ctx.max_sockets()), (2, 64));
/// assert_eq!(ctx.thread_name_prefix(), "app");
/// # Ok::<(), ferrozmq::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ContextBuilder {
    options: CtxOptions,
}

pub(crate) struct ContextInner {
    options: CtxOptions,
    io: Vec<IoHandle>,
    joins: Mutex<Vec<JoinHandle<()>>>,
    next_io: AtomicUsize,
    next_socket_id: AtomicU64,
    pub(crate) inproc: Mutex<HashMap<String, InprocEntry>>,
    sockets: Mutex<SocketRegistry>,
    sockets_gone: Condvar,
    terminated: AtomicBool,
}

#[derive(Default)]
struct SocketRegistry {
    signals: HashMap<u64, Weak<Signal>>,
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

/// A typed setter on the builder for each option the table marks `rust` or `rust_text`.
/// Only text takes `impl Into`: an integer literal passed as `impl Into<usize>` would not
/// infer its type.
macro_rules! builder_setter {
    (rust, $(#[$doc:meta])* $field:ident : $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $ty) -> Self {
            self.options.$field = value;
            self
        }
    };
    (rust_text, $(#[$doc:meta])* $field:ident : $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.options.$field = value.into();
            self
        }
    };
    ($other:ident, $($rest:tt)*) => {};
}

/// A getter on the context for each option the table marks `rust` or `rust_get`.
macro_rules! context_getter {
    (c_only, $($rest:tt)*) => {};
    ($rust:ident, $(#[$doc:meta])* $field:ident : $ty:ty) => {
        $(#[$doc])*
        pub fn $field(&self) -> $ty {
            Clone::clone(&self.inner.options.$field)
        }
    };
}

macro_rules! context_accessors {
    ($($(#[$doc:meta])* $field:ident : $ty:ty = $default:expr, $rust:ident;
        $($access:ident $zname:ident = $num:literal by $codec:ty),+ ;)*) => {
        impl ContextBuilder {
            $(builder_setter!($rust, $(#[$doc])* $field: $ty);)*
        }

        impl Context {
            $(context_getter!($rust, $(#[$doc])* $field: $ty);)*
        }
    };
}

context_option_table!(context_accessors);

impl ContextBuilder {
    /// Starts the context's I/O threads with these options.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a value libzmq's zmq_ctx_set refuses (MAX_SOCKETS 0, a
    /// negative priority or policy, a name prefix over 16 bytes or holding a NUL), or
    /// [`Error::Io`] if the system cannot start a thread or make its epoll instance. A
    /// scheduling the system refuses (a priority without the privilege, say) is not an
    /// error: the threads run as they would without it.
    pub fn build(self) -> Result<Context> {
        Context::with_options(self.options)
    }
}

impl Context {
    /// A context with libzmq's default options (one I/O thread).
    ///
    /// # Panics
    /// If the operating system cannot start a thread or create an epoll instance; use
    /// [`Context::builder`] to handle that as an error.
    pub fn new() -> Context {
        match Context::with_options(CtxOptions::default()) {
            Ok(c) => c,
            Err(e) => panic!("ferrozmq: cannot start the I/O thread: {e}"),
        }
    }

    /// A builder for a context with options other than the defaults.
    pub fn builder() -> ContextBuilder {
        ContextBuilder::default()
    }

    /// A context with `n` I/O threads (at least one).
    ///
    /// # Errors
    /// As [`ContextBuilder::build`].
    pub fn with_io_threads(n: usize) -> Result<Context> {
        Context::builder().io_threads(n).build()
    }

    /// Starts a context with `options`, as zmq_ctx_set left them (the C ABI's contexts
    /// start at their first socket).
    pub(crate) fn with_options(options: CtxOptions) -> Result<Context> {
        options.check()?;
        let scheduling = Scheduling {
            policy: options.thread_sched_policy,
            priority: options.thread_priority,
            cpus: options.thread_affinity.iter().copied().collect(),
        };
        let mut io = Vec::new();
        let mut joins = Vec::new();
        for i in 0..options.io_threads.max(1) {
            let name = io_thread_name(&options.thread_name_prefix, i);
            let (handle, join) = io::spawn(name, scheduling.clone())?;
            io.push(handle);
            joins.push(join);
        }
        Ok(Context {
            inner: Arc::new(ContextInner {
                options,
                io,
                joins: Mutex::new(joins),
                next_io: AtomicUsize::new(0),
                next_socket_id: AtomicU64::new(1),
                inproc: Mutex::new(HashMap::new()),
                sockets: Mutex::new(SocketRegistry::default()),
                sockets_gone: Condvar::new(),
                terminated: AtomicBool::new(false),
            }),
        })
    }

    /// Terminates the context: blocking calls on its sockets in other threads return
    /// [`Error::Terminated`], new sockets cannot be made, and this call blocks until every
    /// socket is dropped and the I/O threads have finished lingering.
    pub fn term(&self) {
        self.shutdown();
        let mut reg = self.inner.lock_sockets();
        while !reg.signals.is_empty() {
            reg = self
                .inner
                .sockets_gone
                .wait(reg)
                .unwrap_or_else(|p| p.into_inner());
        }
        drop(reg);
        self.inner.stop_io();
    }

    /// Makes blocking calls on this context's sockets return [`Error::Terminated`], without
    /// waiting (libzmq's zmq_ctx_shutdown).
    pub fn shutdown(&self) {
        self.inner.terminated.store(true, Ordering::SeqCst);
        let reg = self.inner.lock_sockets();
        for s in reg.signals.values().filter_map(Weak::upgrade) {
            s.notify();
        }
    }
}

/// An I/O thread's name as libzmq gives it: "<prefix>/ZMQbg/IO/<n>", or "ZMQbg/IO/<n>"
/// without a prefix, cut to what a Linux thread name holds.
fn io_thread_name(prefix: &str, index: usize) -> String {
    let mut name = if prefix.is_empty() {
        format!("ZMQbg/IO/{index}")
    } else {
        format!("{prefix}/ZMQbg/IO/{index}")
    };
    let mut end = name.len().min(THREAD_NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.truncate(end);
    name
}

impl ContextInner {
    fn lock_sockets(&self) -> std::sync::MutexGuard<'_, SocketRegistry> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The options a new socket starts with: libzmq's, with the context's IPV6, and with
    /// LINGER 0 when BLOCKY is off.
    pub fn socket_defaults(&self) -> Options {
        Options {
            ipv6: self.options.ipv6,
            linger: (!self.options.blocky).then_some(Duration::ZERO),
            ..Options::default()
        }
    }

    /// Whether `term` or `shutdown` was called.
    pub fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::SeqCst)
    }

    /// Registers a new socket; returns its id.
    pub fn add_socket(&self, signal: &Arc<Signal>) -> Result<u64> {
        if self.is_terminated() {
            return Err(Error::Terminated);
        }
        let mut reg = self.lock_sockets();
        if reg.signals.len() >= self.options.max_sockets {
            return Err(Error::TooManySockets);
        }
        let id = self.next_socket_id.fetch_add(1, Ordering::Relaxed);
        reg.signals.insert(id, Arc::downgrade(signal));
        Ok(id)
    }

    /// Forgets a closed socket.
    pub fn remove_socket(&self, id: u64) {
        let mut reg = self.lock_sockets();
        reg.signals.remove(&id);
        if reg.signals.is_empty() {
            self.sockets_gone.notify_all();
        }
    }

    /// The I/O thread for a new listener or connection, in turn.
    pub fn pick_io(&self) -> &IoHandle {
        let i = self.next_io.fetch_add(1, Ordering::Relaxed) % self.io.len();
        &self.io[i]
    }

    /// Every I/O thread.
    pub fn io_threads(&self) -> &[IoHandle] {
        &self.io
    }

    fn stop_io(&self) {
        for io in &self.io {
            io.send(Command::Shutdown);
        }
        let joins = std::mem::take(&mut *self.joins.lock().unwrap_or_else(|p| p.into_inner()));
        for j in joins {
            let _ = j.join();
        }
    }
}

impl Drop for ContextInner {
    fn drop(&mut self) {
        self.stop_io();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Context>();
    }

    #[test]
    fn dropping_an_idle_context_joins_its_threads() {
        let ctx = Context::with_io_threads(2).unwrap();
        assert_eq!(ctx.io_threads(), 2);
        drop(ctx);
    }

    #[test]
    fn terminated_context_refuses_new_sockets() {
        let ctx = Context::new();
        ctx.term();
        let s = Arc::new(Signal::new());
        assert!(matches!(ctx.inner.add_socket(&s), Err(Error::Terminated)));
    }
}
