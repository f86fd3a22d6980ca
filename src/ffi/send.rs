//! Sending: zmq_send, zmq_send_const, zmq_msg_send, zmq_sendmsg, zmq_sendiov.
//!
//! ferrozmq routes whole messages, so frames sent with ZMQ_SNDMORE wait in the handle and
//! the whole message goes with its last frame. The first frame is checked as libzmq checks
//! it: EFSM out of turn, EHOSTUNREACH for an unknown ROUTER_MANDATORY peer, and waiting
//! (or EAGAIN) until the message would fit under the high-water mark, so a multipart
//! message is all or nothing.

use std::ffi::{c_int, c_void};

use bytes::Bytes;

use super::guard;
use super::msg::{self, zmq_msg_t};
use super::socket::{FfiSocket, SockState, can_send, lookup};
use crate::error::{Error, SendError};
use crate::message::Message;
use crate::pipe::glancing;

pub(crate) const ZMQ_DONTWAIT: c_int = 1;
pub(crate) const ZMQ_SNDMORE: c_int = 2;

/// A byte count as the int the C API returns.
pub(crate) fn size_int(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// Sends one frame by libzmq's rules; returns its size.
pub(crate) fn send_frame(s: *mut c_void, frame: Bytes, flags: c_int) -> Result<usize, c_int> {
    send_frame_or_return(s, frame, flags).map_err(|(e, _)| e)
}

/// As [`send_frame`], giving the frame back when it was not taken, so zmq_msg_send can
/// move a message's content out instead of sharing it (sharing promotes a fresh buffer to
/// a reference-counted one: an allocation per message) and still leave a message that
/// failed to go intact, as libzmq does.
pub(crate) fn send_frame_or_return(
    s: *mut c_void,
    frame: Bytes,
    flags: c_int,
) -> Result<usize, (c_int, Option<Bytes>)> {
    let sock = match lookup(s) {
        Ok(sock) => sock,
        Err(e) => return Err((e, Some(frame))),
    };
    let mut st = match sock.lock() {
        Ok(st) => st,
        Err(e) => return Err((e, Some(frame))),
    };
    let mut frame = Some(frame);
    let r = send_locked(&sock, &mut st, &mut frame, flags);
    r.map_err(|e| (e, frame))
}

/// The body of [`send_frame_or_return`]; `frame` is left in place on the errors that did
/// not take it.
fn send_locked(
    sock: &FfiSocket,
    st: &mut SockState,
    frame: &mut Option<Bytes>,
    flags: c_int,
) -> Result<usize, c_int> {
    if !can_send(sock.kind) {
        return Err(libc::ENOTSUP);
    }
    st.core.check_open().map_err(|e| e.errno())?;
    let Some(first) = frame.as_ref() else {
        return Err(libc::EFAULT);
    };
    let len = first.len();
    let completes = st
        .core
        .frames_per_message()
        .is_some_and(|n| st.outgoing.len() + 1 >= n);
    if flags & ZMQ_SNDMORE != 0 && !completes {
        if st.outgoing.is_empty() {
            st.core.may_start(first).map_err(|e| e.errno())?;
            // libzmq decides at the first frame whether the message fits: it waits (or
            // refuses with EAGAIN) here, so the frames that follow always go through.
            if flags & ZMQ_DONTWAIT != 0 {
                if !glancing(|| st.core.can_queue(first)) {
                    return Err(libc::EAGAIN);
                }
            } else {
                let timeout = st.core.options.sndtimeo;
                sock.block(st, false, timeout, |st| {
                    Ok(st.core.can_queue(first).then_some(()))
                })?;
            }
        }
        if let Some(f) = frame.take() {
            st.outgoing.push_back(f);
        }
        return Ok(len);
    }
    // Frames already taken mean the first one found room; see below.
    let started = !st.outgoing.is_empty();
    let mut msg = std::mem::take(&mut st.outgoing);
    if let Some(f) = frame.take() {
        msg.push_back(f);
    }
    match send_whole(sock, st, msg, flags & ZMQ_DONTWAIT != 0) {
        Ok(()) => Ok(len),
        // The message fitted when its first frame was taken, so only its peer going away
        // since can stop it now: libzmq drops the rest of such a message and reports
        // success, rather than failing a message whose first frames it took.
        Err((libc::EAGAIN, _)) if started => Ok(len),
        Err((e, unsent)) => {
            if let Some(m) = unsent {
                let mut frames = m.into_frames();
                *frame = frames.pop();
                // An interrupted send keeps the message's earlier frames, so sending the
                // last frame again completes it.
                if e == libc::EINTR {
                    st.outgoing = frames.into_iter().collect();
                }
            }
            Err(e)
        }
    }
}

/// Sends a whole message, waiting (interruptibly) up to SNDTIMEO unless `nonblocking`. On
/// failure the message comes back when it was not sent, for the caller to keep.
pub(crate) fn send_whole(
    sock: &FfiSocket,
    st: &mut SockState,
    msg: Message,
    nonblocking: bool,
) -> Result<(), (c_int, Option<Message>)> {
    // One attempt first, without the waiting machinery (its closure and the Option it
    // juggles cost 7% of a 1-byte sender's instructions): a socket with room takes it.
    // A ZMQ_DONTWAIT send gets only this one, with libzmq's stale view of credit.
    let first = if nonblocking {
        glancing(|| st.core.send(msg, true))
    } else {
        st.core.send(msg, true)
    };
    let msg = match first {
        Ok(()) => return Ok(()),
        Err(SendError {
            error: Error::Again,
            message,
        }) if !nonblocking => message,
        Err(e) => return Err((e.error.errno(), Some(e.message))),
    };
    let timeout = st.core.options.sndtimeo;
    let mut slot = Some(msg);
    let r = sock.block(st, nonblocking, timeout, |st| {
        let Some(m) = slot.take() else {
            return Ok(Some(()));
        };
        match st.core.send(m, true) {
            Ok(()) => Ok(Some(())),
            Err(SendError {
                error: Error::Again,
                message,
            }) => {
                slot = Some(message);
                Ok(None)
            }
            Err(e) => {
                let errno = e.error.errno();
                slot = Some(e.message);
                Err(errno)
            }
        }
    });
    r.map_err(|e| (e, slot))
}

/// A C buffer as a frame, copied.
fn copy_buf(buf: *const c_void, len: usize) -> Result<Bytes, c_int> {
    if len == 0 {
        return Ok(Bytes::new());
    }
    if buf.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: C passes `len` readable bytes at `buf` (zmq_send's contract).
    let s = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
    Ok(crate::frame_arena::copy(s))
}

/// Sends `len` bytes from `buf` as one frame; returns `len`.
#[unsafe(export_name = "ferrozmq_zmq_send")]
pub extern "C" fn zmq_send(s: *mut c_void, buf: *const c_void, len: usize, flags: c_int) -> c_int {
    guard(-1, || {
        let frame = copy_buf(buf, len)?;
        send_frame(s, frame, flags).map(size_int)
    })
}

/// A constant buffer C promises to keep unchanged and alive for the life of the library.
struct ConstBuf(*const u8, usize);

// SAFETY: the buffer is constant (zmq_send_const's contract), so reading it from any thread
// is sound.
unsafe impl Send for ConstBuf {}

impl AsRef<[u8]> for ConstBuf {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: non-NULL (checked at construction) and constant for the program's life.
        unsafe { std::slice::from_raw_parts(self.0, self.1) }
    }
}

/// As zmq_send, without copying: the buffer must stay unchanged and alive.
#[unsafe(export_name = "ferrozmq_zmq_send_const")]
pub extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    guard(-1, || {
        let frame = if len == 0 {
            Bytes::new()
        } else if buf.is_null() {
            return Err(libc::EFAULT);
        } else {
            Bytes::from_owner(ConstBuf(buf.cast(), len))
        };
        send_frame(s, frame, flags).map(size_int)
    })
}

