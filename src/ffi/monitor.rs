//! zmq_socket_monitor: a socket's events (crate::monitor) published on a PAIR socket bound
//! to an inproc endpoint, in libzmq's two-frame format: 6 bytes (the 16-bit event number,
//! then the 32-bit value, in host byte order), then the endpoint.

use std::ffi::{c_char, c_int, c_void};

use bytes::Bytes;

use super::socket::lookup;
use super::wake::with_signals_blocked;
use super::{c_str, guard};
use crate::message::Message;
use crate::{ALL_EVENTS, Monitor, MonitorEvent, Pair};

/// The first frame of an event: its number and value, in host byte order.
pub(crate) fn event_frame(ev: &MonitorEvent) -> [u8; 6] {
    let mut head = [0u8; 6];
    head[..2].copy_from_slice(&ev.number().to_ne_bytes());
    head[2..].copy_from_slice(&ev.value().to_ne_bytes());
    head
}

/// Publishes events on `pair` until the monitor stops. Events nobody is connected to
/// receive (or beyond the PAIR's high-water mark) are dropped, never waited for: the
/// monitored socket must not stall on its monitor.
fn publish(pair: Pair, monitor: Monitor) {
    while let Ok(ev) = monitor.recv(None) {
        let msg = Message::from(vec![
            Bytes::copy_from_slice(&event_frame(&ev)),
            Bytes::copy_from_slice(ev.endpoint().as_bytes()),
        ]);
        let _ = pair.try_send(msg);
        if ev == MonitorEvent::MonitorStopped {
            break;
        }
    }
}

/// Publishes the socket's events in `events` (ZMQ_EVENT_* bits) on a PAIR bound to
/// `addr`, which must be inproc (EPROTONOSUPPORT otherwise). A NULL `addr` stops the
/// monitor; a new monitor replaces the old. Each ends with MONITOR_STOPPED.
#[unsafe(export_name = "ferrozmq_zmq_socket_monitor")]
pub extern "C" fn zmq_socket_monitor(s: *mut c_void, addr: *const c_char, events: c_int) -> c_int {
    guard(-1, || {
        let sock = lookup(s)?;
        // A running monitor stops, and its PAIR is gone, before a new one binds, as libzmq
        // closes the old monitor socket first: the new one may reuse its address.
        sock.lock()?.core.stop_monitor();
        let old = sock
            .publisher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(t) = old {
            let _ = t.join();
        }
        if addr.is_null() {
            return Ok(0);
        }
        let addr = c_str(addr)?;
        if !addr.starts_with("inproc://") {
            return Err(libc::EPROTONOSUPPORT);
        }
        let mask = u16::try_from(events).map_err(|_| libc::EINVAL)? & ALL_EVENTS;
        let (context, _) = sock.ctx.context()?;
        let pair = Pair::new(&context).map_err(|e| e.errno())?;
        pair.set_linger(Some(std::time::Duration::ZERO))
            .map_err(|e| e.errno())?;
        pair.bind(addr).map_err(|e| e.errno())?;
        let monitor = sock.lock()?.core.monitor(mask);
        // The publisher thread must not take process signals meant for the application's
        // blocking calls.
        let thread = with_signals_blocked(|| {
            std::thread::Builder::new()
                .name("ferrozmq-monitor".into())
                .spawn(move || publish(pair, monitor))
        })
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EAGAIN))?;
        *sock.publisher.lock().unwrap_or_else(|p| p.into_inner()) = Some(thread);
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_is_the_event_number_then_the_value_in_host_order() {
        let ev = MonitorEvent::Accepted {
            endpoint: "tcp://127.0.0.1:5555".into(),
            fd: 7,
        };
        let head = event_frame(&ev);
        assert_eq!(u16::from_ne_bytes([head[0], head[1]]), 0x0020);
        assert_eq!(u32::from_ne_bytes([head[2], head[3], head[4], head[5]]), 7);
    }

    #[test]
    fn only_inproc_addresses_and_valid_masks_are_accepted() {
        use crate::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};
        use crate::ffi::errno::zmq_errno;
        use crate::ffi::socket::{zmq_close, zmq_socket};
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 0);
        assert_eq!(
            zmq_socket_monitor(s, c"tcp://127.0.0.1:*".as_ptr(), 0xFFFF),
            -1
        );
        assert_eq!(zmq_errno(), libc::EPROTONOSUPPORT);
        assert_eq!(zmq_socket_monitor(s, c"inproc://m".as_ptr(), -1), -1);
        assert_eq!(zmq_errno(), libc::EINVAL);
        assert_eq!(zmq_socket_monitor(s, c"inproc://m".as_ptr(), 0xFFFF), 0);
        // A new monitor may take the old one's address: the old PAIR is gone first.
        assert_eq!(zmq_socket_monitor(s, c"inproc://m".as_ptr(), 0xFFFF), 0);
        assert_eq!(zmq_socket_monitor(s, std::ptr::null(), 0), 0);
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}
