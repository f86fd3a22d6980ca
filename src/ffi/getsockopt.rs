//! zmq_getsockopt: every option zmq_setsockopt takes, plus the read-only ones (TYPE,
//! RCVMORE, EVENTS, FD, LAST_ENDPOINT, MECHANISM, THREAD_SAFE), in libzmq's types.

use std::ffi::{c_int, c_void};

use super::guard;
use super::options::num;
use super::socket::{FfiSocket, SockState, lookup};
use crate::options::codec::Raw;

const ZMQ_POLLIN: c_int = 1;
const ZMQ_POLLOUT: c_int = 2;

/// An option value to hand back to C, with libzmq's rule for the caller's buffer size.
enum Out {
    /// The buffer must be exactly this size (libzmq's per-socket options: ints, int64s).
    Exact(Vec<u8>),
    /// The buffer must be at least this size; the rest is zeroed and the length set to
    /// this size (RCVMORE, EVENTS, FD, THREAD_SAFE, strings and binary values).
    AtLeast(Vec<u8>),
    /// A CURVE key: binary for a buffer of exactly 32 bytes, Z85 and a NUL (41 bytes) for
    /// one of exactly 41 (any other size is EINVAL, as libzmq).
    Key(zeroize::Zeroizing<[u8; 32]>),
}

fn int_at_least(v: c_int) -> Out {
    Out::AtLeast(v.to_ne_bytes().to_vec())
}

impl From<Raw> for Out {
    fn from(raw: Raw) -> Out {
        match raw {
            Raw::Int(v) => Out::Exact(v.to_ne_bytes().to_vec()),
            Raw::I64(v) => Out::Exact(v.to_ne_bytes().to_vec()),
            Raw::U64(v) => Out::Exact(v.to_ne_bytes().to_vec()),
            Raw::Bytes(b) => Out::AtLeast(b.to_vec()),
            Raw::Str(s) => {
                let mut b = s.into_bytes();
                b.push(0);
                Out::AtLeast(b)
            }
            Raw::CStr(s) => {
                let mut b = s.to_vec();
                b.push(0);
                Out::AtLeast(b)
            }
            Raw::Key(k) => Out::Key(k),
        }
    }
}

/// Reads one option: the socket's own state here, the rest from the option table.
fn get(sock: &FfiSocket, st: &mut SockState, option: c_int) -> Result<Out, c_int> {
    let kind = sock.kind;
    let exact = |v: c_int| Out::Exact(v.to_ne_bytes().to_vec());
    Ok(match option {
        num::TYPE => exact(kind.number()),
        num::IPV4ONLY => exact(c_int::from(!st.core.options.ipv6)),
        num::RCVMORE => int_at_least(c_int::from(st.rcvmore)),
        num::THREAD_SAFE => int_at_least(0),
        num::LAST_ENDPOINT => Raw::Str(st.core.last_endpoint().unwrap_or_default()).into(),
        num::FD => int_at_least(sock.export_fd()),
        num::EVENTS => {
            st.core.check_open().map_err(|e| e.errno())?;
            // Reset the edge first: a change from here on makes ZMQ_FD readable again.
            sock.wake.drain();
            int_at_least(events(st))
        }
        _ => st
            .core
            .options
            .get_c(kind, option)
            .map_err(|e| e.errno())?
            .into(),
    })
}

