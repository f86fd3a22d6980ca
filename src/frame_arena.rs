//! Small frames carved out of a per-thread chunk instead of one heap block each.
//!
//! A C program sends what `zmq_msg_init_size` or `zmq_send` gives it: a fresh frame per
//! message. As a heap block of its own, each frame is allocated by the caller's thread and
//! freed by the I/O thread after it is written, so the allocator's thread cache never gets
//! the block back and every allocation takes glibc's slow path (about 350 instructions per
//! 1-byte message, a fifth of the sender's work). Carved from a shared chunk, a frame costs
//! a reference count instead, and one allocation serves a chunk's worth of frames.
//!
//! The Rust API uses it only for inproc: a `Vec` the caller hands over is taken as it is
//! towards a connection (copied into the arena, a 1-byte message cost the pinned sender of
//! the users' bench 15% more: the chunk's reference count is two atomic operations per
//! frame), but a small one sent inproc, where the receiving thread would free what another
//! core allocated, is copied here (`Message::rehome_small_frames`): 2.9 M -> 6.1 M 1-byte
//! messages a second.
//!
//! A frame keeps its whole chunk alive, so only small frames come from here: a program that
//! holds on to one small message pins at most `CHUNK` bytes with it.

use std::cell::RefCell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use crossbeam_queue::SegQueue;

/// Frames up to this size come from the arena (libzmq keeps frames up to 33 bytes inside
/// the message itself; a few hundred bytes still gain from skipping the allocator).
pub(crate) const MAX_FRAME: usize = 256;

/// Bytes per chunk.
const CHUNK: usize = 16 * 1024;

thread_local! {
    static ARENA: RefCell<BytesMut> = RefCell::new(BytesMut::new());
    /// A chunk of zeros and how much of it is handed out, for frames C fills in place:
    /// slicing a frozen chunk costs a reference count, where splitting a `BytesMut` and
    /// zeroing the piece cost 200 instructions per frame.
    static ZEROS: RefCell<(Bytes, usize)> = const { RefCell::new((Bytes::new(), 0)) };
}

/// A copy of `src` as a frame: from the arena when small, else a heap block of its own.
pub(crate) fn copy(src: &[u8]) -> Bytes {
    if src.is_empty() {
        return Bytes::new();
    }
    if src.len() > MAX_FRAME {
        return Bytes::copy_from_slice(src);
    }
    ARENA.with(|arena| {
        let mut arena = arena.borrow_mut();
        if arena.capacity() - arena.len() < src.len() {
            // The old chunk stays alive as long as frames carved from it do.
            *arena = BytesMut::with_capacity(CHUNK);
        }
        arena.extend_from_slice(src);
        arena.split().freeze()
    })
}

/// A frame of `len` bytes for the caller to fill in place (zmq_msg_init_size): small ones
/// zeroed, from the arena; large ones a recycled buffer (see [`recycled`]) or a zeroed block
/// of their own. `None` when memory for a large one cannot be had.
pub(crate) fn for_filling(len: usize) -> Option<Bytes> {
    if len == 0 {
        return Some(Bytes::new());
    }
    if len <= MAX_FRAME {
        return Some(ZEROS.with(|z| {
            let (chunk, used) = &mut *z.borrow_mut();
            if chunk.len() - *used < len {
                *chunk = Bytes::from(vec![0u8; CHUNK]);
                *used = 0;
            }
            let frame = chunk.slice(*used..*used + len);
            *used += len;
            frame
        }));
    }
    if let Some(frame) = recycled(len) {
        return Some(frame);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, 0u8);
    Some(Bytes::from(v))
}

// Large frames for C: libzmq's zmq_msg_init_size hands out malloc's memory as it is, and
// its perf programs send it untouched. Zeroing 64 KiB per message cost more than the rest
// of an inproc send (a memset, and the page faults of memory the allocator had given back
// to the kernel when the receiver freed the last one). A buffer that carried an earlier
// message is initialised memory, so reusing it costs neither and needs no unsafe code; its
// stale bytes are what libzmq's "content undefined" allows (malloc's garbage is as stale).

/// The smallest buffer class, and how many classes (8 KiB to 1 MiB, powers of two).
const POOL_MIN: usize = 8 * 1024;
const POOL_CLASSES: usize = 8;
/// Bytes all classes together may keep idle. A sender at its high-water mark resumes when
/// half its queue has gone (libzmq's low-water mark): at the default HWM of 1000 that is
/// 500 buffers returned in one burst, 32 MiB of 64 KiB messages, which the pool must hold
/// for the next 500 sends to find them.
const POOL_BYTES: usize = 32 << 20;

