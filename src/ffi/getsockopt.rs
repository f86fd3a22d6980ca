//! zmq_getsockopt: every option zmq_setsockopt takes, plus the read-only ones (TYPE,
//! RCVMORE, EVENTS, FD, LAST_ENDPOINT, MECHANISM, THREAD_SAFE), in libzmq's types.

use std::ffi::{c_int, c_void};

use super::guard;
use super::options::{ms_or, num, secs_or_default, to_ms};
use super::socket::{FfiSocket, SockState, lookup};
use crate::socket_type::SocketType;

const ZMQ_POLLIN: c_int = 1;
const ZMQ_POLLOUT: c_int = 2;

/// An option value to hand back to C.
enum Out {
    Int(c_int),
    I64(i64),
    Bytes(Vec<u8>),
    /// A string, written with its NUL (LAST_ENDPOINT).
    Str(String),
}

/// Reads one option.
fn get(sock: &FfiSocket, st: &mut SockState, option: c_int) -> Result<Out, c_int> {
    let kind = sock.kind;
    let o = &st.core.options;
    let flag = |b: bool| Out::Int(c_int::from(b));
    let count = |n: usize| Out::Int(c_int::try_from(n).unwrap_or(c_int::MAX));
    Ok(match option {
        num::SNDHWM => count(o.sndhwm),
        num::RCVHWM => count(o.rcvhwm),
        num::LINGER => Out::Int(ms_or(o.linger, -1)),
        num::SNDTIMEO => Out::Int(ms_or(o.sndtimeo, -1)),
        num::RCVTIMEO => Out::Int(ms_or(o.rcvtimeo, -1)),
        num::RECONNECT_IVL => Out::Int(ms_or(o.reconnect_ivl, -1)),
        num::RECONNECT_IVL_MAX => Out::Int(to_ms(o.reconnect_ivl_max)),
        num::MAXMSGSIZE => Out::I64(
            o.maxmsgsize
                .map_or(-1, |n| n.try_into().unwrap_or(i64::MAX)),
        ),
        num::HANDSHAKE_IVL => Out::Int(ms_or(o.handshake_ivl, 0)),
        num::IPV6 => flag(o.ipv6),
        num::IPV4ONLY => flag(!o.ipv6),
        num::IMMEDIATE => flag(o.immediate),
        num::CONFLATE => flag(o.conflate),
        num::HEARTBEAT_IVL => Out::Int(ms_or(o.heartbeat_ivl, 0)),
        num::HEARTBEAT_TTL => Out::Int(ms_or(o.heartbeat_ttl, 0)),
        num::HEARTBEAT_TIMEOUT => Out::Int(ms_or(o.heartbeat_timeout, -1)),
        num::CONNECT_TIMEOUT => Out::Int(ms_or(o.connect_timeout, 0)),
        num::TCP_KEEPALIVE => Out::Int(o.tcp_keepalive.map_or(-1, c_int::from)),
        num::TCP_KEEPALIVE_IDLE => Out::Int(secs_or_default(o.tcp_keepalive_idle)),
        num::TCP_KEEPALIVE_INTVL => Out::Int(secs_or_default(o.tcp_keepalive_intvl)),
        num::TCP_KEEPALIVE_CNT => Out::Int(
            o.tcp_keepalive_cnt
                .map_or(-1, |n| c_int::try_from(n).unwrap_or(c_int::MAX)),
        ),
        num::ROUTING_ID => Out::Bytes(o.routing_id.to_vec()),
        num::ROUTER_MANDATORY if kind == SocketType::Router => flag(o.router_mandatory),
        num::ROUTER_HANDOVER if kind == SocketType::Router => flag(o.router_handover),
        num::PROBE_ROUTER => flag(o.probe_router),
        num::REQ_RELAXED if kind == SocketType::Req => flag(o.req_relaxed),
        num::REQ_CORRELATE if kind == SocketType::Req => flag(o.req_correlate),
        num::XPUB_VERBOSE if kind == SocketType::XPub => flag(o.xpub_verbose),
        num::TYPE => Out::Int(kind.number()),
        num::RCVMORE => flag(st.rcvmore),
        num::MECHANISM => Out::Int(0),
        num::THREAD_SAFE => Out::Int(0),
        num::LAST_ENDPOINT => Out::Str(st.core.last_endpoint().unwrap_or_default()),
        num::FD => Out::Int(sock.export_fd()),
        num::EVENTS => {
            st.core.check_open().map_err(|e| e.errno())?;
            // Reset the edge first: a change from here on makes ZMQ_FD readable again.
            sock.wake.drain();
            Out::Int(events(st))
        }
        _ => return Err(libc::EINVAL),
    })
}

/// ZMQ_POLLIN / ZMQ_POLLOUT as they stand now.
pub(crate) fn events(st: &mut SockState) -> c_int {
    let mut ev = 0;
    if !st.incoming.is_empty() || st.core.readable() {
        ev |= ZMQ_POLLIN;
    }
    if st.core.writable() {
        ev |= ZMQ_POLLOUT;
    }
    ev
}

