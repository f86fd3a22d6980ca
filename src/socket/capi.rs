//! What frame-at-a-time and event-driven callers (the C ABI) ask of the socket core beyond
//! whole-message send and receive: whether a message may start, who sent the last one, and
//! the socket's monitor.

use std::sync::Arc;

use super::core::SocketCore;
use crate::error::Error;
use crate::io::PeerMeta;
use crate::message::Properties;
use crate::monitor::{Monitor, MonitorSink};

impl SocketCore {
    /// Whether a message could be started now, for APIs that send frame by frame (the C
    /// ABI): libzmq refuses the first frame with EFSM out of turn (REQ before its reply,
    /// REP before a request), and with EHOSTUNREACH a ROUTER_MANDATORY routing id that
    /// names no peer.
    pub(crate) fn may_start(&mut self, first_frame: &[u8]) -> Result<(), Error> {
        if self.receiving(false) {
            return Err(Error::State);
        }
        self.process_events();
        self.pattern.may_start(first_frame, &self.options)
    }

    /// Whether a message starting with `first_frame` could be queued now (see
    /// [`Pattern::can_queue`](super::pattern::Pattern::can_queue)).
    pub(crate) fn can_queue(&mut self, first_frame: &[u8]) -> bool {
        self.process_events();
        self.pattern.can_queue(first_frame, &self.options)
    }

    /// How many frames make a message regardless of MORE flags, for types that fix it.
    pub(crate) fn frames_per_message(&self) -> Option<usize> {
        self.pattern.frames_per_message()
    }

    /// The handshake metadata of the peer the last received message came from, if it
    /// sent any (tcp and ipc peers do; inproc ones do not, as in libzmq).
    pub(crate) fn last_meta(&mut self) -> Option<Arc<PeerMeta>> {
        let from = self.pattern.pipes().last_from();
        self.peer_meta.get(&from).cloned()
    }

    /// [`last_meta`](Self::last_meta) for a received Message, reusing the last handle while
    /// messages keep coming from the same connection.
    pub(crate) fn last_properties(&mut self) -> Option<Properties> {
        let meta = self.last_meta()?;
        match &self.last_properties {
            Some(p) if p.is(&meta) => Some(p.clone()),
            _ => {
                let p = Properties::new(meta);
                self.last_properties = Some(p.clone());
                Some(p)
            }
        }
    }

    /// Records a peer's handshake metadata, for the pipes the pattern kept (a PAIR's second
    /// peer, a ROUTER's duplicate id are turned away and forgotten).
    pub(super) fn note_meta(&mut self, pipe_id: u64, meta: Option<Arc<PeerMeta>>) {
        match meta {
            Some(meta) if self.pattern.pipes().has_pipe(pipe_id) => {
                self.peer_meta.insert(pipe_id, meta);
            }
            _ => {
                self.peer_meta.remove(&pipe_id);
            }
        }
    }

    /// Starts a monitor of this socket's events in `mask` (libzmq's ZMQ_EVENT_* bits); a
    /// monitor it replaces hears MonitorStopped, as does this one when the socket closes.
    pub(crate) fn monitor(&mut self, mask: u16) -> Monitor {
        let (sink, monitor) = MonitorSink::new(mask);
        self.state.set_monitor(Some(sink));
        monitor
    }

    /// Stops the monitor, if one runs (it hears MonitorStopped).
    pub(crate) fn stop_monitor(&mut self) {
        self.state.set_monitor(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;
    use crate::message::Message;
    use crate::socket_type::SocketType;

    #[test]
    fn a_req_may_not_start_a_second_request_before_its_reply() {
        let ctx = Context::new();
        let mut rep = SocketCore::new(&ctx, SocketType::Rep).unwrap();
        let mut req = SocketCore::new(&ctx, SocketType::Req).unwrap();
        rep.bind("inproc://capi-req").unwrap();
        req.connect("inproc://capi-req").unwrap();
        assert!(req.may_start(b"x").is_ok());
        req.send(Message::from("q"), true).unwrap();
        assert!(matches!(req.may_start(b"x"), Err(Error::State)));
    }

    #[test]
    fn a_rep_may_not_answer_before_a_request() {
        let ctx = Context::new();
        let mut rep = SocketCore::new(&ctx, SocketType::Rep).unwrap();
        assert!(matches!(rep.may_start(b"x"), Err(Error::State)));
    }

    #[test]
    fn a_rep_that_took_a_request_early_may_not_reply_until_it_is_received() {
        let ctx = Context::new();
        let mut rep = SocketCore::new(&ctx, SocketType::Rep).unwrap();
        let mut req = SocketCore::new(&ctx, SocketType::Req).unwrap();
        rep.bind("inproc://capi-early").unwrap();
        req.connect("inproc://capi-early").unwrap();
        req.send(Message::from("q"), true).unwrap();
        assert!(rep.readable());
        assert!(
            !rep.writable(),
            "libzmq: POLLIN only until the request is received"
        );
        assert!(matches!(rep.may_start(b"r"), Err(Error::State)));
        let refused = rep.send(Message::from("r"), true).unwrap_err();
        assert!(matches!(refused.error, Error::State));
        rep.recv(true).unwrap();
        assert!(rep.writable());
        rep.send(Message::from("r"), true).unwrap();
    }

    #[test]
    fn a_dealer_answers_readable_without_taking_the_message() {
        let ctx = Context::new();
        let mut a = SocketCore::new(&ctx, SocketType::Dealer).unwrap();
        let mut b = SocketCore::new(&ctx, SocketType::Dealer).unwrap();
        a.bind("inproc://capi-peek").unwrap();
        b.connect("inproc://capi-peek").unwrap();
        b.send(Message::from("m"), true).unwrap();
        assert!(a.readable());
        assert!(a.lookahead.is_none());
    }

    #[test]
    fn a_full_dealer_asked_for_pollout_is_woken_when_room_comes() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        use crate::signal::Watcher;

        #[derive(Default)]
        struct Wakes(AtomicUsize);
        impl Watcher for Wakes {
            fn wake(&self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }

        let ctx = Context::new();
        let mut a = SocketCore::new(&ctx, SocketType::Dealer).unwrap();
        let mut b = SocketCore::new(&ctx, SocketType::Dealer).unwrap();
        for s in [&mut a, &mut b] {
            s.options_mut().sndhwm = 2;
            s.options_mut().rcvhwm = 2;
        }
        a.bind("inproc://capi-full").unwrap();
        b.connect("inproc://capi-full").unwrap();
        // Filled as an event loop fills it: never a refused send, which would also ask
        // for the wake-up.
        let mut sent = 0;
        while b.writable() {
            b.send(Message::from("m"), true).unwrap();
            sent += 1;
        }
        let wakes = Arc::new(Wakes::default());
        b.signal().watch(&wakes);
        for _ in 0..sent {
            a.recv(true).unwrap();
        }
        assert!(wakes.0.load(Ordering::SeqCst) > 0);
        assert!(b.writable());
    }

    #[test]
    fn a_mandatory_router_may_not_start_a_message_to_an_unknown_peer() {
        let ctx = Context::new();
        let mut router = SocketCore::new(&ctx, SocketType::Router).unwrap();
        assert!(router.may_start(b"nobody").is_ok());
        router.options_mut().router_mandatory = true;
        assert!(matches!(
            router.may_start(b"nobody"),
            Err(Error::HostUnreachable)
        ));
    }
}
