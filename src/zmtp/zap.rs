//! ZAP (RFC 27): the request a server-side mechanism sends its handler at
//! `inproc://zeromq.zap.01`, and the handler's reply, as messages (pure).

use bytes::Bytes;

use super::ProtocolError;
use super::mechanism::properties;
use crate::message::Message;

/// Where the ZAP handler binds, in the same context as the sockets it serves.
pub const ENDPOINT: &str = "inproc://zeromq.zap.01";
/// [`ENDPOINT`]'s inproc name.
pub const INPROC_NAME: &str = "zeromq.zap.01";
/// The only ZAP version.
pub const VERSION: &[u8] = b"1.0";
/// libzmq numbers every connection's one request "1"; a reply must carry it back.
pub const REQUEST_ID: &[u8] = b"1";

/// libzmq's ZMQ_PROTOCOL_ERROR_ZAP_* codes for a reply it cannot use.
pub mod code {
    /// The envelope delimiter is not empty.
    pub const UNSPECIFIED: u32 = 0x2000_0000;
    /// Not seven frames.
    pub const MALFORMED_REPLY: u32 = 0x2000_0001;
    /// The request id is not ours.
    pub const BAD_REQUEST_ID: u32 = 0x2000_0002;
    /// The version is not "1.0".
    pub const BAD_VERSION: u32 = 0x2000_0003;
    /// The status is not 200, 300, 400 or 500.
    pub const INVALID_STATUS_CODE: u32 = 0x2000_0004;
    /// The metadata frame does not parse.
    pub const INVALID_METADATA: u32 = 0x2000_0005;
}

/// A request for the ZAP handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRequest {
    /// ZAP_DOMAIN of the server socket.
    pub domain: Bytes,
    /// The client's IP address, without its port (empty for ipc).
    pub address: Bytes,
    /// The server socket's routing id.
    pub identity: Bytes,
    /// "NULL", "PLAIN" or "CURVE".
    pub mechanism: &'static str,
    /// PLAIN: user name and password; CURVE: the client's long-term public key; NULL: none.
    pub credentials: Vec<Bytes>,
}

impl ZapRequest {
    /// The request as the handler reads it: an empty delimiter, then version, request id,
    /// domain, address, identity, mechanism and the credentials, one frame each.
    pub fn to_message(&self) -> Message {
        let mut frames = vec![
            Bytes::new(),
            Bytes::from_static(VERSION),
            Bytes::from_static(REQUEST_ID),
            self.domain.clone(),
            self.address.clone(),
            self.identity.clone(),
            Bytes::from_static(self.mechanism.as_bytes()),
        ];
        frames.extend(self.credentials.iter().cloned());
        Message::from(frames)
    }
}

/// A well-formed reply from the ZAP handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapReply {
    /// 200 (accepted), 300 (temporary failure), 400 (refused) or 500 (internal error).
    pub status: u16,
    /// The handler's user id for the peer (reaches messages as "User-Id").
    pub user_id: Bytes,
    /// Metadata the handler attaches to the connection.
    pub metadata: Vec<(String, Bytes)>,
}

impl ZapReply {
    /// Whether the handler let the peer in.
    pub fn accepted(&self) -> bool {
        self.status == 200
    }

    /// Checks a reply as libzmq does: seven frames (delimiter, version, request id, status
    /// code, status text, user id, metadata). A reply it cannot use is a
    /// [`ProtocolError::Zap`] with the ZMQ_PROTOCOL_ERROR_ZAP_* code libzmq reports.
    pub fn parse(msg: &Message) -> Result<ZapReply, ProtocolError> {
        let bad = |code| Err(ProtocolError::Zap(code));
        let frames = msg.frames();
        if frames.len() != 7 {
            return bad(code::MALFORMED_REPLY);
        }
        if !frames[0].is_empty() {
            return bad(code::UNSPECIFIED);
        }
        if frames[1][..] != *VERSION {
            return bad(code::BAD_VERSION);
        }
        if frames[2][..] != *REQUEST_ID {
            return bad(code::BAD_REQUEST_ID);
        }
        let status = match &frames[3][..] {
            [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
            _ => return bad(code::INVALID_STATUS_CODE),
        };
        let metadata = properties::decode(&frames[6])
            .map_err(|_| ProtocolError::Zap(code::INVALID_METADATA))?;
        Ok(ZapReply {
            status,
            user_id: frames[5].clone(),
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(frames: &[&'static [u8]]) -> Message {
        Message::from(
            frames
                .iter()
                .map(|f| Bytes::from_static(f))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn a_request_carries_libzmqs_frames_in_order() {
        let req = ZapRequest {
            domain: Bytes::from_static(b"global"),
            address: Bytes::from_static(b"127.0.0.1"),
            identity: Bytes::from_static(b"IDENT"),
            mechanism: "PLAIN",
            credentials: vec![Bytes::from_static(b"admin"), Bytes::from_static(b"secret")],
        };
        let msg = req.to_message();
        let frames: Vec<&[u8]> = msg.frames().iter().map(|f| &f[..]).collect();
        assert_eq!(
            frames,
            [
                &b""[..],
                b"1.0",
                b"1",
                b"global",
                b"127.0.0.1",
                b"IDENT",
                b"PLAIN",
                b"admin",
                b"secret"
            ]
        );
    }

    #[test]
    fn a_good_reply_gives_status_user_id_and_metadata() {
        let r = ZapReply::parse(&reply(&[
            b"",
            b"1.0",
            b"1",
            b"200",
            b"OK",
            b"anonymous",
            b"\x05Hello\x00\x00\x00\x05World",
        ]))
        .unwrap();
        assert!(r.accepted());
        assert_eq!(&r.user_id[..], b"anonymous");
        assert_eq!(
            r.metadata,
            vec![("Hello".into(), Bytes::from_static(b"World"))]
        );
        let r = ZapReply::parse(&reply(&[b"", b"1.0", b"1", b"400", b"", b"", b""])).unwrap();
        assert_eq!(r.status, 400);
        assert!(!r.accepted());
    }

    #[test]
    fn a_reply_libzmq_cannot_use_maps_to_its_protocol_code() {
        let cases: [(&[&'static [u8]], u32); 6] = [
            (
                &[b"", b"1.0", b"1", b"200", b"", b""],
                code::MALFORMED_REPLY,
            ),
            (
                &[b"x", b"1.0", b"1", b"200", b"", b"", b""],
                code::UNSPECIFIED,
            ),
            (
                &[b"", b"2.0", b"1", b"200", b"", b"", b""],
                code::BAD_VERSION,
            ),
            (
                &[b"", b"1.0", b"7", b"200", b"", b"", b""],
                code::BAD_REQUEST_ID,
            ),
            (
                &[b"", b"1.0", b"1", b"201", b"", b"", b""],
                code::INVALID_STATUS_CODE,
            ),
            (
                &[b"", b"1.0", b"1", b"200", b"", b"", b"\x09"],
                code::INVALID_METADATA,
            ),
        ];
        for (frames, expected) in cases {
            assert_eq!(
                ZapReply::parse(&reply(frames)),
                Err(ProtocolError::Zap(expected)),
                "{frames:?}"
            );
        }
    }
}
