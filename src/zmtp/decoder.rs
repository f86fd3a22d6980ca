//! The input side: a read buffer that the greeting and whole frames are split off without
//! copying, and that grows with what the peer actually sends, never with what it announces.

use bytes::{Buf, Bytes, BytesMut};

use super::ProtocolError;
use super::frame::{self, FrameHeader};
use super::greeting::{self, GREETING_LEN};

/// Spare input capacity kept for the next read, and the floor of input buffer growth.
pub const READ_RESERVE: usize = 64 * 1024;

/// Splits a peer's greeting and frames off its input stream.
#[derive(Debug)]
pub struct Decoder {
    input: BytesMut,
    max_msg_size: Option<u64>,
}

impl Decoder {
    /// An empty decoder refusing frame bodies over `max_msg_size` (`None` = unlimited).
    pub fn new(max_msg_size: Option<u64>) -> Decoder {
        Decoder {
            input: BytesMut::with_capacity(READ_RESERVE),
            max_msg_size,
        }
    }

    /// The input buffer; received bytes are appended to it.
    pub fn buf(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    /// Drops all input and its memory (the connection is over).
    pub fn clear(&mut self) {
        self.input = BytesMut::new();
    }

    /// Takes the peer's 64-byte greeting once it is all in, refusing a non-ZMTP-3 peer at
    /// the first wrong byte.
    pub fn take_greeting(&mut self) -> Result<Option<[u8; GREETING_LEN]>, ProtocolError> {
        let head = self.input.get(..GREETING_LEN).unwrap_or(&self.input);
        greeting::check_partial(head)?;
        let Ok(raw) = <[u8; GREETING_LEN]>::try_from(head) else {
            self.reserve(GREETING_LEN - self.input.len());
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
        let Some(header) = frame::decode_header(&self.input)? else {
            self.reserve(frame::MAX_HEADER_LEN.saturating_sub(self.input.len()));
            return Ok(None);
        };
        accept(&header)?;
        let body_len = frame::check_size(header.body_len, self.max_msg_size)?;
        // check_size leaves room for the header, so this cannot overflow.
        let frame_len = header.header_len + body_len;
        if self.input.len() < frame_len {
            self.reserve(frame_len - self.input.len());
            return Ok(None);
        }
        self.input.advance(header.header_len);
        let body = if body_len == 0 {
            Bytes::new()
        } else {
            self.input.split_to(body_len).freeze()
        };
        Ok(Some((header, body)))
    }

    /// Ensures room for the next read: at least [`READ_RESERVE`] and, while a large frame is
    /// still `missing` bytes, as much as is already buffered, so capacity grows geometrically
    /// with what arrived (the buffer itself doubles; asking for more would compound it).
    fn reserve(&mut self, missing: usize) {
        if self.input.capacity() - self.input.len() < READ_RESERVE {
            self.input
                .reserve(READ_RESERVE.max(missing.min(self.input.len())));
        }
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
        assert!(d.buf().capacity() - d.buf().len() >= READ_RESERVE);
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

    #[test]
    fn huge_announced_frame_grows_buffer_only_with_received_bytes() {
        let mut d = Decoder::new(None);
        d.buf().extend_from_slice(&HUGE_HEADER);
        assert_eq!(d.next_frame(accept_all), Ok(None));
        assert!(d.buf().capacity() <= 2 * READ_RESERVE);
        for _ in 0..64 {
            d.buf().extend_from_slice(&[0; 16 * 1024]);
            assert_eq!(d.next_frame(accept_all), Ok(None));
            let buffered = d.buf().len();
            assert!(d.buf().capacity() <= 2 * buffered + 2 * READ_RESERVE);
            assert!(d.buf().capacity() - buffered >= READ_RESERVE);
        }
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
