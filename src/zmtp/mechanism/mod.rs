//! The security mechanism seam: NULL, PLAIN and CURVE behind one sans-IO trait.
//!
//! The engine owns the greeting and the framing; a mechanism owns what happens between the
//! greetings and the first message (the handshake commands, asking the ZAP handler) and,
//! for CURVE, how each frame is sealed and opened afterwards. Like the engine it never
//! touches a socket, a thread or the clock: command bodies come in, and it answers through
//! [`Step`] (command bodies to send, a ZAP request to make), so every mechanism is tested
//! with byte literals and fuzzed as a pure function.
//!
//! A new mechanism is one file here, one [`Security`] variant and one arm in [`build`].

pub mod curve;
pub mod null;
pub mod plain;
pub mod properties;

use std::time::Instant;

use bytes::Bytes;

use super::ProtocolError;
use super::engine::PeerInfo;
use super::outbuf::OutBuf;
use super::zap::{ZapReply, ZapRequest};
use crate::socket_type::SocketType;

/// Which mechanism a socket speaks, with its credentials (from the socket's options).
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Security {
    /// No security (RFC 37's NULL); a ZAP domain still lets a handler vet the peer.
    #[default]
    Null,
    /// PLAIN (RFC 24): clear-text user name and password.
    Plain {
        /// PLAIN_SERVER: we check credentials instead of presenting them.
        server: bool,
        /// PLAIN_USERNAME (client side).
        username: Bytes,
        /// PLAIN_PASSWORD (client side).
        password: Bytes,
    },
    /// CURVE (RFC 26): encrypted and authenticated with long-term key pairs; boxed, so a
    /// connection of the other mechanisms pays only a pointer for it.
    Curve(Box<curve::CurveConfig>),
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials stay out of logs.
        match self {
            Security::Null => f.write_str("Null"),
            Security::Plain { server, .. } => f
                .debug_struct("Plain")
                .field("server", server)
                .finish_non_exhaustive(),
            // CurveConfig's Debug leaves the secret key out.
            Security::Curve(c) => c.fmt(f),
        }
    }
}

impl Security {
    /// The mechanism name the greeting carries.
    pub fn name(&self) -> &'static str {
        match self {
            Security::Null => null::MECHANISM,
            Security::Plain { .. } => plain::MECHANISM,
            Security::Curve(_) => curve::MECHANISM,
        }
    }

    /// Whether this mechanism seals frames after the handshake.
    pub fn seals(&self) -> bool {
        matches!(self, Security::Curve(_))
    }

    /// The greeting's as-server flag.
    pub fn as_server(&self) -> bool {
        match self {
            Security::Null => false,
            Security::Plain { server, .. } => *server,
            Security::Curve(c) => c.server,
        }
    }
}

/// What every mechanism needs to know besides its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeConfig {
    /// Our socket type (Socket-Type, and the compatibility check of the peer's).
    pub socket_type: SocketType,
    /// Our routing id: the Identity property, and the ZAP request's identity frame.
    pub routing_id: Bytes,
    /// ZAP_DOMAIN; NULL asks the ZAP handler only when it is set.
    pub zap_domain: Bytes,
    /// ZAP_ENFORCE_DOMAIN: no handler bound is a failure, not a pass.
    pub zap_enforce_domain: bool,
    /// The peer's address as ZAP wants it (IP without port; empty for ipc).
    pub peer_address: Bytes,
}

/// One call into a mechanism: the time, and where its results go.
pub struct Step<'a> {
    out: &'a mut OutBuf,
    zap: Option<ZapRequest>,
    /// When the call happens: the latest time the engine was given (`None` when it was
    /// driven without a clock, as the fuzz targets drive it).
    pub now: Option<Instant>,
}

