//! A lock whose release is a plain store: one locked instruction per use instead of the
//! two of `std::sync::Mutex` (whose unlock swaps, to learn of sleepers to wake).
//!
//! For state that one thread uses at a time almost always: a C socket, which libzmq
//! forbids using from two threads at once, but which ferrozmq must keep memory-safe when a
//! program does, and which zmq_close or zmq_ctx_term may reach from another thread. A
//! waiter spins briefly, then yields, then sleeps in short naps and looks again: with no
//! sleepers to wake, the holder's release needs no read-modify-write. The price is a
//! waiter's latency of up to one nap, paid only where libzmq's rules are already bent or
//! a socket is being torn down.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a waiter sleeps between looks once spinning and yielding have not helped.
const NAP: Duration = Duration::from_micros(100);

/// Mutual exclusion over a `T`; see the module's notes.
#[doc(hidden)]
pub struct Lock<T> {
    held: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and `held` admits one guard at a
// time (acquired with Acquire, released with Release, so each holder sees the previous
// holder's writes). That is what makes `&Lock<T>` shareable when `T` may move between
// threads, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for Lock<T> {}

/// Exclusive access to a [`Lock`]'s value until dropped.
#[doc(hidden)]
pub struct LockGuard<'a, T> {
    lock: &'a Lock<T>,
}

impl<T> Lock<T> {
    pub(crate) const fn new(value: T) -> Lock<T> {
        Lock {
            held: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits for the value and holds it until the guard is dropped.
    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        if self
            .held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        LockGuard { lock: self }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut looks = 0u32;
        loop {
            if !self.held.load(Ordering::Relaxed)
                && self
                    .held
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            looks += 1;
            if looks < 64 {
                std::hint::spin_loop();
            } else if looks < 128 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(NAP);
            }
        }
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock (see `Lock`'s Sync note), so no other reference
        // to the value exists while it lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the guard's only borrow.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.held.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_guard_gives_the_value_and_the_next_lock_sees_its_writes() {
        let lock = Lock::new(vec![1]);
        lock.lock().push(2);
        assert_eq!(*lock.lock(), vec![1, 2]);
    }

    #[test]
    fn threads_taking_turns_never_lose_an_update() {
        let lock = Arc::new(Lock::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || {
                    for _ in 0..if cfg!(miri) { 50 } else { 20_000 } {
                        *lock.lock() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.lock(), if cfg!(miri) { 200 } else { 80_000 });
    }

    #[test]
    fn a_waiter_gets_the_lock_once_a_long_holder_lets_go() {
        let lock = Arc::new(Lock::new(0u32));
        let guard = lock.lock();
        let waiter = std::thread::spawn({
            let lock = lock.clone();
            move || *lock.lock() + 1
        });
        std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
        drop(guard);
        assert_eq!(waiter.join().unwrap(), 1);
    }
}
