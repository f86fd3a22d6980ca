//! NULL (RFC 37): one READY each way; with a ZAP domain set, the handler vets the peer
//! first, as libzmq does.

use bytes::Bytes;

use super::properties;
use super::{HandshakeConfig, Mechanism, Step, error_body, peer_error};
use crate::zmtp::ProtocolError;
use crate::zmtp::command::Command;
use crate::zmtp::engine::PeerInfo;
use crate::zmtp::zap::{ZapReply, ZapRequest};

/// The mechanism name in the greeting.
pub const MECHANISM: &str = "NULL";

/// The NULL handshake of one connection.
#[derive(Debug)]
pub struct Null {
    config: HandshakeConfig,
    ready_sent: bool,
    /// The peer's READY, accepted, until ours is sent too.
    peer: Option<PeerInfo>,
    zap_pending: bool,
    /// The handler's acceptance: its user id and metadata go to the peer's.
    zap: Option<ZapReply>,
    /// The handler's refusal, reported once the peer's READY is in (as libzmq, which
    /// fails only when a command went each way, so the peer reads our ERROR).
    refused: Option<u16>,
}

impl Null {
    /// A NULL handshake with `config`.
    pub fn new(config: HandshakeConfig) -> Null {
        Null {
            config,
            ready_sent: false,
            peer: None,
            zap_pending: false,
            zap: None,
            refused: None,
        }
    }

    fn send_ready(&mut self, step: &mut Step<'_>) {
        let mut body = b"\x05READY".to_vec();
        let props = properties::basic(self.config.socket_type, &self.config.routing_id);
        properties::encode(&props, &mut body);
        step.send(&body);
        self.ready_sent = true;
    }
}

impl Mechanism for Null {
    fn start(&mut self, _peer_as_server: bool, step: &mut Step<'_>) -> Result<(), ProtocolError> {
        if self.config.zap_domain.is_empty() {
            self.send_ready(step);
        } else {
            // libzmq asks the handler before its READY whenever a ZAP domain is set.
            self.zap_pending = true;
            step.ask_zap(ZapRequest {
                domain: self.config.zap_domain.clone(),
                address: self.config.peer_address.clone(),
                identity: self.config.routing_id.clone(),
                mechanism: MECHANISM,
                credentials: Vec::new(),
            });
        }
        Ok(())
    }

    fn on_command(&mut self, body: Bytes, _step: &mut Step<'_>) -> Result<(), ProtocolError> {
        match Command::decode(body)? {
            Command::Ready(props) if self.peer.is_none() => {
                let peer = properties::accept_ready(self.config.socket_type, props, 1)?;
                if let Some(status) = self.refused {
                    return Err(ProtocolError::AuthFailed(status));
                }
                self.peer = Some(peer);
                Ok(())
            }
            Command::Error(reason) => Err(peer_error(reason)),
            other => Err(ProtocolError::UnexpectedCommand(other.name().to_owned())),
        }
    }

    fn on_zap_reply(
        &mut self,
        reply: Option<ZapReply>,
        step: &mut Step<'_>,
    ) -> Result<(), ProtocolError> {
        self.zap_pending = false;
        match reply {
            None if self.config.zap_enforce_domain => Err(ProtocolError::ZapUnavailable),
            None => {
                self.send_ready(step);
                Ok(())
            }
            Some(r) if r.accepted() => {
                self.zap = Some(r);
                self.send_ready(step);
                Ok(())
            }
            Some(r) => {
                // 300 is a temporary failure: close without a word (RFC 27); 400 and 500
                // tell the peer why.
                if r.status != 300 {
                    step.send(&error_body(r.status.to_string().as_bytes()));
                }
                if self.peer.is_some() || r.status == 300 {
                    return Err(ProtocolError::AuthFailed(r.status));
                }
                self.refused = Some(r.status);
                Ok(())
            }
        }
    }

    fn take_peer(&mut self) -> Option<PeerInfo> {
        if !self.ready_sent || self.zap_pending {
            return None;
        }
        let mut peer = self.peer.take()?;
        if let Some(z) = self.zap.take() {
            peer.add_zap(z);
        }
        Some(peer)
    }
}
