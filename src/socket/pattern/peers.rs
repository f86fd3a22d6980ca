//! The pipes of one socket, each with what its pattern keeps per peer, and the two ways of
//! using them every pattern shares: round-robin out (load balancing) and fair-queued in.

use crate::message::Message;
use crate::pipe::{PipeEnd, PushError};
use crate::routing::ids::IdMap;
use crate::routing::{FairQueue, LoadBalancer};

/// A pipe to one peer, with the pattern's data about it.
pub(crate) struct Peer<T> {
    pub pipe: PipeEnd,
    pub data: T,
}

/// The pipes of one socket. Removing one swaps the last into its place, so positions
/// change; patterns that remember a peer across calls keep its pipe id.
pub(crate) struct Peers<T> {
    list: Vec<Peer<T>>,
    /// Each pipe's position in `list`, kept once the set has grown past `SCAN_MAX` (a
    /// ROUTER with 10,000 peers looked its sender up by scanning the list on every message,
    /// three quarters of its time); a small set is scanned, and costs no map.
    index: Option<IdMap<u64, usize>>,
    lb: LoadBalancer,
    fq: FairQueue,
    /// Peers removed since the pattern last looked (see [`Peers::take_gone`]), kept only
    /// for patterns that asked for them.
    gone: Vec<Peer<T>>,
    keep_gone: bool,
    /// The pipe the last received message came from.
    pub last_from: u64,
    /// Messages dropped for peers at their high-water mark, or unroutable.
    pub dropped: u64,
    /// The pipes removed since the core last asked: it forgets their metadata, and gives
    /// memory back after many.
    pub removed: Vec<u64>,
}

/// Sets up to this size find a pipe by scanning.
const SCAN_MAX: usize = 8;

impl<T> Default for Peers<T> {
    fn default() -> Self {
        Peers {
            list: Vec::new(),
            index: None,
            lb: LoadBalancer::new(),
            fq: FairQueue::new(),
            gone: Vec::new(),
            keep_gone: false,
            last_from: 0,
            dropped: 0,
            removed: Vec::new(),
        }
    }
}

impl<T> Peers<T> {
    /// A set that keeps the peers it reaps until [`Peers::take_gone`], for patterns that
    /// must forget what a peer left behind (a publisher's subscriptions).
    pub fn keeping_gone() -> Peers<T> {
        Peers {
            keep_gone: true,
            ..Peers::default()
        }
    }
}

impl<T> Peers<T> {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn add(&mut self, pipe: PipeEnd, data: T) {
        if let Some(index) = &mut self.index {
            index.insert(pipe.id(), self.list.len());
        }
        self.list.push(Peer { pipe, data });
        if self.index.is_none() && self.list.len() > SCAN_MAX {
            let index = self.list.iter().enumerate();
            self.index = Some(index.map(|(i, p)| (p.pipe.id(), i)).collect());
        }
    }

