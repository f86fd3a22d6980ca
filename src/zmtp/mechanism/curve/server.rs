//! The CURVE server: opens the client's HELLO with its long-term key, answers WELCOME with
//! a transient key and a cookie, checks INITIATE's cookie and vouch, asks the ZAP handler
//! about the client's public key, then sends READY; afterwards frames are sealed under
//! "CurveZMQMESSAGES".

use std::time::{Duration, Instant};

use bytes::Bytes;
use zeroize::Zeroize;

use super::{
    BoxKey, Channel, CurveConfig, MECHANISM, check_structure, code, fail, nonce, random,
    transient_pair,
};
use crate::curve::{CurvePublicKey, CurveSecretKey, KEY_LEN};
use crate::zmtp::ProtocolError;
use crate::zmtp::engine::PeerInfo;
use crate::zmtp::mechanism::{HandshakeConfig, Mechanism, Step, error_body, properties};
use crate::zmtp::outbuf::OutBuf;
use crate::zmtp::zap::{ZapReply, ZapRequest};

/// RFC 26: the server discards the cookie key after 60 seconds, so an INITIATE later than
/// that cannot be opened.
pub const COOKIE_LIFETIME: Duration = Duration::from_secs(60);

/// What the server holds between HELLO and INITIATE.
struct Welcomed {
    /// C', the client's transient key.
    client_transient: CurvePublicKey,
    /// s', our transient secret key.
    transient: CurveSecretKey,
    /// The cookie key, used for this connection's one cookie.
    cookie_key: [u8; KEY_LEN],
    /// When WELCOME went out, to refuse a cookie past its lifetime.
    at: Option<Instant>,
}

impl Drop for Welcomed {
    fn drop(&mut self) {
        self.cookie_key.zeroize();
    }
}

enum State {
    WaitHello,
    WaitInitiate(Box<Welcomed>),
    /// INITIATE accepted; the handler's answer decides READY or ERROR.
    WaitZap(Channel),
    Ready(Channel),
    Failed,
}

/// The CURVE server side of one connection.
pub struct CurveServer {
    config: HandshakeConfig,
    keys: CurveConfig,
    state: State,
    /// The client's metadata, accepted, until the handler lets it in.
    pending: Option<PeerInfo>,
    peer: Option<PeerInfo>,
}

impl std::fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveServer").finish_non_exhaustive()
    }
}

impl CurveServer {
    /// A server holding `keys`' long-term pair.
    pub fn new(config: HandshakeConfig, keys: CurveConfig) -> CurveServer {
        CurveServer {
            config,
            keys,
            state: State::WaitHello,
            pending: None,
            peer: None,
        }
    }

    fn on_hello(&mut self, body: &[u8], step: &mut Step<'_>) -> Result<(), ProtocolError> {
        if body.len() != 200 || body[6..8] != [1, 0] {
            return Err(fail(code::MALFORMED_HELLO, "malformed CURVE HELLO"));
        }
        let client_transient =
            CurvePublicKey::from_bytes(body[80..112].try_into().unwrap_or_default());
        // Box [64 zeros](C'->S): proves the client knows our public key.
        let hello_key = BoxKey::between(&client_transient, &self.keys.secret_key)?;
        hello_key.open(
            &nonce(b"CurveZMQHELLO---", &body[112..120]),
            &body[120..200],
        )?;

        let (transient_public, transient) = transient_pair()?;
        // cookie = nonce tail + Box [C' + s'](K), K a key for this cookie alone.
        let mut cookie_key = [0u8; KEY_LEN];
        random(&mut cookie_key)?;
        let mut cookie_tail = [0u8; 16];
        random(&mut cookie_tail)?;
        let mut cookie_plain = [0u8; 64];
        cookie_plain[..32].copy_from_slice(client_transient.as_bytes());
        cookie_plain[32..].copy_from_slice(transient.as_bytes());
        let cookie =
            BoxKey::secret(&cookie_key).seal(&nonce(b"COOKIE--", &cookie_tail), &cookie_plain);
        cookie_plain.zeroize();

        // WELCOME = nonce tail + Box [S' + cookie](S->C').
        let mut welcome_plain = transient_public.as_bytes().to_vec();
        welcome_plain.extend_from_slice(&cookie_tail);
        welcome_plain.extend_from_slice(&cookie);
        let mut welcome_tail = [0u8; 16];
        random(&mut welcome_tail)?;
        let boxed = hello_key.seal(&nonce(b"WELCOME-", &welcome_tail), &welcome_plain);
        let mut welcome = b"\x07WELCOME".to_vec();
        welcome.extend_from_slice(&welcome_tail);
        welcome.extend_from_slice(&boxed);
        step.send(&welcome);
        self.state = State::WaitInitiate(Box::new(Welcomed {
            client_transient,
            transient,
            cookie_key,
            at: step.now,
        }));
        Ok(())
    }

