//! The CURVE client: HELLO, then INITIATE once the server's WELCOME opens, then the
//! server's READY; afterwards frames are sealed under "CurveZMQMESSAGEC".

use bytes::Bytes;

use super::{BoxKey, Channel, CurveConfig, code, fail, nonce, random, transient_pair};
use crate::curve::{CurvePublicKey, CurveSecretKey};
use crate::zmtp::ProtocolError;
use crate::zmtp::engine::PeerInfo;
use crate::zmtp::mechanism::plain::{read_error, split};
use crate::zmtp::mechanism::{HandshakeConfig, Mechanism, Step, properties};
use crate::zmtp::outbuf::OutBuf;
use crate::zmtp::zap::ZapReply;

const WELCOME: &[u8] = b"\x07WELCOME";
const READY: &[u8] = b"\x05READY";
const ERROR: &[u8] = b"\x05ERROR";

/// Where the handshake stands, with what each step needs from the one before.
enum State {
    /// HELLO not sent yet.
    Start,
    /// HELLO sent; `hello_key` is (S, c').
    WaitWelcome {
        hello_key: BoxKey,
    },
    /// INITIATE sent under the session key (S', c').
    WaitReady {
        session: BoxKey,
    },
    /// READY accepted: frames are sealed.
    Ready(Channel),
    Failed,
}

/// The CURVE client side of one connection.
pub struct CurveClient {
    config: HandshakeConfig,
    keys: CurveConfig,
    /// C' and c', this connection's transient pair.
    transient: Option<(CurvePublicKey, CurveSecretKey)>,
    state: State,
    peer: Option<PeerInfo>,
}

impl std::fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveClient").finish_non_exhaustive()
    }
}

impl CurveClient {
    /// A client presenting `keys` (its long-term pair and the server's public key).
    pub fn new(config: HandshakeConfig, keys: CurveConfig) -> CurveClient {
        CurveClient {
            config,
            keys,
            transient: None,
            state: State::Start,
            peer: None,
        }
    }

    fn on_welcome(&mut self, body: &[u8], step: &mut Step<'_>) -> Result<(), ProtocolError> {
        let State::WaitWelcome { hello_key } = &self.state else {
            return Err(fail(code::UNEXPECTED_COMMAND, "WELCOME out of turn"));
        };
        let Some((cn_public, cn_secret)) = &self.transient else {
            return Err(fail(code::UNSPECIFIED, "no transient key"));
        };
        // libzmq reports a WELCOME of the wrong size as a box that does not open.
        if body.len() != 168 {
            return Err(ProtocolError::Cryptographic);
        }
        // Box [S' + cookie](S->C'), under "WELCOME-" and a 16-byte nonce.
        let plain = hello_key.open(&nonce(b"WELCOME-", &body[8..24]), &body[24..])?;
        let server_transient =
            CurvePublicKey::from_bytes(plain[..32].try_into().unwrap_or_default());
        let cookie = &plain[32..128];
        let session = BoxKey::between(&server_transient, cn_secret)?;

        // vouch = Box [C' + S](C->S'), under "VOUCH---" and 16 random bytes.
        let mut vouch_tail = [0u8; 16];
        random(&mut vouch_tail)?;
        let mut vouch_plain = [0u8; 64];
        vouch_plain[..32].copy_from_slice(cn_public.as_bytes());
        vouch_plain[32..].copy_from_slice(self.keys.server_key.as_bytes());
        let vouch_key = BoxKey::between(&server_transient, &self.keys.secret_key)?;
        let vouch = vouch_key.seal(&nonce(b"VOUCH---", &vouch_tail), &vouch_plain);

        // INITIATE: cookie, short nonce 2, Box [C + vouch nonce + vouch + metadata](C'->S').
        let mut plain = self.keys.public_key.as_bytes().to_vec();
        plain.extend_from_slice(&vouch_tail);
        plain.extend_from_slice(&vouch);
        let props = properties::basic(self.config.socket_type, &self.config.routing_id);
        properties::encode(&props, &mut plain);
        let short = 2u64.to_be_bytes();
        let boxed = session.seal(&nonce(b"CurveZMQINITIATE", &short), &plain);
        let mut initiate = b"\x08INITIATE".to_vec();
        initiate.extend_from_slice(cookie);
        initiate.extend_from_slice(&short);
        initiate.extend_from_slice(&boxed);
        step.send(&initiate);
        self.state = State::WaitReady { session };
        Ok(())
    }

