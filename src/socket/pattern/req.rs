//! REQ (RFC 28): a request goes to one peer, round-robin, with an empty delimiter frame in
//! front; only that peer's reply is taken, and only one request is outstanding unless
//! REQ_RELAXED. REQ_CORRELATE puts a request id in front of the delimiter and accepts only
//! the reply that carries it back.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet, first_generated_id, probe};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;

pub(crate) struct Req {
    peers: Peers<()>,
    /// The pipe the outstanding request went to.
    awaiting: Option<u64>,
    /// The id of the last request, for REQ_CORRELATE.
    request_id: u32,
}

impl Req {
    pub fn new() -> Req {
        Req {
            peers: Peers::default(),
            awaiting: None,
            request_id: first_generated_id(),
        }
    }

    fn in_turn(&self, o: &Options) -> bool {
        self.awaiting.is_none() || o.req_relaxed
    }
}

impl Pattern for Req {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, o: &Options) {
        probe(&pipe, o);
        self.peers.add(pipe, ());
    }

    fn try_send(&mut self, mut msg: Message, o: &Options) -> Attempt {
        if !self.in_turn(o) {
            return Attempt::Failed(Error::State, msg);
        }
        msg.push_front(Bytes::new());
        let id = self.request_id.wrapping_add(1);
        if o.req_correlate {
            msg.push_front(Bytes::copy_from_slice(&id.to_be_bytes()));
        }
        match self.peers.send_lb(msg) {
            Ok(pipe) => {
                self.awaiting = Some(pipe);
                self.request_id = id;
                Attempt::Sent
            }
            Err(mut m) => {
                // Give the caller back what it sent, without our envelope.
                m.pop_front();
                if o.req_correlate {
                    m.pop_front();
                }
                Attempt::WouldBlock(m)
            }
        }
    }

    fn try_recv(&mut self, o: &Options) -> Result<Option<Message>, Error> {
        let Some(expected) = self.awaiting else {
            return Err(Error::State);
        };
        // Only the reply from the peer that got the request counts; anything else is stale
        // (a reply to an abandoned request) and is dropped.
        while let Some((i, mut msg)) = self.peers.recv_fq() {
            if self.peers.get(i).pipe.id() != expected {
                continue;
            }
            if o.req_correlate
                && msg.pop_front().as_deref() != Some(&self.request_id.to_be_bytes()[..])
            {
                continue;
            }
            if msg.pop_front().is_none_or(|d| !d.is_empty()) || msg.is_empty() {
                continue;
            }
            self.awaiting = None;
            return Ok(Some(msg));
        }
        Ok(None)
    }

    fn writable(&mut self, o: &Options) -> bool {
        self.in_turn(o) && self.peers.any_can_send()
    }

    fn sends_after_recv(&self, o: &Options) -> bool {
        !o.req_relaxed
    }

    fn may_start(&mut self, _first: &[u8], o: &Options) -> Result<(), Error> {
        if self.in_turn(o) {
            Ok(())
        } else {
            Err(Error::State)
        }
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
    fn req_second_send_before_the_reply_is_efsm() {
        let o = Options::default();
        let mut req = Req::new();
        let (a, _far) = pipe(10);
        req.attach(a, None, &o);
        assert!(matches!(
            req.try_send(Message::single("q"), &o),
            Attempt::Sent
        ));
        assert!(matches!(
            req.try_send(Message::single("q2"), &o),
            Attempt::Failed(Error::State, _)
        ));
        assert!(!req.writable(&o));
    }

    #[test]
    fn req_receive_before_a_request_is_efsm() {
        assert!(matches!(
            Req::new().try_recv(&Options::default()),
            Err(Error::State)
        ));
    }

    #[test]
    fn req_takes_only_the_reply_from_the_peer_it_asked() {
        let o = Options::default();
        let mut req = Req::new();
        let (a, a_far) = pipe(10);
        let (b, b_far) = pipe(10);
        req.attach(a, None, &o);
        req.attach(b, None, &o);
        assert!(matches!(
            req.try_send(Message::single("q"), &o),
            Attempt::Sent
        ));
        let sent = a_far.pull().unwrap().unwrap();
        assert_eq!(frames(&sent), [&b""[..], b"q"]);
        b_far.push(Message::from(vec!["", "stale"])).ok();
        a_far.push(Message::from(vec!["", "answer"])).ok();
        let reply = req.try_recv(&o).unwrap().unwrap();
        assert_eq!(frames(&reply), [b"answer"]);
    }

    #[test]
    fn req_correlate_drops_a_reply_with_another_request_id() {
        let o = Options {
            req_correlate: true,
            req_relaxed: true,
            ..Options::default()
        };
        let mut req = Req::new();
        let (a, a_far) = pipe(10);
        req.attach(a, None, &o);
        assert!(matches!(
            req.try_send(Message::single("one"), &o),
            Attempt::Sent
        ));
        let first = a_far.pull().unwrap().unwrap();
        assert!(matches!(
            req.try_send(Message::single("two"), &o),
            Attempt::Sent
        ));
        let second = a_far.pull().unwrap().unwrap();
        let reply_to = |req: &Message, body: &'static [u8]| {
            Message::from(vec![
                req.frames()[0].clone(),
                Bytes::new(),
                Bytes::from(body),
            ])
        };
        a_far.push(reply_to(&first, b"late")).ok();
        a_far.push(reply_to(&second, b"fresh")).ok();
        let reply = req.try_recv(&o).unwrap().unwrap();
        assert_eq!(frames(&reply), [b"fresh"]);
    }
}
