//! Waiting on several sockets at once (zmq_poll), and the proxy built on it (zmq_proxy).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::socket::Socket;

/// One socket in a [`poll`] call: what to wait for, and what was found.
pub struct PollItem<'a> {
    socket: &'a dyn Socket,
    want_read: bool,
    want_write: bool,
    readable: bool,
    writable: bool,
}

impl<'a> PollItem<'a> {
    /// Waits for `socket` to have a message to receive (ZMQ_POLLIN).
    pub fn readable(socket: &'a dyn Socket) -> PollItem<'a> {
        PollItem::new(socket, true, false)
    }

    /// Waits for `socket` to accept a send without blocking (ZMQ_POLLOUT).
    pub fn writable(socket: &'a dyn Socket) -> PollItem<'a> {
        PollItem::new(socket, false, true)
    }

    /// Waits for either.
    pub fn both(socket: &'a dyn Socket) -> PollItem<'a> {
        PollItem::new(socket, true, true)
    }

    fn new(socket: &'a dyn Socket, want_read: bool, want_write: bool) -> PollItem<'a> {
        PollItem {
            socket,
            want_read,
            want_write,
            readable: false,
            writable: false,
        }
    }

    /// Whether the last [`poll`] found the socket readable.
    pub fn is_readable(&self) -> bool {
        self.readable
    }

    /// Whether the last [`poll`] found the socket writable.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Updates the result; true if anything asked for is ready.
    fn check(&mut self) -> Result<bool> {
        let mut core = self.socket.core().lock();
        core.check_open()?;
        self.readable = self.want_read && core.readable();
        self.writable = self.want_write && core.writable();
        Ok(self.readable || self.writable)
    }
}

/// Waits until at least one item is ready or `timeout` passes (`None` waits forever, zero
/// checks once), and returns how many items are ready. Finding a socket readable may take
/// its next message early; the next receive returns it.
///
/// # Errors
/// [`Error::Terminated`] when a socket's context is terminated.
pub fn poll(items: &mut [PollItem<'_>], timeout: Option<Duration>) -> Result<usize> {
    let waiter = Arc::new(Signal::new());
    let signals: Vec<Arc<Signal>> = items
        .iter()
        .map(|i| i.socket.core().lock().signal().clone())
        .collect();
    for s in &signals {
        s.watch(&waiter);
    }
    let result = wait_ready(items, timeout, &waiter);
    for s in &signals {
        s.unwatch(&waiter);
    }
    result
}

fn wait_ready(
    items: &mut [PollItem<'_>],
    timeout: Option<Duration>,
    waiter: &Signal,
) -> Result<usize> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let key = waiter.prepare();
        let mut ready = 0;
        for item in items.iter_mut() {
            match item.check() {
                Ok(r) => ready += usize::from(r),
                Err(e) => {
                    waiter.cancel(key);
                    return Err(e);
                }
            }
        }
        if ready > 0 || timeout == Some(Duration::ZERO) {
            waiter.cancel(key);
            return Ok(ready);
        }
        if !waiter.wait(key, deadline) {
            let mut ready = 0;
            for item in items.iter_mut() {
                ready += usize::from(item.check()?);
            }
            return Ok(ready);
        }
    }
}

/// Messages moved per wake-up in each direction, so one busy side cannot starve the other.
const PROXY_BATCH: usize = 1000;

/// Moves messages between `frontend` and `backend` in both directions until the context is
/// terminated, copying each one to `capture` if given (zmq_proxy).
///
/// # Errors
/// [`Error::Terminated`] when the context is terminated (the normal way out), or an error
/// from a send.
pub fn proxy(
    frontend: &dyn Socket,
    backend: &dyn Socket,
    capture: Option<&dyn Socket>,
) -> Result<()> {
    loop {
        let mut items = [PollItem::readable(frontend), PollItem::readable(backend)];
        poll(&mut items, None)?;
        if items[0].is_readable() {
            forward(frontend, backend, capture)?;
        }
        if items[1].is_readable() {
            forward(backend, frontend, capture)?;
        }
    }
}

fn forward(from: &dyn Socket, to: &dyn Socket, capture: Option<&dyn Socket>) -> Result<()> {
    for _ in 0..PROXY_BATCH {
        let msg = match from.core().lock().recv(true) {
            Ok(m) => m,
            Err(Error::Again) => return Ok(()),
            Err(e) => return Err(e),
        };
        if let Some(c) = capture {
            // A capture socket that cannot keep up loses copies, not traffic.
            let _ = c.core().lock().send(msg.clone(), true);
        }
        crate::socket::blocking::send(to.core(), msg, false)?;
    }
    Ok(())
}