    fn on_ready(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let State::WaitReady { .. } = &self.state else {
            return Err(fail(code::UNEXPECTED_COMMAND, "READY out of turn"));
        };
        if body.len() < 30 {
            return Err(fail(code::MALFORMED_READY, "short READY"));
        }
        let State::WaitReady { session } = std::mem::replace(&mut self.state, State::Failed) else {
            return Err(fail(code::UNSPECIFIED, "READY out of turn"));
        };
        let short = &body[6..14];
        let plain = session.open(&nonce(b"CurveZMQREADY---", short), &body[14..])?;
        let props = properties::decode(&Bytes::copy_from_slice(&plain))
            .map_err(|_| fail(code::INVALID_METADATA, "malformed READY metadata"))?;
        self.peer = Some(properties::accept_ready(self.config.socket_type, props, 1)?);
        // c' is not needed past the session key.
        self.transient = None;
        let peer_nonce = u64::from_be_bytes(short.try_into().unwrap_or_default());
        self.state = State::Ready(Channel::new(
            session,
            b"CurveZMQMESSAGEC",
            b"CurveZMQMESSAGES",
            3,
            peer_nonce,
        ));
        Ok(())
    }
}

impl Mechanism for CurveClient {
    fn start(&mut self, _peer_as_server: bool, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        if self.transient.is_none() {
            self.transient = Some(transient_pair()?);
        }
        let Some((cn_public, cn_secret)) = &self.transient else {
            return Err(fail(code::UNSPECIFIED, "no transient key"));
        };
        // HELLO: version 1.0, 72 bytes of anti-amplification padding, C', short nonce 1,
        // Box [64 zeros](C'->S).
        let hello_key = BoxKey::between(&self.keys.server_key, cn_secret)?;
        let short = 1u64.to_be_bytes();
        let signature = hello_key.seal(&nonce(b"CurveZMQHELLO---", &short), &[0; 64]);
        let mut hello = Vec::with_capacity(200);
        hello.extend_from_slice(b"\x05HELLO\x01\x00");
        hello.extend_from_slice(&[0; 72]);
        hello.extend_from_slice(cn_public.as_bytes());
        hello.extend_from_slice(&short);
        hello.extend_from_slice(&signature);
        step.send(&hello);
        self.state = State::WaitWelcome { hello_key };
        Ok(())
    }

    fn on_command(&mut self, body: Bytes, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        let (name, data) = split(&body);
        match name {
            WELCOME => self.on_welcome(&body, step),
            READY => self.on_ready(&body),
            ERROR
                if matches!(
                    self.state,
                    State::WaitWelcome { .. } | State::WaitReady { .. }
                ) =>
            {
                Err(read_error(data))
            }
            _ => Err(fail(
                code::UNEXPECTED_COMMAND,
                "unexpected command in CURVE handshake",
            )),
        }
    }

    fn on_zap_reply(&mut self, _: Option<ZapReply>, _: &mut Step<'_>) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn take_peer(&mut self) -> Option<PeerInfo> {
        self.peer.take()
    }

    fn seals(&self) -> bool {
        true
    }

    fn seal(&mut self, flags: u8, body: &[u8], out: &mut OutBuf) {
        if let State::Ready(channel) = &mut self.state {
            channel.seal(flags, body, out);
        }
    }

    fn open(&mut self, body: Bytes) -> Result<(u8, Bytes), ProtocolError> {
        match &mut self.state {
            State::Ready(channel) => channel.open(body),
            _ => Err(fail(code::UNEXPECTED_COMMAND, "MESSAGE before READY")),
        }
    }
}
