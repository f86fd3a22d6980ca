//! The input side: a read buffer that the greeting and whole frames are split off without
//! copying, and that grows with what the peer actually sends, never with what it announces.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};

use super::ProtocolError;
use super::frame::{self, FrameHeader};
use super::greeting::{self, GREETING_LEN};

/// The floor of a large frame body's buffer growth (and its first read).
pub const READ_RESERVE: usize = 64 * 1024;

/// Frame bodies at least this large are read straight into a buffer of their own, which
/// becomes the message frame without another copy.
pub const LARGE_BODY: usize = 64 * 1024;

/// Where large bodies' buffers come from and go back to. The I/O layer provides one (a
/// pool shared by its connections); the decoder only asks and hands back.
pub trait BodyBuffers: Send + Sync + std::fmt::Debug {
    /// An empty buffer with room for `len` bytes, if one is free.
    fn take(&self, len: usize) -> Option<Vec<u8>>;
    /// Turns a filled buffer into a frame; its memory comes back once the frame and every
    /// slice of it are dropped.
    fn frame(&self, buf: Vec<u8>) -> Bytes;
}

/// Splits a peer's greeting and frames off its input stream.
#[derive(Debug)]
pub struct Decoder {
    input: BytesMut,
    /// Input already known to start with a whole frame, frozen once for the batch: frames
    /// are sliced off it with one reference-count increment each, where splitting them off
    /// the mutable buffer cost several times as much. Whatever partial frame it ends with
    /// moves back to `input` before more is read.
    frozen: Bytes,
    body: Option<PartialBody>,
    max_msg_size: Option<u64>,
    /// Where large bodies' buffers come from and go back to, if anywhere.
    pool: Option<Arc<dyn BodyBuffers>>,
}

/// A large frame whose header is decoded and whose body is still arriving.
#[derive(Debug)]
struct PartialBody {
    header: FrameHeader,
    buf: Vec<u8>,
    len: usize,
}

/// Where the next received bytes belong.
pub enum ReadTarget<'a> {
    /// The input buffer: append at its end.
    Input(&'a mut BytesMut),
    /// A large frame's body: append at most `missing` bytes; the spare capacity is what
    /// the body has earned so far (it grows with what arrives, never with what was
    /// announced).
    Body {
        /// The body so far.
        buf: &'a mut Vec<u8>,
        /// Bytes still to come.
        missing: usize,
    },
}

impl Decoder {
    /// An empty decoder refusing frame bodies over `max_msg_size` (`None` = unlimited).
    pub fn new(max_msg_size: Option<u64>) -> Decoder {
        Decoder {
            // Empty until bytes arrive: reads land in the I/O thread's scratch buffer first,
            // so an idle connection holds no input buffer.
            input: BytesMut::new(),
            frozen: Bytes::new(),
            body: None,
            max_msg_size,
            pool: None,
        }
    }

    /// Takes large bodies' buffers from `pool`, and gives them back once the messages
    /// holding them are dropped.
    pub fn set_pool(&mut self, pool: Arc<dyn BodyBuffers>) {
        self.pool = Some(pool);
    }

