//! ZMTP commands: a COMMAND frame whose body is `name length | name | data` (RFC 37).

use bytes::Bytes;

use super::ProtocolError;
use super::frame::{self, COMMAND};
use super::mechanism::properties::{self, encodable};
use super::outbuf::OutBuf;

const READY: &[u8] = b"READY";
const ERROR: &[u8] = b"ERROR";
const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
const CANCEL: &[u8] = b"CANCEL";
const PING: &[u8] = b"PING";
const PONG: &[u8] = b"PONG";

/// "The context ... MAY be up to 16 bytes" (RFC 37, PING).
pub const MAX_PING_CONTEXT: usize = 16;
/// The 3.0 subscription message's first byte for a subscription.
pub const SUBSCRIBE_BYTE: u8 = 1;
/// The 3.0 subscription message's first byte for a cancellation.
pub const CANCEL_BYTE: u8 = 0;

/// A ZMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// READY: the sender's metadata properties, in wire order (names as sent).
    Ready(Vec<(String, Bytes)>),
    /// ERROR: why the sender is closing the connection.
    Error(String),
    /// SUBSCRIBE (3.1): a topic prefix.
    Subscribe(Bytes),
    /// CANCEL (3.1): a topic prefix.
    Cancel(Bytes),
    /// PING (3.1): the sender's TTL in tenths of a second (0 = none) and a context to echo.
    Ping {
        /// How long the receiver should wait for traffic before giving up, in 100 ms units.
        ttl: u16,
        /// Echoed back in the PONG (at most 16 bytes).
        context: Bytes,
    },
    /// PONG (3.1): the context of the PING it answers.
    Pong(Bytes),
    /// Any other command.
    Unknown {
        /// The command name (lossily decoded).
        name: String,
        /// Everything after the name.
        data: Bytes,
    },
}

impl Command {
    /// The command's wire name.
    pub fn name(&self) -> &str {
        match self {
            Command::Ready(_) => "READY",
            Command::Error(_) => "ERROR",
            Command::Subscribe(_) => "SUBSCRIBE",
            Command::Cancel(_) => "CANCEL",
            Command::Ping { .. } => "PING",
            Command::Pong(_) => "PONG",
            Command::Unknown { name, .. } => name,
        }
    }

    /// Appends the whole command frame (flags 0x04, size, body).
    ///
    /// Fields the wire cannot carry are cut to fit: names and ERROR reasons to 255 bytes,
    /// PING contexts to 16; READY properties with an unencodable name or value are skipped.
    pub fn encode(&self, out: &mut OutBuf) {
        let name = self.name().as_bytes();
        let name = name.get(..usize::from(u8::MAX)).unwrap_or(name);
        let body_len = 1 + name.len() + self.data_len();
        frame::encode_header(out, COMMAND, body_len);
        out.put_slice(&[len_u8(name)]);
        out.put_slice(name);
        match self {
            Command::Ready(props) => {
                for (key, value) in props.iter().filter(|(k, v)| encodable(k, v)) {
                    out.put_slice(&[len_u8(key.as_bytes())]);
                    out.put_slice(key.as_bytes());
                    out.put_slice(&u32::try_from(value.len()).unwrap_or(0).to_be_bytes());
                    out.put_slice(value);
                }
            }
            Command::Error(reason) => {
                let reason = cut(reason.as_bytes(), usize::from(u8::MAX));
                out.put_slice(&[len_u8(reason)]);
                out.put_slice(reason);
            }
            Command::Ping { ttl, context } => {
                out.put_slice(&ttl.to_be_bytes());
                out.put_slice(cut(context, MAX_PING_CONTEXT));
            }
            Command::Subscribe(data)
            | Command::Cancel(data)
            | Command::Pong(data)
            | Command::Unknown { data, .. } => out.put_slice(data),
        }
    }

    /// The encoded command frame as one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = OutBuf::new();
        self.encode(&mut out);
        Bytes::from(out.to_vec())
    }

    fn data_len(&self) -> usize {
        match self {
            Command::Ready(props) => props
                .iter()
                .filter(|(k, v)| encodable(k, v))
                .map(|(k, v)| 1 + k.len() + 4 + v.len())
                .sum(),
            Command::Error(reason) => 1 + reason.len().min(usize::from(u8::MAX)),
            Command::Ping { context, .. } => 2 + context.len().min(MAX_PING_CONTEXT),
            Command::Subscribe(data)
            | Command::Cancel(data)
            | Command::Pong(data)
            | Command::Unknown { data, .. } => data.len(),
        }
    }

    /// Parses a command frame's body; its data fields are slices of `body`, not copies.
    pub fn decode(body: Bytes) -> Result<Command, ProtocolError> {
        let Some(&name_len) = body.first() else {
            return Err(ProtocolError::MalformedCommand("empty command"));
        };
        let name_end = 1 + usize::from(name_len);
        let name = body
            .get(1..name_end)
            .ok_or(ProtocolError::MalformedCommand("truncated command name"))?;
        let data = body.slice(name_end..);
        Ok(match name {
            READY => Command::Ready(properties::decode(&data)?),
            ERROR => Command::Error(decode_error(&data)?),
            SUBSCRIBE => Command::Subscribe(data),
            CANCEL => Command::Cancel(data),
            PING => {
                let ttl = data
                    .first_chunk::<2>()
                    .ok_or(ProtocolError::MalformedCommand("ping without ttl"))?;
                // libzmq keeps the first 16 context bytes of a longer one rather than failing.
                let end = data.len().min(2 + MAX_PING_CONTEXT);
                Command::Ping {
                    ttl: u16::from_be_bytes(*ttl),
                    context: data.slice(2..end),
                }
            }
            PONG => Command::Pong(data),
            other => Command::Unknown {
                name: String::from_utf8_lossy(other).into_owned(),
                data,
            },
        })
    }
}

