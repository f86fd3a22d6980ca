//! Run under Miri as well (`cargo +nightly miri test --lib sys::spsc`): these cover every
//! unsafe step of the queue: chunk links, spare reuse, moving out, and dropping leftovers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use super::*;

const MANY: usize = if cfg!(miri) { 300 } else { 100_000 };

#[test]
fn items_come_out_in_order_across_many_chunks() {
    let (tx, rx) = channel();
    for round in 0..3 {
        for i in 0..(FIRST + LATER * 2 + 5) {
            tx.push(round * 1000 + i);
        }
        assert!(!tx.is_empty());
        for i in 0..(FIRST + LATER * 2 + 5) {
            assert_eq!(rx.pop(), Some(round * 1000 + i));
        }
        assert_eq!(rx.pop(), None);
        assert!(rx.is_empty());
        assert!(
            tx.is_empty(),
            "the producer sees the consumer took everything"
        );
    }
}

#[test]
fn a_new_queue_is_empty_and_allocates_nothing() {
    let (tx, rx) = channel::<String>();
    assert!(tx.is_empty() && rx.is_empty());
    assert_eq!(rx.pop(), None);
    assert!(tx.shared().first.load(Ordering::Relaxed).is_null());
}

#[test]
fn a_producer_on_another_thread_hands_over_every_item_in_order() {
    let (tx, rx) = channel::<Box<usize>>();
    let writer = thread::spawn(move || {
        for i in 0..MANY {
            tx.push(Box::new(i));
        }
    });
    let mut next = 0;
    while next < MANY {
        match rx.pop() {
            Some(v) => {
                assert_eq!(*v, next);
                next += 1;
            }
            None => thread::yield_now(),
        }
    }
    writer.join().unwrap();
    assert!(rx.is_empty());
}

/// Counts drops, to prove items left in the queue are dropped exactly once.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn items_left_in_the_queue_are_dropped_with_it_once_each() {
    let drops = AtomicUsize::new(0);
    for (pushed, popped) in [
        (0, 0),
        (1, 0),
        (FIRST, FIRST),
        (FIRST + LATER + 3, FIRST + 1),
    ] {
        drops.store(0, Ordering::Relaxed);
        let (tx, rx) = channel();
        for _ in 0..pushed {
            tx.push(Counted(&drops));
        }
        for _ in 0..popped {
            drop(rx.pop());
        }
        assert_eq!(drops.load(Ordering::Relaxed), popped);
        drop(tx);
        drop(rx);
        assert_eq!(drops.load(Ordering::Relaxed), pushed, "{pushed} pushed");
    }
}

#[test]
fn what_the_producer_pushed_before_it_left_stays_readable() {
    let (tx, rx) = channel();
    for i in 0..(FIRST + 2) {
        tx.push(i.to_string());
    }
    drop(tx);
    let got: Vec<String> = std::iter::from_fn(|| rx.pop()).collect();
    assert_eq!(got.len(), FIRST + 2);
    assert_eq!(got[FIRST + 1], (FIRST + 1).to_string());
}

#[test]
fn quiet_writes_stay_unseen_until_published_and_are_dropped_if_never_published() {
    let (tx, rx) = channel();
    for i in 0..(FIRST + 3) {
        tx.push_quiet(i.to_string());
    }
    assert_eq!(rx.pop(), None, "nothing published yet");
    assert!(!tx.is_empty(), "written is not taken");
    tx.publish();
    assert_eq!(rx.pop().as_deref(), Some("0"));
    tx.push_quiet("late".to_string());
    drop(tx);
    assert_eq!(std::iter::from_fn(|| rx.pop()).count(), FIRST + 2);
    // "late" was never published: the queue drops it with itself (Miri checks the leak).
}
