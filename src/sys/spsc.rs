//! A single-producer, single-consumer queue without a bound, for a pipe's direction: the
//! writer stores a message into a slot and publishes its count with one release store, the
//! reader takes it with one acquire load, and neither side takes a lock or a read-modify-
//! write per message (the segment queue it replaces took two each side). Slots come in
//! chunks (16, then 256), allocated on first use (an idle pipe holds none) and linked as the
//! queue grows; the reader hands each drained chunk back as a spare for the writer's next one, as
//! libzmq's yqueue does. The two handles are `Send` but not `Sync` and not `Clone`, which
//! is what makes "single" true.
//!
//! Safety rests on one invariant: a slot is written only by the producer, before it
//! publishes a count that covers it, and read (moved out) only by the consumer, after it
//! has acquired such a count; a chunk is linked before any slot in it is published, and
//! handed back only once the consumer has moved past its last slot, which the producer
//! left behind when it wrote the next chunk's first.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Slots in a queue's first chunk: most pipes carry a few messages at a time, and an idle
/// connection's memory is counted (tests/memory.rs).
const FIRST: usize = 16;
/// Slots in each later chunk: a burst queued by an I/O thread's read runs to thousands of
/// messages, and a chunk the consumer cannot hand back as the spare is freed on its thread
/// after being allocated on the producer's, glibc's slow path; fewer, larger chunks make
/// that rare.
const LATER: usize = 256;

struct Chunk<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    next: AtomicPtr<Chunk<T>>,
}

fn new_chunk<T>(slots: usize) -> *mut Chunk<T> {
    Box::into_raw(Box::new(Chunk {
        slots: (0..slots)
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect(),
        next: AtomicPtr::new(ptr::null_mut()),
    }))
}

/// One side's own position, with the count it publishes.
struct Side<T> {
    /// Items written (producer) or taken (consumer) since the queue was made.
    published: AtomicUsize,
    /// Only the owning handle touches this.
    own: UnsafeCell<Position<T>>,
}

struct Position<T> {
    count: usize,
    /// The chunk holding the last slot written / read (null before the first).
    chunk: *mut Chunk<T>,
    /// The next slot in `chunk`.
    index: usize,
    /// The consumer's last look at the producer's count.
    seen: usize,
}

/// The two sides are kept a cache line apart by padding rather than by alignment: an
/// over-aligned allocation costs glibc about 128 bytes more, 0.5 KiB per idle connection.
#[repr(C)]
struct Shared<T> {
    producer: Side<T>,
    _apart: [u8; 64],
    consumer: Side<T>,
    /// The first chunk, for a consumer that has read nothing yet.
    first: AtomicPtr<Chunk<T>>,
    /// A drained chunk kept for the producer's next one.
    spare: AtomicPtr<Chunk<T>>,
}

// SAFETY: the positions are touched only through the one Producer and the one Consumer
// (neither is Clone or Sync); slots pass from one to the other through the release/acquire
// of `published`, so sharing `Shared` across threads only ever moves T between them.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the raw chunk pointers are owned by the queue.
unsafe impl<T: Send> Send for Shared<T> {}

/// The writing end.
pub(crate) struct Producer<T> {
    both: Arc<[Shared<T>; 2]>,
    dir: usize,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// The reading end.
pub(crate) struct Consumer<T> {
    both: Arc<[Shared<T>; 2]>,
    dir: usize,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// Two new, empty queues in one allocation (a pipe's two directions: one allocation per
/// pipe keeps an idle connection small and its memory reusable).
pub(crate) fn channels<T>() -> [(Producer<T>, Consumer<T>); 2] {
    let side = || Side {
        published: AtomicUsize::new(0),
        own: UnsafeCell::new(Position {
            count: 0,
            chunk: ptr::null_mut(),
            index: 0,
            seen: 0,
        }),
    };
    let queue = || Shared {
        producer: side(),
        _apart: [0; 64],
        consumer: side(),
        first: AtomicPtr::new(ptr::null_mut()),
        spare: AtomicPtr::new(ptr::null_mut()),
    };
    let both = Arc::new([queue(), queue()]);
    [0, 1].map(|dir| {
        (
            Producer {
                both: both.clone(),
                dir,
                _not_sync: PhantomData,
            },
            Consumer {
                both: both.clone(),
                dir,
                _not_sync: PhantomData,
            },
        )
    })
}

/// One new, empty queue.
#[cfg(test)]
pub(crate) fn channel<T>() -> (Producer<T>, Consumer<T>) {
    let [one, _] = channels();
    one
}

impl<T> Producer<T> {
    fn shared(&self) -> &Shared<T> {
        &self.both[self.dir]
    }

    /// Appends `item` and makes it visible to the consumer, with what was written quietly
    /// before it.
    pub(crate) fn push(&self, item: T) {
        self.push_quiet(item);
        self.publish();
    }

    /// Makes everything written so far visible to the consumer: one release store for a
    /// whole batch of quiet writes.
    pub(crate) fn publish(&self) {
        let shared = self.shared();
        // SAFETY: only this Producer touches the producer's position.
        let written = unsafe { (*shared.producer.own.get()).count };
        shared.producer.published.store(written, Ordering::Release);
    }