fn len_u8(s: &[u8]) -> u8 {
    u8::try_from(s.len()).unwrap_or(u8::MAX)
}

fn cut(s: &[u8], max: usize) -> &[u8] {
    s.get(..max).unwrap_or(s)
}

/// ERROR data: `reason length (1) | reason`; like libzmq, trailing bytes are tolerated.
fn decode_error(data: &[u8]) -> Result<String, ProtocolError> {
    let (&len, rest) = data
        .split_first()
        .ok_or(ProtocolError::MalformedCommand("error without reason"))?;
    let reason = rest
        .get(..usize::from(len))
        .ok_or(ProtocolError::MalformedCommand("truncated error reason"))?;
    Ok(String::from_utf8_lossy(reason).into_owned())
}

/// The ZMTP 3.0 form of a (un)subscription: a one-frame message `01 topic` or `00 topic`.
pub fn encode_subscription_message(subscribe: bool, topic: &[u8]) -> Bytes {
    let mut body = Vec::with_capacity(1 + topic.len());
    body.push(if subscribe {
        SUBSCRIBE_BYTE
    } else {
        CANCEL_BYTE
    });
    body.extend_from_slice(topic);
    Bytes::from(body)
}

/// Reads a message frame as the ZMTP 3.0 subscription form: [`Command::Subscribe`] or
/// [`Command::Cancel`] with the topic sliced from `body`, or `None` if it is not one.
pub fn decode_subscription_message(body: &Bytes) -> Option<Command> {
    match body.first() {
        Some(&SUBSCRIBE_BYTE) => Some(Command::Subscribe(body.slice(1..))),
        Some(&CANCEL_BYTE) => Some(Command::Cancel(body.slice(1..))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::frame::decode_header;

    /// Splits a whole command frame into its body, checking the header on the way.
    fn body_of(frame: &[u8]) -> Bytes {
        let hdr = decode_header(frame).unwrap().unwrap();
        assert!(hdr.command && !hdr.more);
        assert_eq!(frame.len() as u64, hdr.header_len as u64 + hdr.body_len);
        Bytes::copy_from_slice(&frame[hdr.header_len..])
    }

    const READY_DEALER_ABC: &[u8] = &[
        0x04, 0x2c, 0x05, 0x52, 0x45, 0x41, 0x44, 0x59, 0x0b, 0x53, 0x6f, 0x63, 0x6b, 0x65, 0x74,
        0x2d, 0x54, 0x79, 0x70, 0x65, 0x00, 0x00, 0x00, 0x06, 0x44, 0x45, 0x41, 0x4c, 0x45, 0x52,
        0x08, 0x49, 0x64, 0x65, 0x6e, 0x74, 0x69, 0x74, 0x79, 0x00, 0x00, 0x00, 0x03, 0x61, 0x62,
        0x63,
    ];
    const SUBSCRIBE_A: &[u8] = &[
        0x04, 0x0b, 0x09, 0x53, 0x55, 0x42, 0x53, 0x43, 0x52, 0x49, 0x42, 0x45, 0x41,
    ];
    const PING_100_X: &[u8] = &[0x04, 0x08, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x64, 0x78];
    const PONG_X: &[u8] = &[0x04, 0x06, 0x04, 0x50, 0x4f, 0x4e, 0x47, 0x78];

    fn ready_dealer_abc() -> Command {
        Command::Ready(vec![
            ("Socket-Type".into(), Bytes::from_static(b"DEALER")),
            ("Identity".into(), Bytes::from_static(b"abc")),
        ])
    }

    #[test]
    fn ready_dealer_identity_abc_matches_vector() {
        assert_eq!(&ready_dealer_abc().to_bytes()[..], READY_DEALER_ABC);
    }

    #[test]
    fn ready_dealer_identity_abc_vector_decodes() {
        let cmd = Command::decode(body_of(READY_DEALER_ABC)).unwrap();
        assert_eq!(cmd, ready_dealer_abc());
    }

    #[test]
    fn subscribe_a_command_matches_vector() {
        let cmd = Command::Subscribe(Bytes::from_static(b"A"));
        assert_eq!(&cmd.to_bytes()[..], SUBSCRIBE_A);
        assert_eq!(Command::decode(body_of(SUBSCRIBE_A)).unwrap(), cmd);
    }

    #[test]
    fn subscribe_a_3_0_message_matches_vector() {
        let vector = [0x00, 0x02, 0x01, 0x41];
        let mut out = OutBuf::new();
        frame::encode_frame(&mut out, 0, &encode_subscription_message(true, b"A"));
        assert_eq!(out.to_vec(), vector);
        let hdr = decode_header(&vector).unwrap().unwrap();
        assert!(!hdr.command && !hdr.more);
        let body = Bytes::copy_from_slice(&vector[hdr.header_len..]);
        assert_eq!(&body[..], [0x01, 0x41]);
        assert_eq!(
            decode_subscription_message(&body),
            Some(Command::Subscribe(Bytes::from_static(b"A")))
        );
    }

    #[test]
    fn cancel_3_0_message_round_trips_and_other_bodies_are_not_subscriptions() {
        let body = encode_subscription_message(false, b"topic");
        assert_eq!(&body[..], b"\x00topic");
        assert_eq!(
            decode_subscription_message(&body),
            Some(Command::Cancel(Bytes::from_static(b"topic")))
        );
        assert_eq!(decode_subscription_message(&Bytes::new()), None);
        assert_eq!(
            decode_subscription_message(&Bytes::from_static(b"\x02")),
            None
        );
    }

    #[test]
    fn ping_ttl_100_context_x_matches_vector() {
        let cmd = Command::Ping {
            ttl: 100,
            context: Bytes::from_static(b"x"),
        };
        assert_eq!(&cmd.to_bytes()[..], PING_100_X);
        assert_eq!(Command::decode(body_of(PING_100_X)).unwrap(), cmd);
    }

    #[test]
    fn pong_context_x_matches_vector() {
        let cmd = Command::Pong(Bytes::from_static(b"x"));
        assert_eq!(&cmd.to_bytes()[..], PONG_X);
        assert_eq!(Command::decode(body_of(PONG_X)).unwrap(), cmd);
    }

    #[test]
    fn error_command_round_trips() {
        let cmd = Command::Error("no".into());
        assert_eq!(&cmd.to_bytes()[..], b"\x04\x09\x05ERROR\x02no");
        assert_eq!(Command::decode(cmd.to_bytes().slice(2..)).unwrap(), cmd);
    }

    #[test]
    fn error_with_reason_longer_than_body_is_malformed() {
        let err = Command::decode(Bytes::from_static(b"\x05ERROR\x05no"));
        assert_eq!(
            err,
            Err(ProtocolError::MalformedCommand("truncated error reason"))
        );
        assert!(Command::decode(Bytes::from_static(b"\x05ERROR")).is_err());
    }

    #[test]
    fn truncated_or_overlong_properties_are_malformed() {
        let full = body_of(READY_DEALER_ABC);
        for cut in 7..full.len() {
            let res = Command::decode(full.slice(..cut));
            // Cutting exactly between two properties leaves a valid, shorter READY.
            if cut != 28 {
                assert!(res.is_err(), "cut at {cut}: {res:?}");
            }
        }
        let overlong = Bytes::from_static(b"\x05READY\x01A\xff\xff\xff\xffxyz");
        assert!(Command::decode(overlong).is_err());
    }

    #[test]
    fn empty_ready_has_no_properties() {
        let cmd = Command::decode(Bytes::from_static(b"\x05READY")).unwrap();
        assert_eq!(cmd, Command::Ready(Vec::new()));
    }

    #[test]
    fn empty_or_truncated_command_name_is_malformed() {
        assert!(Command::decode(Bytes::new()).is_err());
        assert!(Command::decode(Bytes::from_static(b"\x05REA")).is_err());
    }

    #[test]
    fn ping_without_ttl_is_malformed_and_long_context_is_cut() {
        assert!(Command::decode(Bytes::from_static(b"\x04PING\x00")).is_err());
        let long = Command::decode(Bytes::from_static(b"\x04PING\x00\x01abcdefghijklmnopqrs"));
        let Ok(Command::Ping { ttl, context }) = long else {
            panic!("{long:?}")
        };
        assert_eq!((ttl, &context[..]), (1, &b"abcdefghijklmnop"[..]));
    }

    #[test]
    fn unknown_command_keeps_name_and_data() {
        let cmd = Command::decode(Bytes::from_static(b"\x05HELLOdata")).unwrap();
        assert_eq!(
            cmd,
            Command::Unknown {
                name: "HELLO".into(),
                data: Bytes::from_static(b"data")
            }
        );
        assert_eq!(&cmd.to_bytes()[..], b"\x04\x0a\x05HELLOdata");
    }

    #[test]
    fn command_names_are_case_sensitive() {
        let cmd = Command::decode(Bytes::from_static(b"\x05ready")).unwrap();
        assert!(matches!(cmd, Command::Unknown { .. }));
    }

    #[test]
    fn unencodable_fields_are_cut_to_fit() {
        let cmd = Command::Error("e".repeat(300));
        let bytes = cmd.to_bytes();
        assert_eq!(bytes.len(), 9 + 1 + 5 + 1 + 255);
        let ready = Command::Ready(vec![("k".repeat(256), Bytes::new())]);
        assert_eq!(&ready.to_bytes()[..], b"\x04\x06\x05READY");
    }
}
