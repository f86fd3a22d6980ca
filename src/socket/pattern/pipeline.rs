//! PUSH and PULL (RFC 30): each message to one peer, round-robin, blocking at the
//! high-water mark; received fair-queued from every peer.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;

#[derive(Default)]
pub(crate) struct Push {
    peers: Peers<()>,
}

impl Pattern for Push {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, _o: &Options) {
        self.peers.add(pipe, ());
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        self.peers.lb_attempt(msg)
    }

    fn try_recv(&mut self, _o: &Options) -> Result<Option<Message>, Error> {
        Err(Error::NotSupported)
    }

    fn writable(&mut self, _o: &Options) -> bool {
        self.peers.any_can_send()
    }

    fn pipes(&mut self) -> &mut dyn PipeSet {
        &mut self.peers
    }
}

#[derive(Default)]
pub(crate) struct Pull {
    peers: Peers<()>,
}

impl Pattern for Pull {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, _o: &Options) {
        self.peers.add(pipe, ());
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        Attempt::Failed(Error::NotSupported, msg)
    }

    fn try_recv(&mut self, _o: &Options) -> Result<Option<Message>, Error> {
        Ok(self.peers.recv_any())
    }

    fn readable(&mut self, _o: &Options) -> Option<bool> {
        Some(self.peers.any_has_input())
    }

    fn writable(&mut self, _o: &Options) -> bool {
        false
    }

    fn pipes(&mut self) -> &mut dyn PipeSet {
        &mut self.peers
    }
}

#[cfg(test)]
mod tests {
    use super::super::peers::testing::pipe;
    use super::*;

    #[test]
    fn push_blocks_when_every_peer_is_at_its_hwm() {
        let o = Options::default();
        let mut push = Push::default();
        assert!(matches!(
            push.try_send(Message::single("x"), &o),
            Attempt::WouldBlock(_)
        ));
        let (a, _far) = pipe(1);
        push.attach(a, None, &o);
        assert!(matches!(
            push.try_send(Message::single("x"), &o),
            Attempt::Sent
        ));
        assert!(!push.writable(&o));
        assert!(matches!(
            push.try_send(Message::single("y"), &o),
            Attempt::WouldBlock(_)
        ));
    }

    #[test]
    fn pull_cannot_send_and_push_cannot_receive() {
        let o = Options::default();
        assert!(matches!(
            Pull::default().try_send(Message::single("x"), &o),
            Attempt::Failed(Error::NotSupported, _)
        ));
        assert!(matches!(
            Push::default().try_recv(&o),
            Err(Error::NotSupported)
        ));
    }
}
