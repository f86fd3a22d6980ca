//! STREAM: raw TCP peers with no ZMTP. Every connection gets a routing id (generated, or
//! CONNECT_ROUTING_ID for a connect); a received message is `[id, bytes]` as they arrived,
//! with an empty body announcing a connection and a disconnection (STREAM_NOTIFY, sent
//! in-band by the I/O thread so it stays in order with the data); a sent `[id, bytes]`
//! writes the bytes to that peer, and an empty body closes its connection.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet, first_generated_id, generated_id};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::{PipeEnd, PushError};

pub(crate) struct Stream {
    /// Each peer with its routing id.
    peers: Peers<Bytes>,
    next_id: u32,
    /// The id generated last, which libzmq reports as the socket's ZMQ_ROUTING_ID.
    generated: Option<Bytes>,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            peers: Peers::default(),
            next_id: first_generated_id(),
            generated: None,
        }
    }

    fn find(&self, id: &[u8]) -> Option<usize> {
        self.peers.position(|p| p.data == id)
    }
}

impl Pattern for Stream {
    fn attach(&mut self, pipe: PipeEnd, peer_id: Option<Bytes>, _o: &Options) {
        // A raw peer announces nothing: only a connect's CONNECT_ROUTING_ID names it.
        let id = match peer_id {
            Some(id) if !id.is_empty() => id,
            _ => {
                let id = generated_id(&mut self.next_id);
                self.generated = Some(id.clone());
                id
            }
        };
        if self.find(&id).is_none() {
            self.peers.add(pipe, id);
        }
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        let [id, body] = msg.frames() else {
            // libzmq ignores a message that is not an id and a body.
            return Attempt::Sent;
        };
        let Some(i) = self.find(id) else {
            return Attempt::Failed(Error::HostUnreachable, msg);
        };
        if body.is_empty() {
            // Dropping the pipe makes the I/O thread close the connection.
            let pipe_id = self.peers.get(i).pipe.id();
            self.peers.close(pipe_id);
            return Attempt::Sent;
        }
        let body = Message::single(body.clone());
        match self.peers.get(i).pipe.push(body) {
            Ok(()) => Attempt::Sent,
            Err(PushError::Full(_)) => Attempt::WouldBlock(msg),
            Err(PushError::Closed(_)) => {
                self.peers.reap();
                Attempt::Failed(Error::HostUnreachable, msg)
            }
        }
    }

    fn try_recv(&mut self, _o: &Options) -> Result<Option<Message>, Error> {
        Ok(self.peers.recv_fq().map(|(i, mut msg)| {
            msg.push_front(self.peers.get(i).data.clone());
            msg
        }))
    }

    fn writable(&mut self, _o: &Options) -> bool {
        true
    }

    fn may_start(&mut self, first: &[u8], _o: &Options) -> Result<(), Error> {
        match self.find(first) {
            Some(_) => Ok(()),
            None => Err(Error::HostUnreachable),
        }
    }

    fn can_queue(&mut self, first: &[u8], _o: &Options) -> bool {
        self.find(first)
            .is_some_and(|i| self.peers.get(i).pipe.has_room())
    }

    fn frames_per_message(&self) -> Option<usize> {
        Some(2)
    }

    fn take_reported_id(&mut self) -> Option<Bytes> {
        self.generated.take()
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
    fn stream_prefixes_data_with_a_generated_id_and_routes_replies_by_it() {
        let o = Options::default();
        let mut s = Stream::new();
        let (a, a_far) = pipe(10);
        s.attach(a, Some(Bytes::new()), &o);
        a_far.push(Message::single("GET /")).ok();
        let m = s.try_recv(&o).unwrap().unwrap();
        assert_eq!(m.frames()[0].len(), 5);
        assert_eq!(frames(&m)[1], b"GET /");
        let id = m.frames()[0].clone();
        let reply = Message::from(vec![id, Bytes::from_static(b"200 OK")]);
        assert!(matches!(s.try_send(reply, &o), Attempt::Sent));
        assert_eq!(frames(&a_far.pull().unwrap().unwrap()), [b"200 OK"]);
    }

    #[test]
    fn an_empty_body_closes_that_peer() {
        let o = Options::default();
        let mut s = Stream::new();
        let (a, a_far) = pipe(10);
        s.attach(a, Some(Bytes::from_static(b"peer")), &o);
        let close = Message::from(vec![Bytes::from_static(b"peer"), Bytes::new()]);
        assert!(matches!(s.try_send(close, &o), Attempt::Sent));
        assert!(a_far.is_peer_gone());
    }

    #[test]
    fn an_unknown_id_is_unreachable() {
        let o = Options::default();
        let mut s = Stream::new();
        assert!(matches!(
            s.try_send(Message::from(vec!["nobody", "x"]), &o),
            Attempt::Failed(Error::HostUnreachable, _)
        ));
        assert!(s.may_start(b"nobody", &o).is_err());
    }
}
