//! The engine's handshake: our greeting, the peer's, then the mechanism's commands and
//! the ZAP round trip until both sides are ready.

use bytes::Bytes;

use super::{Engine, EngineConfig, Event, PeerInfo, State};
use crate::message::Message;
use crate::zmtp::ProtocolError;
use crate::zmtp::greeting::{self, GREETING_LEN};
use crate::zmtp::mechanism::{self, HandshakeConfig, Security, Step, properties};
use crate::zmtp::zap::ZapReply;

impl Engine {
    /// Our whole greeting for `config`'s mechanism.
    pub(super) fn our_greeting(config: &EngineConfig) -> [u8; GREETING_LEN] {
        greeting::encode(config.security.name(), config.security.as_server())
    }

    /// Consumes the peer's greeting once all 64 bytes are in, then starts the mechanism.
    pub(super) fn read_greeting(&mut self) -> Result<bool, ProtocolError> {
        let due = greeting::staged(self.input.greeting_received()?);
        if due > self.greeting_sent {
            let ours = Engine::our_greeting(&self.config);
            self.out.put_slice(&ours[self.greeting_sent..due]);
            self.greeting_sent = due;
        }
        let Some(raw) = self.input.take_greeting()? else {
            return Ok(false);
        };
        let peer = greeting::decode(&raw)?;
        let security = &self.config.security;
        mechanism::check_peer_mechanism(security, &peer)?;
        // PLAIN and CURVE need one server and one client (RFC 23's as-server field). libzmq
        // 4.3 always sends 0 there, so only a peer that says it is a server can be caught
        // claiming our role; two clients find out from each other's first command.
        if !matches!(security, Security::Null) && peer.as_server && security.as_server() {
            return Err(ProtocolError::RoleClash("servers"));
        }
        self.peer_minor = Some(peer.effective_minor());
        let mut m = mechanism::build(security, self.handshake_config());
        let mut step = Step::new(&mut self.out, self.clock);
        m.start(peer.as_server, &mut step)?;
        self.zap_out = step.take_zap();
        self.mechanism = Some(m);
        self.state = State::Handshake;
        Ok(true)
    }

    fn handshake_config(&self) -> HandshakeConfig {
        let c = &self.config;
        HandshakeConfig {
            socket_type: c.socket_type,
            routing_id: c.routing_id.clone(),
            zap_domain: c.zap_domain.clone(),
            zap_enforce_domain: c.zap_enforce_domain,
            peer_address: c.peer_address.clone(),
        }
    }

    /// Hands a handshake command to the mechanism; a peer refused for its socket type is
    /// told why before the connection closes.
    pub(super) fn on_handshake_command(&mut self, body: Bytes) -> Result<(), ProtocolError> {
        let Some(m) = &mut self.mechanism else {
            return Err(ProtocolError::UnexpectedCommand("before greeting".into()));
        };
        let mut step = Step::new(&mut self.out, self.clock);
        let res = m.on_command(body, &mut step);
        self.zap_out = step.take_zap();
        if let Err(e) = &res
            && let Some(refusal) = properties::refusal(e)
        {
            refusal.encode(&mut self.out);
        }
        res
    }

    /// The handshake is complete: messages may flow, sealed if the mechanism seals them.
    pub(super) fn on_ready(&mut self, mut peer: PeerInfo) -> Event {
        peer.minor = self.peer_minor.unwrap_or(greeting::MINOR);
        self.sealed = self.mechanism.as_ref().is_some_and(|m| m.seals());
        if !self.sealed {
            // Its work is done: an idle connection should not keep it.
            self.mechanism = None;
        }
        self.state = State::Ready;
        self.peer = Some(peer.clone());
        Event::Ready(Box::new(peer))
    }

    /// Answers the engine's [`Event::ZapRequest`] with the handler's reply, or `None` when
    /// no handler is bound. A reply that does not parse, or that refuses the peer, closes
    /// the engine with the error libzmq reports (ERROR already queued where the peer is
    /// owed one); otherwise the next [`poll_event`](Engine::poll_event) continues the
    /// handshake.
    pub fn zap_reply(&mut self, reply: Option<&Message>) -> Result<(), ProtocolError> {
        let res = self.apply_zap_reply(reply);
        if let Err(e) = &res {
            self.close(e.clone());
        }
        res
    }

    fn apply_zap_reply(&mut self, reply: Option<&Message>) -> Result<(), ProtocolError> {
        if let State::Closed(e) = &self.state {
            return Err(e.clone());
        }
        let reply = reply.map(ZapReply::parse).transpose()?;
        let Some(m) = &mut self.mechanism else {
            return Ok(());
        };
        let mut step = Step::new(&mut self.out, self.clock);
        let res = m.on_zap_reply(reply, &mut step);
        self.zap_out = step.take_zap();
        res
    }
}
