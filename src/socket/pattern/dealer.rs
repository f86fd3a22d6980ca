//! DEALER: round-robin out, fair-queued in, no envelope of its own.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet, probe};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;

#[derive(Default)]
pub(crate) struct Dealer {
    peers: Peers<()>,
}

impl Pattern for Dealer {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, o: &Options) {
        probe(&pipe, o);
        self.peers.add(pipe, ());
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
    fn probe_router_sends_an_empty_message_to_each_new_peer() {
        let o = Options {
            probe_router: true,
            ..Options::default()
        };
        let mut d = Dealer::default();
        let (a, a_far) = pipe(10);
        d.attach(a, None, &o);
        let probe = a_far.pull().unwrap().unwrap();
        assert_eq!(probe.frames(), [Bytes::new()]);
    }
}
