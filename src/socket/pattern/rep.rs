//! REP (RFC 28): receives a request, fair-queued, keeps its envelope (the frames up to and
//! including the first empty one) and sends the reply back with it to the requester.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;

#[derive(Default)]
pub(crate) struct Rep {
    peers: Peers<()>,
    /// Where the reply to the request being served goes, with its envelope.
    reply_to: Option<(u64, Vec<Bytes>)>,
}

impl Pattern for Rep {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, _o: &Options) {
        self.peers.add(pipe, ());
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        let Some((pipe_id, mut envelope)) = self.reply_to.take() else {
            return Attempt::Failed(Error::State, msg);
        };
        envelope.extend(msg.into_frames());
        // A requester that went away, or whose queue is full, loses its reply (libzmq).
        if let Some(i) = self.peers.index_of(pipe_id)
            && self
                .peers
                .get(i)
                .pipe
                .push(Message::from(envelope))
                .is_err()
        {
            self.peers.dropped += 1;
        }
        Attempt::Sent
    }

    fn try_recv(&mut self, _o: &Options) -> Result<Option<Message>, Error> {
        if self.reply_to.is_some() {
            return Err(Error::State);
        }
        while let Some((i, msg)) = self.peers.recv_fq() {
            let pipe_id = self.peers.get(i).pipe.id();
            let mut frames = msg.into_frames();
            // The envelope runs up to and including the first empty frame (RFC 28); a
            // request without one, or without a body, is malformed and dropped.
            let Some(split) = frames.iter().position(Bytes::is_empty) else {
                continue;
            };
            let body: Vec<Bytes> = frames.split_off(split + 1);
            if body.is_empty() {
                continue;
            }
            self.reply_to = Some((pipe_id, frames));
            return Ok(Some(Message::from(body)));
        }
        Ok(None)
    }

    fn writable(&mut self, _o: &Options) -> bool {
        self.reply_to.is_some()
    }

    fn sends_after_recv(&self, _o: &Options) -> bool {
        true
    }

    fn may_start(&mut self, _first: &[u8], _o: &Options) -> Result<(), Error> {
        if self.reply_to.is_some() {
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
    fn rep_sends_the_reply_back_with_the_requests_envelope() {
        let o = Options::default();
        let mut rep = Rep::default();
        let (a, a_far) = pipe(10);
        rep.attach(a, None, &o);
        a_far.push(Message::from(vec!["id", "", "question"])).ok();
        assert!(!rep.writable(&o));
        let req = rep.try_recv(&o).unwrap().unwrap();
        assert_eq!(frames(&req), [b"question"]);
        assert!(rep.writable(&o));
        assert!(matches!(
            rep.try_send(Message::single("answer"), &o),
            Attempt::Sent
        ));
        let reply = a_far.pull().unwrap().unwrap();
        assert_eq!(frames(&reply), [&b"id"[..], b"", b"answer"]);
    }

    #[test]
    fn rep_drops_a_request_without_a_delimiter() {
        let o = Options::default();
        let mut rep = Rep::default();
        let (a, a_far) = pipe(10);
        rep.attach(a, None, &o);
        a_far.push(Message::from(vec!["no", "delimiter"])).ok();
        assert!(rep.try_recv(&o).unwrap().is_none());
    }

    #[test]
    fn rep_send_before_a_request_and_second_receive_are_efsm() {
        let o = Options::default();
        let mut rep = Rep::default();
        assert!(matches!(
            rep.try_send(Message::single("x"), &o),
            Attempt::Failed(Error::State, _)
        ));
        assert!(rep.may_start(b"x", &o).is_err());
        let (a, a_far) = pipe(10);
        rep.attach(a, None, &o);
        a_far.push(Message::from(vec!["", "q"])).ok();
        rep.try_recv(&o).unwrap().unwrap();
        assert!(matches!(rep.try_recv(&o), Err(Error::State)));
    }
}
