//! zmq_poll over ferrozmq sockets and raw file descriptors, in one poll(2): each socket is
//! represented by its eventfd, so a signal handler interrupts the wait with EINTR.

use std::ffi::{c_int, c_long, c_short, c_void};
use std::sync::Arc;
use std::time::Duration;

use super::getsockopt::events;
use super::guard;
use super::socket::{FfiSocket, lookup_shared};
use super::wake::{Woke, deadline, readable, sleep_on};

const ZMQ_POLLIN: c_short = 1;
const ZMQ_POLLOUT: c_short = 2;
const ZMQ_POLLERR: c_short = 4;
const ZMQ_POLLPRI: c_short = 8;

/// One zmq_poll entry: a socket (if non-NULL) or a file descriptor.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct zmq_pollitem_t {
    socket: *mut c_void,
    fd: c_int,
    events: c_short,
    revents: c_short,
}

/// What a raw descriptor's poll(2) result means to zmq_poll.
fn fd_revents(revents: c_short, wanted: c_short) -> c_short {
    let mut r = 0;
    if revents & libc::POLLIN != 0 {
        r |= ZMQ_POLLIN;
    }
    if revents & libc::POLLOUT != 0 {
        r |= ZMQ_POLLOUT;
    }
    if revents & libc::POLLPRI != 0 {
        r |= ZMQ_POLLPRI;
    }
    // Errors and hang-ups are reported whether asked for or not, as POLLERR.
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        r |= ZMQ_POLLERR;
    }
    r & (wanted | ZMQ_POLLERR)
}

fn fd_events(wanted: c_short) -> c_short {
    let mut e = 0;
    if wanted & ZMQ_POLLIN != 0 {
        e |= libc::POLLIN;
    }
    if wanted & ZMQ_POLLOUT != 0 {
        e |= libc::POLLOUT;
    }
    if wanted & ZMQ_POLLPRI != 0 {
        e |= libc::POLLPRI;
    }
    e
}

/// Waits until an item is ready or `timeout` ms pass (-1: forever, 0: check once); returns
/// how many items have `revents` set. EINTR if a signal handler runs meanwhile.
#[unsafe(export_name = "ferrozmq_zmq_poll")]
pub extern "C" fn zmq_poll(items: *mut zmq_pollitem_t, nitems: c_int, timeout: c_long) -> c_int {
    guard(-1, || {
        let n = usize::try_from(nitems).map_err(|_| libc::EINVAL)?;
        if n > 0 && items.is_null() {
            return Err(libc::EFAULT);
        }
        let items: &mut [zmq_pollitem_t] = if n == 0 {
            &mut []
        } else {
            // SAFETY: C passes `nitems` pollitems at `items`, ours for the call.
            unsafe { std::slice::from_raw_parts_mut(items, n) }
        };
        let socks = items
            .iter()
            .map(|i| {
                (!i.socket.is_null())
                    .then(|| lookup_shared(i.socket))
                    .transpose()
            })
            .collect::<Result<Vec<_>, c_int>>()?;
        let limit = u64::try_from(timeout).ok().map(Duration::from_millis);
        poll_items(items, &socks, limit)
    })
}

/// Sets each socket item's `revents` from the socket's state; true if any is ready.
fn check_sockets(
    items: &mut [zmq_pollitem_t],
    socks: &[Option<Arc<FfiSocket>>],
) -> Result<bool, c_int> {
    let mut ready = false;
    for (item, sock) in items.iter_mut().zip(socks) {
        if let Some(s) = sock {
            let mut st = s.lock()?;
            st.core.check_open().map_err(|e| e.errno())?;
            // As reading ZMQ_EVENTS does (libzmq's zmq_poll reads it): the edge is reset
            // before the look, so a change after it makes ZMQ_FD readable again.
            s.wake.drain();
            let ev = c_short::try_from(events(&mut st)).unwrap_or(0);
            item.revents = ev & item.events & (ZMQ_POLLIN | ZMQ_POLLOUT);
            ready |= item.revents != 0;
        }
    }
    Ok(ready)
}

fn poll_items(
    items: &mut [zmq_pollitem_t],
    socks: &[Option<Arc<FfiSocket>>],
    timeout: Option<Duration>,
) -> Result<c_int, c_int> {
    let deadline = deadline(timeout);
    let mut fds: Vec<libc::pollfd> = items
        .iter()
        .zip(socks)
        .map(|(item, sock)| match sock {
            Some(s) => readable(s.wake.raw()),
            None => libc::pollfd {
                fd: item.fd,
                events: fd_events(item.events),
                revents: 0,
            },
        })
        .collect();
    loop {
        let mut socket_ready = check_sockets(items, socks)?;
        // Listening only on the way to sleep, then looked at again: a change after that
        // makes the socket's fd readable, so the sleep cannot miss it.
        let mut listening = Vec::new();
        if !socket_ready && deadline.is_none_or(|d| std::time::Instant::now() < d) {
            listening = socks.iter().flatten().map(|s| s.listen()).collect();
            socket_ready = check_sockets(items, socks)?;
        }
        let wait_until = if socket_ready {
            Some(std::time::Instant::now())
        } else {
            deadline
        };
        for fd in &mut fds {
            fd.revents = 0;
        }
        let woke = sleep_on(&mut fds, wait_until)?;
        drop(listening);
        if woke == Woke::Interrupted {
            return Err(libc::EINTR);
        }
        let mut ready = 0;
        for ((item, sock), fd) in items.iter_mut().zip(socks).zip(&fds) {
            if sock.is_none() {
                item.revents = fd_revents(fd.revents, item.events);
            }
            ready += c_int::from(item.revents != 0);
        }
        if ready > 0 || woke == Woke::TimedOut {
            return Ok(ready);
        }
    }
}
