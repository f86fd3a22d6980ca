//! One direction of a pipe, as its writer and its reader hold it: the lock-free
//! single-producer queue from `sys::spsc`, or, for a conflating direction (whose writer
//! empties what is queued before each message), crossbeam's segment queue, which any side
//! may pop.

use std::sync::Arc;

use crossbeam_queue::SegQueue;

use crate::sys::spsc::{self, Consumer, Producer};

/// The writing half.
pub(super) enum Tx<T> {
    Spsc(Producer<T>),
    Conflating(Arc<SegQueue<T>>),
}

/// The reading half.
pub(super) enum Rx<T> {
    Spsc(Consumer<T>),
    Conflating(Arc<SegQueue<T>>),
}

/// A pipe's two directions, indexed by the writing side.
pub(super) fn pair<T>(conflate: [bool; 2]) -> [(Tx<T>, Rx<T>); 2] {
    let fast = spsc::channels();
    let mut dir = 0;
    fast.map(|(tx, rx)| {
        let conflating = conflate[dir];
        dir += 1;
        if conflating {
            let q = Arc::new(SegQueue::new());
            (Tx::Conflating(q.clone()), Rx::Conflating(q))
        } else {
            (Tx::Spsc(tx), Rx::Spsc(rx))
        }
    })
}

impl<T> Tx<T> {
    pub(super) fn push(&self, item: T) {
        match self {
            Tx::Spsc(q) => q.push(item),
            Tx::Conflating(q) => q.push(item),
        }
    }

    /// Queues `item` without handing it over yet (see [`Tx::publish`]).
    pub(super) fn push_quiet(&self, item: T) {
        match self {
            Tx::Spsc(q) => q.push_quiet(item),
            Tx::Conflating(q) => q.push(item),
        }
    }

    /// Hands everything queued quietly over to the reader at once.
    pub(super) fn publish(&self) {
        if let Tx::Spsc(q) = self {
            q.publish();
        }
    }

    /// Whether the reader has taken everything.
    pub(super) fn is_empty(&self) -> bool {
        match self {
            Tx::Spsc(q) => q.is_empty(),
            Tx::Conflating(q) => q.is_empty(),
        }
    }

    /// Drops what is still queued (ZMQ_CONFLATE: the newest message replaces it).
    pub(super) fn clear(&self) {
        if let Tx::Conflating(q) = self {
            while q.pop().is_some() {}
        }
    }
}

impl<T> Rx<T> {
    pub(super) fn pop(&self) -> Option<T> {
        match self {
            Rx::Spsc(q) => q.pop(),
            Rx::Conflating(q) => q.pop(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            Rx::Spsc(q) => q.is_empty(),
            Rx::Conflating(q) => q.is_empty(),
        }
    }
}
