//! Small frames carved out of a per-thread chunk instead of one heap block each.
//!
//! A C program sends what `zmq_msg_init_size` or `zmq_send` gives it: a fresh frame per
//! message. As a heap block of its own, each frame is allocated by the caller's thread and
//! freed by the I/O thread after it is written, so the allocator's thread cache never gets
//! the block back and every allocation takes glibc's slow path (about 350 instructions per
//! 1-byte message, a fifth of the sender's work). Carved from a shared chunk, a frame costs
//! a reference count instead, and one allocation serves a chunk's worth of frames.
//!
//! The Rust API does not use it: a `Vec` the caller hands over is taken as it is. Copied
//! into the arena, a 1-byte message cost the pinned sender of the users' bench 15% more
//! (the chunk's reference count is two atomic operations per frame), though inproc, where
//! the receiving thread frees what another core allocated, moved 40% more.
//!
//! A frame keeps its whole chunk alive, so only small frames come from here: a program that
//! holds on to one small message pins at most `CHUNK` bytes with it.

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};

/// Frames up to this size come from the arena (libzmq keeps frames up to 33 bytes inside
/// the message itself; a few hundred bytes still gain from skipping the allocator).
pub(crate) const MAX_FRAME: usize = 256;

/// Bytes per chunk.
const CHUNK: usize = 16 * 1024;

thread_local! {
    static ARENA: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// A frame of `len` bytes (at most [`MAX_FRAME`]) filled by `fill`.
fn carve(len: usize, fill: impl FnOnce(&mut BytesMut)) -> Bytes {
    debug_assert!(len <= MAX_FRAME);
    ARENA.with(|arena| {
        let mut arena = arena.borrow_mut();
        if arena.capacity() - arena.len() < len {
            // The old chunk stays alive as long as frames carved from it do.
            *arena = BytesMut::with_capacity(CHUNK);
        }
        fill(&mut arena);
        arena.split().freeze()
    })
}

/// A copy of `src` as a frame: from the arena when small, else a heap block of its own.
pub(crate) fn copy(src: &[u8]) -> Bytes {
    if src.is_empty() {
        Bytes::new()
    } else if src.len() <= MAX_FRAME {
        carve(src.len(), |a| a.extend_from_slice(src))
    } else {
        Bytes::copy_from_slice(src)
    }
}

/// A zeroed frame of `len` bytes, for the caller to fill in place (zmq_msg_init_size); `None`
/// when memory for a large one cannot be had.
pub(crate) fn zeroed(len: usize) -> Option<Bytes> {
    if len == 0 {
        return Some(Bytes::new());
    }
    if len <= MAX_FRAME {
        return Some(carve(len, |a| a.resize(a.len() + len, 0)));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, 0u8);
    Some(Bytes::from(v))
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
    fn zeroed_frames_are_zero_and_large_ones_are_their_own_block() {
        assert!(zeroed(7).unwrap().iter().all(|&b| b == 0));
        let big = zeroed(MAX_FRAME + 1).unwrap();
        assert_eq!(big.len(), MAX_FRAME + 1);
        assert!(big.iter().all(|&b| b == 0));
        assert!(zeroed(0).unwrap().is_empty() && copy(b"").is_empty());
    }

    #[test]
    fn frames_outlive_the_thread_that_carved_them() {
        let f = std::thread::spawn(|| copy(b"from another thread"))
            .join()
            .unwrap();
        assert_eq!(&f[..], b"from another thread");
    }
}
