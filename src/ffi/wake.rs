//! An eventfd that a socket's signal writes to: it is the ZMQ_FD handed to C, and the thing
//! the C ABI's blocking calls sleep on, in poll(2), so a signal handler interrupts them
//! with EINTR as it interrupts libzmq's.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::signal::Watcher;

/// A non-blocking eventfd: readable from a wake-up until drained.
///
/// Wake-ups come on every change of a socket whose ZMQ_FD was handed out, often once per
/// message; `signalled` makes all but the first since the last drain one atomic swap, as
/// libzmq writes its mailbox's fd only when the mailbox was found empty.
pub(crate) struct EventFd {
    fd: OwnedFd,
    /// Set by the wake-up that wrote to the fd; cleared by the drain that read it.
    signalled: AtomicBool,
}

/// How a sleep in poll(2) ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Woke {
    /// Something was ready (or the wait could not tell); look again.
    Ready,
    /// The deadline passed.
    TimedOut,
    /// A signal handler ran (EINTR).
    Interrupted,
}

impl EventFd {
    /// A fresh eventfd, not readable.
    pub(crate) fn new() -> Result<EventFd, i32> {
        // SAFETY: eventfd takes no pointers; the result is checked before use.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(last_os_errno());
        }
        // SAFETY: `fd` is a descriptor we just opened and own alone.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(EventFd {
            fd,
            signalled: AtomicBool::new(false),
        })
    }

    /// The descriptor C polls (ZMQ_FD).
    pub(crate) fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Resets the fd to not readable (reads the counter to zero). Look at the socket after
    /// this: a wake-up that raced the drain may have been absorbed by it, but its change
    /// is visible by then.
    pub(crate) fn drain(&self) {
        if !self.signalled.load(Ordering::SeqCst) {
            return;
        }
        let mut buf = 0u64;
        // SAFETY: reads 8 bytes into a live u64; the fd is non-blocking, so an empty counter
        // fails with EAGAIN.
        let n = unsafe { libc::read(self.raw(), (&raw mut buf).cast(), 8) };
        // EAGAIN: the waker has set the flag but not written yet; the fd turns readable
        // soon and the next drain reads it. Clearing the flag now would leave a readable fd
        // that no drain reads, and an event loop spinning on it.
        if n == 8 {
            // A swap, not a store: it reads the flag set by any waker since the read, so
            // that waker's change is visible to the look that follows.
            self.signalled.swap(false, Ordering::SeqCst);
        }
    }
}

impl Watcher for EventFd {
    fn wake(&self) {
        // A swap, not a load: even a waker that finds the flag set publishes its change
        // through it to the drain that clears it.
        if self.signalled.swap(true, Ordering::SeqCst) {
            return;
        }
        let one = 1u64;
        // SAFETY: writes 8 bytes from a live u64. A full counter (EAGAIN) is already readable.
        unsafe {
            libc::write(self.raw(), (&raw const one).cast(), 8);
        }
    }
}

/// The calling thread's errno after a failed libc call.
pub(crate) fn last_os_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// The poll(2) timeout for a wait until `deadline`: -1 for none, rounded up to whole
/// milliseconds so a wait never ends before its deadline.
fn poll_timeout(deadline: Option<Instant>) -> i32 {
    match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            let ms = left.as_micros().div_ceil(1000);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    }
}

/// Sleeps in poll(2) on `fds` until one is ready, `deadline` passes, or a signal arrives.
/// A deadline already passed still polls once, with a zero timeout, so the caller learns
/// the descriptors' state.
pub(crate) fn sleep_on(fds: &mut [libc::pollfd], deadline: Option<Instant>) -> Result<Woke, i32> {
    let timeout = poll_timeout(deadline);
    let _blocked = (timeout != 0).then(crate::signal::Blocked::new);
    // SAFETY: `fds` is a live, correctly sized array of pollfd for the duration of the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if n < 0 {
        let e = last_os_errno();
        return if e == libc::EINTR {
            Ok(Woke::Interrupted)
        } else {
            Err(e)
        };
    }
    if n == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
        return Ok(Woke::TimedOut);
    }
    Ok(Woke::Ready)
}

/// The deadline of a wait of `timeout` from now (`None` waits forever).
pub(crate) fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

/// A pollfd asking whether `fd` is readable.
pub(crate) fn readable(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Blocks every signal in the calling thread while `f` runs, then restores the mask.
/// Threads started inside inherit the full mask, so process signals (SIGINT, SIGALRM) go to
/// application threads and interrupt their blocking calls, as with libzmq's I/O threads.
pub(crate) fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigset_t is plain data; sigfillset initialises `all`, and pthread_sigmask
    // writes the old mask into `old` before we read it.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        let blocked = libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old) == 0;
        let r = f();
        if blocked {
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eventfd_is_readable_after_wake_until_drained() {
        let e = EventFd::new().unwrap();
        let mut fds = [readable(e.raw())];
        let soon = Some(Instant::now() + Duration::from_millis(10));
        assert_eq!(sleep_on(&mut fds, soon), Ok(Woke::TimedOut));
        e.wake();
        let later = Some(Instant::now() + Duration::from_secs(5));
        assert_eq!(sleep_on(&mut fds, later), Ok(Woke::Ready));
        e.drain();
        let soon = Some(Instant::now() + Duration::from_millis(10));
        assert_eq!(sleep_on(&mut fds, soon), Ok(Woke::TimedOut));
        e.wake();
        assert_eq!(sleep_on(&mut fds, later), Ok(Woke::Ready));
    }

    #[test]
    fn wake_ups_between_two_drains_write_the_fd_once() {
        let e = EventFd::new().unwrap();
        for _ in 0..3 {
            e.wake();
        }
        let mut count = 0u64;
        // SAFETY: reads 8 bytes into a live u64 from our own eventfd.
        let n = unsafe { libc::read(e.raw(), (&raw mut count).cast(), 8) };
        assert_eq!((n, count), (8, 1));
    }
}
