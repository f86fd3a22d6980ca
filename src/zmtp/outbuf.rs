//! Outgoing bytes waiting to be written: small data copied into one tail, large bodies queued
//! by reference so a single `writev` sends both without copying the large ones.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// A queue of bytes to write, in order, as a list of chunks for a gather write.
///
/// Headers and small bodies are appended to a contiguous tail (many messages, one write);
/// [`put_bytes`](OutBuf::put_bytes) seals the tail and queues a body as its own chunk.
#[derive(Debug, Default)]
pub struct OutBuf {
    chunks: VecDeque<Bytes>,
    tail: BytesMut,
    len: usize,
}

impl OutBuf {
    /// An empty buffer.
    pub fn new() -> OutBuf {
        OutBuf::default()
    }

    /// The number of bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is waiting to be written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a copy of `data` to the contiguous tail.
    pub fn put_slice(&mut self, data: &[u8]) {
        self.tail.extend_from_slice(data);
        self.len += data.len();
    }

    /// Reserves room in the tail for `additional` more copied bytes.
    pub fn reserve(&mut self, additional: usize) {
        self.tail.reserve(additional);
    }

    /// Queues `data` as its own chunk without copying it.
    pub fn put_bytes(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        if !self.tail.is_empty() {
            // `split` keeps the tail's spare capacity for the bytes that follow `data`.
            self.chunks.push_back(self.tail.split().freeze());
        }
        self.len += data.len();
        self.chunks.push_back(data);
    }

    /// Fills `dst` with the first chunks in write order; returns how many slots it filled.
    pub fn io_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let tail = (!self.tail.is_empty()).then_some(&self.tail[..]);
        let sources = self.chunks.iter().map(|c| &c[..]).chain(tail);
        let mut n = 0;
        for (slot, chunk) in dst.iter_mut().zip(sources) {
            *slot = IoSlice::new(chunk);
            n += 1;
        }
        n
    }

    /// The number of chunks a full gather write would need.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len() + usize::from(!self.tail.is_empty())
    }

    /// Drops the first `n` bytes, which have been written (clamped to [`len`](OutBuf::len)).
    pub fn advance(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            match self.chunks.front_mut() {
                Some(chunk) if n >= chunk.len() => {
                    n -= chunk.len();
                    self.chunks.pop_front();
                }
                Some(chunk) => {
                    chunk.advance(n);
                    n = 0;
                }
                None => {
                    self.tail.advance(n);
                    n = 0;
                }
            }
        }
        if self.len == 0 {
            // Lets the next `reserve` reuse the tail's allocation from its start.
            self.tail.clear();
        }
    }

    /// A copy of every queued byte, in order (for tests, fuzzing and diagnostics).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len);
        for chunk in &self.chunks {
            v.extend_from_slice(chunk);
        }
        v.extend_from_slice(&self.tail);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather(out: &OutBuf) -> Vec<u8> {
        let mut slots = [IoSlice::new(&[]); 8];
        let n = out.io_slices(&mut slots);
        slots[..n].iter().flat_map(|s| s.iter().copied()).collect()
    }

    #[test]
    fn copied_slices_share_one_chunk() {
        let mut out = OutBuf::new();
        out.put_slice(b"ab");
        out.put_slice(b"cd");
        assert_eq!(out.len(), 4);
        assert_eq!(out.chunk_count(), 1);
        assert_eq!(gather(&out), b"abcd");
    }

    #[test]
    fn put_bytes_keeps_order_and_does_not_copy() {
        let body = Bytes::from(vec![7u8; 10_000]);
        let mut out = OutBuf::new();
        out.put_slice(b"hd");
        out.put_bytes(body.clone());
        out.put_slice(b"tl");
        assert_eq!(out.chunk_count(), 3);
        let mut slots = [IoSlice::new(&[]); 8];
        assert_eq!(out.io_slices(&mut slots), 3);
        assert_eq!(slots[1].as_ptr(), body.as_ptr());
        assert_eq!(&slots[0][..], b"hd");
        assert_eq!(&slots[2][..], b"tl");
        assert_eq!(out.to_vec().len(), 10_004);
    }

    #[test]
    fn io_slices_stops_at_destination_length() {
        let mut out = OutBuf::new();
        out.put_bytes(Bytes::from_static(b"a"));
        out.put_bytes(Bytes::from_static(b"b"));
        out.put_slice(b"c");
        let mut slots = [IoSlice::new(&[]); 2];
        assert_eq!(out.io_slices(&mut slots), 2);
        assert_eq!(out.io_slices(&mut []), 0);
    }

    #[test]
    fn advance_crosses_chunk_boundaries() {
        let mut out = OutBuf::new();
        out.put_slice(b"12");
        out.put_bytes(Bytes::from_static(b"345"));
        out.put_slice(b"67");
        out.advance(3);
        assert_eq!(out.len(), 4);
        assert_eq!(gather(&out), b"4567");
        out.advance(3);
        assert_eq!(gather(&out), b"7");
        out.advance(100);
        assert!(out.is_empty());
        assert_eq!(out.chunk_count(), 0);
        out.put_slice(b"x");
        assert_eq!(gather(&out), b"x");
    }

    #[test]
    fn empty_bytes_are_not_queued() {
        let mut out = OutBuf::new();
        out.put_bytes(Bytes::new());
        assert_eq!(out.chunk_count(), 0);
        assert!(out.is_empty());
    }
}
