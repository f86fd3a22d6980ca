//! Signal: lets a socket's thread sleep until any of its pipes changes, with wake-ups that
//! cost one atomic load when nobody sleeps.
//!
//! This is an event count: a waiter announces itself, re-checks its queues, then sleeps only
//! if nothing changed since the announcement. Producers notify after every batch, but touch
//! the mutex only when a waiter is registered. Sleepers park their thread rather than wait on
//! a condition variable: a wake-up is then one futex call, and the notifier never contends
//! with the sleeper for a mutex the sleeper must take again on its way out.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::thread::Thread;
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
    /// A waiter has registered since the last wake-up. The first notifier to clear it does
    /// the waking; the others, until the waiter registers again, skip the lock and the
    /// system call. Without it a producer paid both on every message for as long as the
    /// woken consumer took to be scheduled.
    armed: AtomicBool,
    /// Watchers registered: every notification must reach them, armed or not.
    watchers: AtomicUsize,
    /// Some notification has happened, watched or not: a watcher that comes late (ZMQ_FD
    /// handed out after peers have connected or sent) starts readable, as libzmq's
    /// mailbox fd holds every command since the socket was made.
    notified: AtomicBool,
    lock: Mutex<Sleepers>,
}

#[derive(Default)]
struct Sleepers {
    /// Threads parked in [`Signal::wait`].
    threads: Vec<Thread>,
    /// Watchers to pass each notification on to: pollers waiting on several sockets, and
    /// the C ABI's eventfds.
    watchers: Vec<Arc<dyn Watcher>>,
    /// Tasks waiting in a future, each under the id its future holds; woken and dropped
    /// by the next notification (a future re-registers when polled again).
    wakers: Vec<(u64, Waker)>,
    /// The id the next registered future gets.
    next_waker: u64,
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
        // Stored once; every later notification only loads it.
        if !self.notified.load(Ordering::Relaxed) {
            self.notified.store(true, Ordering::SeqCst);
        }
        if self.waiters.load(Ordering::SeqCst) == 0 {
            return;
        }
        if self.watchers.load(Ordering::SeqCst) == 0
            && !(self.armed.load(Ordering::SeqCst) && self.armed.swap(false, Ordering::SeqCst))
        {
            // A notifier since the waiter registered has woken it already.
            return;
        }
        let mut sleepers = self.sleepers();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        // Lock order is always socket signal, then watcher: a watcher never takes a
        // socket's lock while holding its own.
        for w in &sleepers.watchers {
            w.wake();
        }
        if !sleepers.wakers.is_empty() {
            // Woken under the lock, which keeps the list's allocation for the next
            // registration: a waker only schedules its task, it never polls it here.
            let n = sleepers.wakers.len();
            sleepers.wakers.drain(..).for_each(|(_, w)| w.wake());
            self.waiters.fetch_sub(n, Ordering::SeqCst);
        }
        // Unparked after the lock is released: a woken thread takes the lock at once to
        // leave the list, and finding it still held costs it two more futex calls.
        match sleepers.threads.as_slice() {
            [] => {}
            [one] => {
                let one = one.clone();
                drop(sleepers);
                one.unpark();
            }
            many => {
                let many = many.to_vec();
                drop(sleepers);
                many.iter().for_each(Thread::unpark);
            }
        }
    }

    /// Whether the signal has ever been notified.
    pub fn was_notified(&self) -> bool {
        self.notified.load(Ordering::SeqCst)
    }

    /// Passes every later notification on to `watcher` until [`Signal::unwatch`].
    pub fn watch<W: Watcher + 'static>(&self, watcher: &Arc<W>) {
        let mut sleepers = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        sleepers.watchers.push(watcher.clone());
        // Counted as a waiter so notify takes the slow path that reaches watchers.
        self.watchers.fetch_add(1, Ordering::SeqCst);
        self.waiters.fetch_add(1, Ordering::SeqCst);
    }

    /// Stops passing notifications on to `watcher`.
    pub fn unwatch<W: Watcher + 'static>(&self, watcher: &Arc<W>) {
        let ptr = Arc::as_ptr(watcher).cast::<()>();
        let mut sleepers = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = sleepers.watchers.iter().position(|w| same_watcher(w, ptr)) {
            sleepers.watchers.swap_remove(i);
            self.waiters.fetch_sub(1, Ordering::SeqCst);
            self.watchers.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Announces a waiter. The caller must re-check its condition after this and then call
    /// `wait` or `cancel`.
    pub fn prepare(&self) -> WaitKey {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        // The key is read before arming: a notifier that disarms us afterwards bumps the
        // epoch past the key, so `wait` cannot miss it.
        let key = WaitKey(self.epoch.load(Ordering::SeqCst));
        self.armed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        key
    }

    /// Withdraws a waiter that found its condition already met.
    pub fn cancel(&self, _key: WaitKey) {
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }

    /// Has the next notification wake `waker`: a future's registration, kept under the id
    /// in `slot` (set on the first call; later calls replace the waker). The caller must
    /// re-check its condition after this, as after [`prepare`](Self::prepare), and call
    /// [`forget_waker`](Self::forget_waker) once it stops waiting. Returns the epoch the
    /// registration was made in, for `forget_waker`.
    pub fn register_waker(&self, slot: &mut Option<u64>, waker: &Waker) -> u64 {
        let mut sleepers = self.sleepers();
        // Read under the lock: a notification that drains the list bumps it first.
        let epoch = self.epoch.load(Ordering::SeqCst);
        let known = slot.and_then(|id| sleepers.wakers.iter_mut().find(|(i, _)| *i == id));
        match known {
            Some((_, w)) => {
                if !w.will_wake(waker) {
                    w.clone_from(waker);
                }
            }
            None => {
                let id = sleepers.next_waker;
                sleepers.next_waker += 1;
                sleepers.wakers.push((id, waker.clone()));
                *slot = Some(id);
                self.waiters.fetch_add(1, Ordering::SeqCst);
            }
        }
        drop(sleepers);
        // Armed after the waker is listed: a notifier that disarms us takes the lock and
        // finds it there.
        self.armed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        epoch
    }

    /// Withdraws a future's registration made in epoch `registered_at`, if no
    /// notification has taken it yet.
    pub fn forget_waker(&self, id: u64, registered_at: u64) {
        // Every notification that wakes anyone bumps the epoch and drains every waker
        // listed, under the lock: a moved epoch means ours is gone, and the woken task,
        // the usual caller, skips the lock.
        if self.epoch.load(Ordering::SeqCst) != registered_at {
            return;
        }
        let mut sleepers = self.sleepers();
        if let Some(i) = sleepers.wakers.iter().position(|(i, _)| *i == id) {
            sleepers.wakers.swap_remove(i);
            self.waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Sleeps until notified after `key` was taken, or until `deadline`. Returns false when
    /// the deadline passed first.
    pub fn wait(&self, key: WaitKey, deadline: Option<Instant>) -> bool {
        let _blocked = Blocked::new();
        let me = std::thread::current();
        let id = me.id();
        self.sleepers().threads.push(me);
        // A notify after the push unparks us; one before it moved the epoch past the key.
        let woken = loop {
            if self.epoch.load(Ordering::SeqCst) != key.0 {
                break true;
            }
            match deadline {
                None => std::thread::park(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break false;
                    }
                    std::thread::park_timeout(d - now);
                }
            }
        };
        let mut sleepers = self.sleepers();
        if let Some(i) = sleepers.threads.iter().position(|t| t.id() == id) {
            sleepers.threads.swap_remove(i);
        }
        drop(sleepers);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        woken
    }

    fn sleepers(&self) -> std::sync::MutexGuard<'_, Sleepers> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Threads of this process asleep in a blocking socket call (a receive, a send at the
/// high-water mark, a poll). The I/O threads busy-poll only while some thread waits on
/// them: then the CPU they spin on has nothing else to run, and the reply the waiter wants
/// is picked up at once instead of after an idle core's wake-up. While every socket thread
/// is busy, polling would take CPU from it.
static BLOCKED: AtomicUsize = AtomicUsize::new(0);

/// Whether some thread is asleep in a blocking socket call.
pub(crate) fn someone_blocked() -> bool {
    BLOCKED.load(Ordering::Relaxed) > 0
}

/// Counts its thread as blocked in a socket call while alive.
pub(crate) struct Blocked(());

impl Blocked {
    pub(crate) fn new() -> Blocked {
        BLOCKED.fetch_add(1, Ordering::Relaxed);
        Blocked(())
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        BLOCKED.fetch_sub(1, Ordering::Relaxed);
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
    fn every_registration_is_woken_by_the_next_notify_however_many_came_before() {
        let s = Signal::new();
        for _ in 0..3 {
            let key = s.prepare();
            s.cancel(key);
            s.notify();
            s.notify();
            let key = s.prepare();
            s.notify();
            assert!(s.wait(key, Some(Instant::now() + Duration::from_secs(5))));
        }
    }

    #[test]
    fn a_watcher_that_comes_late_can_tell_a_notification_came_before_it() {
        let s = Signal::new();
        assert!(!s.was_notified());
        s.notify();
        assert!(s.was_notified());
    }

    /// A waker that counts its wake-ups.
    struct Count(AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_registered_waker_is_woken_once_by_the_next_notify() {
        let s = Signal::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut slot = None;
        s.register_waker(&mut slot, &waker);
        s.register_waker(&mut slot, &waker);
        s.notify();
        s.notify();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(s.waiters.load(Ordering::SeqCst), 0);
        s.register_waker(&mut slot, &waker);
        s.notify();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_forgotten_waker_is_not_woken() {
        let s = Signal::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut slot = None;
        let at = s.register_waker(&mut slot, &Waker::from(count.clone()));
        s.forget_waker(slot.unwrap(), at);
        s.notify();
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        assert_eq!(s.waiters.load(Ordering::SeqCst), 0);
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
