//! zmq_setsockopt: every option ferrozmq has, with libzmq's numbers, C types and sizes
//! (EINVAL for a wrong size, a bad value or an option ferrozmq does not have). The option
//! numbers and unit conversions here serve zmq_getsockopt (getsockopt.rs) too.

use std::ffi::{c_int, c_void};
use std::time::Duration;

use bytes::Bytes;

use super::guard;
use super::socket::{FfiSocket, SockState, lookup};
use crate::options::Options;
use crate::socket_type::SocketType;

pub(super) mod num {
    use std::ffi::c_int;
    pub const ROUTING_ID: c_int = 5;
    pub const SUBSCRIBE: c_int = 6;
    pub const UNSUBSCRIBE: c_int = 7;
    pub const RCVMORE: c_int = 13;
    pub const FD: c_int = 14;
    pub const EVENTS: c_int = 15;
    pub const TYPE: c_int = 16;
    pub const LINGER: c_int = 17;
    pub const RECONNECT_IVL: c_int = 18;
    pub const RECONNECT_IVL_MAX: c_int = 21;
    pub const MAXMSGSIZE: c_int = 22;
    pub const SNDHWM: c_int = 23;
    pub const RCVHWM: c_int = 24;
    pub const RCVTIMEO: c_int = 27;
    pub const SNDTIMEO: c_int = 28;
    pub const IPV4ONLY: c_int = 31;
    pub const LAST_ENDPOINT: c_int = 32;
    pub const ROUTER_MANDATORY: c_int = 33;
    pub const TCP_KEEPALIVE: c_int = 34;
    pub const TCP_KEEPALIVE_CNT: c_int = 35;
    pub const TCP_KEEPALIVE_IDLE: c_int = 36;
    pub const TCP_KEEPALIVE_INTVL: c_int = 37;
    pub const IMMEDIATE: c_int = 39;
    pub const XPUB_VERBOSE: c_int = 40;
    pub const IPV6: c_int = 42;
    pub const MECHANISM: c_int = 43;
    pub const PROBE_ROUTER: c_int = 51;
    pub const REQ_CORRELATE: c_int = 52;
    pub const REQ_RELAXED: c_int = 53;
    pub const CONFLATE: c_int = 54;
    pub const ROUTER_HANDOVER: c_int = 56;
    pub const HANDSHAKE_IVL: c_int = 66;
    pub const HEARTBEAT_IVL: c_int = 75;
    pub const HEARTBEAT_TTL: c_int = 76;
    pub const HEARTBEAT_TIMEOUT: c_int = 77;
    pub const CONNECT_TIMEOUT: c_int = 79;
    pub const THREAD_SAFE: c_int = 81;
}

/// An option value as C passed it.
struct Val<'a>(&'a [u8]);

impl Val<'_> {
    fn int(&self) -> Result<c_int, c_int> {
        let b: [u8; 4] = self.0.try_into().map_err(|_| libc::EINVAL)?;
        Ok(c_int::from_ne_bytes(b))
    }
    fn i64(&self) -> Result<i64, c_int> {
        let b: [u8; 8] = self.0.try_into().map_err(|_| libc::EINVAL)?;
        Ok(i64::from_ne_bytes(b))
    }
    fn flag(&self) -> Result<bool, c_int> {
        match self.int()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(libc::EINVAL),
        }
    }
    fn count(&self) -> Result<usize, c_int> {
        usize::try_from(self.int()?).map_err(|_| libc::EINVAL)
    }
    /// Milliseconds, with -1 as `None` (infinite).
    fn ms_or_infinite(&self) -> Result<Option<Duration>, c_int> {
        match self.int()? {
            -1 => Ok(None),
            v if v >= 0 => Ok(Some(ms(v))),
            _ => Err(libc::EINVAL),
        }
    }
    /// Milliseconds, with 0 as `None` (off).
    fn ms_or_off(&self) -> Result<Option<Duration>, c_int> {
        match self.int()? {
            0 => Ok(None),
            v if v > 0 => Ok(Some(ms(v))),
            _ => Err(libc::EINVAL),
        }
    }
    /// A TCP keepalive figure: -1 leaves the OS default.
    fn os_default(&self) -> Result<Option<u32>, c_int> {
        match self.int()? {
            -1 => Ok(None),
            v if v >= 0 => Ok(Some(v.unsigned_abs())),
            _ => Err(libc::EINVAL),
        }
    }
}

fn ms(v: c_int) -> Duration {
    Duration::from_millis(u64::from(v.unsigned_abs()))
}

pub(super) fn to_ms(d: Duration) -> c_int {
    c_int::try_from(d.as_millis()).unwrap_or(c_int::MAX)
}

pub(super) fn ms_or(d: Option<Duration>, none: c_int) -> c_int {
    d.map_or(none, to_ms)
}

pub(super) fn secs_or_default(d: Option<Duration>) -> c_int {
    d.map_or(-1, |d| c_int::try_from(d.as_secs()).unwrap_or(c_int::MAX))
}

