//! PUB and XPUB (RFC 29): a message goes to every subscriber whose subscriptions match its
//! first frame, never blocking: a subscriber at its high-water mark loses it, unless
//! XPUB_NODROP. The subscription bookkeeping lives here: what each peer subscribed to, how
//! many peers hold each prefix, and which (un)subscriptions an XPUB hands its application
//! (new prefixes, prefixes nobody holds any more, or all of them under XPUB_VERBOSE(R)),
//! XPUB_MANUAL, where the application decides what each subscriber gets, and
//! XPUB_WELCOME_MSG.

use std::collections::VecDeque;

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;
use crate::routing::Trie;
use crate::zmtp::command::{Command, decode_subscription_message, encode_subscription_message};

/// What a publisher keeps per subscriber.
#[derive(Default)]
pub(crate) struct Subscriber {
    /// The prefixes messages to it are matched against.
    subs: Trie,
    /// XPUB_MANUAL: what it asked for, to cancel upstream when it goes.
    asked: Trie,
}

pub(crate) struct Publish {
    xpub: bool,
    peers: Peers<Subscriber>,
    /// How many peers hold each prefix: a prefix is new when the first subscribes and gone
    /// when the last cancels.
    all: Trie,
    /// XPUB: messages for the application, each with the pipe it came from.
    pending: VecDeque<(Message, Option<u64>)>,
    /// XPUB_MANUAL: the subscriber whose (un)subscription the application read last; its
    /// `subscribe` calls apply to that one.
    last_pipe: Option<u64>,
}

impl Publish {
    pub fn new(xpub: bool) -> Publish {
        Publish {
            xpub,
            peers: Peers::keeping_gone(),
            all: Trie::new(),
            pending: VecDeque::new(),
            last_pipe: None,
        }
    }

    fn notify(&mut self, subscribe: bool, topic: &[u8], from: Option<u64>) {
        if self.xpub {
            let msg = Message::single(encode_subscription_message(subscribe, topic));
            self.pending.push_back((msg, from));
        }
    }

    /// Reads what the subscribers sent: (un)subscriptions, and for XPUB anything else too.
    fn drain(&mut self, o: &Options) {
        for i in 0..self.peers.len() {
            while let Ok(Some(msg)) = self.peers.get(i).pipe.pull() {
                let pipe_id = self.peers.get(i).pipe.id();
                let command = match msg.frames() {
                    [only] => decode_subscription_message(only),
                    _ => None,
                };
                match command {
                    Some(Command::Subscribe(topic)) => self.subscribed(i, &topic, o),
                    Some(Command::Cancel(topic)) => self.cancelled(i, &topic, o),
                    _ if self.xpub => self.pending.push_back((msg, Some(pipe_id))),
                    _ => {}
                }
            }
        }
        self.peers.reap();
        self.forget_gone(o);
    }

    fn subscribed(&mut self, i: usize, topic: &[u8], o: &Options) {
        let pipe_id = self.peers.get(i).pipe.id();
        if o.xpub_manual {
            let asked = &mut self.peers.get_mut(i).data.asked;
            if !asked.contains(topic) {
                asked.add(topic);
            }
            self.notify(true, topic, Some(pipe_id));
            return;
        }
        let subs = &mut self.peers.get_mut(i).data.subs;
        // Each peer holds a prefix once; a repeat only matters to VERBOSE.
        let first = !subs.contains(topic) && subs.add(topic) && self.all.add(topic);
        if first || o.xpub_verbose || o.xpub_verboser {
            self.notify(true, topic, Some(pipe_id));
        }
    }

    fn cancelled(&mut self, i: usize, topic: &[u8], o: &Options) {
        let pipe_id = self.peers.get(i).pipe.id();
        if o.xpub_manual {
            self.peers.get_mut(i).data.asked.remove_all(topic);
            self.notify(false, topic, Some(pipe_id));
            return;
        }
        let held = self.peers.get_mut(i).data.subs.remove_all(topic);
        // libzmq tells the application of a cancel that removed the last holder, and of
        // one for a prefix this peer never held, and under VERBOSER of every one.
        let others_hold = held && !self.all.remove(topic);
        if !others_hold || o.xpub_verboser {
            self.notify(false, topic, Some(pipe_id));
        }
    }

    /// Subscribers that left: their prefixes no longer count, and an XPUB hears of those
    /// nobody holds any more (of all of them under VERBOSER or MANUAL).
    fn forget_gone(&mut self, o: &Options) {
        for peer in self.peers.take_gone() {
            let id = peer.pipe.id();
            if self.last_pipe == Some(id) {
                self.last_pipe = None;
            }
            for topic in peer.data.subs.prefixes() {
                let last = self.all.remove(&topic);
                if !o.xpub_manual && (last || o.xpub_verboser) {
                    self.notify(false, &topic, None);
                }
            }
            if o.xpub_manual {
                for topic in peer.data.asked.prefixes() {
                    self.notify(false, &topic, None);
                }
            }
        }
    }
}

impl Pattern for Publish {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, o: &Options) {
        if self.xpub && !o.xpub_welcome_msg.is_empty() {
            let _ = pipe.push(Message::single(o.xpub_welcome_msg.clone()));
        }
        self.peers.add(pipe, Subscriber::default());
    }

    fn try_send(&mut self, msg: Message, o: &Options) -> Attempt {
        self.drain(o);
        let topic = msg.first().cloned().unwrap_or_default();
        let invert = o.invert_matching;
        let wanted = |p: &super::peers::Peer<Subscriber>| p.data.subs.matches(&topic) != invert;
        if self.xpub
            && o.xpub_nodrop
            && !self
                .peers
                .iter()
                .filter(|p| wanted(p))
                .all(|p| p.pipe.has_room())
        {
            return Attempt::WouldBlock(msg);
        }
        self.peers.distribute(&msg, wanted);
        self.forget_gone(o);
        Attempt::Sent
    }

    fn try_recv(&mut self, o: &Options) -> Result<Option<Message>, Error> {
        if !self.xpub {
            return Err(Error::NotSupported);
        }
        self.drain(o);
        Ok(self.pending.pop_front().map(|(msg, from)| {
            if o.xpub_manual {
                self.last_pipe = from;
            }
            msg
        }))
    }

    fn writable(&mut self, _o: &Options) -> bool {
        true
    }

    fn subscribe(&mut self, topic: &[u8], o: &Options) -> Result<(), Error> {
        if !self.xpub || !o.xpub_manual {
            return Err(Error::Invalid("no such option for this socket type"));
        }
        let Some(i) = self.last_pipe.and_then(|id| self.peers.index_of(id)) else {
            return Ok(());
        };
        let subs = &mut self.peers.get_mut(i).data.subs;
        if !subs.contains(topic) && subs.add(topic) {
            self.all.add(topic);
        }
        Ok(())
    }

    fn unsubscribe(&mut self, topic: &[u8], o: &Options) -> Result<(), Error> {
        if !self.xpub || !o.xpub_manual {
            return Err(Error::Invalid("no such option for this socket type"));
        }
        let Some(i) = self.last_pipe.and_then(|id| self.peers.index_of(id)) else {
            return Ok(());
        };
        if self.peers.get_mut(i).data.subs.remove_all(topic) {
            self.all.remove(topic);
        }
        Ok(())
    }

    fn pipes(&mut self) -> &mut dyn PipeSet {
        &mut self.peers
    }
}

#[cfg(test)]
#[path = "publish_tests.rs"]
mod tests;
