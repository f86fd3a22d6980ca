//! zmq_timers_*: a set of repeating timers the caller drives with zmq_timers_timeout and
//! zmq_timers_execute (usually around zmq_poll).

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Registry;
use super::guard;

/// A timer's C callback.
pub type TimerFn = Option<unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void)>;

struct Timer {
    id: c_int,
    interval: Duration,
    due: Instant,
    handler: unsafe extern "C" fn(c_int, *mut c_void),
    arg: *mut c_void,
}

#[derive(Default)]
struct Timers {
    next_id: c_int,
    list: Vec<Timer>,
}

/// A timer set, as C holds it.
struct TimerSet(Mutex<Timers>);

// SAFETY: the raw `arg` pointers are only passed back to the caller's handlers, on whatever
// thread calls zmq_timers_execute, as libzmq does; the set itself is behind a mutex.
unsafe impl Send for TimerSet {}
// SAFETY: as above.
unsafe impl Sync for TimerSet {}

static TIMERS: Registry<TimerSet> = Registry::new();

fn with<R>(t: *mut c_void, f: impl FnOnce(&mut Timers) -> Result<R, c_int>) -> Result<R, c_int> {
    let set = TIMERS.get(t).ok_or(libc::EFAULT)?;
    let mut timers = set.0.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut timers)
}

fn find(t: &mut Timers, id: c_int) -> Result<&mut Timer, c_int> {
    t.list.iter_mut().find(|x| x.id == id).ok_or(libc::EINVAL)
}

/// A new, empty timer set.
#[unsafe(export_name = "ferrozmq_zmq_timers_new")]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        Ok(TIMERS.insert(Arc::new(TimerSet(Mutex::new(Timers::default())))))
    })
}

/// Frees a timer set and sets the caller's pointer to NULL.
#[unsafe(export_name = "ferrozmq_zmq_timers_destroy")]
pub extern "C" fn zmq_timers_destroy(tp: *mut *mut c_void) -> c_int {
    guard(-1, || {
        if tp.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: `tp` points to the caller's timer-set pointer.
        let t = unsafe { *tp };
        TIMERS.remove(t).ok_or(libc::EFAULT)?;
        // SAFETY: as above.
        unsafe { *tp = std::ptr::null_mut() };
        Ok(0)
    })
}

/// Adds a timer firing every `interval` ms; returns its id.
#[unsafe(export_name = "ferrozmq_zmq_timers_add")]
pub extern "C" fn zmq_timers_add(
    t: *mut c_void,
    interval: usize,
    handler: TimerFn,
    arg: *mut c_void,
) -> c_int {
    guard(-1, || {
        let handler = handler.ok_or(libc::EFAULT)?;
        with(t, |timers| {
            timers.next_id += 1;
            let interval = Duration::from_millis(interval as u64);
            let id = timers.next_id;
            timers.list.push(Timer {
                id,
                interval,
                due: Instant::now() + interval,
                handler,
                arg,
            });
            Ok(id)
        })
    })
}

/// Removes a timer; EINVAL if there is none with that id.
#[unsafe(export_name = "ferrozmq_zmq_timers_cancel")]
pub extern "C" fn zmq_timers_cancel(t: *mut c_void, id: c_int) -> c_int {
    guard(-1, || {
        with(t, |timers| {
            let i = timers
                .list
                .iter()
                .position(|x| x.id == id)
                .ok_or(libc::EINVAL)?;
            timers.list.remove(i);
            Ok(0)
        })
    })
}

/// Changes a timer's interval; it next fires `interval` ms from now.
#[unsafe(export_name = "ferrozmq_zmq_timers_set_interval")]
pub extern "C" fn zmq_timers_set_interval(t: *mut c_void, id: c_int, interval: usize) -> c_int {
    guard(-1, || {
        with(t, |timers| {
            let timer = find(timers, id)?;
            timer.interval = Duration::from_millis(interval as u64);
            timer.due = Instant::now() + timer.interval;
            Ok(0)
        })
    })
}

/// Restarts a timer's interval from now.
#[unsafe(export_name = "ferrozmq_zmq_timers_reset")]
pub extern "C" fn zmq_timers_reset(t: *mut c_void, id: c_int) -> c_int {
    guard(-1, || {
        with(t, |timers| {
            let timer = find(timers, id)?;
            timer.due = Instant::now() + timer.interval;
            Ok(0)
        })
    })
}

/// Milliseconds until the next timer is due (0 if one is overdue), -1 if there are none.
#[unsafe(export_name = "ferrozmq_zmq_timers_timeout")]
pub extern "C" fn zmq_timers_timeout(t: *mut c_void) -> c_long {
    guard(-1, || {
        with(t, |timers| {
            let now = Instant::now();
            Ok(timers.list.iter().map(|x| x.due).min().map_or(-1, |due| {
                let ms = due
                    .saturating_duration_since(now)
                    .as_micros()
                    .div_ceil(1000);
                c_long::try_from(ms).unwrap_or(c_long::MAX)
            }))
        })
    })
}

/// Runs the handlers of the timers that are due, and schedules their next run.
#[unsafe(export_name = "ferrozmq_zmq_timers_execute")]
pub extern "C" fn zmq_timers_execute(t: *mut c_void) -> c_int {
    guard(-1, || {
        let now = Instant::now();
        let due: Vec<c_int> = with(t, |timers| {
            let mut due = Vec::new();
            for x in timers.list.iter_mut().filter(|x| x.due <= now) {
                x.due = now + x.interval;
                due.push(x.id);
            }
            Ok(due)
        })?;
        for id in due {
            // Looked up again: an earlier handler may have cancelled this timer.
            let call = with(t, |timers| {
                Ok(find(timers, id).ok().map(|x| (x.handler, x.arg)))
            })?;
            if let Some((handler, arg)) = call {
                // SAFETY: the caller's handler, called with the argument it registered, with
                // no lock held so it may add or cancel timers.
                unsafe { handler(id, arg) };
            }
        }
        Ok(0)
    })
}
