//! libzmq, the peer program, binds and authenticates (with its own ZAP handler thread, or
//! none); ferrozmq connects.

use std::time::Duration;

use ferrozmq::{Context, Dealer, Push, Req};

use super::*;
use crate::common::raw;
use crate::support::security_peer::{Outcome, Peer, Report};

/// A ferrozmq PUSH set up by `configure`, its monitor (started before the connect, so no
/// event is missed), connected to `at`.
fn push_client(ctx: &Context, at: &str, configure: impl FnOnce(&Push)) -> (Push, Monitor) {
    let push = Push::new(ctx).unwrap();
    // A refused client may hold its message: it must not hold the context open.
    push.set_linger(Some(Duration::ZERO)).unwrap();
    configure(&push);
    let events = push.monitor();
    push.connect(at).unwrap();
    (push, events)
}

fn plain_credentials(user: &'static str, pass: &'static str) -> impl FnOnce(&Push) {
    move |push| {
        push.set_plain_username(user).unwrap();
        push.set_plain_password(pass).unwrap();
    }
}

/// The ferrozmq client's first handshake failed as `event` with `value`.
fn assert_client_refused(events: &Monitor, event: u16, value: u32) {
    let saw = first_handshake(events);
    assert_eq!((saw.number(), saw.value()), (event, value), "{saw:?}");
}

over_tcp_and_ipc! {
    fn null_client_gets_in_without_a_zap_handler_and_has_no_user_id(t: Transport) {
        let (peer, at) = Peer::server("PULL", &bind_at(t), &["mech=null"]);
        let ctx = Context::new();
        let (push, events) = push_client(&ctx, &at, |_| {});
        push.send("hello").unwrap();
        assert!(matches!(first_handshake(&events), MonitorEvent::HandshakeSucceeded { .. }));
        let got = peer.finish().outcome;
        assert_eq!(got, Outcome::Ok { received: "hello".into(), user_id: None });
    }
}

over_tcp_and_ipc! {
    fn null_client_is_let_in_and_named_by_the_zap_handler_of_a_server_with_a_domain(
        t: Transport
    ) {
        let options = ["domain=global", "zap=accept", "user_id=anonymous"];
        let (peer, at) = Peer::server("PULL", &bind_at(t), &options);
        let ctx = Context::new();
        let (push, _events) = push_client(&ctx, &at, |_| {});
        push.send("hello").unwrap();
        let seen = peer.finish();
        let want = Outcome::Ok { received: "hello".into(), user_id: Some("anonymous".into()) };
        assert_eq!(seen.outcome, want);
        assert_eq!(seen.zap.len(), 1);
        let zap = &seen.zap[0];
        assert_eq!((&*zap.mechanism, &*zap.domain), ("NULL", "global"));
        assert!(zap.credentials.is_empty());
        assert_eq!(zap.address, libzmq_zap_address(t, std::process::id()));
    }
}

over_tcp_and_ipc! {
    fn null_client_refused_by_the_zap_handler_fails_with_400_on_both_sides(t: Transport) {
        let (peer, at) = Peer::server("PULL", &bind_at(t), &["domain=global", "zap=deny"]);
        let ctx = Context::new();
        let (_push, events) = push_client(&ctx, &at, |_| {});
        let refused = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_AUTH, value: 400 };
        assert_eq!(peer.finish().outcome, refused);
        assert_client_refused(&events, HANDSHAKE_FAILED_AUTH, 400);
    }
}

over_tcp_and_ipc! {
    fn zap_handler_is_not_asked_about_a_null_client_when_the_server_has_no_domain(
        t: Transport
    ) {
        let (peer, at) = Peer::server("PULL", &bind_at(t), &["zap=deny"]);
        let ctx = Context::new();
        let (push, _events) = push_client(&ctx, &at, |_| {});
        push.send("hello").unwrap();
        let seen = peer.finish();
        assert_eq!(seen.outcome, Outcome::Ok { received: "hello".into(), user_id: None });
        assert!(seen.zap.is_empty(), "{:?}", seen.zap);
    }
}

over_tcp_and_ipc! {
    fn plain_client_with_the_right_password_gets_in_as_its_user_id_and_gets_the_reply(
        t: Transport
    ) {
        let options = [
            "mech=plain", "zap=plain", "zap_user=admin", "zap_pass=secret",
            "user_id=admin-id", "send=world",
        ];
        let (peer, at) = Peer::server("REP", &bind_at(t), &options);
        let ctx = Context::new();
        let req = Req::new(&ctx).unwrap();
        req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        req.set_plain_username("admin").unwrap();
        req.set_plain_password("secret").unwrap();
        req.connect(&at).unwrap();
        req.send("hello").unwrap();
        let (reply, props) = req.recv_with_properties().expect("libzmq's reply");
        assert_eq!(&reply.frames()[0][..], b"world");
        // User-Id is the server's knowledge of its client; the client learns none.
        assert_eq!(props.unwrap().get("User-Id"), None);
        let seen = peer.finish();
        let want = Outcome::Ok { received: "hello".into(), user_id: Some("admin-id".into()) };
        assert_eq!(seen.outcome, want);
        assert_eq!(seen.zap[0].mechanism, "PLAIN");
        assert_eq!(seen.zap[0].credentials, ["admin", "secret"]);
    }
}