impl<'a> Step<'a> {
    /// A step at `now` whose commands go to `out`.
    pub fn new(out: &'a mut OutBuf, now: Option<Instant>) -> Step<'a> {
        Step {
            out,
            zap: None,
            now,
        }
    }

    /// Sends a command: `body` is the command frame's body (name length, name, data).
    pub fn send(&mut self, body: &[u8]) {
        super::frame::encode_header(self.out, super::frame::COMMAND, body.len());
        self.out.put_slice(body);
    }

    /// Asks the ZAP handler; the engine reports the answer through
    /// [`Mechanism::on_zap_reply`].
    pub fn ask_zap(&mut self, request: ZapRequest) {
        self.zap = Some(request);
    }

    /// The ZAP request this step made, if any.
    pub fn take_zap(&mut self) -> Option<ZapRequest> {
        self.zap.take()
    }
}

/// One side of one connection's security handshake.
pub trait Mechanism: Send + std::fmt::Debug {
    /// The greetings are exchanged (the peer's named the same mechanism): send what this
    /// side says first. `peer_as_server` is the peer greeting's flag.
    fn start(&mut self, peer_as_server: bool, step: &mut Step<'_>) -> Result<(), ProtocolError>;

    /// A command arrived during the handshake (`body`: name length, name, data).
    fn on_command(&mut self, body: Bytes, step: &mut Step<'_>) -> Result<(), ProtocolError>;

    /// The ZAP handler answered the request made through [`Step::ask_zap`]; `None` when no
    /// handler is bound at `inproc://zeromq.zap.01`.
    fn on_zap_reply(
        &mut self,
        reply: Option<ZapReply>,
        step: &mut Step<'_>,
    ) -> Result<(), ProtocolError>;

    /// The handshake's outcome once both sides are done, taken once.
    fn take_peer(&mut self) -> Option<PeerInfo>;

    /// When the mechanism gives up on the handshake by itself, besides HANDSHAKE_IVL (a
    /// CURVE server's cookie key lives 60 seconds).
    fn deadline(&self) -> Option<Instant> {
        None
    }

    /// Whether frames travel sealed after the handshake (CURVE's MESSAGE commands); if
    /// not, the engine frames them itself and [`seal`](Mechanism::seal) and
    /// [`open`](Mechanism::open) are never called.
    fn seals(&self) -> bool {
        false
    }

    /// Queues one frame, sealed: `flags` holds MORE and COMMAND as in the frame header.
    fn seal(&mut self, _flags: u8, _body: &[u8], _out: &mut OutBuf) {}

    /// Opens one sealed frame: its flags (MORE, COMMAND) and body.
    fn open(&mut self, body: Bytes) -> Result<(u8, Bytes), ProtocolError> {
        Err(ProtocolError::UnexpectedCommand(
            String::from_utf8_lossy(&body).into_owned(),
        ))
    }
}

/// The mechanism `security` names, for one new connection.
pub fn build(security: &Security, config: HandshakeConfig) -> Box<dyn Mechanism> {
    match security {
        Security::Null => Box::new(null::Null::new(config)),
        Security::Plain { server: true, .. } => Box::new(plain::PlainServer::new(config)),
        Security::Plain {
            username, password, ..
        } => Box::new(plain::PlainClient::new(
            config,
            username.clone(),
            password.clone(),
        )),
        Security::Curve(keys) if keys.server => {
            Box::new(curve::server::CurveServer::new(config, (**keys).clone()))
        }
        Security::Curve(keys) => {
            Box::new(curve::client::CurveClient::new(config, (**keys).clone()))
        }
    }
}

/// Mechanisms other ZMTP peers may name; any other name is garbage rather than a mismatch.
const KNOWN: [&str; 4] = ["NULL", "PLAIN", "CURVE", "GSSAPI"];

/// Checks that the peer's greeting names our mechanism: "the peers MUST use the same
/// mechanism" (RFC 37).
pub fn check_peer_mechanism(
    ours: &Security,
    peer: &super::greeting::Greeting,
) -> Result<(), ProtocolError> {
    if peer.mechanism_is(ours.name()) {
        Ok(())
    } else if KNOWN.iter().any(|m| peer.mechanism_is(m)) {
        Err(ProtocolError::MechanismMismatch)
    } else {
        Err(ProtocolError::UnknownMechanism)
    }
}

/// The ERROR command body carrying `reason` (name length, name, reason length, reason).
pub fn error_body(reason: &[u8]) -> Vec<u8> {
    error_body_named(b"\x05ERROR", reason)
}

/// An ERROR body under the name prefix `name` (libzmq 4.3's PLAIN spells it otherwise).
pub fn error_body_named(name: &[u8], reason: &[u8]) -> Vec<u8> {
    let reason = reason.get(..255).unwrap_or(reason);
    let mut body = Vec::with_capacity(name.len() + 1 + reason.len());
    body.extend_from_slice(name);
    body.push(reason.len() as u8);
    body.extend_from_slice(reason);
    body
}

/// What a peer's ERROR during the handshake means: a 3-digit ZAP status (300, 400, 500)
/// is an authentication failure, anything else the peer's own reason.
pub fn peer_error(reason: String) -> ProtocolError {
    match reason.as_bytes() {
        [d @ b'3'..=b'5', b'0', b'0'] => ProtocolError::AuthFailed(u16::from(d - b'0') * 100),
        _ => ProtocolError::PeerError(reason),
    }
}

/// The frames a mechanism queued in `out`, in order, as (COMMAND flag, body); for tests.
#[cfg(test)]
pub(crate) fn queued_frames(out: &mut OutBuf) -> Vec<(bool, Bytes)> {
    let wire = out.to_vec();
    out.advance(wire.len());
    let mut frames = Vec::new();
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let h = super::frame::decode_header(rest).unwrap().unwrap();
        let end = h.header_len + h.body_len as usize;
        frames.push((h.command, Bytes::copy_from_slice(&rest[h.header_len..end])));
        rest = &rest[end..];
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::greeting;

    #[test]
    fn peer_naming_another_known_mechanism_is_a_mismatch_and_garbage_is_unknown() {
        let g = |name| greeting::decode(&greeting::encode(name, false)).unwrap();
        assert_eq!(check_peer_mechanism(&Security::Null, &g("NULL")), Ok(()));
        assert_eq!(
            check_peer_mechanism(&Security::Null, &g("CURVE")),
            Err(ProtocolError::MechanismMismatch)
        );
        assert_eq!(
            check_peer_mechanism(&Security::Null, &g("BOGUS")),
            Err(ProtocolError::UnknownMechanism)
        );
    }

    #[test]
    fn a_zap_status_in_an_error_is_an_authentication_failure() {
        assert_eq!(peer_error("400".into()), ProtocolError::AuthFailed(400));
        assert_eq!(peer_error("300".into()), ProtocolError::AuthFailed(300));
        assert_eq!(
            peer_error("200".into()),
            ProtocolError::PeerError("200".into())
        );
        assert_eq!(
            peer_error("nope".into()),
            ProtocolError::PeerError("nope".into())
        );
    }

    #[test]
    fn error_bodies_carry_their_reason_length() {
        assert_eq!(error_body(b"400"), b"\x05ERROR\x03400".to_vec());
        assert_eq!(error_body(&[b'x'; 300]).len(), 7 + 255);
    }

    #[test]
    fn credentials_stay_out_of_debug_output() {
        let s = Security::Plain {
            server: false,
            username: Bytes::from_static(b"admin"),
            password: Bytes::from_static(b"hunter2"),
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
    }
}
