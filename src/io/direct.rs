//! Direct writes: a socket's own thread writes a message straight to the connection's stream
//! when nothing is queued ahead of it, instead of handing it to the I/O thread.
//!
//! Handing over costs a wake-up of the I/O thread (an eventfd write and an epoll return)
//! before the first byte leaves; on a request-reply exchange that is on every hop's critical
//! path. For large messages it also leaves the kernel's copy of the body on the I/O thread,
//! which then does both directions' copies alone. A direct write does neither.
//!
//! Order on the wire is kept by one lock per connection: the I/O thread holds it while it
//! moves messages from the pipe into its engine and writes them, and a direct write happens
//! only if the pipe is empty, the engine has nothing half-written and no earlier direct write
//! left a tail. A tail that the kernel would not take (a full socket buffer) becomes the
//! `spill`, which the I/O thread writes before anything else.

use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use crate::message::Message;
use crate::transport::Stream;
use crate::zmtp::frame::{self, MAX_HEADER_LEN, MORE};
use crate::zmtp::outbuf::OutBuf;

/// Frames a direct write takes at most; longer messages go through the I/O thread.
const MAX_FRAMES: usize = 16;

/// The writing side of one connection, shared by its I/O thread and its socket.
#[derive(Default)]
pub(crate) struct Direct {
    state: Mutex<DirectState>,
    /// Small messages may be written directly too (not for a publisher: its messages go to
    /// many connections at a rate where the I/O threads' batching wins).
    small: AtomicBool,
    /// The spill is not empty; readable without the lock, so an I/O thread with nothing
    /// else to write need not take it (and wait for a direct write in progress).
    spilled: AtomicBool,
}

/// What the lock guards.
#[derive(Default)]
pub(crate) struct DirectState {
    /// The stream, while the connection is past its handshake and takes direct writes.
    pub stream: Option<Arc<Stream>>,
    /// What a direct write left unwritten; the I/O thread writes it before its own output.
    pub spill: OutBuf,
    /// The I/O thread's engine holds output not yet (or only partly) written.
    pub io_pending: bool,
    /// A direct write found the kernel's buffer full; until the I/O thread has written
    /// everything again, trying would only cost a system call per message.
    pub congested: bool,
}

/// The outcome of [`Direct::try_send`].
pub(crate) enum DirectSend {
    /// All of the message is in the kernel.
    Written,
    /// Part of it is; the rest waits in the spill for the I/O thread, which must be woken.
    Spilled,
    /// Nothing was written: queue the message as usual.
    Declined(Message),
}

impl Direct {
    /// A connection that takes no direct writes until [`DirectState::stream`] is set.
    pub fn new() -> Arc<Direct> {
        Arc::new(Direct::default())
    }

    /// Whether a direct write left a tail for the I/O thread to write.
    pub fn has_spill(&self) -> bool {
        self.spilled.load(Ordering::Acquire)
    }

    /// Records that the spill was written (call with the lock held).
    pub fn clear_spilled(&self) {
        self.spilled.store(false, Ordering::Release);
    }

    /// Whether small messages may be written directly, after an idle spell.
    pub fn takes_small(&self) -> bool {
        self.small.load(Ordering::Relaxed)
    }

    /// Sets whether small messages may be written directly.
    pub fn set_takes_small(&self, small: bool) {
        self.small.store(small, Ordering::Relaxed);
    }