    fn on_initiate(&mut self, body: &[u8], step: &mut Step<'_>) -> Result<(), ProtocolError> {
        if body.len() < 257 {
            return Err(fail(code::MALFORMED_INITIATE, "short CURVE INITIATE"));
        }
        // The cookie key is used once: whatever happens next, it is gone.
        let State::WaitInitiate(w) = std::mem::replace(&mut self.state, State::Failed) else {
            return Err(fail(code::UNEXPECTED_COMMAND, "INITIATE out of turn"));
        };
        if let (Some(at), Some(now)) = (w.at, step.now)
            && now.saturating_duration_since(at) > COOKIE_LIFETIME
        {
            return Err(ProtocolError::Cryptographic);
        }
        let cookie = BoxKey::secret(&w.cookie_key)
            .open(&nonce(b"COOKIE--", &body[9..25]), &body[25..105])?;
        if cookie[..32] != w.client_transient.as_bytes()[..]
            || cookie[32..64] != w.transient.as_bytes()[..]
        {
            return Err(ProtocolError::Cryptographic);
        }
        // Box [C + vouch nonce + vouch + metadata](C'->S').
        let session = BoxKey::between(&w.client_transient, &w.transient)?;
        let short = &body[105..113];
        let plain = session.open(&nonce(b"CurveZMQINITIATE", short), &body[113..])?;
        let client = CurvePublicKey::from_bytes(plain[..32].try_into().unwrap_or_default());
        // vouch = Box [C' + S](C->S'): the holder of C's secret key vouches for C', for us.
        // S is derived from our secret key: like libzmq, a server needs only CURVE_SECRETKEY.
        let vouch_key = BoxKey::between(&client, &w.transient)?;
        let vouch = vouch_key.open(&nonce(b"VOUCH---", &plain[32..48]), &plain[48..128])?;
        if vouch[..32] != w.client_transient.as_bytes()[..]
            || vouch[32..64] != self.keys.secret_key.public_key().as_bytes()[..]
        {
            return Err(fail(code::KEY_EXCHANGE, "CURVE vouch names other keys"));
        }
        let props = properties::decode(&Bytes::copy_from_slice(&plain[128..]))
            .map_err(|_| fail(code::INVALID_METADATA, "malformed INITIATE metadata"))?;
        self.pending = Some(properties::accept_ready(self.config.socket_type, props, 1)?);
        let peer_nonce = u64::from_be_bytes(short.try_into().unwrap_or_default());
        let channel = Channel::new(
            session,
            b"CurveZMQMESSAGES",
            b"CurveZMQMESSAGEC",
            1,
            peer_nonce,
        );
        // libzmq 4.3: the handler is asked unless ZAP_ENFORCE_DOMAIN is set with no domain
        // (encryption without authentication, the "Stonehouse" pattern); with no handler
        // bound the client is let in unless ZAP_ENFORCE_DOMAIN is set.
        if self.config.zap_enforce_domain && self.config.zap_domain.is_empty() {
            self.send_ready(channel, step);
        } else {
            step.ask_zap(ZapRequest {
                domain: self.config.zap_domain.clone(),
                address: self.config.peer_address.clone(),
                identity: self.config.routing_id.clone(),
                mechanism: MECHANISM,
                credentials: vec![Bytes::copy_from_slice(client.as_bytes())],
            });
            self.state = State::WaitZap(channel);
        }
        Ok(())
    }

    /// READY: short nonce, Box [metadata](S'->C'); then the peer is ready.
    fn send_ready(&mut self, mut channel: Channel, step: &mut Step<'_>) {
        let mut plain = Vec::new();
        let props = properties::basic(self.config.socket_type, &self.config.routing_id);
        properties::encode(&props, &mut plain);
        let short = channel.take_nonce().to_be_bytes();
        let boxed = channel
            .key()
            .seal(&nonce(b"CurveZMQREADY---", &short), &plain);
        let mut ready = b"\x05READY".to_vec();
        ready.extend_from_slice(&short);
        ready.extend_from_slice(&boxed);
        step.send(&ready);
        self.peer = self.pending.take();
        self.state = State::Ready(channel);
    }
}

impl Mechanism for CurveServer {
    fn start(&mut self, _peer_as_server: bool, _step: &mut Step<'_>) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn on_command(&mut self, body: Bytes, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        check_structure(&body)?;
        match &self.state {
            State::WaitHello if body.starts_with(b"\x05HELLO") => self.on_hello(&body, step),
            State::WaitInitiate(_) if body.starts_with(b"\x08INITIATE") => {
                self.on_initiate(&body, step)
            }
            State::WaitHello | State::WaitInitiate(_) => Err(fail(
                code::UNEXPECTED_COMMAND,
                "unexpected command in CURVE handshake",
            )),
            // libzmq: a command while it waits for ZAP, or after READY, is unspecified.
            _ => Err(fail(
                code::UNSPECIFIED,
                "command out of turn in CURVE handshake",
            )),
        }
    }

    fn on_zap_reply(
        &mut self,
        reply: Option<ZapReply>,
        step: &mut Step<'_>,
    ) -> Result<(), ProtocolError> {
        let State::WaitZap(channel) = std::mem::replace(&mut self.state, State::Failed) else {
            return Ok(());
        };
        match reply {
            None if self.config.zap_enforce_domain => Err(ProtocolError::ZapUnavailable),
            None => {
                self.send_ready(channel, step);
                Ok(())
            }
            Some(r) if r.accepted() => {
                if let Some(p) = &mut self.pending {
                    p.add_zap(r);
                }
                self.send_ready(channel, step);
                Ok(())
            }
            Some(r) => {
                // 300 is a temporary failure: close without a word (RFC 27).
                if r.status != 300 {
                    step.send(&error_body(r.status.to_string().as_bytes()));
                }
                Err(ProtocolError::AuthFailed(r.status))
            }
        }
    }

    fn take_peer(&mut self) -> Option<PeerInfo> {
        self.peer.take()
    }

    fn deadline(&self) -> Option<Instant> {
        match &self.state {
            State::WaitInitiate(w) => w.at.and_then(|at| at.checked_add(COOKIE_LIFETIME)),
            _ => None,
        }
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
