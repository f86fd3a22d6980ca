//! PUB, XPUB, SUB and XSUB routing: subscriptions travel upstream as messages whose first
//! byte is 1 (subscribe) or 0 (cancel); the publisher filters with each peer's subscriptions
//! so unsubscribed data never leaves it (RFC 29).

use std::collections::VecDeque;

use super::core::{Attempt, Peer, SocketCore};
use super::pattern::{PatternState, subscription};
use crate::message::Message;
use crate::pipe::PushError;
use crate::routing::Trie;
use crate::socket_type::SocketType;

/// What PUB and XPUB keep beyond each peer's own subscriptions.
#[derive(Default)]
pub(crate) struct PubState {
    /// How many peers hold each prefix: a prefix is new when the first subscribes and gone
    /// when the last cancels, which is what XPUB reports upstream.
    all: Trie,
    /// XPUB: subscription messages for the application.
    pending: VecDeque<Message>,
}

/// A subscription message's parts, if `msg` is one.
fn parse_subscription(msg: &Message) -> Option<(bool, &[u8])> {
    match msg.frames() {
        [only] if matches!(only.first(), Some(0 | 1)) => Some((only[0] == 1, &only[1..])),
        _ => None,
    }
}

impl SocketCore {
    /// Reads what peers sent a PUB or XPUB: subscriptions update the filters; for XPUB they,
    /// and any other message, queue up for the application.
    fn drain_subscriptions(&mut self) {
        let xpub = self.kind == SocketType::XPub;
        let verbose = self.options.xpub_verbose;
        let mut dead = false;
        for i in 0..self.peers.len() {
            loop {
                let msg = match self.peers[i].pipe.pull() {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(()) => {
                        dead = true;
                        break;
                    }
                };
                let PatternState::Pub(state) = &mut self.pattern else {
                    return;
                };
                let peer = &mut self.peers[i];
                match parse_subscription(&msg) {
                    Some((true, topic)) => {
                        // Each peer holds a prefix once; a repeat only matters to VERBOSE.
                        let fresh = !peer.subscriptions.contains(topic)
                            && peer.subscriptions.add(topic)
                            && state.all.add(topic);
                        if xpub && (fresh || verbose) {
                            state.pending.push_back(msg);
                        }
                    }
                    Some((false, topic)) => {
                        let gone = peer.subscriptions.remove_all(topic) && state.all.remove(topic);
                        if xpub && gone {
                            state.pending.push_back(msg);
                        }
                    }
                    None if xpub => state.pending.push_back(msg),
                    None => {}
                }
            }
        }
        if dead {
            self.reap();
        }
    }

    /// A PUB or XPUB peer left: its subscriptions no longer count, and an XPUB hears of the
    /// prefixes nobody holds any more.
    pub(super) fn pub_peer_removed(&mut self, peer: &Peer) {
        let xpub = self.kind == SocketType::XPub;
        let PatternState::Pub(state) = &mut self.pattern else {
            return;
        };
        for topic in peer.subscriptions.prefixes() {
            if state.all.remove(&topic) && xpub {
                state.pending.push_back(subscription(false, &topic));
            }
        }
    }

    /// PUB/XPUB send: to every peer whose subscriptions match the first frame. Never blocks:
    /// a peer at its high-water mark loses the message (counted in `dropped`).
    pub(super) fn send_pub(&mut self, msg: Message) -> Attempt {
        self.drain_subscriptions();
        let topic = msg.first().cloned().unwrap_or_default();
        self.distribute(msg, |peer| peer.subscriptions.matches(&topic));
        Attempt::Sent
    }

    /// XPUB receive: the next subscription message (or other upstream message).
    pub(super) fn recv_xpub(&mut self) -> Option<Message> {
        self.drain_subscriptions();
        match &mut self.pattern {
            PatternState::Pub(state) => state.pending.pop_front(),
            _ => None,
        }
    }

    /// SUB/XSUB receive: the next message matching our subscriptions; others are dropped
    /// (a PUB over tcp already filtered; inproc and old peers may not have).
    pub(super) fn recv_sub(&mut self) -> Option<Message> {
        loop {
            let (_, msg) = self.recv_fq()?;
            let PatternState::Sub(subs) = &self.pattern else {
                return Some(msg);
            };
            if subs.matches(msg.first().map_or(&[][..], |f| &f[..])) {
                return Some(msg);
            }
        }
    }

    /// Subscribes to a prefix (ZMQ_SUBSCRIBE); every subscribe goes upstream, as in libzmq,
    /// so an XPUB_VERBOSE publisher sees repeats.
    pub(crate) fn subscribe(&mut self, topic: &[u8]) {
        if let PatternState::Sub(subs) = &mut self.pattern {
            subs.add(topic);
            self.send_to_all(subscription(true, topic));
        }
    }

    /// Drops one reference to a prefix (ZMQ_UNSUBSCRIBE); the cancel goes upstream when the
    /// last reference is gone.
    pub(crate) fn unsubscribe(&mut self, topic: &[u8]) {
        if let PatternState::Sub(subs) = &mut self.pattern
            && subs.remove(topic)
        {
            self.send_to_all(subscription(false, topic));
        }
    }

    /// XSUB send: subscription messages update our filter on the way up; anything else goes
    /// upstream as it is.
    pub(super) fn send_xsub(&mut self, msg: Message) -> Attempt {
        match parse_subscription(&msg) {
            Some((true, topic)) => {
                let topic = topic.to_vec();
                self.subscribe(&topic);
            }
            Some((false, topic)) => {
                let topic = topic.to_vec();
                self.unsubscribe(&topic);
            }
            None => self.send_to_all(msg),
        }
        Attempt::Sent
    }

    fn send_to_all(&mut self, msg: Message) {
        self.distribute(msg, |_| true);
    }

    /// Queues `msg` for every peer `wanted` picks, never blocking: a peer at its high-water
    /// mark loses it (counted in `dropped`).
    fn distribute(&mut self, msg: Message, wanted: impl Fn(&Peer) -> bool) {
        let mut dead = false;
        for peer in self.peers.iter().filter(|p| wanted(p)) {
            match peer.pipe.push(msg.clone()) {
                Ok(()) => {}
                Err(PushError::Full(_)) => self.dropped += 1,
                Err(PushError::Closed(_)) => dead = true,
            }
        }
        if dead {
            self.reap();
        }
    }
}
