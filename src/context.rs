//! Context: the pool of I/O threads and the inproc registry its sockets share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::io::{self, Command, IoHandle};
use crate::signal::Signal;
use crate::transport::inproc::InprocEntry;

/// libzmq's default for ZMQ_MAX_SOCKETS.
const MAX_SOCKETS: usize = 1023;

/// A ferrozmq context: owns the I/O threads that serve its sockets' tcp and ipc connections,
/// and joins its sockets' inproc endpoints.
///
/// Cheap to clone (`Clone + Send + Sync`); every clone and every socket keeps it alive. When
/// the last of them is gone, the I/O threads finish what LINGER allows and exit.
#[derive(Clone)]
pub struct Context {
    pub(crate) inner: Arc<ContextInner>,
}

pub(crate) struct ContextInner {
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

impl Context {
    /// A context with one I/O thread, as libzmq's default.
    ///
    /// # Panics
    /// If the operating system cannot start a thread or create an epoll instance; use
    /// [`Context::with_io_threads`] to handle that as an error.
    pub fn new() -> Context {
        match Context::with_io_threads(1) {
            Ok(c) => c,
            Err(e) => panic!("ferrozmq: cannot start the I/O thread: {e}"),
        }
    }

    /// A context with `n` I/O threads (at least one).
    pub fn with_io_threads(n: usize) -> Result<Context> {
        let mut io = Vec::new();
        let mut joins = Vec::new();
        for i in 0..n.max(1) {
            let (handle, join) = io::spawn(i)?;
            io.push(handle);
            joins.push(join);
        }
        Ok(Context {
            inner: Arc::new(ContextInner {
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

    /// The number of I/O threads.
    pub fn io_threads(&self) -> usize {
        self.inner.io.len()
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

impl ContextInner {
    fn lock_sockets(&self) -> std::sync::MutexGuard<'_, SocketRegistry> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
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
        if reg.signals.len() >= MAX_SOCKETS {
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