    pub fn get(&self, i: usize) -> &Peer<T> {
        &self.list[i]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Peer<T> {
        &mut self.list[i]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Peer<T>> {
        self.list.iter()
    }

    /// The position of the peer whose pipe has `id`.
    pub fn index_of(&self, pipe_id: u64) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&pipe_id).copied(),
            None => self.list.iter().position(|p| p.pipe.id() == pipe_id),
        }
    }

    /// The first peer `pred` picks.
    pub fn position(&self, pred: impl Fn(&Peer<T>) -> bool) -> Option<usize> {
        self.list.iter().position(pred)
    }

    /// Takes peer `i` out for good; its pipe closes when the peer is dropped.
    pub fn remove(&mut self, i: usize) -> Peer<T> {
        let peer = self.take(i);
        self.removed.push(peer.pipe.id());
        peer
    }

    /// Takes peer `i` out to be added again (a ROUTER settling its routing id).
    pub fn take(&mut self, i: usize) -> Peer<T> {
        let peer = self.list.swap_remove(i);
        if let Some(index) = &mut self.index {
            index.remove(&peer.pipe.id());
            if let Some(moved) = self.list.get(i) {
                index.insert(moved.pipe.id(), i);
            }
        }
        self.lb.pipe_removed(i, self.list.len());
        self.fq.pipe_removed(i, self.list.len());
        peer
    }

    /// Closes the pipe with this id, as if its peer had gone.
    pub fn close(&mut self, pipe_id: u64) {
        if let Some(i) = self.index_of(pipe_id) {
            let peer = self.remove(i);
            if self.keep_gone {
                self.gone.push(peer);
            }
        }
    }

    /// Removes the peers whose other end is gone and that have nothing left to read; they
    /// wait in `gone` for the pattern. Returns how many went.
    pub fn reap(&mut self) -> usize {
        let before = self.list.len();
        let mut i = 0;
        while i < self.list.len() {
            let p = &self.list[i].pipe;
            if p.is_peer_gone() && !p.has_input() {
                let peer = self.remove(i);
                if self.keep_gone {
                    self.gone.push(peer);
                }
            } else {
                i += 1;
            }
        }
        let n = before - self.list.len();
        if n >= 32 && self.list.capacity() > 4 * self.list.len() + 16 {
            self.list.shrink_to_fit();
            if let Some(index) = &mut self.index {
                index.shrink_to_fit();
            }
        }
        n
    }

    /// The peers removed since the last call.
    pub fn take_gone(&mut self) -> Vec<Peer<T>> {
        std::mem::take(&mut self.gone)
    }

    /// Closes every pipe.
    pub fn clear(&mut self) {
        self.list.clear();
        self.index = None;
        self.gone.clear();
        self.removed.clear();
    }

    /// Pushes to one pipe, round-robin over those with room. Returns the id of the pipe that
    /// took it, or the message when none could.
    pub fn send_lb(&mut self, msg: Message) -> Result<u64, Message> {
        let list = &self.list;
        let mut dead = false;
        let r = self
            .lb
            .send(list.len(), msg, |i, m| match list[i].pipe.push(m) {
                Ok(()) => Ok(()),
                Err(PushError::Full(m)) => Err(m),
                Err(PushError::Closed(m)) => {
                    dead = true;
                    Err(m)
                }
            })
            .map(|i| list[i].pipe.id());
        if dead {
            self.reap();
        }
        r
    }

    /// Round-robin send as an attempt: sent, or the message back when every pipe is full
    /// (PAIR, PUSH, DEALER).
    pub fn lb_attempt(&mut self, msg: Message) -> super::Attempt {
        match self.send_lb(msg) {
            Ok(_) => super::Attempt::Sent,
            Err(m) => super::Attempt::WouldBlock(m),
        }
    }

    /// The next message in fair-queued order, whoever sent it (PAIR, PULL, DEALER).
    pub fn recv_any(&mut self) -> Option<Message> {
        self.recv_fq().map(|(_, m)| m)
    }

    /// Takes the next message in fair-queued order, with the position of the peer it came
    /// from (valid until the next change to the set).
    pub fn recv_fq(&mut self) -> Option<(usize, Message)> {
        let list = &self.list;
        let mut dead = false;
        let r = self.fq.recv(list.len(), |i| match list[i].pipe.pull() {
            Ok(m) => m,
            Err(()) => {
                dead = true;
                None
            }
        });
        let from = r.as_ref().map(|(i, _)| self.list[*i].pipe.id());
        if let Some(id) = from {
            self.last_from = id;
        }
        if dead {
            self.reap();
            return r.and_then(|(_, m)| Some((self.index_of(from?)?, m)));
        }
        r
    }

    /// Queues `msg` for every peer `wanted` picks, never blocking: a peer at its high-water
    /// mark loses it (counted in `dropped`).
    pub fn distribute(&mut self, msg: &Message, wanted: impl Fn(&Peer<T>) -> bool) {
        let mut dead = false;
        for peer in self.list.iter().filter(|p| wanted(p)) {
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

    /// Whether any pipe holds a message to receive.
    pub fn any_has_input(&self) -> bool {
        self.list.iter().any(|p| p.pipe.has_input())
    }

    /// Whether any peer that is still there has room for a message now. When none has,
    /// the pipes wake the socket once room comes, as after a refused send: an event loop
    /// that asked ZMQ_EVENTS and saw no POLLOUT sleeps on ZMQ_FD until then.
    pub fn any_can_send(&self) -> bool {
        self.list
            .iter()
            .any(|p| !p.pipe.is_peer_gone() && p.pipe.has_room())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! In-memory pipes for the patterns' unit tests: no threads, no sockets.
    use std::sync::Arc;

    use crate::pipe::{Notifier, PipeConfig, PipeEnd, pipe_with};
    use crate::signal::Signal;

    /// A message's frames as byte slices, for comparing with literals.
    pub fn frames(m: &crate::message::Message) -> Vec<&[u8]> {
        m.frames().iter().map(|f| &f[..]).collect()
    }

    /// A pipe pair with room for `hwm` messages each way: the socket's end and the peer's.
    pub fn pipe(hwm: usize) -> (PipeEnd, PipeEnd) {
        let s = Arc::new(Signal::new());
        pipe_with(
            [Notifier::socket(s.clone()), Notifier::socket(s)],
            PipeConfig {
                hwm: [hwm, hwm],
                conflate: [false; 2],
                peer_hwms: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::testing::pipe;
    use super::*;

    #[test]
    fn lb_goes_round_robin_and_skips_a_full_pipe() {
        let mut peers = Peers::default();
        let (a, a_far) = pipe(1);
        let (b, b_far) = pipe(10);
        peers.add(a, ());
        peers.add(b, ());
        let ids: Vec<_> = (0..3)
            .map(|i| peers.send_lb(Message::single(vec![i])).unwrap())
            .collect();
        assert_eq!(ids[0], a_far.id());
        assert_eq!(ids[1], b_far.id());
        assert_eq!(ids[2], b_far.id(), "a is at its HWM of 1");
    }

    #[test]
    fn every_peer_is_found_by_its_pipe_id_after_removals_move_others() {
        let mut peers = Peers::default();
        let mut far_ends = Vec::new();
        for n in 0..(SCAN_MAX as u8 + 6) {
            let (near, far) = pipe(10);
            peers.add(near, n);
            far_ends.push(far);
        }
        // Removing from the front and the middle moves the last peers into their places.
        let first = peers.get(0).pipe.id();
        peers.close(first);
        let third = peers.get(2).pipe.id();
        peers.remove(2);
        assert_eq!((peers.index_of(first), peers.index_of(third)), (None, None));
        assert_eq!(peers.len(), SCAN_MAX + 4);
        for i in 0..peers.len() {
            assert_eq!(peers.index_of(peers.get(i).pipe.id()), Some(i));
        }
        peers.clear();
        assert!(far_ends.iter().all(|f| peers.index_of(f.id()).is_none()));
    }

    #[test]
    fn a_closed_pipe_is_reaped_and_reported_gone() {
        let mut peers = Peers::keeping_gone();
        let (a, a_far) = pipe(10);
        peers.add(a, 7u8);
        drop(a_far);
        assert_eq!(peers.reap(), 1);
        assert!(peers.is_empty());
        let gone = peers.take_gone();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].data, 7);
    }

    #[test]
    fn fq_takes_from_each_peer_in_turn_and_remembers_the_sender() {
        let mut peers = Peers::default();
        let (a, a_far) = pipe(10);
        let (b, b_far) = pipe(10);
        peers.add(a, ());
        peers.add(b, ());
        for far in [&a_far, &a_far, &b_far] {
            far.push(Message::single(far.id().to_be_bytes().to_vec()))
                .ok();
        }
        let order: Vec<_> = (0..3).map(|_| peers.recv_fq().unwrap().0).collect();
        assert_eq!(order, [0, 1, 0]);
        assert_eq!(peers.last_from, a_far.id());
    }
}
