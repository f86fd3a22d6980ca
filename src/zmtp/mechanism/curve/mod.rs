//! CURVE (RFC 26, CurveZMQ): the client proves it knows the server's public key, both sides
//! agree on transient keys, and every frame afterwards travels in a MESSAGE box. This file
//! holds what client and server share: libzmq's error codes, the options' keys and the
//! sealed channel; `nacl.rs` the box itself, `secretbox.rs`, `salsa.rs`
//! and `poly.rs` its cipher and authenticator.

pub mod client;
mod nacl;
#[cfg(any(fuzzing, test))]
mod nacl_fuzz;
// Under cfg(fuzzing) nacl_fuzz.rs stands in for the cipher, which then goes unused.
#[cfg_attr(fuzzing, allow(dead_code))]
mod poly;
#[cfg_attr(fuzzing, allow(dead_code))]
mod salsa;
#[cfg_attr(fuzzing, allow(dead_code))]
mod secretbox;
pub mod server;

use bytes::Bytes;

pub(crate) use nacl::{BoxKey, PrefixedKey, TAG_LEN, nonce, public_key_of, random, transient_pair};

use crate::curve::{CurvePublicKey, CurveSecretKey};
use crate::zmtp::ProtocolError;
use crate::zmtp::frame;
use crate::zmtp::outbuf::OutBuf;

/// The mechanism name in the greeting.
pub const MECHANISM: &str = "CURVE";

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* codes for what CURVE refuses.
pub(crate) mod code {
    pub const UNSPECIFIED: u32 = 0x1000_0000;
    pub const UNEXPECTED_COMMAND: u32 = 0x1000_0001;
    pub const INVALID_SEQUENCE: u32 = 0x1000_0002;
    pub const KEY_EXCHANGE: u32 = 0x1000_0003;
    pub const MALFORMED_UNSPECIFIED: u32 = 0x1000_0011;
    pub const MALFORMED_MESSAGE: u32 = 0x1000_0012;
    pub const MALFORMED_HELLO: u32 = 0x1000_0013;
    pub const MALFORMED_INITIATE: u32 = 0x1000_0014;
    pub const MALFORMED_READY: u32 = 0x1000_0016;
    pub const INVALID_METADATA: u32 = 0x1000_0018;
}

/// A handshake failure with libzmq's code for it.
pub(crate) fn fail(code: u32, what: &'static str) -> ProtocolError {
    ProtocolError::Handshake { code, what }
}

/// libzmq's first check of any command: a name length inside the body.
pub(crate) fn check_structure(body: &[u8]) -> Result<(), ProtocolError> {
    match body.first() {
        Some(&n) if body.len() > 1 && body.len() > usize::from(n) => Ok(()),
        _ => Err(fail(code::MALFORMED_UNSPECIFIED, "malformed command")),
    }
}

/// What CURVE needs from the socket's options.
#[derive(Clone, PartialEq, Eq)]
pub struct CurveConfig {
    /// CURVE_SERVER: we hold the server's key pair and wait for HELLO.
    pub server: bool,
    /// CURVE_PUBLICKEY: our long-term public key (a client's is its identity to ZAP).
    pub public_key: CurvePublicKey,
    /// CURVE_SECRETKEY: our long-term secret key.
    pub secret_key: CurveSecretKey,
    /// CURVE_SERVERKEY: the server's long-term public key (client side).
    pub server_key: CurvePublicKey,
}

impl std::fmt::Debug for CurveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveConfig")
            .field("server", &self.server)
            .field("public_key", &self.public_key)
            .field("server_key", &self.server_key)
            .finish_non_exhaustive()
    }
}

/// The flag bits inside a MESSAGE box (libzmq's msg_t flags): bit 0 MORE, bit 1 COMMAND.
const BOX_MORE: u8 = 0x01;
const BOX_COMMAND: u8 = 0x02;
const MESSAGE: &[u8] = b"\x07MESSAGE";
const MESSAGE_HEADER: usize = MESSAGE.len() + 8;

