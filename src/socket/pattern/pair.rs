//! PAIR (RFC 31): one peer at a time; a second is turned away while the first is there.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;

#[derive(Default)]
pub(crate) struct Pair {
    peers: Peers<()>,
}

impl Pattern for Pair {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, _o: &Options) {
        self.peers.reap();
        // Dropping the pipe closes it: the I/O thread ends that connection.
        if self.peers.is_empty() {
            self.peers.add(pipe, ());
        }
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        self.peers.lb_attempt(msg)
    }

    fn try_recv(&mut self, _o: &Options) -> Result<Option<Message>, Error> {
        Ok(self.peers.recv_any())
    }

    fn readable(&mut self, _o: &Options) -> Option<bool> {
        Some(self.peers.any_has_input())
    }

    fn writable(&mut self, _o: &Options) -> bool {
        self.peers.any_can_send()
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
    fn a_second_peer_is_turned_away_while_the_first_is_there() {
        let o = Options::default();
        let mut p = Pair::default();
        let (a, _a_far) = pipe(10);
        let (b, b_far) = pipe(10);
        p.attach(a, None, &o);
        p.attach(b, None, &o);
        assert!(b_far.is_peer_gone(), "the second pipe was closed");
        assert!(matches!(
            p.try_send(Message::single("x"), &o),
            Attempt::Sent
        ));
    }

    #[test]
    fn a_new_peer_is_taken_once_the_first_has_gone() {
        let o = Options::default();
        let mut p = Pair::default();
        let (a, a_far) = pipe(10);
        p.attach(a, None, &o);
        drop(a_far);
        let (b, b_far) = pipe(10);
        p.attach(b, None, &o);
        assert!(!b_far.is_peer_gone());
    }
}