static POOLS: LazyLock<[SegQueue<Vec<u8>>; POOL_CLASSES]> =
    LazyLock::new(|| std::array::from_fn(|_| SegQueue::new()));
/// Bytes of capacity the pools hold.
static POOLED: AtomicUsize = AtomicUsize::new(0);

/// The class whose buffers hold `len` bytes, if such frames are pooled.
fn class_of(len: usize) -> Option<usize> {
    if !(POOL_MIN..=POOL_MIN << (POOL_CLASSES - 1)).contains(&len) {
        return None;
    }
    Some((len.next_power_of_two() / POOL_MIN).trailing_zeros() as usize)
}

/// A pooled buffer lent to a frame; it goes back to its pool when the frame (and every
/// clone of it) is dropped, or to the allocator when the pool is full.
struct Lent {
    buf: Vec<u8>,
    len: usize,
    class: usize,
}

impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let cap = self.buf.capacity();
        if POOLED.fetch_add(cap, Ordering::Relaxed) + cap > POOL_BYTES {
            POOLED.fetch_sub(cap, Ordering::Relaxed);
            return;
        }
        POOLS[self.class].push(std::mem::take(&mut self.buf));
    }
}

/// A frame of `len` bytes over a pooled buffer, holding whatever an earlier frame left
/// there (or zeros, for a new buffer); `None` for sizes that are not pooled.
pub(crate) fn recycled(len: usize) -> Option<Bytes> {
    let class = class_of(len)?;
    let buf = match POOLS[class].pop() {
        Some(buf) => {
            POOLED.fetch_sub(buf.capacity(), Ordering::Relaxed);
            buf
        }
        None => vec![0u8; POOL_MIN << class],
    };
    Some(Bytes::from_owner(Lent { buf, len, class }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_copies_share_one_chunk_and_keep_their_own_bytes() {
        let a = copy(b"hello");
        let b = copy(b"world!");
        assert_eq!((&a[..], &b[..]), (&b"hello"[..], &b"world!"[..]));
        // Adjacent in one chunk.
        assert_eq!(a.as_ptr().wrapping_add(5), b.as_ptr());
    }

    #[test]
    fn a_full_chunk_is_replaced_and_its_frames_stay_intact() {
        let frames: Vec<Bytes> = (0..CHUNK / 100 + 10)
            .map(|i| copy(&[i as u8; 100]))
            .collect();
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(&f[..], &[i as u8; 100][..]);
        }
    }

    #[test]
    fn frames_to_fill_are_zeroed_when_small_or_new() {
        assert!(for_filling(7).unwrap().iter().all(|&b| b == 0));
        let mid = for_filling(MAX_FRAME + 1).unwrap();
        assert_eq!(mid.len(), MAX_FRAME + 1);
        assert!(mid.iter().all(|&b| b == 0));
        assert!(for_filling(0).unwrap().is_empty() && copy(b"").is_empty());
        // Above the largest class: a block of its own.
        let huge = POOL_MIN << POOL_CLASSES;
        assert_eq!(for_filling(huge).unwrap().len(), huge);
    }

    #[test]
    fn a_large_frame_buffer_is_reused_once_every_clone_is_dropped() {
        // A size no other test uses, so the class's pool is this test's.
        let len = (POOL_MIN << 6) + 3;
        let first = recycled(len).unwrap();
        let clone = first.clone();
        let addr = first.as_ptr();
        drop(first);
        let other = recycled(len).unwrap();
        assert_ne!(other.as_ptr(), addr, "still lent to the clone");
        drop(clone);
        let again = recycled(len).unwrap();
        assert_eq!((again.as_ptr(), again.len()), (addr, len));
        drop(other);
    }

    #[test]
    fn buffer_classes_cover_8_kib_to_1_mib_by_powers_of_two() {
        assert_eq!(class_of(POOL_MIN - 1), None);
        assert_eq!(class_of(POOL_MIN), Some(0));
        assert_eq!(class_of(POOL_MIN + 1), Some(1));
        assert_eq!(class_of(64 << 10), Some(3));
        assert_eq!(class_of(1 << 20), Some(7));
        assert_eq!(class_of((1 << 20) + 1), None);
    }

    #[test]
    fn frames_outlive_the_thread_that_carved_them() {
        let f = std::thread::spawn(|| copy(b"from another thread"))
            .join()
            .unwrap();
        assert_eq!(&f[..], b"from another thread");
    }
}
