//! Sans-IO ZMTP 3.x: the greeting, framing, commands and security handshakes libzmq 4.x
//! speaks.
//!
//! Nothing in this module touches sockets, threads or the clock: bytes and `now` come in
//! ([`Engine::read_target`], [`Engine::poll_event`], [`Engine::handle_timeout`]) and bytes, events
//! and deadlines go out ([`Engine::outbuf`], [`Event`], [`Engine::poll_timeout`]). That keeps
//! the whole protocol testable with byte literals and fuzzable as pure functions.
//!
//! Layout: [`greeting`] (the 64-byte version/mechanism exchange), [`frame`] (flags and sizes),
//! [`command`] (READY, ERROR, SUBSCRIBE, CANCEL, PING, PONG), [`mechanism`] (NULL, PLAIN
//! and CURVE behind one trait), [`zap`] (requests to the ZAP handler and its replies),
//! [`decoder`] (the read buffer frames are sliced from), [`outbuf`] (the gather-write queue)
//! and [`engine`] (the per-connection state machine tying them together).

pub mod command;
pub mod decoder;
pub mod engine;
pub mod frame;
pub mod greeting;
pub mod heartbeat;
pub mod mechanism;
pub mod outbuf;
pub mod zap;

mod fuzz;
mod fuzz_curve;
mod fuzz_security;

pub use engine::{Engine, EngineConfig, Event, PeerInfo};
#[doc(hidden)]
pub use fuzz::{fuzz_command, fuzz_engine, fuzz_engine_roles, fuzz_frames, fuzz_greeting};
#[doc(hidden)]
pub use fuzz_curve::fuzz_curve;
#[doc(hidden)]
pub use fuzz_security::{fuzz_plain, fuzz_zap_reply};
pub use outbuf::OutBuf;

/// A peer broke the ZMTP protocol; the connection must be closed.
///
/// These never reach the application: the I/O layer logs/monitors them and drops the peer.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The greeting does not start with 0xFF or byte 9 is not 0x7F (not ZMTP 3.x).
    #[error("bad greeting signature")]
    BadSignature,
    /// The peer speaks a ZMTP major version older than 3.
    #[error("unsupported zmtp major version {major}")]
    UnsupportedVersion {
        /// The major version the peer announced.
        major: u8,
    },
    /// The peer names a known security mechanism other than ours.
    #[error("security mechanism mismatch")]
    MechanismMismatch,
    /// The peer names a security mechanism nobody knows.
    #[error("unknown security mechanism")]
    UnknownMechanism,
    /// A frame has reserved flag bits (3-7) set.
    #[error("invalid frame flags {0:#04x}")]
    InvalidFlags(u8),
    /// A command frame has the MORE flag set.
    #[error("command frame with more flag")]
    CommandWithMore,
    /// A command frame arrived between the frames of a multipart message.
    #[error("command inside a multipart message")]
    CommandInMessage,
    /// A message frame arrived before the handshake completed.
    #[error("message before handshake completed")]
    UnexpectedMessage,
    /// A frame is larger than MAXMSGSIZE (or than this machine can address).
    #[error("frame of {size} bytes exceeds maximum {max}")]
    MessageTooLarge {
        /// The size the peer announced.
        size: u64,
        /// The limit it broke.
        max: u64,
    },
    /// A command's body does not parse.
    #[error("malformed command: {0}")]
    MalformedCommand(&'static str),
    /// A command that is not valid at this point (a second READY, PING before READY, ...).
    #[error("unexpected command {0}")]
    UnexpectedCommand(String),
    /// The peer's READY has no Socket-Type property.
    #[error("ready without socket type")]
    MissingSocketType,
    /// The peer's socket type cannot talk to ours (or is not a socket type at all).
    #[error("incompatible socket type {0}")]
    IncompatibleSocketType(String),
    /// The peer sent an ERROR command with this reason.
    #[error("peer error: {0}")]
    PeerError(String),
    /// The handshake did not finish within HANDSHAKE_IVL.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Nothing arrived within HEARTBEAT_TIMEOUT of a PING, or within the peer's own TTL.
    #[error("heartbeat timed out")]
    HeartbeatTimeout,
    /// A security handshake went wrong; `code` is the ZMQ_PROTOCOL_ERROR_* number libzmq
    /// reports for it.
    #[error("handshake failed: {what}")]
    Handshake {
        /// libzmq's ZMQ_PROTOCOL_ERROR_* code.
        code: u32,
        /// What went wrong.
        what: &'static str,
    },
    /// A box did not open: a tampered byte, a wrong key or a replayed nonce's box.
    #[error("cryptographic check failed")]
    Cryptographic,
    /// The ZAP handler refused the peer, or the peer says it refused us, with this status
    /// (300, 400 or 500).
    #[error("authentication failed with status {0}")]
    AuthFailed(u16),
    /// The ZAP handler's reply is unusable; the ZMQ_PROTOCOL_ERROR_ZAP_* code says why.
    #[error("unusable zap reply ({0:#x})")]
    Zap(u32),
    /// The handshake needs a ZAP handler and none is bound at inproc://zeromq.zap.01.
    #[error("no zap handler")]
    ZapUnavailable,
    /// Both peers claim the same PLAIN or CURVE role (both servers, or both clients).
    #[error("both peers are {0}")]
    RoleClash(&'static str),
}