    /// The I/O thread's access: it waits for a direct write in progress to finish.
    pub fn lock(&self) -> MutexGuard<'_, DirectState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes `msg` now if nothing is ahead of it. `queue_empty` says whether the socket's
    /// pipe to this connection is empty; it is asked under the lock, where the I/O thread
    /// cannot be taking from the pipe. The socket's thread never waits here: if the I/O
    /// thread holds the lock, the message is queued.
    pub fn try_send(&self, msg: Message, queue_empty: impl FnOnce() -> bool) -> DirectSend {
        let mut st = match self.state.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return DirectSend::Declined(msg),
        };
        let Some(stream) = st.stream.clone() else {
            return DirectSend::Declined(msg);
        };
        if st.io_pending
            || st.congested
            || !st.spill.is_empty()
            || msg.len() > MAX_FRAMES
            || !queue_empty()
        {
            return DirectSend::Declined(msg);
        }
        let frames = msg.frames();
        let last = frames.len().saturating_sub(1);
        let mut headers = [[0u8; MAX_HEADER_LEN]; MAX_FRAMES];
        let mut header_lens = [0usize; MAX_FRAMES];
        for (i, body) in frames.iter().enumerate() {
            let flags = if i < last { MORE } else { 0 };
            header_lens[i] = frame::write_header(&mut headers[i], flags, body.len());
        }
        let mut slices = [IoSlice::new(&[]); 2 * MAX_FRAMES];
        let mut n = 0;
        let mut total = 0;
        for (i, body) in frames.iter().enumerate() {
            slices[n] = IoSlice::new(&headers[i][..header_lens[i]]);
            slices[n + 1] = IoSlice::new(body);
            n += 2;
            total += header_lens[i] + body.len();
        }
        let written = loop {
            match stream.write_vectored(&slices[..n]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A full kernel buffer, or a failed stream that the I/O thread will notice:
                // either way the queue is the right place for the message.
                Err(_) | Ok(0) => {
                    st.congested = true;
                    return DirectSend::Declined(msg);
                }
                Ok(k) => break k,
            }
        };
        if written == total {
            return DirectSend::Written;
        }
        let mut skip = written;
        for (i, body) in frames.iter().enumerate() {
            let header = &headers[i][..header_lens[i]];
            if skip < header.len() {
                st.spill.put_slice(&header[skip..]);
                skip = 0;
            } else {
                skip -= header.len();
            }
            if skip < body.len() {
                st.spill.put_bytes(body.slice(skip..));
                skip = 0;
            } else {
                skip -= body.len();
            }
        }
        st.congested = true;
        self.spilled.store(true, Ordering::Release);
        DirectSend::Spilled
    }
}

impl DirectState {
    /// Writes the spill; returns whether it is all written. On `WouldBlock` it keeps what is
    /// left and returns false.
    pub fn write_spill(&mut self) -> io::Result<bool> {
        let Some(stream) = &self.stream else {
            return Ok(self.spill.is_empty());
        };
        while !self.spill.is_empty() {
            let mut slices = [IoSlice::new(&[]); 2 * MAX_FRAMES];
            let n = self.spill.io_slices(&mut slices);
            match stream.write_vectored(&slices[..n]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(k) => self.spill.advance(k),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The connection lost its stream: no more direct writes, and a tail that can no longer
    /// be written is dropped with the stream (it was in flight, like the kernel's buffer).
    pub fn detach(&mut self) {
        self.stream = None;
        self.spill = OutBuf::new();
        self.io_pending = false;
        self.congested = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    fn pair() -> (Arc<Direct>, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let direct = Direct::new();
        direct.lock().stream = Some(Arc::new(Stream::Ipc(a)));
        (direct, b)
    }

    fn read_exactly(peer: &mut UnixStream, n: usize) -> Vec<u8> {
        let mut got = vec![0u8; n];
        peer.read_exact(&mut got).unwrap();
        got
    }

    #[test]
    fn a_message_is_written_as_zmtp_frames_when_nothing_is_ahead() {
        let (direct, mut peer) = pair();
        let msg = Message::from(vec!["ab", "c"]);
        assert!(matches!(direct.try_send(msg, || true), DirectSend::Written));
        assert_eq!(read_exactly(&mut peer, 7), b"\x01\x02ab\x00\x01c");
    }

    #[test]
    fn a_message_waits_behind_queued_or_pending_output() {
        let (direct, _peer) = pair();
        assert!(matches!(
            direct.try_send(Message::from("x"), || false),
            DirectSend::Declined(_)
        ));
        direct.lock().io_pending = true;
        assert!(matches!(
            direct.try_send(Message::from("x"), || true),
            DirectSend::Declined(_)
        ));
        direct.lock().detach();
        assert!(matches!(
            direct.try_send(Message::from("x"), || true),
            DirectSend::Declined(_)
        ));
    }

    #[test]
    fn what_the_kernel_does_not_take_is_spilled_in_order_and_written_later() {
        let (direct, mut peer) = pair();
        let body: Bytes = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
        let msg = Message::from(vec![Bytes::from_static(b"id"), body.clone()]);
        assert!(matches!(direct.try_send(msg, || true), DirectSend::Spilled));
        // Nothing overtakes a spill.
        assert!(matches!(
            direct.try_send(Message::from("next"), || true),
            DirectSend::Declined(_)
        ));
        let reader = std::thread::spawn(move || read_exactly(&mut peer, 4 + 9 + body.len()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !direct.lock().write_spill().unwrap() {
            assert!(std::time::Instant::now() < deadline, "spill never drained");
            std::thread::yield_now();
        }
        let got = reader.join().unwrap();
        assert_eq!(&got[..4], b"\x01\x02id");
        assert_eq!(got[4], 0x02); // last frame, long size
        assert_eq!(
            u64::from_be_bytes(got[5..13].try_into().unwrap()),
            4_000_000
        );
        assert!(
            got[13..]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 251) as u8)
        );
    }
}