    /// Where the next read should put its bytes.
    pub fn target(&mut self) -> ReadTarget<'_> {
        if self.body.is_none() {
            self.thaw();
        }
        match &mut self.body {
            Some(b) => {
                let missing = b.len - b.buf.len();
                if b.buf.len() == b.buf.capacity() {
                    // Geometric growth paid for by bytes that arrived: at most four times
                    // what came, so a lying peer gains little and an honest one needs few
                    // reallocations and reads.
                    b.buf
                        .reserve_exact(missing.min((3 * b.buf.len()).max(READ_RESERVE)));
                }
                ReadTarget::Body {
                    buf: &mut b.buf,
                    missing,
                }
            }
            None => ReadTarget::Input(&mut self.input),
        }
    }

    /// Bytes received and not yet handed out as frames.
    pub fn buffered(&self) -> usize {
        self.frozen.len() + self.input.len() + self.body.as_ref().map_or(0, |b| b.buf.len())
    }

    /// Appends received bytes wherever they belong (tests, fuzzing and copies).
    pub fn push(&mut self, mut data: &[u8]) {
        self.thaw();
        if let Some(b) = &mut self.body {
            let take = data.len().min(b.len - b.buf.len());
            b.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        self.input.extend_from_slice(data);
    }

    /// The input buffer; received bytes are appended to it.
    pub fn buf(&mut self) -> &mut BytesMut {
        self.thaw();
        &mut self.input
    }

    /// Takes a chunk of received bytes that continues the stream (it begins with what the
    /// input held, which the caller moved into it). Frames are sliced off it directly.
    ///
    /// A chunk that starts with a whole frame becomes the frozen chunk, and its buffer goes
    /// back to the pool once its messages are dropped. One that does not (a large frame
    /// still arriving, a handshake) becomes the input as it is: kept out of the pool, so a
    /// peer that never completes a frame cannot fill the pool with its bytes.
    pub fn feed_chunk(&mut self, chunk: Vec<u8>) {
        debug_assert!(self.frozen.is_empty() && self.input.is_empty() && self.body.is_none());
        let whole = matches!(
            frame::decode_header(&chunk),
            Ok(Some(h)) if (h.header_len as u64).saturating_add(h.body_len) <= chunk.len() as u64
        );
        match &self.pool {
            Some(pool) if whole => self.frozen = pool.frame(chunk),
            _ => self.input = BytesMut::from(Bytes::from(chunk)),
        }
    }

    /// Moves what is left of the frozen chunk back in front of the input, so new bytes
    /// append after it. Only a partial frame is normally left, so the copy is small.
    fn thaw(&mut self) {
        if self.frozen.is_empty() {
            return;
        }
        let mut input = BytesMut::with_capacity(self.frozen.len() + self.input.len());
        input.extend_from_slice(&self.frozen);
        input.extend_from_slice(&self.input);
        self.input = input;
        self.frozen = Bytes::new();
    }

    /// Everything received and not yet handed out, as one piece: what a raw connection (a
    /// STREAM socket's) delivers per read.
    pub fn take_all(&mut self) -> Option<Bytes> {
        if self.input.is_empty() && !self.frozen.is_empty() {
            return Some(std::mem::take(&mut self.frozen));
        }
        self.thaw();
        (!self.input.is_empty()).then(|| self.input.split().freeze())
    }

    /// Drops all input and its memory (the connection is over).
    pub fn clear(&mut self) {
        self.input = BytesMut::new();
        self.frozen = Bytes::new();
        self.body = None;
    }

    /// How many bytes of the peer's greeting have arrived (at most 64), refusing a
    /// non-ZMTP-3 peer at the first wrong byte.
    pub fn greeting_received(&mut self) -> Result<usize, ProtocolError> {
        self.thaw();
        let head = self.input.get(..GREETING_LEN).unwrap_or(&self.input);
        greeting::check_partial(head)?;
        Ok(head.len())
    }

    /// Takes the peer's 64-byte greeting once it is all in, refusing a non-ZMTP-3 peer at
    /// the first wrong byte.
    pub fn take_greeting(&mut self) -> Result<Option<[u8; GREETING_LEN]>, ProtocolError> {
        let head = self.input.get(..GREETING_LEN).unwrap_or(&self.input);
        greeting::check_partial(head)?;
        let Ok(raw) = <[u8; GREETING_LEN]>::try_from(head) else {
            return Ok(None);
        };
        self.input.advance(GREETING_LEN);
        Ok(Some(raw))
    }

    /// Splits the next whole frame off the input; `Ok(None)` means more bytes are needed.
    ///
    /// `accept` sees the header before the body has arrived, so a frame that is wrong in its
    /// context is refused as early as one that is too large.
    pub fn next_frame(
        &mut self,
        accept: impl FnOnce(&FrameHeader) -> Result<(), ProtocolError>,
    ) -> Result<Option<(FrameHeader, Bytes)>, ProtocolError> {
        if let Some(b) = &self.body {
            if b.buf.len() < b.len {
                return Ok(None);
            }
            let Some(b) = self.body.take() else {
                return Ok(None);
            };
            let body = match &self.pool {
                Some(pool) => pool.frame(b.buf),
                None => Bytes::from(b.buf),
            };
            return Ok(Some((b.header, body)));
        }
        if !self.frozen.is_empty() {
            if let Some(header) = frame::decode_header(&self.frozen)?
                && (header.header_len as u64).saturating_add(header.body_len)
                    <= self.frozen.len() as u64
            {
                accept(&header)?;
                let body_len = frame::check_size(header.body_len, self.max_msg_size)?;
                return Ok(Some((
                    header,
                    self.slice_frozen(header.header_len, body_len),
                )));
            }
            self.thaw();
        }
        let Some(header) = frame::decode_header(&self.input)? else {
            return Ok(None);
        };
        accept(&header)?;
        let body_len = frame::check_size(header.body_len, self.max_msg_size)?;
        // check_size leaves room for the header, so this cannot overflow.
        let frame_len = header.header_len + body_len;
        if self.input.len() < frame_len {
            if body_len >= LARGE_BODY {
                // Everything buffered after the header belongs to this body.
                self.input.advance(header.header_len);
                let have = self.input.len();
                // A recycled buffer costs nothing new, so it may be as large as announced;
                // a fresh one grows with what arrives.
                let mut buf = self
                    .pool
                    .as_ref()
                    .and_then(|p| p.take(body_len))
                    .unwrap_or_else(|| {
                        Vec::with_capacity(body_len.min((4 * have).max(READ_RESERVE)))
                    });
                buf.extend_from_slice(&self.input);
                self.input.clear();
                self.body = Some(PartialBody {
                    header,
                    buf,
                    len: body_len,
                });
                return Ok(None);
            }
            return Ok(None);
        }
        // A whole frame: freeze all the input at once, the frames after this one too.
        self.frozen = self.input.split().freeze();
        Ok(Some((
            header,
            self.slice_frozen(header.header_len, body_len),
        )))
    }

    /// Takes the frame at the front of the frozen chunk: its body, without a copy.
    fn slice_frozen(&mut self, header_len: usize, body_len: usize) -> Bytes {
        let body = if body_len == 0 {
            Bytes::new()
        } else {
            self.frozen.slice(header_len..header_len + body_len)
        };
        self.frozen.advance(header_len + body_len);
        if self.frozen.is_empty() {
            // Let go of the buffer: once the messages are dropped too, the input can
            // reuse it instead of allocating another.
            self.frozen = Bytes::new();
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2^62 bytes: possible in principle, so the decoder waits for it.
    const HUGE_HEADER: [u8; 9] = [0x02, 0x40, 0, 0, 0, 0, 0, 0, 0];

    fn accept_all(_: &FrameHeader) -> Result<(), ProtocolError> {
        Ok(())
    }

    #[test]
    fn frames_are_sliced_from_the_input_without_copying() {
        let mut d = Decoder::new(None);
        d.buf().extend_from_slice(b"\x01\x05hello\x00\x00\x00\x01");
        let start = d.buf().as_ptr();
        let (hdr, body) = d.next_frame(accept_all).unwrap().unwrap();
        assert!(hdr.more);
        assert_eq!(
            (&body[..], body.as_ptr()),
            (&b"hello"[..], start.wrapping_add(2))
        );
        let (hdr, body) = d.next_frame(accept_all).unwrap().unwrap();
        assert!(!hdr.more && body.is_empty());
        assert_eq!(d.next_frame(accept_all), Ok(None));
    }

    #[test]
    fn header_is_refused_by_accept_before_its_body_arrives() {
        let mut d = Decoder::new(None);
        d.buf().extend_from_slice(b"\x00\x05he");
        let res = d.next_frame(|_| Err(ProtocolError::UnexpectedMessage));
        assert_eq!(res, Err(ProtocolError::UnexpectedMessage));
    }

    #[test]
    fn frame_over_maximum_is_refused_from_its_header() {
        let mut d = Decoder::new(Some(4));
        d.buf().extend_from_slice(b"\x00\x05");
        let err = ProtocolError::MessageTooLarge { size: 5, max: 4 };
        assert_eq!(d.next_frame(accept_all), Err(err));
    }

    #[test]
    fn frame_larger_than_any_buffer_is_refused_from_its_header() {
        let mut d = Decoder::new(None);
        d.buf()
            .extend_from_slice(&[0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            d.next_frame(accept_all),
            Err(ProtocolError::MessageTooLarge { size, .. }) if size == 1 << 63
        ));
    }

    /// The body buffer's length and capacity, read the way the I/O layer sees it.
    fn body_size(d: &mut Decoder) -> (usize, usize) {
        match d.target() {
            ReadTarget::Body { buf, .. } => (buf.len(), buf.capacity()),
            ReadTarget::Input(_) => panic!("expected a body in progress"),
        }
    }

    #[test]
    fn huge_announced_frame_grows_buffer_only_with_received_bytes() {
        let mut d = Decoder::new(None);
        d.push(&HUGE_HEADER);
        assert_eq!(d.next_frame(accept_all), Ok(None));
        assert!(body_size(&mut d).1 <= 2 * READ_RESERVE);
        for _ in 0..64 {
            d.push(&[0; 16 * 1024]);
            assert_eq!(d.next_frame(accept_all), Ok(None));
            let (buffered, capacity) = body_size(&mut d);
            assert!(
                capacity <= 4 * buffered + 2 * READ_RESERVE,
                "{capacity} {buffered}"
            );
        }
    }

    #[test]
    fn large_body_arrives_in_its_own_buffer_and_becomes_the_frame() {
        let mut d = Decoder::new(None);
        let mut stream = vec![0x02, 0, 0, 0, 0, 0, 1, 0, 0]; // 65,536-byte body
        stream.extend((0..65_536u32).map(|i| i as u8));
        stream.extend_from_slice(b"\x00\x02hi");
        d.push(&stream[..1000]);
        assert_eq!(d.next_frame(accept_all), Ok(None));
        let ReadTarget::Body { buf, missing } = d.target() else {
            panic!("the body should have its own buffer")
        };
        assert_eq!(missing, 65_536 + 9 - 1000);
        buf.extend_from_slice(&stream[1000..9 + 65_536]);
        d.push(&stream[9 + 65_536..]);
        let (_, body) = d.next_frame(accept_all).unwrap().unwrap();
        assert_eq!(&body[..], &stream[9..9 + 65_536]);
        let (_, hi) = d.next_frame(accept_all).unwrap().unwrap();
        assert_eq!(&hi[..], b"hi");
    }

    /// Hands out one prepared buffer, then none; frames are not recycled.
    #[derive(Debug)]
    struct OneBuffer(std::sync::Mutex<Option<Vec<u8>>>);

    impl BodyBuffers for OneBuffer {
        fn take(&self, len: usize) -> Option<Vec<u8>> {
            let mut slot = self.0.lock().unwrap();
            slot.take_if(|b| b.capacity() >= len)
        }

        fn frame(&self, buf: Vec<u8>) -> Bytes {
            Bytes::from(buf)
        }
    }

    #[test]
    fn a_large_body_goes_into_a_buffer_the_pool_provides_without_growing_it() {
        let spare = Vec::with_capacity(65_536);
        let spare_ptr = spare.as_ptr();
        let mut d = Decoder::new(None);
        d.set_pool(Arc::new(OneBuffer(std::sync::Mutex::new(Some(spare)))));
        let mut stream = vec![0x02, 0, 0, 0, 0, 0, 1, 0, 0]; // 65,536-byte body
        stream.extend((0..65_536u32).map(|i| i as u8));
        d.push(&stream[..100]);
        assert_eq!(d.next_frame(accept_all), Ok(None));
        let ReadTarget::Body { buf, missing } = d.target() else {
            panic!("the body should have its own buffer")
        };
        // The provided buffer has room for the whole body: no growth, no copy.
        assert_eq!(buf.capacity() - buf.len(), missing);
        buf.extend_from_slice(&stream[100..]);
        let (_, body) = d.next_frame(accept_all).unwrap().unwrap();
        assert_eq!((body.as_ptr(), &body[..]), (spare_ptr, &stream[9..]));
    }

    #[test]
    fn frame_too_large_for_the_address_space_is_refused() {
        let mut d = Decoder::new(None);
        d.buf()
            .extend_from_slice(&[0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            d.next_frame(accept_all),
            Err(ProtocolError::MessageTooLarge { .. })
        ));
    }

    #[test]
    fn greeting_is_taken_only_when_complete() {
        let g = greeting::encode("NULL", false);
        let mut d = Decoder::new(None);
        d.buf().extend_from_slice(&g[..63]);
        assert_eq!(d.take_greeting(), Ok(None));
        d.buf().extend_from_slice(&g[63..]);
        d.buf().extend_from_slice(b"\x00\x00");
        assert_eq!(d.take_greeting(), Ok(Some(g)));
        assert_eq!(&d.buf()[..], b"\x00\x00");
    }

    #[test]
    fn bad_greeting_is_refused_at_the_first_wrong_byte() {
        let mut d = Decoder::new(None);
        d.buf().extend_from_slice(b"\xff\x00");
        assert_eq!(d.take_greeting(), Ok(None));
        d.buf()
            .extend_from_slice(b"\x00\x00\x00\x00\x00\x00\x01\x00");
        assert_eq!(d.take_greeting(), Err(ProtocolError::BadSignature));
    }
}
