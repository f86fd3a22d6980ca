//! ZMTP 3.x frames: `flags | size (1 or 8 bytes) | body` (RFC 23/37, section "Framing").

use bytes::Bytes;

use super::ProtocolError;
use super::outbuf::OutBuf;

/// "bit 0 (MORE): more frames follow" — set on every frame of a message but the last.
pub const MORE: u8 = 0x01;
/// "bit 1 (LONG): the size is 8 bytes, network order" — else it is 1 byte.
pub const LONG: u8 = 0x02;
/// "bit 2 (COMMAND): this frame is a command" — never part of a message.
pub const COMMAND: u8 = 0x04;
/// Bits 3-7 are reserved and must be zero.
const RESERVED: u8 = !(MORE | LONG | COMMAND);

/// The largest body a short (1-byte size) frame can carry.
pub const MAX_SHORT_BODY: usize = 255;
/// The longest frame header: flags and an 8-byte size.
pub const MAX_HEADER_LEN: usize = 9;
/// Bodies at least this large are queued by reference instead of copied into the out buffer:
/// below it a copy is cheaper than an extra iovec and a reference count.
pub const ZERO_COPY_MIN: usize = 8192;

/// A decoded frame header; the body follows it in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// MORE: another frame of the same message follows.
    pub more: bool,
    /// COMMAND: the body is a command, not message data.
    pub command: bool,
    /// Bytes taken by flags and size (2 or 9).
    pub header_len: usize,
    /// The announced body size, not yet checked against any limit.
    pub body_len: u64,
}

/// Appends the header of a frame with `flags` (MORE and/or COMMAND) and a body of `len` bytes,
/// choosing the short size form when the body fits in it.
pub fn encode_header(out: &mut OutBuf, flags: u8, len: usize) {
    let mut hdr = [0u8; MAX_HEADER_LEN];
    let n = write_header(&mut hdr, flags, len);
    out.put_slice(hdr.get(..n).unwrap_or_default());
}

/// Appends a whole frame; large bodies are queued without copying (see [`ZERO_COPY_MIN`]).
pub fn encode_frame(out: &mut OutBuf, flags: u8, body: &Bytes) {
    if body.len() >= ZERO_COPY_MIN {
        encode_header(out, flags, body.len());
        out.put_bytes(body.clone());
    } else {
        out.reserve(MAX_HEADER_LEN + body.len());
        encode_header(out, flags, body.len());
        out.put_slice(body);
    }
}

/// Writes the header of a frame with `flags` and a body of `len` bytes into `hdr`; returns
/// its length (2 or 9).
pub fn write_header(hdr: &mut [u8; MAX_HEADER_LEN], flags: u8, len: usize) -> usize {
    let flags = flags & (MORE | COMMAND);
    match u8::try_from(len) {
        Ok(short) => {
            hdr[0] = flags;
            hdr[1] = short;
            2
        }
        Err(_) => {
            hdr[0] = flags | LONG;
            // usize is at most 64 bits on every supported target.
            let long = u64::try_from(len).unwrap_or(u64::MAX);
            hdr[1..].copy_from_slice(&long.to_be_bytes());
            MAX_HEADER_LEN
        }
    }
}

/// Parses a frame header from the front of `buf`; `Ok(None)` means more bytes are needed.
///
/// Flags are checked as soon as the first byte is in, so a bad frame is refused before its
/// size is even read.
pub fn decode_header(buf: &[u8]) -> Result<Option<FrameHeader>, ProtocolError> {
    let Some((&flags, rest)) = buf.split_first() else {
        return Ok(None);
    };
    if flags & RESERVED != 0 {
        return Err(ProtocolError::InvalidFlags(flags));
    }
    let more = flags & MORE != 0;
    let command = flags & COMMAND != 0;
    // "A command frame ... has the MORE flag clear": commands are never multipart.
    if command && more {
        return Err(ProtocolError::CommandWithMore);
    }
    let (header_len, body_len) = if flags & LONG != 0 {
        match rest.first_chunk::<8>() {
            Some(size) => (MAX_HEADER_LEN, u64::from_be_bytes(*size)),
            None => return Ok(None),
        }
    } else {
        match rest.first() {
            Some(&size) => (2, u64::from(size)),
            None => return Ok(None),
        }
    };
    Ok(Some(FrameHeader {
        more,
        command,
        header_len,
        body_len,
    }))
}

