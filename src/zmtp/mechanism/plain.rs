//! PLAIN (RFC 24): the client sends a user name and password in clear, the server's ZAP
//! handler decides. Client: HELLO, then INITIATE after WELCOME; server: WELCOME once the
//! handler accepts, READY after INITIATE.

use bytes::Bytes;

use super::properties;
use super::{HandshakeConfig, Mechanism, Step, error_body_named, peer_error};
use crate::zmtp::ProtocolError;
use crate::zmtp::engine::PeerInfo;
use crate::zmtp::zap::{ZapReply, ZapRequest};

/// The mechanism name in the greeting.
pub const MECHANISM: &str = "PLAIN";

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
const READY: &[u8] = b"\x05READY";
const ERROR: &[u8] = b"\x05ERROR";
/// The name libzmq 4.3's PLAIN gives ERROR: its C literal "\x05ERROR" reads the hex escape
/// as 0x5E, so on the wire the name is "^RROR", with no length byte, and its PLAIN client
/// knows ERROR only by that. The server sends it, so a refused libzmq 4.3 client learns the
/// ZAP status (HANDSHAKE_FAILED_AUTH) rather than an unknown command; the client takes both.
const LIBZMQ_ERROR: &[u8] = b"\x5eRROR";

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* codes for what PLAIN refuses.
const UNEXPECTED_COMMAND: u32 = 0x1000_0001;
const MALFORMED_HELLO: u32 = 0x1000_0013;
const MALFORMED_WELCOME: u32 = 0x1000_0017;
const MALFORMED_ERROR: u32 = 0x1000_0015;

fn unexpected(what: &'static str) -> ProtocolError {
    ProtocolError::Handshake {
        code: UNEXPECTED_COMMAND,
        what,
    }
}

/// A command body: its name prefix (length byte and name) and its data.
pub(crate) fn split(body: &[u8]) -> (&[u8], &[u8]) {
    let end = body
        .first()
        .map_or(0, |&n| 1 + usize::from(n))
        .min(body.len());
    body.split_at(end)
}

/// Reads a peer's ERROR: `reason length | reason`, or the PLAIN code for a malformed one.
pub(crate) fn read_error(data: &[u8]) -> ProtocolError {
    match data.split_first() {
        Some((&len, rest)) if rest.len() >= usize::from(len) => {
            peer_error(String::from_utf8_lossy(&rest[..usize::from(len)]).into_owned())
        }
        _ => ProtocolError::Handshake {
            code: MALFORMED_ERROR,
            what: "malformed ERROR",
        },
    }
}

/// A command carrying our basic properties.
fn with_properties(prefix: &[u8], config: &HandshakeConfig) -> Vec<u8> {
    let mut body = prefix.to_vec();
    let props = properties::basic(config.socket_type, &config.routing_id);
    properties::encode(&props, &mut body);
    body
}

/// Checks the peer's metadata as libzmq checks a READY's.
fn accept(config: &HandshakeConfig, data: &[u8]) -> Result<PeerInfo, ProtocolError> {
    let props = properties::decode(&Bytes::copy_from_slice(data))?;
    properties::accept_ready(config.socket_type, props, 1)
}

#[derive(Debug, PartialEq, Eq)]
enum ClientState {
    WaitWelcome,
    WaitReady,
    Done,
}

/// The PLAIN client side of one connection.
pub struct PlainClient {
    config: HandshakeConfig,
    username: Bytes,
    password: Bytes,
    state: ClientState,
    peer: Option<PeerInfo>,
}

impl std::fmt::Debug for PlainClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainClient")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl PlainClient {
    /// A client presenting `username` and `password` (each cut to 255 bytes, the most the
    /// HELLO can carry).
    pub fn new(config: HandshakeConfig, username: Bytes, password: Bytes) -> PlainClient {
        PlainClient {
            config,
            username,
            password,
            state: ClientState::WaitWelcome,
            peer: None,
        }
    }
}

impl Mechanism for PlainClient {
    fn start(&mut self, _peer_as_server: bool, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        let user = &self.username[..self.username.len().min(255)];
        let pass = &self.password[..self.password.len().min(255)];
        let mut body = HELLO.to_vec();
        body.push(user.len() as u8);
        body.extend_from_slice(user);
        body.push(pass.len() as u8);
        body.extend_from_slice(pass);
        step.send(&body);
        Ok(())
    }

