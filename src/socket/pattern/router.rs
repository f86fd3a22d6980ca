//! ROUTER: a received message starts with its sender's routing id; a sent one goes to the
//! peer its first frame names. The identity table lives here: which id each peer has (its
//! own, when it announced one, else one generated here), who wins when two claim the same
//! (ROUTER_HANDOVER), and what an unroutable message does (ROUTER_MANDATORY).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use bytes::Bytes;

use super::peers::{Peer, Peers};
use super::{Attempt, Pattern, PipeSet, first_generated_id, generated_id, probe};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::{PipeEnd, PushError};

/// What the ROUTER knows of one peer.
#[derive(Default)]
pub(crate) struct Identity {
    /// The id messages to this peer are addressed with.
    id: Bytes,
    /// Whether `id` is settled (a pipe made at connect learns it with the handshake).
    settled: bool,
}

pub(crate) struct Router {
    peers: Peers<Identity>,
    /// Settled routing ids, by their keyed hash, and the pipes they name (entries of pipes
    /// since removed linger until the next prune). A hash, not the id, keeps an idle
    /// connection's cost down; a match is checked against the peer's id, and the rare hash
    /// shared by two ids falls back to a scan.
    ids: HashMap<u64, u64>,
    hasher: RandomState,
    /// The next generated routing id.
    next_id: u32,
    /// A message from a peer whose handshake news had not been taken in yet, with its pipe.
    held: Option<(u64, Message)>,
}

impl Router {
    pub fn new() -> Router {
        Router {
            peers: Peers::default(),
            ids: HashMap::new(),
            hasher: RandomState::new(),
            next_id: first_generated_id(),
            held: None,
        }
    }

    /// The position of the settled peer with routing id `id`.
    fn find(&self, id: &[u8]) -> Option<usize> {
        let is = |d: &Identity| d.settled && d.id == id;
        let pipe = self.ids.get(&self.hasher.hash_one(id))?;
        match self.peers.index_of(*pipe) {
            Some(i) if is(&self.peers.get(i).data) => Some(i),
            // Another id with the same hash holds the entry.
            _ => self.peers.position(|p| is(&p.data)),
        }
    }

    /// Settles a peer's routing id: its own if it announced one (one starting with a zero
    /// byte is reserved for generated ones), else a generated one; then adds it. A peer
    /// whose id is taken is turned away, unless ROUTER_HANDOVER gives it the id.
    fn settle(&mut self, mut peer: Peer<Identity>, announced: Bytes, o: &Options) -> Option<Bytes> {
        let id = if announced.is_empty() || announced[0] == 0 {
            generated_id(&mut self.next_id)
        } else {
            announced
        };
        if let Some(taken) = self.find(&id) {
            if !o.router_handover {
                return None;
            }
            self.peers.remove(taken);
        }
        peer.data = Identity {
            id: id.clone(),
            settled: true,
        };
        if self.ids.len() >= 2 * self.peers.len() + 64 {
            // Forget the ids of pipes that are gone; amortised over the settles since.
            let peers = &self.peers;
            self.ids.retain(|_, pipe| peers.index_of(*pipe).is_some());
        }
        let live = |pipe: &u64| self.peers.index_of(*pipe).is_some();
        let key = self.hasher.hash_one(&id[..]);
        if !self.ids.get(&key).is_some_and(live) {
            self.ids.insert(key, peer.pipe.id());
        }
        self.peers.add(peer.pipe, peer.data);
        Some(id)
    }

    /// A received message from the peer at `i`, with its routing id in front.
    fn addressed(&mut self, pipe_id: u64, mut msg: Message, o: &Options) -> Option<Message> {
        let i = self.peers.index_of(pipe_id)?;
        let id = if self.peers.get(i).data.settled {
            self.peers.get(i).data.id.clone()
        } else {
            // No id announced by the time its data is read: it gets a generated one.
            let peer = self.peers.take(i);
            self.settle(peer, Bytes::new(), o)?
        };
        msg.push_front(id);
        Some(msg)
    }
}

