//! Recycled buffers for large frame bodies.
//!
//! A large body is read straight into a buffer of its own, which becomes the message frame.
//! Allocating that buffer afresh for every message costs a page fault per 4 KiB on first
//! touch, plus a copy each time the buffer grows; a pool hands back the buffer of a message
//! the application has dropped, its pages still mapped. The pool is bounded in buffers and
//! bytes, so what it keeps idle stays small next to what is in flight.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use crossbeam_queue::ArrayQueue;

use crate::zmtp::decoder::{BodyBuffers, LARGE_BODY};

/// Buffers the pool keeps at most.
const SLOTS: usize = 16;
/// Bytes of capacity the pool keeps at most.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Free large-body buffers, shared by an I/O thread and the messages it decoded.
#[derive(Debug)]
pub struct BodyPool {
    free: ArrayQueue<Vec<u8>>,
    /// Capacity held by `free`, in bytes.
    held: AtomicUsize,
    /// The pool itself, for the frames it lends to hand their buffers back to.
    me: Weak<BodyPool>,
}

impl BodyPool {
    /// An empty pool.
    pub fn new() -> Arc<BodyPool> {
        Arc::new_cyclic(|me| BodyPool {
            free: ArrayQueue::new(SLOTS),
            held: AtomicUsize::new(0),
            me: me.clone(),
        })
    }

    /// An empty buffer with room for `len` bytes, if the pool has one. A buffer too small
    /// for the request is released rather than kept: the sizes in use have moved on.
    pub fn take(&self, len: usize) -> Option<Vec<u8>> {
        for _ in 0..2 {
            let buf = self.free.pop()?;
            self.held.fetch_sub(buf.capacity(), Ordering::Relaxed);
            if buf.capacity() >= len {
                return Some(buf);
            }
        }
        None
    }

    /// Keeps `buf` for a later body if it is large and the pool has room; drops it otherwise.
    pub fn give(&self, mut buf: Vec<u8>) {
        let cap = buf.capacity();
        if cap < LARGE_BODY || self.held.load(Ordering::Relaxed) + cap > MAX_BYTES {
            return;
        }
        buf.clear();
        self.held.fetch_add(cap, Ordering::Relaxed);
        if self.free.push(buf).is_err() {
            self.held.fetch_sub(cap, Ordering::Relaxed);
        }
    }

    /// Bytes of capacity kept idle.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Wraps a finished body so its buffer comes back here once the last reference drops.
    pub fn frame(&self, buf: Vec<u8>) -> bytes::Bytes {
        match self.me.upgrade() {
            Some(pool) => bytes::Bytes::from_owner(Recycled { buf, pool }),
            None => bytes::Bytes::from(buf),
        }
    }
}

impl BodyBuffers for BodyPool {
    fn take(&self, len: usize) -> Option<Vec<u8>> {
        BodyPool::take(self, len)
    }

    fn frame(&self, buf: Vec<u8>) -> bytes::Bytes {
        BodyPool::frame(self, buf)
    }
}

/// A body buffer on loan to messages.
struct Recycled {
    buf: Vec<u8>,
    pool: Arc<BodyPool>,
}

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_frame_returns_its_buffer_for_the_next_body() {
        let pool = BodyPool::new();
        let buf = vec![7u8; 100_000];
        let ptr = buf.as_ptr();
        let frame = pool.frame(buf);
        assert_eq!((frame.len(), frame[99_999]), (100_000, 7));
        assert!(pool.take(1).is_none());
        let slice = frame.slice(10..20);
        drop(frame);
        assert!(pool.take(1).is_none(), "a slice still holds the buffer");
        drop(slice);
        let again = pool.take(100_000).unwrap();
        assert_eq!((again.as_ptr(), again.len()), (ptr, 0));
        assert_eq!(pool.held(), 0);
    }

    #[test]
    fn small_buffers_and_buffers_beyond_the_byte_bound_are_not_kept() {
        let pool = BodyPool::new();
        pool.give(Vec::with_capacity(LARGE_BODY - 1));
        assert_eq!(pool.held(), 0);
        for _ in 0..SLOTS + 4 {
            pool.give(Vec::with_capacity(4 * 1024 * 1024));
        }
        assert!(pool.held() <= MAX_BYTES);
        assert_eq!(pool.held(), MAX_BYTES);
    }

    #[test]
    fn a_buffer_too_small_for_the_request_is_released_not_returned() {
        let pool = BodyPool::new();
        pool.give(Vec::with_capacity(LARGE_BODY));
        assert!(pool.take(LARGE_BODY + 1).is_none());
        assert_eq!(pool.held(), 0);
    }
}