/// The sealed channel once the handshake is done: the session key and both nonce counters.
pub(crate) struct Channel {
    key: BoxKey,
    /// The session key for our MESSAGE nonces and for the peer's.
    send: PrefixedKey,
    recv: PrefixedKey,
    /// Our next short nonce (libzmq starts at 1 and counts the handshake's boxes too).
    next_nonce: u64,
    /// The peer's last short nonce: each must be larger than the one before.
    peer_nonce: u64,
}

impl Channel {
    pub fn new(
        key: BoxKey,
        send_prefix: &'static [u8; 16],
        recv_prefix: &'static [u8; 16],
        next_nonce: u64,
        peer_nonce: u64,
    ) -> Channel {
        Channel {
            send: key.with_prefix(send_prefix),
            recv: key.with_prefix(recv_prefix),
            key,
            next_nonce,
            peer_nonce,
        }
    }

    /// Takes the next short nonce for a box we send (the server's READY).
    pub fn take_nonce(&mut self) -> u64 {
        let n = self.next_nonce;
        self.next_nonce = n.wrapping_add(1);
        n
    }

    /// The session key.
    pub fn key(&self) -> &BoxKey {
        &self.key
    }

    /// Queues one frame as a MESSAGE command: `flags` are the frame's MORE and COMMAND.
    ///
    /// libzmq sends the MESSAGE as a frame with no flags (MORE and COMMAND travel inside
    /// the box), so we do too.
    pub fn seal(&mut self, flags: u8, body: &[u8], out: &mut OutBuf) {
        let short = self.take_nonce().to_be_bytes();
        let mut msg = Vec::with_capacity(MESSAGE_HEADER + TAG_LEN + 1 + body.len());
        msg.extend_from_slice(MESSAGE);
        msg.extend_from_slice(&short);
        msg.extend_from_slice(&[0; TAG_LEN]);
        let mut inner = 0;
        if flags & frame::MORE != 0 {
            inner |= BOX_MORE;
        }
        if flags & frame::COMMAND != 0 {
            inner |= BOX_COMMAND;
        }
        msg.push(inner);
        msg.extend_from_slice(body);
        self.send.seal_in_place(&short, &mut msg[MESSAGE_HEADER..]);
        frame::encode_header(out, 0, msg.len());
        out.put_bytes(Bytes::from(msg));
    }

    /// Opens one MESSAGE: the frame flags (MORE, COMMAND) and body it carries. Checks as
    /// libzmq: the name, the size, then a short nonce larger than the last (a replay ends
    /// the connection, CVE-2014-7203), then the box.
    pub fn open(&mut self, body: Bytes) -> Result<(u8, Bytes), ProtocolError> {
        check_structure(&body)?;
        if !body.starts_with(MESSAGE) {
            return Err(fail(
                code::UNEXPECTED_COMMAND,
                "not a MESSAGE after CURVE handshake",
            ));
        }
        if body.len() < MESSAGE_HEADER + TAG_LEN + 1 {
            return Err(fail(code::MALFORMED_MESSAGE, "short MESSAGE"));
        }
        let mut short = [0u8; 8];
        short.copy_from_slice(&body[MESSAGE.len()..MESSAGE_HEADER]);
        let n = u64::from_be_bytes(short);
        if n <= self.peer_nonce {
            return Err(fail(code::INVALID_SEQUENCE, "MESSAGE nonce not increasing"));
        }
        self.peer_nonce = n;
        let (tag, text) = body[MESSAGE_HEADER..].split_at(TAG_LEN);
        let mut plain = text.to_vec();
        self.recv.open_in_place(&short, tag, &mut plain)?;
        let inner = plain[0];
        let mut flags = 0;
        if inner & BOX_MORE != 0 {
            flags |= frame::MORE;
        }
        if inner & BOX_COMMAND != 0 {
            flags |= frame::COMMAND;
        }
        Ok((flags, Bytes::from(plain).slice(1..)))
    }
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod tests;