impl Pattern for Router {
    fn attach(&mut self, pipe: PipeEnd, peer_id: Option<Bytes>, o: &Options) {
        probe(&pipe, o);
        let peer = Peer {
            pipe,
            data: Identity::default(),
        };
        match peer_id {
            Some(id) => {
                // Turned away: dropping the pipe closes it.
                let _ = self.settle(peer, id, o);
            }
            None => self.peers.add(peer.pipe, peer.data),
        }
    }

    fn peer_ready(&mut self, pipe_id: u64, peer_id: Bytes, o: &Options) {
        // A peer keeps the id it was first given (CONNECT_ROUTING_ID, or a generated one
        // when its data came first), across reconnects too, as in libzmq.
        if let Some(i) = self.peers.index_of(pipe_id)
            && !self.peers.get(i).data.settled
        {
            let peer = self.peers.take(i);
            let _ = self.settle(peer, peer_id, o);
        }
    }

    fn try_send(&mut self, mut msg: Message, o: &Options) -> Attempt {
        let Some(id) = msg.first().cloned() else {
            return Attempt::Sent;
        };
        let Some(i) = self.find(&id) else {
            if o.router_mandatory {
                return Attempt::Failed(Error::HostUnreachable, msg);
            }
            self.peers.dropped += 1;
            return Attempt::Sent;
        };
        msg.pop_front();
        if msg.is_empty() {
            return Attempt::Sent;
        }
        match self.peers.get(i).pipe.push(msg) {
            Ok(()) => Attempt::Sent,
            Err(PushError::Full(mut m)) if o.router_mandatory => {
                m.push_front(id);
                Attempt::WouldBlock(m)
            }
            Err(PushError::Closed(mut m)) if o.router_mandatory => {
                m.push_front(id);
                self.peers.reap();
                Attempt::Failed(Error::HostUnreachable, m)
            }
            Err(_) => {
                self.peers.dropped += 1;
                Attempt::Sent
            }
        }
    }