/// ZMQ_POLLIN / ZMQ_POLLOUT as they stand now. Readable first: taking a message early
/// can change what the socket may send.
pub(crate) fn events(st: &mut SockState) -> c_int {
    let mut ev = 0;
    let reading = !st.incoming.is_empty();
    if reading || st.core.readable() {
        ev |= ZMQ_POLLIN;
    }
    if !st.core.receiving(reading) && st.core.writable() {
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
        // The bytes to write (zero-padded to the buffer for AtLeast, as libzmq pads) and
        // the length to report.
        let (bytes, used) = match out {
            Out::Exact(b) if b.len() == room => {
                let used = b.len();
                (b, used)
            }
            Out::AtLeast(mut b) if b.len() <= room => {
                let used = b.len();
                b.resize(room, 0);
                (b, used)
            }
            Out::Key(k) if room == k.len() => (k.to_vec(), room),
            // Exactly 32 or exactly 41 bytes, as libzmq's do_getsockopt_curve_key.
            Out::Key(k) if room == crate::curve::Z85_LEN + 1 => {
                let mut b = crate::z85::encode(&k[..]).unwrap_or_default().into_bytes();
                b.resize(room, 0);
                (b, room)
            }
            _ => return Err(libc::EINVAL),
        };
        // SAFETY: `value` has `room` writable bytes (C's contract), and `bytes.len() == room`;
        // `len` is non-NULL.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.cast::<u8>(), bytes.len());
            *len = used;
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

    const ROUTING_ID: c_int = 5;

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
        // (ZMQ number, values): SNDHWM, RCVHWM, LINGER, SNDTIMEO, RCVTIMEO, RECONNECT_IVL,
        // RECONNECT_IVL_MAX, HANDSHAKE_IVL, IPV6, IMMEDIATE, CONFLATE, HEARTBEAT_IVL,
        // HEARTBEAT_TTL, HEARTBEAT_TIMEOUT, CONNECT_TIMEOUT, TCP_KEEPALIVE(_IDLE, _INTVL,
        // _CNT), SNDBUF, RCVBUF, BACKLOG, TOS, RATE, RECOVERY_IVL, MULTICAST_HOPS,
        // TCP_MAXRT, MULTICAST_MAXTPDU, USE_FD, INVERT_MATCHING.
        let cases: &[(c_int, &[c_int])] = &[
            (23, &[0, 5]),
            (24, &[0, 6]),
            (17, &[-1, 0, 7]),
            (28, &[-1, 0, 8]),
            (27, &[-1, 0, 9]),
            (18, &[-1, 10]),
            (21, &[0, 11]),
            (66, &[0, 12]),
            (42, &[1, 0]),
            (39, &[1, 0]),
            (54, &[1, 0]),
            (75, &[0, 13]),
            (76, &[0, 1400, 6_553_500]),
            (77, &[0, 15]),
            (79, &[0, 16]),
            (34, &[-1, 0, 1]),
            (36, &[-1, 17]),
            (37, &[-1, 18]),
            (35, &[-1, 19]),
            (11, &[-1, 0, 65536]),
            (12, &[-1, 0, 65536]),
            (19, &[0, 500]),
            (57, &[0, 0x28]),
            (8, &[1, 2000]),
            (9, &[0, 20]),
            (25, &[1, 3]),
            (80, &[0, 21]),
            (84, &[1, 9000]),
            (89, &[-1, 3]),
            (74, &[1, 0]),
        ];
        for (option, values) in cases {
            for v in *values {
                assert_eq!(set_int(s, *option, *v), 0, "set {option} = {v}");
                assert_eq!(get_int(s, *option), *v, "get {option}");
            }
        }
        assert_eq!(set_int(s, 76, 1450), 0);
        assert_eq!(get_int(s, 76), 1400, "whole tenths, as ZMTP sends");
        assert_eq!(set_int(s, 76, 6_553_600), -1, "past 65535 tenths");
        assert_eq!(get_int(s, num::IPV4ONLY), 1);
        assert_eq!(get_int(s, num::TYPE), 5);
        assert_eq!(set_int(s, 17, -2), -1);
        assert_eq!(set_int(s, 42, 2), -1);
        assert_eq!(set_int(s, 11, -2), -1);
        assert_eq!(set_int(s, 33, 1), -1, "DEALER has no ROUTER_MANDATORY");
        assert_eq!(set_int(s, 51, 1), 0, "DEALER takes PROBE_ROUTER");
        let mut v: c_int = 0;
        let mut len = 4usize;
        assert_eq!(
            zmq_getsockopt(s, 51, (&raw mut v).cast(), &mut len),
            -1,
            "socket-type switches are write-only, as in libzmq"
        );
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }

    #[test]
    fn ints_need_exact_buffers_but_rcvmore_fills_a_larger_one_as_libzmq_does() {
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 2);
        let mut wide: i64 = -1;
        let mut len = 8usize;
        assert_eq!(
            zmq_getsockopt(s, num::RCVMORE, (&raw mut wide).cast(), &mut len),
            0
        );
        assert_eq!((wide, len), (0, 4));
        let mut len = 8usize;
        assert_eq!(zmq_getsockopt(s, 23, (&raw mut wide).cast(), &mut len), -1);
        let mut max: i64 = 0;
        let mut len = 8usize;
        assert_eq!(zmq_getsockopt(s, 22, (&raw mut max).cast(), &mut len), 0);
        assert_eq!(max, -1);
        let mut affinity: u64 = 9;
        let mut len = 8usize;
        assert_eq!(
            zmq_getsockopt(s, 4, (&raw mut affinity).cast(), &mut len),
            0
        );
        assert_eq!(affinity, 0);
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }

    #[test]
    fn a_curve_key_reads_as_32_binary_bytes_or_as_z85_with_a_nul_and_no_other_size() {
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 5);
        let z85 = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
        assert_eq!(zmq_setsockopt(s, 48, z85.as_ptr().cast(), 40), 0);
        let mut binary = [0u8; 32];
        let mut len = 32usize;
        assert_eq!(
            zmq_getsockopt(s, 48, binary.as_mut_ptr().cast(), &mut len),
            0
        );
        assert_eq!(crate::z85::encode(&binary).unwrap().as_bytes(), z85);
        let mut text = [0xFFu8; 64];
        let mut len = 41;
        assert_eq!(zmq_getsockopt(s, 48, text.as_mut_ptr().cast(), &mut len), 0);
        assert_eq!((&text[..40], text[40], len), (&z85[..], 0, 41));
        for room in [0usize, 31, 33, 40, 42, 64] {
            let mut len = room;
            assert_eq!(
                zmq_getsockopt(s, 48, text.as_mut_ptr().cast(), &mut len),
                -1
            );
        }
        assert_eq!(get_int(s, 43), 2, "ZMQ_MECHANISM is ZMQ_CURVE");
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }

    #[test]
    fn routing_ids_are_one_to_255_bytes_not_starting_with_zero() {
        let ctx = zmq_ctx_new();
        let s = zmq_socket(ctx, 5);
        let set = |v: &[u8]| zmq_setsockopt(s, ROUTING_ID, v.as_ptr().cast(), v.len());
        assert_eq!(set(b""), -1);
        assert_eq!(set(b"\0abc"), -1);
        assert_eq!(set(&[b'x'; 256]), -1);
        assert_eq!(set(b"worker-1"), 0);
        let mut buf = [0u8; 255];
        let mut len = buf.len();
        assert_eq!(
            zmq_getsockopt(s, ROUTING_ID, buf.as_mut_ptr().cast(), &mut len),
            0
        );
        assert_eq!(&buf[..len], b"worker-1");
        assert_eq!(zmq_close(s), 0);
        assert_eq!(zmq_ctx_term(ctx), 0);
    }
}
