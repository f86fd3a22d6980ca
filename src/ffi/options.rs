//! zmq_setsockopt: the options that are actions (SUBSCRIBE) or aliases (IPV4ONLY) here,
//! every other one through the option table in `crate::options`, which holds libzmq's
//! numbers, sizes and ranges (EINVAL for a wrong size, a bad value or an option this socket
//! type does not have). The numbers here serve zmq_getsockopt (getsockopt.rs) too.

use std::ffi::{c_int, c_void};

use super::guard;
use super::socket::{FfiSocket, SockState, lookup};
use crate::options::codec::{self, Codec, Input};

pub(super) mod num {
    //! The options that are not values in the option table.
    use std::ffi::c_int;
    pub const SUBSCRIBE: c_int = 6;
    pub const UNSUBSCRIBE: c_int = 7;
    pub const RCVMORE: c_int = 13;
    pub const FD: c_int = 14;
    pub const EVENTS: c_int = 15;
    pub const TYPE: c_int = 16;
    pub const IPV4ONLY: c_int = 31;
    pub const LAST_ENDPOINT: c_int = 32;
    pub const THREAD_SAFE: c_int = 81;
}

/// Applies one option to a socket's state: the few that are actions, not values, here;
/// the rest through the option table.
fn set(sock: &FfiSocket, st: &mut SockState, option: c_int, v: Input<'_>) -> Result<(), c_int> {
    let kind = sock.kind;
    match option {
        num::SUBSCRIBE => st.core.subscribe(v.unwrap_or(&[])).map_err(|e| e.errno())?,
        num::UNSUBSCRIBE => st
            .core
            .unsubscribe(v.unwrap_or(&[]))
            .map_err(|e| e.errno())?,
        num::IPV4ONLY => {
            let v4 = <codec::Flag as Codec<bool>>::decode(v).map_err(|e| e.errno())?;
            st.core.options_mut().ipv6 = !v4;
        }
        _ => {
            let effect = st
                .core
                .options_mut()
                .set_c(kind, option, v)
                .map_err(|e| e.errno())?;
            st.core.option_changed(effect);
        }
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
        let input: Input<'_> = if value.is_null() {
            if len != 0 {
                return Err(libc::EINVAL);
            }
            None
        } else if len == 0 {
            Some(&[])
        } else {
            // SAFETY: C passes `len` readable bytes at `value` (zmq_setsockopt's contract).
            Some(unsafe { std::slice::from_raw_parts(value.cast::<u8>(), len) })
        };
        let mut st = sock.lock()?;
        st.core.check_open().map_err(|e| e.errno())?;
        set(&sock, &mut st, option, input)?;
        Ok(0)
    })
}
