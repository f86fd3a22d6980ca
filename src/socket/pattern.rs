//! Per-pattern routing on top of the shared core: which peer a message goes to, which
//! messages a receive may return, and the state REQ, REP and ROUTER keep between calls.

use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;

use super::core::{Attempt, Peer, SocketCore};
use crate::error::Error;
use crate::message::Message;
use crate::pipe::{PipeEnd, PushError};
use crate::routing::Trie;
use crate::socket_type::SocketType;

/// What a pattern remembers between calls.
pub(crate) enum PatternState {
    /// PAIR, PUSH, PULL, DEALER: round-robin out, fair-queued in.
    Plain,
    /// PUB and XPUB: how many peers subscribed to each prefix, and subscription messages
    /// waiting for an XPUB's application.
    Pub(super::pubsub_core::PubState),
    /// SUB and XSUB: our subscriptions, counted.
    Sub(Trie),
    /// REQ: the pipe the outstanding request went to, and its id for REQ_CORRELATE.
    Req {
        awaiting: Option<u64>,
        request_id: u32,
    },
    /// REP: where the reply to the last request goes, with its envelope.
    Rep { reply_to: Option<(u64, Vec<Bytes>)> },
    /// ROUTER: the next generated routing id.
    Router { next_id: u32 },
}

/// Generated routing ids start at a different point in each process, as libzmq's do, so
/// ids from a restarted peer are unlikely to collide with stale ones.
fn first_generated_id() -> u32 {
    static SEED: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    SEED.fetch_add(0x9E37_79B9, Ordering::Relaxed) ^ nanos ^ std::process::id()
}

impl PatternState {
    /// The initial state for a socket of `kind`.
    pub(crate) fn new(kind: SocketType) -> PatternState {
        match kind {
            SocketType::Pub | SocketType::XPub => PatternState::Pub(Default::default()),
            SocketType::Sub | SocketType::XSub => PatternState::Sub(Trie::new()),
            SocketType::Req => PatternState::Req {
                awaiting: None,
                request_id: first_generated_id(),
            },
            SocketType::Rep => PatternState::Rep { reply_to: None },
            SocketType::Router => PatternState::Router {
                next_id: first_generated_id(),
            },
            _ => PatternState::Plain,
        }
    }
}

impl SocketCore {
    /// Adds a pipe to a new peer. `identified` is false for a pipe made at connect, whose
    /// peer's routing id arrives later with its handshake.
    pub(super) fn attach(&mut self, pipe: PipeEnd, routing_id: Bytes, identified: bool) {
        self.reap();
        // ZMTP PAIR: one peer at a time; a second is turned away.
        if self.kind == SocketType::Pair && !self.peers.is_empty() {
            return;
        }
        if self.options.probe_router
            && matches!(
                self.kind,
                SocketType::Router | SocketType::Dealer | SocketType::Req
            )
        {
            let _ = pipe.push(Message::single(Bytes::new()));
        }
        if let PatternState::Sub(subs) = &self.pattern {
            for topic in subs.prefixes() {
                let _ = pipe.push(subscription(true, &topic));
            }
        }
        let mut peer = Peer {
            pipe,
            routing_id: Bytes::new(),
            identified: false,
            subscriptions: Trie::new(),
        };
        if identified {
            if self.kind == SocketType::Router {
                if !self.identify(&mut peer, routing_id) {
                    return;
                }
            } else {
                peer.routing_id = routing_id;
                peer.identified = true;
            }
        }
        self.peers.push(peer);
    }

    /// A pipe made at connect completed a handshake: learn the peer's routing id.
    pub(super) fn peer_ready(&mut self, pipe_id: u64, routing_id: Bytes) {
        let Some(i) = self.peer_index(pipe_id) else {
            return;
        };
        if self.kind != SocketType::Router {
            self.peers[i].routing_id = routing_id;
            self.peers[i].identified = true;
            return;
        }
        let mut peer = self.peers.swap_remove(i);
        self.lb.pipe_removed(i, self.peers.len());
        self.fq.pipe_removed(i, self.peers.len());
        peer.identified = false;
        if self.identify(&mut peer, routing_id) {
            self.peers.push(peer);
        }
    }

