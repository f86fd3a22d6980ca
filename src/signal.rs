//! Signal: lets a socket's thread sleep until any of its pipes changes, with wake-ups that
//! cost one atomic load when nobody sleeps.
//!
//! This is an event count: a waiter announces itself, re-checks its queues, then sleeps only
//! if nothing changed since the announcement. Producers notify after every batch, but touch
//! the mutex only when a waiter is registered.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Something a signal passes its notifications on to: another signal (a poller waiting on
/// several sockets), or a file descriptor the C ABI hands out as ZMQ_FD.
pub(crate) trait Watcher: Send + Sync {
    /// Called after every notification of a watched signal. Must not block or take a
    /// socket's lock.
    fn wake(&self);
}

/// A wake-up point for one socket.
#[derive(Default)]
pub(crate) struct Signal {
    epoch: AtomicU64,
    waiters: AtomicUsize,
    /// Watchers to pass each notification on to.
    lock: Mutex<Vec<Arc<dyn Watcher>>>,
    cond: Condvar,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("epoch", &self.epoch)
            .field("waiters", &self.waiters)
            .finish_non_exhaustive()
    }
}

impl Watcher for Signal {
    fn wake(&self) {
        self.notify();
    }
}

/// Whether `w` is the watcher at `ptr` (compares addresses, not vtables, which may differ
/// between codegen units for the same type).
fn same_watcher(w: &Arc<dyn Watcher>, ptr: *const ()) -> bool {
    std::ptr::eq(Arc::as_ptr(w).cast::<()>(), ptr)
}

/// A registration returned by [`Signal::prepare`]; pass it to [`Signal::wait`] or
/// [`Signal::cancel`].
#[must_use]
pub(crate) struct WaitKey(u64);

impl Signal {
    /// A signal with no waiters.
    pub fn new() -> Signal {
        Signal::default()
    }

    /// Wakes every waiter if there is one. Call after making a change visible.
    pub fn notify(&self) {
        fence(Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) == 0 {
            return;
        }
        let watchers = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.cond.notify_all();
        // Lock order is always socket signal, then watcher: a watcher never takes a
        // socket's lock while holding its own.
        for w in watchers.iter() {
            w.wake();
        }
    }

    /// Passes every later notification on to `watcher` until [`Signal::unwatch`].
    pub fn watch<W: Watcher + 'static>(&self, watcher: &Arc<W>) {
        let mut watchers = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        watchers.push(watcher.clone());
        // Counted as a waiter so notify takes the slow path that reaches watchers.
        self.waiters.fetch_add(1, Ordering::SeqCst);
    }

    /// Stops passing notifications on to `watcher`.
    pub fn unwatch<W: Watcher + 'static>(&self, watcher: &Arc<W>) {
        let ptr = Arc::as_ptr(watcher).cast::<()>();
        let mut watchers = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = watchers.iter().position(|w| same_watcher(w, ptr)) {
            watchers.swap_remove(i);
            self.waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Announces a waiter. The caller must re-check its condition after this and then call
    /// `wait` or `cancel`.
    pub fn prepare(&self) -> WaitKey {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        WaitKey(self.epoch.load(Ordering::SeqCst))
    }

    /// Withdraws a waiter that found its condition already met.
    pub fn cancel(&self, _key: WaitKey) {
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }

    /// Sleeps until notified after `key` was taken, or until `deadline`. Returns false when
    /// the deadline passed first.
    pub fn wait(&self, key: WaitKey, deadline: Option<Instant>) -> bool {
        let mut guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let woken = loop {
            if self.epoch.load(Ordering::SeqCst) != key.0 {
                break true;
            }
            match deadline {
                None => guard = self.cond.wait(guard).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break false;
                    }
                    guard = self
                        .cond
                        .wait_timeout(guard, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        };
        drop(guard);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        woken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn wait_returns_false_at_deadline_without_notify() {
        let s = Signal::new();
        let key = s.prepare();
        let start = Instant::now();
        assert!(!s.wait(key, Some(start + Duration::from_millis(20))));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn notify_before_wait_is_not_lost() {
        let s = Signal::new();
        let key = s.prepare();
        s.notify();
        assert!(s.wait(key, Some(Instant::now() + Duration::from_secs(5))));
    }

    #[test]
    fn watcher_hears_notifications_until_unwatched() {
        let socket = Signal::new();
        let poller = Arc::new(Signal::new());
        socket.watch(&poller);
        let key = poller.prepare();
        socket.notify();
        assert!(poller.wait(key, Some(Instant::now() + Duration::from_secs(5))));
        socket.unwatch(&poller);
        let key = poller.prepare();
        socket.notify();
        assert!(!poller.wait(key, Some(Instant::now() + Duration::from_millis(10))));
    }

    #[test]
    fn notify_from_another_thread_wakes_waiter() {
        let s = Arc::new(Signal::new());
        let key = s.prepare();
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.notify());
        assert!(s.wait(key, Some(Instant::now() + Duration::from_secs(5))));
        t.join().unwrap();
    }
}
