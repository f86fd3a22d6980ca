//! zmq.h's helpers: atomic counters, the stopwatch, zmq_sleep and threads.

use std::ffi::{c_int, c_ulong, c_void};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use super::guard;

/// A new counter, starting at 0; NULL if it cannot be allocated.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_new")]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(AtomicI32::new(0))).cast())
    })
}

/// Borrows a counter made by zmq_atomic_counter_new.
fn counter<'a>(p: *mut c_void) -> Result<&'a AtomicI32, c_int> {
    if p.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: non-NULL counter pointers come from zmq_atomic_counter_new and live until
    // zmq_atomic_counter_destroy (the caller's contract).
    Ok(unsafe { &*p.cast::<AtomicI32>() })
}

/// Sets the counter.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_set")]
pub extern "C" fn zmq_atomic_counter_set(p: *mut c_void, value: c_int) {
    guard((), || {
        counter(p)?.store(value, Ordering::SeqCst);
        Ok(())
    })
}

/// Adds one; returns the value before.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_inc")]
pub extern "C" fn zmq_atomic_counter_inc(p: *mut c_void) -> c_int {
    guard(-1, || Ok(counter(p)?.fetch_add(1, Ordering::SeqCst)))
}

/// Subtracts one; returns 1 if the counter is still above zero, 0 if it reached zero.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_dec")]
pub extern "C" fn zmq_atomic_counter_dec(p: *mut c_void) -> c_int {
    guard(-1, || {
        let before = counter(p)?.fetch_sub(1, Ordering::SeqCst);
        Ok(c_int::from(before - 1 > 0))
    })
}

/// The current value.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_value")]
pub extern "C" fn zmq_atomic_counter_value(p: *mut c_void) -> c_int {
    guard(-1, || Ok(counter(p)?.load(Ordering::SeqCst)))
}

/// Frees the counter and sets the caller's pointer to NULL.
#[unsafe(export_name = "ferrozmq_zmq_atomic_counter_destroy")]
pub extern "C" fn zmq_atomic_counter_destroy(pp: *mut *mut c_void) {
    guard((), || {
        if pp.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: `pp` points to the caller's counter pointer, which came from
        // zmq_atomic_counter_new (or is NULL); it is cleared so it cannot be freed twice.
        unsafe {
            let p = *pp;
            if !p.is_null() {
                drop(Box::from_raw(p.cast::<AtomicI32>()));
            }
            *pp = std::ptr::null_mut();
        }
        Ok(())
    })
}

/// Starts a stopwatch.
#[unsafe(export_name = "ferrozmq_zmq_stopwatch_start")]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(Instant::now())).cast())
    })
}

fn micros(d: Duration) -> c_ulong {
    c_ulong::try_from(d.as_micros()).unwrap_or(c_ulong::MAX)
}

/// Microseconds since the stopwatch started.
#[unsafe(export_name = "ferrozmq_zmq_stopwatch_intermediate")]
pub extern "C" fn zmq_stopwatch_intermediate(w: *mut c_void) -> c_ulong {
    guard(0, || {
        if w.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: non-NULL stopwatches come from zmq_stopwatch_start and live until
        // zmq_stopwatch_stop.
        let start = unsafe { *w.cast::<Instant>() };
        Ok(micros(start.elapsed()))
    })
}

/// Microseconds since the stopwatch started; frees it.
#[unsafe(export_name = "ferrozmq_zmq_stopwatch_stop")]
pub extern "C" fn zmq_stopwatch_stop(w: *mut c_void) -> c_ulong {
    guard(0, || {
        if w.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: as in zmq_stopwatch_intermediate; the caller gives the watch up here.
        let start = unsafe { Box::from_raw(w.cast::<Instant>()) };
        Ok(micros(start.elapsed()))
    })
}

/// Sleeps for `seconds`.
#[unsafe(export_name = "ferrozmq_zmq_sleep")]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    guard((), || {
        let s = u64::try_from(seconds).unwrap_or(0);
        std::thread::sleep(Duration::from_secs(s));
        Ok(())
    })
}

/// A C thread function and its argument, moved to the new thread.
struct ThreadStart {
    func: unsafe extern "C" fn(*mut c_void),
    arg: *mut c_void,
}

// SAFETY: handing `arg` to another thread is what zmq_threadstart's caller asks for.
unsafe impl Send for ThreadStart {}

/// Starts a thread running `func(arg)`; zmq_threadclose joins and frees it.
#[unsafe(export_name = "ferrozmq_zmq_threadstart")]
pub extern "C" fn zmq_threadstart(
    func: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let func = func.ok_or(libc::EFAULT)?;
        let start = ThreadStart { func, arg };
        let handle = std::thread::Builder::new()
            .spawn(move || {
                let s = start;
                // SAFETY: the caller's thread function with the argument it gave.
                unsafe { (s.func)(s.arg) };
            })
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EAGAIN))?;
        Ok(Box::into_raw(Box::new(handle)).cast())
    })
}

/// Waits for a thread from zmq_threadstart to finish, and frees its handle.
#[unsafe(export_name = "ferrozmq_zmq_threadclose")]
pub extern "C" fn zmq_threadclose(t: *mut c_void) {
    guard((), || {
        if t.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: non-NULL thread handles come from zmq_threadstart; the caller gives the
        // handle up here.
        let handle = unsafe { Box::from_raw(t.cast::<std::thread::JoinHandle<()>>()) };
        let _ = handle.join();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_counter_inc_returns_the_old_value_and_dec_reports_nonzero() {
        let mut c = zmq_atomic_counter_new();
        assert_eq!(zmq_atomic_counter_inc(c), 0);
        assert_eq!(zmq_atomic_counter_inc(c), 1);
        assert_eq!(zmq_atomic_counter_dec(c), 1);
        assert_eq!(zmq_atomic_counter_dec(c), 0);
        zmq_atomic_counter_set(c, 5);
        assert_eq!(zmq_atomic_counter_value(c), 5);
        zmq_atomic_counter_destroy(&mut c);
        assert!(c.is_null());
    }
}