fn secs(v: Option<u32>) -> Option<Duration> {
    v.map(|s| Duration::from_secs(u64::from(s)))
}

/// Applies one option to a socket's state.
fn set(sock: &FfiSocket, st: &mut SockState, option: c_int, v: Val<'_>) -> Result<(), c_int> {
    let kind = sock.kind;
    let o: &mut Options = &mut st.core.options;
    match option {
        num::SNDHWM => o.sndhwm = v.count()?,
        num::RCVHWM => o.rcvhwm = v.count()?,
        num::LINGER => o.linger = v.ms_or_infinite()?,
        num::SNDTIMEO => o.sndtimeo = v.ms_or_infinite()?,
        num::RCVTIMEO => o.rcvtimeo = v.ms_or_infinite()?,
        num::RECONNECT_IVL => o.reconnect_ivl = v.ms_or_infinite()?,
        num::RECONNECT_IVL_MAX => {
            o.reconnect_ivl_max = ms(c_int::try_from(v.count()?).unwrap_or(c_int::MAX))
        }
        num::MAXMSGSIZE => {
            o.maxmsgsize = match v.i64()? {
                -1 => None,
                n if n >= 0 => Some(n.unsigned_abs()),
                _ => return Err(libc::EINVAL),
            }
        }
        num::HANDSHAKE_IVL => o.handshake_ivl = v.ms_or_off()?,
        num::IPV6 => o.ipv6 = v.flag()?,
        num::IPV4ONLY => o.ipv6 = !v.flag()?,
        num::IMMEDIATE => o.immediate = v.flag()?,
        num::CONFLATE => o.conflate = v.flag()?,
        num::HEARTBEAT_IVL => o.heartbeat_ivl = v.ms_or_off()?,
        num::HEARTBEAT_TTL => {
            // ZMTP carries the TTL in deciseconds (16 bits): libzmq keeps whole tenths.
            let ms = v.int()?;
            if !(0..=6_553_500).contains(&ms) {
                return Err(libc::EINVAL);
            }
            let tenths = ms / 100 * 100;
            o.heartbeat_ttl = (tenths > 0).then(|| self::ms(tenths));
        }
        num::HEARTBEAT_TIMEOUT => o.heartbeat_timeout = v.ms_or_infinite()?,
        num::CONNECT_TIMEOUT => o.connect_timeout = v.ms_or_off()?,
        num::TCP_KEEPALIVE => {
            o.tcp_keepalive = match v.int()? {
                -1 => None,
                0 => Some(false),
                1 => Some(true),
                _ => return Err(libc::EINVAL),
            }
        }
        num::TCP_KEEPALIVE_IDLE => o.tcp_keepalive_idle = secs(v.os_default()?),
        num::TCP_KEEPALIVE_INTVL => o.tcp_keepalive_intvl = secs(v.os_default()?),
        num::TCP_KEEPALIVE_CNT => o.tcp_keepalive_cnt = v.os_default()?,
        num::ROUTING_ID => {
            if v.0.is_empty() || v.0.len() > 255 || v.0[0] == 0 {
                return Err(libc::EINVAL);
            }
            o.routing_id = Bytes::copy_from_slice(v.0);
        }
        num::ROUTER_MANDATORY if kind == SocketType::Router => o.router_mandatory = v.flag()?,
        num::ROUTER_HANDOVER if kind == SocketType::Router => o.router_handover = v.flag()?,
        num::PROBE_ROUTER
            if matches!(
                kind,
                SocketType::Router | SocketType::Dealer | SocketType::Req
            ) =>
        {
            o.probe_router = v.flag()?
        }
        num::REQ_RELAXED if kind == SocketType::Req => o.req_relaxed = v.flag()?,
        num::REQ_CORRELATE if kind == SocketType::Req => o.req_correlate = v.flag()?,
        num::XPUB_VERBOSE if kind == SocketType::XPub => o.xpub_verbose = v.flag()?,
        num::SUBSCRIBE if kind == SocketType::Sub => st.core.subscribe(v.0),
        num::UNSUBSCRIBE if kind == SocketType::Sub => st.core.unsubscribe(v.0),
        _ => return Err(libc::EINVAL),
    }
    Ok(())
}

/// Sets a socket option; EINVAL for an unknown option, a wrong size or a bad value.
#[unsafe(export_name = "ferrozmq_zmq_setsockopt")]
pub extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    value: *const c_void,
    len: usize,
) -> c_int {
    guard(-1, || {
        let sock = lookup(s)?;
        let bytes: &[u8] = if len == 0 {
            &[]
        } else if value.is_null() {
            return Err(libc::EINVAL);
        } else {
            // SAFETY: C passes `len` readable bytes at `value` (zmq_setsockopt's contract).
            unsafe { std::slice::from_raw_parts(value.cast::<u8>(), len) }
        };
        let mut st = sock.lock()?;
        st.core.check_open().map_err(|e| e.errno())?;
        set(&sock, &mut st, option, Val(bytes))?;
        Ok(0)
    })
}
