//! Receiving: zmq_recv, zmq_msg_recv, zmq_recvmsg, zmq_recviov.
//!
//! A whole message is taken from ferrozmq and its frames handed out one per call; ZMQ_RCVMORE
//! says whether frames of it remain. ROUTER's first frame is the sender's routing id, REQ and
//! REP strip their envelopes, as libzmq's sockets do.

use std::ffi::{c_int, c_void};

use super::guard;
use super::msg::{self, Content, zmq_msg_t};
use super::send::{ZMQ_DONTWAIT, size_int};
use super::socket::{can_recv, lookup};
use crate::error::Error;

/// Receives one frame by libzmq's rules, with whether more frames follow and the sender's
/// metadata.
pub(crate) fn recv_frame(s: *mut c_void, flags: c_int) -> Result<Content, c_int> {
    let sock = lookup(s)?;
    let mut st = sock.lock()?;
    if !can_recv(sock.kind) {
        return Err(libc::ENOTSUP);
    }
    st.core.check_open().map_err(|e| e.errno())?;
    if let Some(data) = st.incoming.pop_front() {
        st.rcvmore = !st.incoming.is_empty();
        return Ok(Content {
            data,
            more: st.rcvmore,
            meta: st.incoming_meta.clone(),
            ..Content::default()
        });
    }
    // One attempt first, without the waiting machinery: a busy socket has a message.
    let mut msg = match st.core.recv(true) {
        Ok(m) => m,
        Err(Error::Again) => {
            let timeout = st.core.options.rcvtimeo;
            sock.block(&mut st, flags & ZMQ_DONTWAIT != 0, timeout, |st| {
                match st.core.recv(true) {
                    Ok(m) => Ok(Some(m)),
                    Err(Error::Again) => Ok(None),
                    Err(e) => Err(e.errno()),
                }
            })?
        }
        Err(e) => return Err(e.errno()),
    };
    // A one-frame message (the common case) is handed out without an allocation.
    let data = msg.pop_front().unwrap_or_default();
    if !msg.is_empty() {
        st.incoming.extend(msg.into_frames());
    }
    st.rcvmore = !st.incoming.is_empty();
    let meta = st.core.last_meta();
    // Kept for the frames still to come (a one-frame message has none).
    st.incoming_meta = if st.rcvmore { meta.clone() } else { None };
    Ok(Content {
        data,
        more: st.rcvmore,
        meta,
        ..Content::default()
    })
}

/// Receives one frame into `buf`, truncated to `len`; returns the frame's full size.
#[unsafe(export_name = "ferrozmq_zmq_recv")]
pub extern "C" fn zmq_recv(s: *mut c_void, buf: *mut c_void, len: usize, flags: c_int) -> c_int {
    guard(-1, || {
        if buf.is_null() && len > 0 {
            return Err(libc::EFAULT);
        }
        let frame = recv_frame(s, flags)?.data;
        let n = frame.len().min(len);
        if n > 0 {
            // SAFETY: C passes `len` writable bytes at `buf`; `n <= len`, and the frame is
            // a separate allocation, so the ranges do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(frame.as_ptr(), buf.cast::<u8>(), n) };
        }
        Ok(size_int(frame.len()))
    })
}

/// Receives one frame into an initialised message; returns its size.
#[unsafe(export_name = "ferrozmq_zmq_msg_recv")]
pub extern "C" fn zmq_msg_recv(m: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard(-1, || {
        msg::check(m)?;
        let content = recv_frame(s, flags)?;
        let n = content.data.len();
        msg::replace(m, content);
        Ok(size_int(n))
    })
}

/// zmq_msg_recv with the older argument order.
#[unsafe(export_name = "ferrozmq_zmq_recvmsg")]
pub extern "C" fn zmq_recvmsg(s: *mut c_void, m: *mut zmq_msg_t, flags: c_int) -> c_int {
    zmq_msg_recv(m, s, flags)
}

/// Receives up to `*count` frames of one message into buffers it allocates with malloc
/// (the caller frees them), as libzmq 4.3 does: `*count` becomes the number received and
/// so is the return value. A failed receive returns -1, with `*count` still saying how
/// many buffers were filled before it.
#[unsafe(export_name = "ferrozmq_zmq_recviov")]
pub extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: *mut usize,
    flags: c_int,
) -> c_int {
    guard(-1, || {
        // libzmq checks the socket before the arguments (ENOTSOCK before EINVAL).
        lookup(s)?;
        if iov.is_null() || count.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: non-NULL, points to the caller's count.
        let max = unsafe { *count };
        if max == 0 {
            return Err(libc::EINVAL);
        }
        // SAFETY: as above.
        unsafe { *count = 0 };
        let mut n = 0usize;
        while n < max {
            let c = recv_frame(s, flags)?;
            // SAFETY: malloc of at least one byte; checked for NULL before use.
            let buf = unsafe { libc::malloc(c.data.len().max(1)) };
            if buf.is_null() {
                return Err(libc::ENOMEM);
            }
            // SAFETY: `buf` has room for the frame; `iov` has `max` entries and `n < max`;
            // `count` is the caller's, checked non-NULL.
            unsafe {
                std::ptr::copy_nonoverlapping(c.data.as_ptr(), buf.cast::<u8>(), c.data.len());
                *iov.add(n) = libc::iovec {
                    iov_base: buf,
                    iov_len: c.data.len(),
                };
                n += 1;
                *count = n;
            }
            if !c.more {
                break;
            }
        }
        Ok(size_int(n))
    })
}