    /// Appends `item` without making it visible yet (see [`Producer::publish`]).
    pub(crate) fn push_quiet(&self, item: T) {
        let shared = self.shared();
        // SAFETY: only this Producer touches the producer's position, and it is not Sync.
        let me = unsafe { &mut *shared.producer.own.get() };
        // SAFETY: a non-null chunk of ours is live (see below).
        if me.chunk.is_null() || me.index == unsafe { &*me.chunk }.slots.len() {
            let fresh = shared.spare.swap(ptr::null_mut(), Ordering::Acquire);
            let fresh = if fresh.is_null() {
                new_chunk(if me.chunk.is_null() { FIRST } else { LATER })
            } else {
                // SAFETY: the consumer gave this chunk up (Release swap) and holds no
                // pointer to it; we own it now.
                unsafe { (*fresh).next.store(ptr::null_mut(), Ordering::Relaxed) };
                fresh
            };
            if me.chunk.is_null() {
                shared.first.store(fresh, Ordering::Release);
            } else {
                // SAFETY: our current chunk is live: the consumer hands a chunk back only
                // after reading a slot of the next one, which we have not written yet.
                unsafe { (*me.chunk).next.store(fresh, Ordering::Release) };
            }
            me.chunk = fresh;
            me.index = 0;
        }
        // SAFETY: the slot is beyond every count published so far, so the consumer does
        // not read it until a later publish; it is uninitialised (new, or moved out).
        unsafe { (*(*me.chunk).slots[me.index].get()).write(item) };
        me.index += 1;
        me.count += 1;
    }

    /// Whether the consumer has taken everything written, quietly or not.
    pub(crate) fn is_empty(&self) -> bool {
        let shared = self.shared();
        // SAFETY: only this Producer touches the producer's position.
        let written = unsafe { (*shared.producer.own.get()).count };
        shared.consumer.published.load(Ordering::Acquire) == written
    }
}

impl<T> Consumer<T> {
    fn shared(&self) -> &Shared<T> {
        &self.both[self.dir]
    }

    /// Takes the oldest item, if one has been published.
    pub(crate) fn pop(&self) -> Option<T> {
        // SAFETY: only this Consumer touches the consumer's position, and it is not Sync.
        let me = unsafe { &mut *self.shared().consumer.own.get() };
        // SAFETY: as above.
        let item = unsafe { take(self.shared(), me, None)? };
        self.shared()
            .consumer
            .published
            .store(me.count, Ordering::Release);
        Some(item)
    }

    /// Whether nothing published is left to take.
    pub(crate) fn is_empty(&self) -> bool {
        // SAFETY: only this Consumer touches the consumer's position.
        let me = unsafe { &mut *self.shared().consumer.own.get() };
        if me.count != me.seen {
            return false;
        }
        me.seen = self.shared().producer.published.load(Ordering::Acquire);
        me.count == me.seen
    }
}

/// The consumer's step: moves the next published item out, following the chunk chain and
/// handing drained chunks back. `limit` replaces the producer's published count (in Drop,
/// where nothing races).
///
/// # Safety
/// `me` is the consumer's position of `shared`, and nothing else reads slots concurrently.
unsafe fn take<T>(shared: &Shared<T>, me: &mut Position<T>, limit: Option<usize>) -> Option<T> {
    if me.count == me.seen {
        me.seen = match limit {
            Some(n) => n,
            None => shared.producer.published.load(Ordering::Acquire),
        };
        if me.count == me.seen {
            return None;
        }
    }
    // SAFETY: a non-null chunk of ours is live (only we hand chunks back).
    if me.chunk.is_null() || me.index == unsafe { &*me.chunk }.slots.len() {
        let next = if me.chunk.is_null() {
            shared.first.load(Ordering::Acquire)
        } else {
            // SAFETY: our chunk is live (only we hand chunks back); its `next` was stored
            // before the count we acquired, which covers a slot in that next chunk.
            let next = unsafe { (*me.chunk).next.load(Ordering::Acquire) };
            let old = shared.spare.swap(me.chunk, Ordering::AcqRel);
            if !old.is_null() {
                // SAFETY: a spare is owned by the queue alone; the swap took it out.
                drop(unsafe { Box::from_raw(old) });
            }
            next
        };
        me.chunk = next;
        me.index = 0;
    }
    let slot = me.index;
    me.index += 1;
    me.count += 1;
    // SAFETY: the acquired count covers this slot, so the producer wrote it; it is read once.
    Some(unsafe { (*(*me.chunk).slots[slot].get()).assume_init_read() })
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let written = self.producer.own.get_mut().count;
        // SAFETY: both handles are gone (this is the last reference): nothing races, and
        // the position is reached through its UnsafeCell while `take` reads the rest.
        let me = unsafe { &mut *self.consumer.own.get() };
        // SAFETY: as above.
        while unsafe { take(self, me, Some(written)) }.is_some() {}
        let mut chunk = if me.chunk.is_null() {
            *self.first.get_mut()
        } else {
            me.chunk
        };
        while !chunk.is_null() {
            // SAFETY: every slot has been moved out; the chain is ours to free.
            let owned = unsafe { Box::from_raw(chunk) };
            chunk = owned.next.load(Ordering::Relaxed);
        }
        let spare = *self.spare.get_mut();
        if !spare.is_null() {
            // SAFETY: the spare is not in the chain (the producer unlinks it on reuse).
            drop(unsafe { Box::from_raw(spare) });
        }
    }
}

#[cfg(test)]
#[path = "spsc_tests.rs"]
mod tests;