    fn try_recv(&mut self, o: &Options) -> Result<Option<Message>, Error> {
        if let Some((pipe_id, msg)) = self.held.take()
            && let Some(m) = self.addressed(pipe_id, msg, o)
        {
            return Ok(Some(m));
        }
        while let Some((i, msg)) = self.peers.recv_fq() {
            let pipe_id = self.peers.get(i).pipe.id();
            if !self.peers.get(i).data.settled {
                // The handshake's news travels on the event channel and may trail the data:
                // the core takes its events in and asks again.
                self.held = Some((pipe_id, msg));
                return Ok(None);
            }
            if let Some(m) = self.addressed(pipe_id, msg, o) {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    fn wants_events(&self) -> bool {
        self.held.is_some()
    }

    fn writable(&mut self, o: &Options) -> bool {
        // libzmq: always writable, unless MANDATORY, where some peer must have room.
        !o.router_mandatory || self.peers.any_can_send()
    }

    fn can_queue(&mut self, first: &[u8], o: &Options) -> bool {
        // Without MANDATORY a message to a full or unknown peer is dropped, not refused.
        !o.router_mandatory
            || self
                .find(first)
                .is_some_and(|i| self.peers.get(i).pipe.has_room())
    }

    fn may_start(&mut self, first: &[u8], o: &Options) -> Result<(), Error> {
        if o.router_mandatory && self.find(first).is_none() {
            return Err(Error::HostUnreachable);
        }
        Ok(())
    }

    fn pipes(&mut self) -> &mut dyn PipeSet {
        &mut self.peers
    }
}

#[cfg(test)]
mod tests {
    use super::super::peers::testing::{frames, pipe};
    use super::*;

    #[test]
    fn router_prefixes_the_senders_announced_id_and_routes_by_it() {
        let o = Options::default();
        let mut r = Router::new();
        let (a, a_far) = pipe(10);
        r.attach(a, Some(Bytes::from_static(b"A")), &o);
        a_far.push(Message::single("hi")).ok();
        let m = r.try_recv(&o).unwrap().unwrap();
        assert_eq!(frames(&m), [&b"A"[..], b"hi"]);
        assert!(matches!(
            r.try_send(Message::from(vec!["A", "back"]), &o),
            Attempt::Sent
        ));
        assert_eq!(frames(&a_far.pull().unwrap().unwrap()), [b"back"]);
    }

    #[test]
    fn router_generates_a_five_byte_id_starting_with_zero_for_an_anonymous_peer() {
        let o = Options::default();
        let mut r = Router::new();
        let (a, a_far) = pipe(10);
        r.attach(a, Some(Bytes::new()), &o);
        a_far.push(Message::single("hi")).ok();
        let m = r.try_recv(&o).unwrap().unwrap();
        assert_eq!(m.frames()[0].len(), 5);
        assert_eq!(m.frames()[0][0], 0);
    }

    #[test]
    fn router_turns_away_a_duplicate_id_unless_handover() {
        let mut o = Options::default();
        let mut r = Router::new();
        let (a, _a_far) = pipe(10);
        let (b, b_far) = pipe(10);
        r.attach(a, Some(Bytes::from_static(b"X")), &o);
        r.attach(b, Some(Bytes::from_static(b"X")), &o);
        assert!(b_far.is_peer_gone());
        o.router_handover = true;
        let (c, c_far) = pipe(10);
        r.attach(c, Some(Bytes::from_static(b"X")), &o);
        assert!(!c_far.is_peer_gone());
        assert!(matches!(
            r.try_send(Message::from(vec!["X", "m"]), &o),
            Attempt::Sent
        ));
        assert!(
            c_far.pull().unwrap().is_some(),
            "the newcomer took the id over"
        );
    }

    #[test]
    fn router_routes_by_id_through_churn_and_forgets_the_ids_of_gone_peers() {
        let o = Options::default();
        let mut r = Router::new();
        let mut live = Vec::new();
        for n in 0..300u32 {
            let (near, far) = pipe(10);
            r.attach(near, Some(Bytes::from(format!("peer-{n}"))), &o);
            if n % 3 == 0 {
                live.push((n, far));
            } else {
                drop(far);
                r.peers.reap();
            }
        }
        assert!(
            r.ids.len() < 2 * r.peers.len() + 64,
            "{} ids kept",
            r.ids.len()
        );
        for (n, far) in &live {
            let msg = Message::from(vec![format!("peer-{n}").into_bytes(), b"m".to_vec()]);
            assert!(matches!(r.try_send(msg, &o), Attempt::Sent));
            assert!(far.pull().unwrap().is_some(), "peer-{n} got its message");
        }
        // A gone peer's id routes nowhere.
        let o = Options {
            router_mandatory: true,
            ..Options::default()
        };
        let gone = Message::from(vec!["peer-1", "m"]);
        assert!(matches!(
            r.try_send(gone, &o),
            Attempt::Failed(Error::HostUnreachable, _)
        ));
    }

    #[test]
    fn router_mandatory_fails_unroutable_and_blocks_at_the_hwm() {
        let o = Options {
            router_mandatory: true,
            ..Options::default()
        };
        let mut r = Router::new();
        assert!(matches!(
            r.try_send(Message::from(vec!["nobody", "m"]), &o),
            Attempt::Failed(Error::HostUnreachable, _)
        ));
        assert!(r.may_start(b"nobody", &o).is_err());
        let (a, _a_far) = pipe(1);
        r.attach(a, Some(Bytes::from_static(b"A")), &o);
        assert!(matches!(
            r.try_send(Message::from(vec!["A", "1"]), &o),
            Attempt::Sent
        ));
        assert!(!r.writable(&o));
        assert!(matches!(
            r.try_send(Message::from(vec!["A", "2"]), &o),
            Attempt::WouldBlock(_)
        ));
    }

    #[test]
    fn router_holds_data_from_a_peer_whose_handshake_news_trails_it() {
        let o = Options::default();
        let mut r = Router::new();
        let (a, a_far) = pipe(10);
        r.attach(a, None, &o);
        a_far.push(Message::single("early")).ok();
        assert!(r.try_recv(&o).unwrap().is_none());
        assert!(r.wants_events());
        r.peer_ready(a_far.id(), Bytes::from_static(b"late-id"), &o);
        let m = r.try_recv(&o).unwrap().unwrap();
        assert_eq!(frames(&m), [&b"late-id"[..], b"early"]);
    }
}