/// Sends a message's content as one frame; on success the message is left empty.
#[unsafe(export_name = "ferrozmq_zmq_msg_send")]
pub extern "C" fn zmq_msg_send(m: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard(-1, || {
        let mut content = msg::take(m)?;
        match send_frame_or_return(s, std::mem::take(&mut content.data), flags) {
            Ok(n) => {
                msg::store(m, msg::Content::default());
                Ok(size_int(n))
            }
            Err((e, data)) => {
                content.data = data.unwrap_or_default();
                msg::store(m, content);
                Err(e)
            }
        }
    })
}

/// zmq_msg_send with the older argument order.
#[unsafe(export_name = "ferrozmq_zmq_sendmsg")]
pub extern "C" fn zmq_sendmsg(s: *mut c_void, m: *mut zmq_msg_t, flags: c_int) -> c_int {
    zmq_msg_send(m, s, flags)
}

/// Sends `count` buffers as libzmq 4.3 does: each with the caller's `flags`, except that
/// the last never carries ZMQ_SNDMORE. So ZMQ_SNDMORE makes them one message, and flags
/// without it send each buffer as a message of its own. Returns the last buffer's size.
#[unsafe(export_name = "ferrozmq_zmq_sendiov")]
pub extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count: usize,
    flags: c_int,
) -> c_int {
    guard(-1, || {
        // libzmq checks the socket before the arguments (ENOTSOCK before EINVAL).
        lookup(s)?;
        if count == 0 || iov.is_null() {
            return Err(libc::EINVAL);
        }
        // SAFETY: C passes `count` iovec entries at `iov`.
        let iov = unsafe { std::slice::from_raw_parts(iov, count) };
        let mut last = 0;
        for (i, v) in iov.iter().enumerate() {
            let frame = copy_buf(v.iov_base, v.iov_len)?;
            let f = if i + 1 == count {
                flags & !ZMQ_SNDMORE
            } else {
                flags
            };
            last = send_frame(s, frame, f)?;
        }
        Ok(size_int(last))
    })
}
