//! errno, zmq_errno, zmq_strerror, zmq_version and zmq_has.

use std::ffi::{CStr, c_char, c_int};

use super::{c_str, guard};

/// libzmq's base for its own error numbers.
const HAUSNUMERO: c_int = 156_384_712;
pub(crate) const EFSM: c_int = HAUSNUMERO + 51;
pub(crate) const ENOCOMPATPROTO: c_int = HAUSNUMERO + 52;
pub(crate) const ETERM: c_int = HAUSNUMERO + 53;
pub(crate) const EMTHREAD: c_int = HAUSNUMERO + 54;

/// Sets the calling thread's C errno, which is also what zmq_errno reports.
pub(crate) fn set_errno(e: c_int) {
    // SAFETY: __errno_location returns this thread's errno slot, valid for the thread's life.
    unsafe { *libc::__errno_location() = e };
}

fn errno() -> c_int {
    // SAFETY: as in set_errno.
    unsafe { *libc::__errno_location() }
}

/// The calling thread's last error.
#[unsafe(export_name = "ferrozmq_zmq_errno")]
pub extern "C" fn zmq_errno() -> c_int {
    errno()
}

/// A message for an error number: libzmq's wording for its own codes, the C library's for
/// the rest.
#[unsafe(export_name = "ferrozmq_zmq_strerror")]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    let own: Option<&'static CStr> = match errnum {
        EFSM => Some(c"Operation cannot be accomplished in current state"),
        ENOCOMPATPROTO => Some(c"The protocol is not compatible with the socket type"),
        ETERM => Some(c"Context was terminated"),
        EMTHREAD => Some(c"No thread available"),
        _ => None,
    };
    if let Some(s) = own {
        return s.as_ptr();
    }
    // SAFETY: strerror returns a pointer to a string the C library keeps (glibc's are
    // static for known codes, a thread-local buffer otherwise), as libzmq returns it.
    unsafe { libc::strerror(errnum) }
}

/// Reports 4.3.4: ferrozmq implements libzmq 4.3's API, and bindings check for 4.x.
#[unsafe(export_name = "ferrozmq_zmq_version")]
pub extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    for (p, v) in [(major, 4), (minor, 3), (patch, 4)] {
        if !p.is_null() {
            // SAFETY: a non-NULL out-pointer from C points to a writable int.
            unsafe { *p = v };
        }
    }
}

/// Capabilities ferrozmq really has: the ipc transport and CURVE security. No pgm, tipc,
/// norm, vmci, gssapi or draft API; those answer 0, as a libzmq built without them.
#[unsafe(export_name = "ferrozmq_zmq_has")]
pub extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    guard(0, || {
        let cap = c_str(capability)?;
        Ok(c_int::from(matches!(cap, "ipc" | "curve")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_names_libzmq_own_codes() {
        // SAFETY: zmq_strerror returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(zmq_strerror(ETERM)) };
        assert_eq!(s.to_str().unwrap(), "Context was terminated");
    }

    #[test]
    fn strerror_falls_back_to_the_c_library_for_posix_codes() {
        // SAFETY: as above.
        let s = unsafe { CStr::from_ptr(zmq_strerror(libc::EAGAIN)) };
        assert!(!s.to_bytes().is_empty());
    }

    #[test]
    fn zmq_errno_reads_what_set_errno_wrote() {
        set_errno(EFSM);
        assert_eq!(zmq_errno(), EFSM);
        set_errno(libc::EINTR);
        assert_eq!(zmq_errno(), libc::EINTR);
    }

    #[test]
    fn version_is_4_3_4_and_tolerates_null_out_pointers() {
        let (mut major, mut patch) = (0, 0);
        zmq_version(&mut major, std::ptr::null_mut(), &mut patch);
        assert_eq!((major, patch), (4, 4));
    }

    #[test]
    fn has_answers_only_for_what_ferrozmq_does() {
        assert_eq!(zmq_has(c"ipc".as_ptr()), 1);
        assert_eq!(zmq_has(c"curve".as_ptr()), 1);
        assert_eq!(zmq_has(c"gssapi".as_ptr()), 0);
        assert_eq!(zmq_has(c"draft".as_ptr()), 0);
    }
}