    /// ROUTER: settles a peer's routing id: its own if it announced one (an id starting with
    /// a zero byte is reserved for generated ones), else a generated one. Returns false when
    /// the peer is turned away because its id is taken and ROUTER_HANDOVER is off.
    fn identify(&mut self, peer: &mut Peer, announced: Bytes) -> bool {
        let id = if announced.is_empty() || announced[0] == 0 {
            let PatternState::Router { next_id } = &mut self.pattern else {
                return true;
            };
            let mut id = vec![0u8];
            id.extend_from_slice(&next_id.to_be_bytes());
            *next_id = next_id.wrapping_add(1);
            Bytes::from(id)
        } else {
            announced
        };
        if let Some(taken) = self
            .peers
            .iter()
            .position(|p| p.identified && p.routing_id == id)
        {
            if !self.options.router_handover {
                return false;
            }
            self.remove_peer(taken);
        }
        peer.routing_id = id;
        peer.identified = true;
        true
    }

    /// Lets the pattern forget a peer that is gone.
    pub(super) fn peer_removed(&mut self, peer: &Peer) {
        self.pub_peer_removed(peer);
    }

    /// One non-blocking send by the pattern's rules.
    pub(super) fn try_send(&mut self, msg: Message) -> Attempt {
        match self.kind {
            SocketType::Pub | SocketType::XPub => self.send_pub(msg),
            SocketType::XSub => self.send_xsub(msg),
            SocketType::Req => self.send_req(msg),
            SocketType::Rep => self.send_rep(msg),
            SocketType::Router => self.send_router(msg),
            SocketType::Sub | SocketType::Pull => Attempt::Failed(Error::NotSupported, msg),
            _ => match self.send_lb(msg) {
                Ok(_) => Attempt::Sent,
                Err(m) => Attempt::WouldBlock(m),
            },
        }
    }

    /// One non-blocking receive by the pattern's rules; `Ok(None)` when nothing is there.
    pub(super) fn try_recv(&mut self) -> Result<Option<Message>, Error> {
        match self.kind {
            SocketType::Pub | SocketType::Push => Err(Error::NotSupported),
            SocketType::XPub => Ok(self.recv_xpub()),
            SocketType::Sub | SocketType::XSub => Ok(self.recv_sub()),
            SocketType::Req => self.recv_req(),
            SocketType::Rep => self.recv_rep(),
            SocketType::Router => Ok(self.recv_router()),
            _ => Ok(self.recv_fq().map(|(_, m)| m)),
        }
    }

    /// Whether a send would go through now (ZMQ_POLLOUT).
    pub(crate) fn writable(&mut self) -> bool {
        if self.check_open().is_err() {
            return false;
        }
        self.process_events();
        match (&self.kind, &self.pattern) {
            (SocketType::Pub | SocketType::XPub | SocketType::XSub | SocketType::Router, _) => true,
            (SocketType::Sub | SocketType::Pull, _) => false,
            (_, PatternState::Rep { reply_to }) => reply_to.is_some(),
            (_, PatternState::Req { awaiting, .. })
                if awaiting.is_some() && !self.options.req_relaxed =>
            {
                false
            }
            _ => self.peers.iter().any(|p| p.pipe.can_send()),
        }
    }

    fn send_req(&mut self, mut msg: Message) -> Attempt {
        let PatternState::Req {
            awaiting,
            request_id,
        } = &mut self.pattern
        else {
            return Attempt::Failed(Error::State, msg);
        };
        if awaiting.is_some() && !self.options.req_relaxed {
            return Attempt::Failed(Error::State, msg);
        }
        msg.push_front(Bytes::new());
        if self.options.req_correlate {
            *request_id = request_id.wrapping_add(1);
            msg.push_front(Bytes::copy_from_slice(&request_id.to_be_bytes()));
        }
        match self.send_lb(msg) {
            Ok(id) => {
                if let PatternState::Req { awaiting, .. } = &mut self.pattern {
                    *awaiting = Some(id);
                }
                Attempt::Sent
            }
            Err(mut m) => {
                // Give the caller back what it sent, without our envelope.
                m.pop_front();
                if self.options.req_correlate {
                    m.pop_front();
                }
                Attempt::WouldBlock(m)
            }
        }
    }