    fn on_command(&mut self, body: Bytes, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        if let Some(data) = body.strip_prefix(LIBZMQ_ERROR) {
            return Err(read_error(data));
        }
        let (name, data) = split(&body);
        match (&self.state, name) {
            (_, ERROR) => Err(read_error(data)),
            (ClientState::WaitWelcome, WELCOME) if data.is_empty() => {
                step.send(&with_properties(INITIATE, &self.config));
                self.state = ClientState::WaitReady;
                Ok(())
            }
            (ClientState::WaitWelcome, WELCOME) => Err(ProtocolError::Handshake {
                code: MALFORMED_WELCOME,
                what: "WELCOME with data",
            }),
            (ClientState::WaitReady, READY) => {
                self.peer = Some(accept(&self.config, data)?);
                self.state = ClientState::Done;
                Ok(())
            }
            _ => Err(unexpected("unexpected command in PLAIN handshake")),
        }
    }

    fn on_zap_reply(&mut self, _: Option<ZapReply>, _: &mut Step<'_>) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn take_peer(&mut self) -> Option<PeerInfo> {
        self.peer.take()
    }
}

#[derive(Debug, PartialEq, Eq)]
enum ServerState {
    WaitHello,
    WaitZap,
    WaitInitiate,
    Done,
}

/// The PLAIN server side of one connection.
#[derive(Debug)]
pub struct PlainServer {
    config: HandshakeConfig,
    state: ServerState,
    zap: Option<ZapReply>,
    peer: Option<PeerInfo>,
}

impl PlainServer {
    /// A server that asks the ZAP handler about each client.
    pub fn new(config: HandshakeConfig) -> PlainServer {
        PlainServer {
            config,
            state: ServerState::WaitHello,
            zap: None,
            peer: None,
        }
    }

    fn on_hello(&mut self, data: &[u8], step: &mut Step<'_>) -> Result<(), ProtocolError> {
        let malformed = || ProtocolError::Handshake {
            code: MALFORMED_HELLO,
            what: "malformed PLAIN HELLO",
        };
        let (&ulen, rest) = data.split_first().ok_or_else(malformed)?;
        let user = rest.get(..usize::from(ulen)).ok_or_else(malformed)?;
        let rest = &rest[user.len()..];
        let (&plen, pass) = rest.split_first().ok_or_else(malformed)?;
        if pass.len() != usize::from(plen) {
            return Err(malformed());
        }
        self.state = ServerState::WaitZap;
        step.ask_zap(ZapRequest {
            domain: self.config.zap_domain.clone(),
            address: self.config.peer_address.clone(),
            identity: self.config.routing_id.clone(),
            mechanism: MECHANISM,
            credentials: vec![Bytes::copy_from_slice(user), Bytes::copy_from_slice(pass)],
        });
        Ok(())
    }
}

impl Mechanism for PlainServer {
    fn start(&mut self, _peer_as_server: bool, _step: &mut Step<'_>) -> Result<(), ProtocolError> {
        Ok(())
    }

    fn on_command(&mut self, body: Bytes, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        let (name, data) = split(&body);
        match (&self.state, name) {
            (ServerState::WaitHello, HELLO) => self.on_hello(data, step),
            (ServerState::WaitInitiate, INITIATE) => {
                let mut peer = accept(&self.config, data)?;
                if let Some(z) = self.zap.take() {
                    peer.add_zap(z);
                }
                step.send(&with_properties(READY, &self.config));
                self.peer = Some(peer);
                self.state = ServerState::Done;
                Ok(())
            }
            (ServerState::WaitHello | ServerState::WaitInitiate, _) => {
                Err(unexpected("unexpected command in PLAIN handshake"))
            }
            // libzmq: any command while waiting for ZAP, or after READY, is unspecified.
            _ => Err(ProtocolError::Handshake {
                code: 0x1000_0000,
                what: "command out of turn in PLAIN handshake",
            }),
        }
    }

    fn on_zap_reply(
        &mut self,
        reply: Option<ZapReply>,
        step: &mut Step<'_>,
    ) -> Result<(), ProtocolError> {
        // "there is no point to PLAIN if ZAP is not set up": no handler fails the handshake.
        let reply = reply.ok_or(ProtocolError::ZapUnavailable)?;
        if !reply.accepted() {
            if reply.status != 300 {
                step.send(&error_body_named(
                    LIBZMQ_ERROR,
                    reply.status.to_string().as_bytes(),
                ));
            }
            return Err(ProtocolError::AuthFailed(reply.status));
        }
        self.zap = Some(reply);
        step.send(WELCOME);
        self.state = ServerState::WaitInitiate;
        Ok(())
    }

    fn take_peer(&mut self) -> Option<PeerInfo> {
        self.peer.take()
    }
}

#[cfg(test)]
#[path = "plain_tests.rs"]
mod tests;