/// Reads a socket option into `value` (`*len` bytes of room); sets `*len` to the size used.
#[unsafe(export_name = "ferrozmq_zmq_getsockopt")]
pub extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    value: *mut c_void,
    len: *mut usize,
) -> c_int {
    guard(-1, || {
        let sock = lookup(s)?;
        if value.is_null() || len.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: non-NULL; C passes its buffer's size here.
        let room = unsafe { *len };
        let out = {
            let mut st = sock.lock()?;
            get(&sock, &mut st, option)?
        };
        let bytes: Vec<u8> = match out {
            Out::Int(v) => {
                if room < 4 {
                    return Err(libc::EINVAL);
                }
                v.to_ne_bytes().to_vec()
            }
            Out::I64(v) => {
                if room < 8 {
                    return Err(libc::EINVAL);
                }
                v.to_ne_bytes().to_vec()
            }
            Out::Bytes(b) => b,
            Out::Str(s) => {
                let mut b = s.into_bytes();
                b.push(0);
                b
            }
        };
        if bytes.len() > room {
            return Err(libc::EINVAL);
        }
        // SAFETY: `value` has `room` writable bytes (C's contract), and `bytes.len() <= room`;
        // `len` is non-NULL.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.cast::<u8>(), bytes.len());
            *len = bytes.len();
        }
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};
    use crate::ffi::options::zmq_setsockopt;
    use crate::ffi::socket::{zmq_close, zmq_socket};

    fn set_int(s: *mut c_void, option: c_int, v: c_int) -> c_int {
        zmq_setsockopt(s, option, (&raw const v).cast(), 4)
    }

    fn get_int(s: *mut c_void, option: c_int) -> c_int {
        let mut v: c_int = -99;
        let mut len = 4usize;
        assert_eq!(zmq_getsockopt(s, option, (&raw mut v).cast(), &mut len), 0);
        assert_eq!(len, 4);
        v
    }

    #[test]
    fn every_int_option_reads_back_what_was_set_including_libzmq_sentinels() {
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 5);
        let cases: &[(c_int, &[c_int])] = &[
            (num::SNDHWM, &[0, 5]),
            (num::RCVHWM, &[0, 6]),
            (num::LINGER, &[-1, 0, 7]),
            (num::SNDTIMEO, &[-1, 0, 8]),
            (num::RCVTIMEO, &[-1, 0, 9]),
            (num::RECONNECT_IVL, &[-1, 10]),
            (num::RECONNECT_IVL_MAX, &[0, 11]),
            (num::HANDSHAKE_IVL, &[0, 12]),
            (num::IPV6, &[1, 0]),
            (num::IMMEDIATE, &[1, 0]),
            (num::CONFLATE, &[1, 0]),
            (num::PROBE_ROUTER, &[1, 0]),
            (num::HEARTBEAT_IVL, &[0, 13]),
            (num::HEARTBEAT_TTL, &[0, 1400]),
            (num::HEARTBEAT_TIMEOUT, &[-1, 15]),
            (num::CONNECT_TIMEOUT, &[0, 16]),
            (num::TCP_KEEPALIVE, &[-1, 0, 1]),
            (num::TCP_KEEPALIVE_IDLE, &[-1, 17]),
            (num::TCP_KEEPALIVE_INTVL, &[-1, 18]),
            (num::TCP_KEEPALIVE_CNT, &[-1, 19]),
        ];
        for (option, values) in cases {
            for v in *values {
                assert_eq!(set_int(s, *option, *v), 0, "set {option} = {v}");
                assert_eq!(get_int(s, *option), *v, "get {option}");
            }
        }
        assert_eq!(set_int(s, num::HEARTBEAT_TTL, 1450), 0);
        assert_eq!(
            get_int(s, num::HEARTBEAT_TTL),
            1400,
            "whole tenths, as ZMTP sends"
        );
        assert_eq!(get_int(s, num::IPV4ONLY), 1);
        assert_eq!(get_int(s, num::TYPE), 5);
        assert_eq!(set_int(s, num::LINGER, -2), -1);
        assert_eq!(set_int(s, num::IPV6, 2), -1);
        assert_eq!(
            set_int(s, num::ROUTER_MANDATORY, 1),
            -1,
            "DEALER has no mandatory"
        );
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }

    #[test]
    fn routing_ids_are_one_to_255_bytes_not_starting_with_zero() {
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 5);
        let set = |v: &[u8]| zmq_setsockopt(s, num::ROUTING_ID, v.as_ptr().cast(), v.len());
        assert_eq!(set(b""), -1);
        assert_eq!(set(b"\0abc"), -1);
        assert_eq!(set(&[b'x'; 256]), -1);
        assert_eq!(set(b"worker-1"), 0);
        let mut buf = [0u8; 255];
        let mut len = buf.len();
        assert_eq!(
            zmq_getsockopt(s, num::ROUTING_ID, buf.as_mut_ptr().cast(), &mut len),
            0
        );
        assert_eq!(&buf[..len], b"worker-1");
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}