    fn recv_req(&mut self) -> Result<Option<Message>, Error> {
        let PatternState::Req {
            awaiting,
            request_id,
        } = &self.pattern
        else {
            return Err(Error::State);
        };
        let Some(expected) = *awaiting else {
            return Err(Error::State);
        };
        let request_id = *request_id;
        let correlate = self.options.req_correlate;
        // Only the reply from the peer that got the request counts; anything else is stale
        // (a reply to an abandoned request) and is dropped.
        while let Some((i, mut msg)) = self.recv_fq() {
            if self.peers.get(i).map(|p| p.pipe.id()) != Some(expected) {
                continue;
            }
            if correlate {
                let id_ok = msg.pop_front().as_deref() == Some(&request_id.to_be_bytes()[..]);
                if !id_ok {
                    continue;
                }
            }
            if msg.pop_front().is_none_or(|d| !d.is_empty()) || msg.is_empty() {
                continue;
            }
            if let PatternState::Req { awaiting, .. } = &mut self.pattern {
                *awaiting = None;
            }
            return Ok(Some(msg));
        }
        Ok(None)
    }

    fn recv_rep(&mut self) -> Result<Option<Message>, Error> {
        if let PatternState::Rep { reply_to: Some(_) } = &self.pattern {
            return Err(Error::State);
        }
        while let Some((i, msg)) = self.recv_fq() {
            let pipe_id = self.peers[i].pipe.id();
            let mut frames = msg.into_frames();
            // The envelope runs up to and including the first empty frame (RFC 28).
            let Some(split) = frames.iter().position(Bytes::is_empty) else {
                continue;
            };
            let body: Vec<Bytes> = frames.split_off(split + 1);
            if body.is_empty() {
                continue;
            }
            self.pattern = PatternState::Rep {
                reply_to: Some((pipe_id, frames)),
            };
            return Ok(Some(Message::from(body)));
        }
        Ok(None)
    }

    fn send_rep(&mut self, msg: Message) -> Attempt {
        let PatternState::Rep { reply_to } = &mut self.pattern else {
            return Attempt::Failed(Error::State, msg);
        };
        let Some((pipe_id, mut envelope)) = reply_to.take() else {
            return Attempt::Failed(Error::State, msg);
        };
        envelope.extend(msg.into_frames());
        // A requester that went away, or whose queue is full, loses its reply (libzmq).
        if let Some(i) = self.peer_index(pipe_id)
            && self.peers[i].pipe.push(Message::from(envelope)).is_err()
        {
            self.dropped += 1;
        }
        Attempt::Sent
    }

    fn recv_router(&mut self) -> Option<Message> {
        let (i, mut msg) = self.recv_fq()?;
        if !self.peers[i].identified {
            // The handshake's news travels on the event channel and may trail the data.
            let pipe_id = self.peers[i].pipe.id();
            self.process_events();
            let i = self.peer_index(pipe_id)?;
            if !self.peers[i].identified {
                let mut peer = self.peers.swap_remove(i);
                self.lb.pipe_removed(i, self.peers.len());
                self.fq.pipe_removed(i, self.peers.len());
                if !self.identify(&mut peer, Bytes::new()) {
                    return None;
                }
                msg.push_front(peer.routing_id.clone());
                self.peers.push(peer);
                return Some(msg);
            }
            msg.push_front(self.peers[i].routing_id.clone());
            return Some(msg);
        }
        msg.push_front(self.peers[i].routing_id.clone());
        Some(msg)
    }

    fn send_router(&mut self, mut msg: Message) -> Attempt {
        let mandatory = self.options.router_mandatory;
        let Some(id) = msg.first().cloned() else {
            return Attempt::Sent;
        };
        let Some(i) = self
            .peers
            .iter()
            .position(|p| p.identified && p.routing_id == id)
        else {
            if mandatory {
                return Attempt::Failed(Error::HostUnreachable, msg);
            }
            self.dropped += 1;
            return Attempt::Sent;
        };
        msg.pop_front();
        if msg.is_empty() {
            return Attempt::Sent;
        }
        match self.peers[i].pipe.push(msg) {
            Ok(()) => Attempt::Sent,
            Err(PushError::Full(mut m)) if mandatory => {
                m.push_front(id);
                Attempt::WouldBlock(m)
            }
            Err(PushError::Closed(mut m)) if mandatory => {
                m.push_front(id);
                self.reap();
                Attempt::Failed(Error::HostUnreachable, m)
            }
            Err(_) => {
                self.dropped += 1;
                Attempt::Sent
            }
        }
    }
}

/// The 3.0 message form of a subscription (first byte 1) or cancel (0); the I/O thread turns
/// it into a SUBSCRIBE or CANCEL command for 3.1 peers.
pub(super) fn subscription(subscribe: bool, topic: &[u8]) -> Message {
    let mut body = Vec::with_capacity(topic.len() + 1);
    body.push(u8::from(subscribe));
    body.extend_from_slice(topic);
    Message::single(body)
}