/// Checks an announced body size against MAXMSGSIZE (`None` = unlimited) and this machine's
/// address space, before anything is allocated for it.
pub fn check_size(body_len: u64, max: Option<u64>) -> Result<usize, ProtocolError> {
    if let Some(max) = max
        && body_len > max
    {
        return Err(ProtocolError::MessageTooLarge {
            size: body_len,
            max,
        });
    }
    // No buffer can exceed isize::MAX bytes, so a larger body can never complete: refuse it
    // at once rather than hold the connection open (libzmq fails its allocation here). The
    // header's room keeps `header_len + body_len` from overflowing too.
    const LARGEST: u64 = isize::MAX as u64 - MAX_HEADER_LEN as u64;
    if body_len > LARGEST {
        return Err(ProtocolError::MessageTooLarge {
            size: body_len,
            max: LARGEST,
        });
    }
    usize::try_from(body_len).map_err(|_| ProtocolError::MessageTooLarge {
        size: body_len,
        max: LARGEST,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(flags: u8, body: &[u8]) -> Vec<u8> {
        let mut out = OutBuf::new();
        encode_frame(&mut out, flags, &Bytes::copy_from_slice(body));
        out.to_vec()
    }

    #[test]
    fn short_final_frame_hello_matches_vector() {
        let vector = [0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f];
        assert_eq!(encoded(0, b"hello"), vector);
        let hdr = decode_header(&vector).unwrap().unwrap();
        assert_eq!((hdr.more, hdr.command), (false, false));
        assert_eq!((hdr.header_len, hdr.body_len), (2, 5));
    }

    #[test]
    fn short_frame_hello_with_more_matches_vector() {
        let vector = [0x01, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f];
        assert_eq!(encoded(MORE, b"hello"), vector);
        let hdr = decode_header(&vector).unwrap().unwrap();
        assert!(hdr.more && !hdr.command);
        assert_eq!(hdr.body_len, 5);
    }

    #[test]
    fn long_header_for_300_byte_body_matches_vector() {
        let vector = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c];
        let mut out = OutBuf::new();
        encode_header(&mut out, 0, 300);
        assert_eq!(out.to_vec(), vector);
        let hdr = decode_header(&vector).unwrap().unwrap();
        assert_eq!((hdr.header_len, hdr.body_len), (9, 300));
    }

    #[test]
    fn body_of_255_is_short_and_256_is_long() {
        assert_eq!(encoded(0, &[0; 255])[..2], [0x00, 0xff]);
        assert_eq!(encoded(0, &[0; 256])[..9], [0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn long_form_for_small_body_is_accepted() {
        let hdr = decode_header(&[0x02, 0, 0, 0, 0, 0, 0, 0, 3])
            .unwrap()
            .unwrap();
        assert_eq!((hdr.header_len, hdr.body_len), (9, 3));
    }

    #[test]
    fn decoder_waits_for_rest_of_long_size() {
        let vector = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c];
        for n in 0..vector.len() {
            assert_eq!(decode_header(&vector[..n]), Ok(None), "{n} bytes");
        }
        assert_eq!(decode_header(&[0x00]), Ok(None));
    }

    #[test]
    fn reserved_flag_bits_are_rejected_from_the_first_byte() {
        assert_eq!(
            decode_header(&[0x08]),
            Err(ProtocolError::InvalidFlags(0x08))
        );
        assert_eq!(
            decode_header(&[0x80, 1]),
            Err(ProtocolError::InvalidFlags(0x80))
        );
    }

    #[test]
    fn command_with_more_is_rejected() {
        assert_eq!(decode_header(&[0x05]), Err(ProtocolError::CommandWithMore));
    }

    #[test]
    fn body_of_zero_copy_size_is_queued_by_reference() {
        let body = Bytes::from(vec![1u8; ZERO_COPY_MIN]);
        let mut out = OutBuf::new();
        encode_frame(&mut out, 0, &body);
        assert_eq!(out.chunk_count(), 2);
        assert_eq!(out.len(), 9 + ZERO_COPY_MIN);
        let mut out = OutBuf::new();
        encode_frame(&mut out, 0, &body.slice(1..));
        assert_eq!(out.chunk_count(), 1);
    }

    #[test]
    fn size_over_maximum_is_rejected() {
        assert_eq!(check_size(10, Some(10)), Ok(10));
        assert_eq!(
            check_size(11, Some(10)),
            Err(ProtocolError::MessageTooLarge { size: 11, max: 10 })
        );
        assert!(check_size(u64::MAX, None).is_err());
        assert_eq!(check_size(1 << 40, None), Ok(1 << 40));
    }
}
