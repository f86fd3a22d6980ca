//! SUB and XSUB (RFC 29): subscriptions travel upstream to every publisher, each as a
//! message whose first byte is 1 (subscribe) or 0 (cancel), encoded by `zmtp`; received
//! messages are fair-queued and, by a SUB, filtered again here (an inproc or old publisher
//! may not have filtered), inverted under INVERT_MATCHING.

use bytes::Bytes;

use super::peers::Peers;
use super::{Attempt, Pattern, PipeSet};
use crate::error::Error;
use crate::message::Message;
use crate::options::Options;
use crate::pipe::PipeEnd;
use crate::routing::Trie;
use crate::zmtp::command::{Command, decode_subscription_message, encode_subscription_message};

pub(crate) struct Subscribe {
    xsub: bool,
    peers: Peers<()>,
    /// Our subscriptions, counted.
    subs: Trie,
}

impl Subscribe {
    pub fn new(xsub: bool) -> Subscribe {
        Subscribe {
            xsub,
            peers: Peers::default(),
            subs: Trie::new(),
        }
    }

    fn upstream(&mut self, subscribe: bool, topic: &[u8]) {
        let msg = Message::single(encode_subscription_message(subscribe, topic));
        self.peers.distribute(&msg, |_| true);
    }

    /// Every subscribe goes upstream, as in libzmq, so an XPUB_VERBOSE publisher sees
    /// repeats.
    fn add(&mut self, topic: &[u8]) {
        self.subs.add(topic);
        self.upstream(true, topic);
    }

    /// The cancel goes upstream when the last reference is gone.
    fn remove(&mut self, topic: &[u8]) {
        if self.subs.remove(topic) {
            self.upstream(false, topic);
        }
    }
}

impl Pattern for Subscribe {
    fn attach(&mut self, pipe: PipeEnd, _peer_id: Option<Bytes>, _o: &Options) {
        for topic in self.subs.prefixes() {
            let _ = pipe.push(Message::single(encode_subscription_message(true, &topic)));
        }
        self.peers.add(pipe, ());
    }

    fn try_send(&mut self, msg: Message, _o: &Options) -> Attempt {
        if !self.xsub {
            return Attempt::Failed(Error::NotSupported, msg);
        }
        let command = match msg.frames() {
            [only] => decode_subscription_message(only),
            _ => None,
        };
        match command {
            Some(Command::Subscribe(topic)) => self.add(&topic),
            Some(Command::Cancel(topic)) => self.remove(&topic),
            _ => self.peers.distribute(&msg, |_| true),
        }
        Attempt::Sent
    }

    fn try_recv(&mut self, o: &Options) -> Result<Option<Message>, Error> {
        while let Some((_, msg)) = self.peers.recv_fq() {
            // Only SUB filters (libzmq's options.filter): an XSUB hands over whatever its
            // publishers sent, which an XPUB_MANUAL publisher chooses itself.
            let topic = msg.first().map_or(&[][..], |f| &f[..]);
            if self.xsub || self.subs.matches(topic) != o.invert_matching {
                return Ok(Some(msg));
            }
        }
        Ok(None)
    }

    fn writable(&mut self, _o: &Options) -> bool {
        self.xsub
    }

    fn subscribe(&mut self, topic: &[u8], _o: &Options) -> Result<(), Error> {
        if self.xsub {
            return Err(Error::Invalid("no such option for this socket type"));
        }
        self.add(topic);
        Ok(())
    }

    fn unsubscribe(&mut self, topic: &[u8], _o: &Options) -> Result<(), Error> {
        if self.xsub {
            return Err(Error::Invalid("no such option for this socket type"));
        }
        self.remove(topic);
        Ok(())
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
    fn a_new_publisher_gets_every_subscription_held() {
        let o = Options::default();
        let mut s = Subscribe::new(false);
        s.subscribe(b"a", &o).unwrap();
        s.subscribe(b"b", &o).unwrap();
        let (p, p_far) = pipe(10);
        s.attach(p, None, &o);
        let got: Vec<_> = std::iter::from_fn(|| p_far.pull().unwrap())
            .map(|m| m.frames()[0].to_vec())
            .collect();
        assert_eq!(got, [b"\x01a".to_vec(), b"\x01b".to_vec()]);
    }

    #[test]
    fn the_cancel_goes_up_when_the_last_reference_is_dropped() {
        let o = Options::default();
        let mut s = Subscribe::new(false);
        let (p, p_far) = pipe(10);
        s.attach(p, None, &o);
        s.subscribe(b"t", &o).unwrap();
        s.subscribe(b"t", &o).unwrap();
        s.unsubscribe(b"t", &o).unwrap();
        s.unsubscribe(b"t", &o).unwrap();
        let got: Vec<_> = std::iter::from_fn(|| p_far.pull().unwrap())
            .map(|m| m.frames()[0].to_vec())
            .collect();
        assert_eq!(
            got,
            [b"\x01t".to_vec(), b"\x01t".to_vec(), b"\x00t".to_vec()]
        );
    }

    #[test]
    fn sub_filters_what_arrives_and_inverts_on_request() {
        let mut o = Options::default();
        let mut s = Subscribe::new(false);
        let (p, p_far) = pipe(10);
        s.attach(p, None, &o);
        s.subscribe(b"yes", &o).unwrap();
        p_far.push(Message::single("no.1")).ok();
        p_far.push(Message::single("yes.1")).ok();
        assert_eq!(s.try_recv(&o).unwrap().unwrap().frames()[0], &b"yes.1"[..]);
        o.invert_matching = true;
        p_far.push(Message::single("yes.2")).ok();
        p_far.push(Message::single("no.2")).ok();
        assert_eq!(s.try_recv(&o).unwrap().unwrap().frames()[0], &b"no.2"[..]);
    }

    #[test]
    fn xsub_hands_over_what_arrives_unfiltered() {
        let o = Options::default();
        let mut s = Subscribe::new(true);
        let (p, p_far) = pipe(10);
        s.attach(p, None, &o);
        let sub = Message::single(encode_subscription_message(true, b"A"));
        assert!(matches!(s.try_send(sub, &o), Attempt::Sent));
        p_far.push(Message::single("B")).ok();
        assert_eq!(s.try_recv(&o).unwrap().unwrap().frames()[0], &b"B"[..]);
    }

    #[test]
    fn xsub_sends_subscription_messages_and_other_messages_upstream() {
        let o = Options::default();
        let mut s = Subscribe::new(true);
        let (p, p_far) = pipe(10);
        s.attach(p, None, &o);
        let sub = Message::single(encode_subscription_message(true, b"x"));
        assert!(matches!(s.try_send(sub, &o), Attempt::Sent));
        assert!(matches!(
            s.try_send(Message::single("\x05hello"), &o),
            Attempt::Sent
        ));
        assert_eq!(p_far.pull().unwrap().unwrap().frames()[0], &b"\x01x"[..]);
        assert_eq!(
            p_far.pull().unwrap().unwrap().frames()[0],
            &b"\x05hello"[..]
        );
        assert!(
            s.subscribe(b"x", &o).is_err(),
            "XSUB takes no SUBSCRIBE option"
        );
    }
}
