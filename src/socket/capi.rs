//! What frame-at-a-time and event-driven callers (the C ABI) ask of the socket core beyond
//! whole-message send and receive: whether a message may start, who sent the last one, and
//! the socket's monitor.

use std::sync::Arc;

use super::core::SocketCore;
use crate::error::Error;
use crate::io::PeerMeta;
use crate::monitor::{Monitor, MonitorSink};

impl SocketCore {
    /// Whether a message could be started now, for APIs that send frame by frame (the C
    /// ABI): libzmq refuses the first frame with EFSM out of turn (REQ before its reply,
    /// REP before a request), and with EHOSTUNREACH a ROUTER_MANDATORY routing id that
    /// names no peer.
    pub(crate) fn may_start(&mut self, first_frame: &[u8]) -> Result<(), Error> {
        self.process_events();
        self.pattern.may_start(first_frame, &self.options)
    }

    /// The handshake metadata of the peer the last received message came from, if it
    /// sent any (tcp and ipc peers do; inproc ones do not, as in libzmq).
    pub(crate) fn last_meta(&mut self) -> Option<Arc<PeerMeta>> {
        let from = self.pattern.pipes().last_from();
        self.peer_meta.get(&from).cloned()
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
    fn a_mandatory_router_may_not_start_a_message_to_an_unknown_peer() {
        let ctx = Context::new();
        let mut router = SocketCore::new(&ctx, SocketType::Router).unwrap();
        assert!(router.may_start(b"nobody").is_ok());
        router.options.router_mandatory = true;
        assert!(matches!(
            router.may_start(b"nobody"),
            Err(Error::HostUnreachable)
        ));
    }
}
