//! The C ABI: libzmq 4.3's zmq.h, implemented on ferrozmq. The only module allowed `unsafe`.
//!
//! Every exported function runs its body through [`guard`], which turns an error into -1 (or
//! NULL) with the C `errno` set to libzmq's number, and a panic into the same with EFAULT,
//! so nothing unwinds into C. Handles given to C (contexts, sockets) are looked up in a
//! registry before use, so a closed, terminated or foreign pointer is an error, never a
//! dereference.
//!
//! The functions are safe `extern "C" fn`s taking raw pointers: the module is private, so
//! only C reaches them, under zmq.h's contract. They are compiled as `ferrozmq_zmq_*` and
//! renamed to `zmq_*` in the shared library only (build.rs): the Rust library is also
//! linked beside a static libzmq in the interop tests, where two `zmq_send`s would clash.

mod ctx;
mod errno;
mod getsockopt;
mod monitor;
mod msg;
mod options;
mod poll;
mod proxy;
mod recv;
mod send;
mod socket;
mod timers;
mod util;
mod wake;
mod z85;

use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

pub(crate) use errno::set_errno;

/// The errno a panic inside ferrozmq turns into: libzmq would have aborted; a binding sees
/// a failed call instead. EFAULT is what libzmq gives for a call it cannot make sense of.
const PANIC_ERRNO: i32 = libc::EFAULT;

/// Runs `f`, returning its value, or `fail` with errno set when it fails or panics.
pub(crate) fn guard<T>(fail: T, f: impl FnOnce() -> Result<T, i32>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_errno(e);
            fail
        }
        Err(_) => {
            set_errno(PANIC_ERRNO);
            fail
        }
    }
}

/// A C string argument as UTF-8: EFAULT for NULL, EINVAL for bytes that are not UTF-8.
fn c_str<'a>(p: *const libc::c_char) -> Result<&'a str, i32> {
    if p.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: C callers pass a NUL-terminated string that outlives the call (zmq.h's
    // contract for every `const char *` argument).
    let s = unsafe { std::ffi::CStr::from_ptr(p) };
    s.to_str().map_err(|_| libc::EINVAL)
}

// Registries of the handles C holds: a pointer is only ever turned back into an object by
// looking it up here, so a closed, terminated or foreign pointer is an error (ENOTSOCK,
// EFAULT), never a dereference.

/// Live handles of one kind, keyed by the address given to C.
pub(crate) struct Registry<T> {
    map: Mutex<Option<HashMap<usize, Arc<T>>>>,
}

impl<T> Registry<T> {
    pub(crate) const fn new() -> Registry<T> {
        Registry {
            map: Mutex::new(None),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<usize, Arc<T>>) -> R) -> R {
        let mut guard = self.map.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.get_or_insert_with(HashMap::new))
    }

    /// Registers `obj`; its address is the handle C gets.
    pub(crate) fn insert(&self, obj: Arc<T>) -> *mut c_void {
        let key = Arc::as_ptr(&obj) as usize;
        self.with(|m| m.insert(key, obj));
        key as *mut c_void
    }

    /// The object behind a handle C passed, if it is live.
    pub(crate) fn get(&self, handle: *const c_void) -> Option<Arc<T>> {
        self.with(|m| m.get(&(handle as usize)).cloned())
    }

    /// Forgets a handle; later lookups fail.
    pub(crate) fn remove(&self, handle: *const c_void) -> Option<Arc<T>> {
        self.with(|m| m.remove(&(handle as usize)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_panic_becomes_the_failure_value_with_efault() {
        let r: i32 = guard(-1, || panic!("a bug inside ferrozmq"));
        assert_eq!(r, -1);
        assert_eq!(errno::zmq_errno(), libc::EFAULT);
    }

    #[test]
    fn an_error_becomes_the_failure_value_with_its_errno() {
        let r: *const u8 = guard(std::ptr::null(), || Err(libc::EAGAIN));
        assert!(r.is_null());
        assert_eq!(errno::zmq_errno(), libc::EAGAIN);
    }

    #[test]
    fn a_removed_handle_is_no_longer_found() {
        let r: Registry<u32> = Registry::new();
        let h = r.insert(Arc::new(7));
        assert_eq!(r.get(h).as_deref(), Some(&7));
        assert!(r.remove(h).is_some());
        assert!(r.get(h).is_none());
        assert!(r.get(std::ptr::null()).is_none());
    }
}
