//! zmq_proxy, zmq_proxy_steerable and zmq_device: whole messages moved between two sockets,
//! sleeping in poll(2) on their eventfds (so EINTR ends the proxy as it ends libzmq's).
//!
//! As libzmq's, the proxy reads only a socket that polls readable, and moves a message
//! only while the socket it goes to polls writable: a send-only side (PUSH, PUB) is never
//! read, and a side that cannot take messages leaves them queued in the other, so the
//! control socket is always served.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use super::getsockopt::events;
use super::guard;
use super::send::send_whole;
use super::socket::{FfiSocket, lookup_shared};
use super::wake::{Woke, readable, sleep_on};
use crate::error::Error;
use crate::message::Message;

/// Messages moved per wake-up in each direction, so one busy side cannot starve the other.
const BATCH: usize = 1000;

/// Messages and bytes that went in and out of one side.
#[derive(Default)]
struct Side {
    msgs_in: u64,
    bytes_in: u64,
    msgs_out: u64,
    bytes_out: u64,
}

const ZMQ_POLLIN: c_int = 1;
const ZMQ_POLLOUT: c_int = 2;

/// Whether the socket polls writable (ZMQ_POLLOUT).
fn writable(sock: &FfiSocket) -> Result<bool, c_int> {
    let mut st = sock.lock()?;
    Ok(events(&mut st) & ZMQ_POLLOUT != 0)
}

/// Takes the next whole message, if the socket polls readable (frames left from an earlier
/// zmq_recv first).
fn take(sock: &FfiSocket) -> Result<Option<Message>, c_int> {
    let mut st = sock.lock()?;
    if events(&mut st) & ZMQ_POLLIN == 0 {
        return Ok(None);
    }
    if !st.incoming.is_empty() {
        st.rcvmore = false;
        return Ok(Some(st.incoming.drain(..).collect()));
    }
    match st.core.recv(true) {
        Ok(m) => Ok(Some(m)),
        Err(Error::Again) => Ok(None),
        Err(e) => Err(e.errno()),
    }
}

/// Sends a whole message, blocking (interruptibly) as the socket's SNDTIMEO says.
fn put(sock: &FfiSocket, msg: Message) -> Result<(), c_int> {
    let mut st = sock.lock()?;
    send_whole(sock, &mut st, msg, false).map_err(|(e, _)| e)
}

/// Moves what `from` has to `to`; true if anything moved.
fn forward(
    from: &FfiSocket,
    to: &FfiSocket,
    capture: Option<&FfiSocket>,
    stats: (&mut Side, &mut Side),
) -> Result<bool, c_int> {
    let mut moved = false;
    // A socket proxied to itself (one ROUTER, say) sends its replies whatever its POLLOUT.
    let same = std::ptr::eq(from, to);
    for _ in 0..BATCH {
        if !same && !writable(to)? {
            break;
        }
        let Some(msg) = take(from)? else {
            break;
        };
        let size = msg.size() as u64;
        stats.0.msgs_in += 1;
        stats.0.bytes_in += size;
        if let Some(c) = capture {
            // A capture socket that cannot keep up loses copies, not traffic.
            if let Ok(mut st) = c.lock() {
                let _ = st.core.send(msg.clone(), true);
            }
        }
        put(to, msg)?;
        stats.1.msgs_out += 1;
        stats.1.bytes_out += size;
        moved = true;
    }
    Ok(moved)
}

/// Serves one command from the control socket; Some(0) ends the proxy (TERMINATE).
fn control(
    ctl: &FfiSocket,
    paused: &mut bool,
    front: &Side,
    back: &Side,
) -> Result<Option<c_int>, c_int> {
    while let Some(cmd) = take(ctl)? {
        match cmd.first().map(|b| &b[..]) {
            Some(b"PAUSE") => *paused = true,
            Some(b"RESUME") => *paused = false,
            Some(b"TERMINATE") => return Ok(Some(0)),
            Some(b"STATISTICS") => {
                let figures = [front, back]
                    .iter()
                    .flat_map(|s| [s.msgs_in, s.bytes_in, s.msgs_out, s.bytes_out])
                    .map(|n| bytes::Bytes::copy_from_slice(&n.to_ne_bytes()))
                    .collect::<Message>();
                put(ctl, figures)?;
            }
            // libzmq ignores commands it does not know.
            _ => {}
        }
    }
    Ok(None)
}

fn run(
    front: *mut c_void,
    back: *mut c_void,
    capture: *mut c_void,
    ctl: *mut c_void,
) -> Result<c_int, c_int> {
    let f = lookup_shared(front)?;
    let b = lookup_shared(back)?;
    let opt = |p: *mut c_void| -> Result<Option<Arc<FfiSocket>>, c_int> {
        (!p.is_null()).then(|| lookup_shared(p)).transpose()
    };
    let cap = opt(capture)?;
    let ctl = opt(ctl)?;
    let (mut fs, mut bs) = (Side::default(), Side::default());
    let mut paused = false;
    let sides: Vec<&Arc<FfiSocket>> = [Some(&f), Some(&b), ctl.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    let mut fds: Vec<libc::pollfd> = sides.iter().map(|s| readable(s.wake.raw())).collect();
    let mut listening = Vec::new();
    loop {
        if let Some(c) = &ctl
            && let Some(rc) = control(c, &mut paused, &fs, &bs)?
        {
            return Ok(rc);
        }
        let mut moved = false;
        if !paused {
            moved |= forward(&f, &b, cap.as_deref(), (&mut fs, &mut bs))?;
            if !Arc::ptr_eq(&f, &b) {
                moved |= forward(&b, &f, cap.as_deref(), (&mut bs, &mut fs))?;
            }
        }
        if moved {
            listening.clear();
            continue;
        }
        if listening.is_empty() {
            // Listening, then one more round of attempts before sleeping: a change after
            // this point makes an fd readable, so the sleep cannot miss it.
            listening = sides.iter().map(|s| s.listen()).collect();
            continue;
        }
        if sleep_on(&mut fds, None)? == Woke::Interrupted {
            return Err(libc::EINTR);
        }
        listening.clear();
    }
}

/// Moves messages between `frontend` and `backend` until the context is terminated (then
/// -1 with ETERM), copying each to `capture` if given.
#[unsafe(export_name = "ferrozmq_zmq_proxy")]
pub extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    guard(-1, || run(frontend, backend, capture, std::ptr::null_mut()))
}

/// As zmq_proxy, also obeying PAUSE, RESUME, TERMINATE and STATISTICS on `control`.
#[unsafe(export_name = "ferrozmq_zmq_proxy_steerable")]
pub extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    guard(-1, || run(frontend, backend, capture, control))
}

/// The older zmq_proxy: every device type behaves as a proxy without capture.
#[unsafe(export_name = "ferrozmq_zmq_device")]
pub extern "C" fn zmq_device(_kind: c_int, frontend: *mut c_void, backend: *mut c_void) -> c_int {
    zmq_proxy(frontend, backend, std::ptr::null_mut())
}