/// A libzmq PLAIN server whose handler knows "admin", and a ferrozmq client saying
/// "guess": what the server reported, and the client's first handshake event.
fn refuse_a_wrong_password(t: Transport) -> (Report, MonitorEvent) {
    let options = [
        "mech=plain",
        "zap=plain",
        "zap_user=admin",
        "zap_pass=secret",
    ];
    let (peer, at) = Peer::server("PULL", &bind_at(t), &options);
    let ctx = Context::new();
    let (_push, events) = push_client(&ctx, &at, plain_credentials("admin", "guess"));
    (peer.finish(), first_handshake(&events))
}

over_tcp_and_ipc! {
    fn plain_client_with_a_wrong_password_is_refused_with_400_and_its_handshake_fails(
        t: Transport
    ) {
        let (seen, client_saw) = refuse_a_wrong_password(t);
        let refused = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_AUTH, value: 400 };
        assert_eq!(seen.outcome, refused);
        assert_eq!(seen.zap[0].credentials, ["admin", "guess"]);
        assert!(!matches!(client_saw, MonitorEvent::HandshakeSucceeded { .. }));
    }
}

over_tcp_and_ipc! {
    /// What a libzmq client refused by a libzmq server reports; see libzmq's PLAIN ERROR.
    fn refused_plain_client_learns_the_libzmq_servers_zap_status_400(t: Transport) {
        let (_, client_saw) = refuse_a_wrong_password(t);
        let bug = (HANDSHAKE_FAILED_PROTOCOL, UNEXPECTED_COMMAND);
        assert_ne!((client_saw.number(), client_saw.value()), bug, "libzmq's PLAIN ERROR");
        assert_eq!((client_saw.number(), client_saw.value()), (HANDSHAKE_FAILED_AUTH, 400));
    }
}

/// The bytes behind libzmq's PLAIN ERROR: its refusal of a PLAIN HELLO, read raw.
#[test]
fn libzmq_plain_server_sends_its_error_command_as_caret_rror() {
    use std::io::{Read, Write};
    let options = ["mech=plain", "zap=deny"];
    let (peer, at) = Peer::server("PULL", "tcp://127.0.0.1:*", &options);
    let addr = at
        .trim_start_matches("tcp://")
        .parse()
        .expect("a tcp address");
    let mut stream = raw::connect(addr);
    stream
        .write_all(&raw::greeting_with(3, 0, b"PLAIN"))
        .unwrap();
    // HELLO only after libzmq's whole greeting: a refusal that comes back quickly can make
    // libzmq close before it has written the rest of its greeting.
    let mut greeting = [0u8; 64];
    stream.read_exact(&mut greeting).expect("libzmq's greeting");
    stream
        .write_all(&raw::command(b"HELLO", b"\x05admin\x05guess"))
        .unwrap();
    let error = raw::read_frame(&mut stream).expect("libzmq's refusal");
    assert_eq!(
        error,
        b"\x04\x09^RROR\x03400",
        "{:?}",
        String::from_utf8_lossy(&error)
    );
    let refused = Outcome::HandshakeFailed {
        event: HANDSHAKE_FAILED_AUTH,
        value: 400,
    };
    assert_eq!(peer.finish().outcome, refused);
}

over_tcp_and_ipc! {
    /// libzmq's PLAIN server without a handler fails with EFAULT and closes the connection
    /// without an ERROR; its client sees the connection closed (EPIPE).
    fn plain_server_without_a_zap_handler_refuses_the_client(t: Transport) {
        let (peer, at) = Peer::server("PULL", &bind_at(t), &["mech=plain"]);
        let ctx = Context::new();
        let (_push, events) = push_client(&ctx, &at, plain_credentials("admin", "secret"));
        let refused = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_NO_DETAIL, value: EFAULT };
        assert_eq!(peer.finish().outcome, refused);
        assert_client_refused(&events, HANDSHAKE_FAILED_NO_DETAIL, EPIPE);
    }
}

over_tcp_and_ipc! {
    fn null_client_to_a_plain_server_fails_as_a_mechanism_mismatch(t: Transport) {
        let (peer, at) = Peer::server("PULL", &bind_at(t), &["mech=plain", "zap=accept"]);
        let ctx = Context::new();
        let (_push, events) = push_client(&ctx, &at, |_| {});
        let mismatch = Outcome::HandshakeFailed {
            event: HANDSHAKE_FAILED_PROTOCOL,
            value: MECHANISM_MISMATCH,
        };
        assert_eq!(peer.finish().outcome, mismatch);
        let saw = first_handshake(&events);
        assert!(is_mismatch_or_closed(saw.number(), saw.value()), "{saw:?}");
    }
}

over_tcp_and_ipc! {
    fn plain_dealer_reaches_a_router_that_sees_its_user_id_and_answers_it(t: Transport) {
        let options = [
            "mech=plain", "zap=plain", "zap_user=dealer", "zap_pass=pw",
            "user_id=dealer-id", "send=world",
        ];
        let (peer, at) = Peer::server("ROUTER", &bind_at(t), &options);
        let ctx = Context::new();
        let dealer = Dealer::new(&ctx).unwrap();
        dealer.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        dealer.set_plain_username("dealer").unwrap();
        dealer.set_plain_password("pw").unwrap();
        dealer.connect(&at).unwrap();
        dealer.send("hello").unwrap();
        let reply = dealer.recv().expect("libzmq's reply");
        assert_eq!(&reply.frames()[0][..], b"world");
        let want = Outcome::Ok { received: "hello".into(), user_id: Some("dealer-id".into()) };
        assert_eq!(peer.finish().outcome, want);
    }
}
