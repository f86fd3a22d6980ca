//! ferrozmq binds and authenticates (with its Authenticator as the ZAP handler, or none);
//! libzmq, the peer program, connects.

use std::sync::{Arc, Mutex};

use ferrozmq::auth::{AuthRequest, Verdict};
use ferrozmq::{Authenticator, Context, Error, Message, Pull, Rep, Router};

use super::*;
use crate::support::security_peer::{Outcome, Peer};

type Requests = Arc<Mutex<Vec<AuthRequest>>>;

/// An Authenticator deciding by `decide`, and every request it was asked.
fn authenticator(
    ctx: &Context,
    decide: impl Fn(&AuthRequest) -> Verdict + Send + 'static,
) -> (Authenticator, Requests) {
    let auth = Authenticator::start(ctx).unwrap();
    let asked = Requests::default();
    let log = asked.clone();
    auth.set_handler(move |req| {
        log.lock().unwrap().push(req.clone());
        decide(req)
    });
    (auth, asked)
}

fn allow(user_id: &str) -> Verdict {
    Verdict::Allow {
        user_id: user_id.into(),
    }
}

/// A bound PULL, set up by `configure` before its bind; its monitor; where it listens.
fn pull_server(
    ctx: &Context,
    t: Transport,
    configure: impl FnOnce(&Pull),
) -> (Pull, Monitor, String) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    configure(&pull);
    let events = pull.monitor();
    pull.bind(&bind_at(t)).unwrap();
    let at = pull.last_endpoint().unwrap();
    (pull, events, at)
}

fn plain_server(pull: &Pull) {
    pull.set_plain_server(true).unwrap();
}

fn plain_client(user: &str, pass: &str) -> Vec<String> {
    vec![
        "mech=plain".into(),
        format!("user={user}"),
        format!("pass={pass}"),
    ]
}

/// The server's first handshake failed as `event` with `value`, and nothing got through.
fn assert_refused(pull: &Pull, events: &Monitor, event: u16, value: u32) {
    let saw = first_handshake(events);
    assert_eq!((saw.number(), saw.value()), (event, value), "{saw:?}");
    assert!(matches!(pull.try_recv(), Err(Error::Again)));
}

over_tcp_and_ipc! {
    fn null_client_gets_in_without_a_zap_handler_and_has_no_user_id(t: Transport) {
        let ctx = Context::new();
        let (pull, _events, at) = pull_server(&ctx, t, |_| {});
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        let (msg, props) = pull.recv_with_properties().expect("libzmq's message");
        assert_eq!(&msg.frames()[0][..], b"hello");
        let props = props.expect("a tcp or ipc peer's properties");
        assert_eq!(props.get("User-Id"), None);
        assert_eq!(props.get("Socket-Type"), Some("PUSH"));
        assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
    }
}

over_tcp_and_ipc! {
    fn null_client_is_let_in_and_named_by_the_zap_handler_of_a_server_with_a_domain(
        t: Transport
    ) {
        let ctx = Context::new();
        let (_auth, asked) = authenticator(&ctx, |_| allow("anonymous"));
        let (pull, _events, at) = pull_server(&ctx, t, |s| s.set_zap_domain("global").unwrap());
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        let (msg, props) = pull.recv_with_properties().expect("libzmq's message");
        assert_eq!(&msg.frames()[0][..], b"hello");
        assert_eq!(props.unwrap().get("User-Id"), Some("anonymous"));
        let asked = asked.lock().unwrap();
        assert_eq!(asked.len(), 1);
        assert_eq!((&*asked[0].mechanism, &*asked[0].domain), ("NULL", "global"));
        assert!(asked[0].credentials.is_empty());
        assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
    }
}

over_tcp_and_ipc! {
    fn null_client_refused_by_the_zap_handler_fails_with_400_on_both_sides(t: Transport) {
        let ctx = Context::new();
        let (_auth, _) = authenticator(&ctx, |_| Verdict::Deny);
        let (pull, events, at) = pull_server(&ctx, t, |s| s.set_zap_domain("global").unwrap());
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        let refused = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_AUTH, value: 400 };
        assert_eq!(peer.finish().outcome, refused);
        assert_refused(&pull, &events, HANDSHAKE_FAILED_AUTH, 400);
    }
}

over_tcp_and_ipc! {
    /// libzmq asks ZAP about a NULL peer only when the socket has a ZAP domain.
    fn zap_handler_is_not_asked_about_a_null_client_when_the_server_has_no_domain(
        t: Transport
    ) {
        let ctx = Context::new();
        let (_auth, asked) = authenticator(&ctx, |_| Verdict::Deny);
        let (pull, _events, at) = pull_server(&ctx, t, |_| {});
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        let (_, props) = pull.recv_with_properties().expect("libzmq's message");
        assert_eq!(props.unwrap().get("User-Id"), None);
        assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
        assert!(asked.lock().unwrap().is_empty());
    }
}

over_tcp_and_ipc! {
    fn plain_client_with_the_right_password_gets_in_as_its_user_name_and_gets_the_reply(
        t: Transport
    ) {
        let ctx = Context::new();
        let auth = Authenticator::start(&ctx).unwrap();
        auth.set_plain_passwords("*", [("admin", "secret")]);
        let rep = Rep::new(&ctx).unwrap();
        rep.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        rep.set_plain_server(true).unwrap();
        rep.bind(&bind_at(t)).unwrap();
        let at = rep.last_endpoint().unwrap();
        let mut args = plain_client("admin", "secret");
        args.push("send=hello".into());
        let peer = Peer::client("REQ", &at, &args);
        let (msg, props) = rep.recv_with_properties().expect("libzmq's request");
        assert_eq!(&msg.frames()[0][..], b"hello");
        assert_eq!(props.unwrap().get("User-Id"), Some("admin"));
        rep.send("world").unwrap();
        let got = peer.finish().outcome;
        assert_eq!(got, Outcome::Ok { received: "world".into(), user_id: None });
    }
}

/// A PLAIN server with the password table of "admin", and a libzmq client saying "guess".
fn refuse_a_wrong_password(t: Transport) -> (Pull, Monitor, Outcome) {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_plain_passwords("*", [("admin", "secret")]);
    let (pull, events, at) = pull_server(&ctx, t, plain_server);
    let peer = Peer::client("PUSH", &at, &plain_client("admin", "guess"));
    (pull, events, peer.finish().outcome)
}

over_tcp_and_ipc! {
    fn plain_client_with_a_wrong_password_is_refused_with_400_and_nothing_gets_through(
        t: Transport
    ) {
        let (pull, events, client_saw) = refuse_a_wrong_password(t);
        assert!(matches!(client_saw, Outcome::HandshakeFailed { .. }), "{client_saw:?}");
        assert_refused(&pull, &events, HANDSHAKE_FAILED_AUTH, 400);
    }
}

over_tcp_and_ipc! {
    /// What a libzmq client refused by a libzmq server reports; see libzmq's PLAIN ERROR.
    fn refused_libzmq_plain_client_learns_the_zap_status_400(t: Transport) {
        let (_pull, _events, client_saw) = refuse_a_wrong_password(t);
        let refused = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_AUTH, value: 400 };
        let bug = Outcome::HandshakeFailed {
            event: HANDSHAKE_FAILED_PROTOCOL,
            value: UNEXPECTED_COMMAND,
        };
        assert_ne!(client_saw, bug, "libzmq's PLAIN ERROR");
        assert_eq!(client_saw, refused);
    }
}

over_tcp_and_ipc! {
    /// As a libzmq PLAIN server without a handler: EFAULT here, EPIPE at the client, whose
    /// connection is closed without an ERROR.
    fn plain_server_without_a_zap_handler_refuses_the_client_as_libzmq_does(t: Transport) {
        let ctx = Context::new();
        let (pull, events, at) = pull_server(&ctx, t, plain_server);
        let args = plain_client("admin", "secret");
        let peer = Peer::client("PUSH", &at, &args);
        let closed = Outcome::HandshakeFailed { event: HANDSHAKE_FAILED_NO_DETAIL, value: EPIPE };
        assert_eq!(peer.finish().outcome, closed);
        assert_refused(&pull, &events, HANDSHAKE_FAILED_NO_DETAIL, EFAULT);
    }
}

over_tcp_and_ipc! {
    /// ferrozmq sends its whole greeting at once, so the libzmq client may read the
    /// server's mechanism and close before its own is sent: then the client reports the
    /// mismatch and the server a closed connection, the reverse of two libzmq peers.
    fn null_client_to_a_plain_server_fails_as_a_mechanism_mismatch(t: Transport) {
        let ctx = Context::new();
        let (_auth, _) = authenticator(&ctx, |_| allow("anyone"));
        let (pull, events, at) = pull_server(&ctx, t, plain_server);
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        match peer.finish().outcome {
            Outcome::HandshakeFailed { event, value } if is_mismatch_or_closed(event, value) => {}
            other => panic!("the client saw {other:?}"),
        }
        let saw = first_handshake(&events);
        assert!(is_mismatch_or_closed(saw.number(), saw.value()), "{saw:?}");
        assert!(matches!(pull.try_recv(), Err(Error::Again)));
    }
}

over_tcp_and_ipc! {
    fn plain_dealer_reaches_a_router_that_sees_its_user_id_and_answers_it(t: Transport) {
        let ctx = Context::new();
        let (_auth, _) = authenticator(&ctx, |req| {
            let ok = req.credentials.first().is_some_and(|u| &u[..] == b"dealer");
            if ok { allow("dealer-id") } else { Verdict::Deny }
        });
        let router = Router::new(&ctx).unwrap();
        router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        router.set_plain_server(true).unwrap();
        router.bind(&bind_at(t)).unwrap();
        let at = router.last_endpoint().unwrap();
        let mut args = plain_client("dealer", "pw");
        args.push("send=hello".into());
        let peer = Peer::client("DEALER", &at, &args);
        let (msg, props) = router.recv_with_properties().expect("libzmq's message");
        assert_eq!(&msg.frames()[1][..], b"hello");
        assert_eq!(props.unwrap().get("User-Id"), Some("dealer-id"));
        let reply = Message::from(vec![msg.frames()[0].to_vec(), b"world".to_vec()]);
        router.send(reply).unwrap();
        assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
    }
}

over_tcp_and_ipc! {
    /// A ZAP handler written for libzmq may allow or deny by the address it is given, and
    /// an application may read Peer-Address; for ipc, libzmq on Linux gives both as
    /// "localhost:<uid>:<gid>:<pid>" of the peer, where ferrozmq gives an empty address and
    /// no Peer-Address.
    fn zap_handler_and_peer_address_name_the_peer_as_libzmq_would(t: Transport) {
        let ctx = Context::new();
        let (_auth, asked) = authenticator(&ctx, |_| allow(""));
        let (pull, _events, at) = pull_server(&ctx, t, |s| s.set_zap_domain("global").unwrap());
        let peer = Peer::client("PUSH", &at, &["send=hello"]);
        let pid = peer.pid();
        let (_, props) = pull.recv_with_properties().expect("libzmq's message");
        assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
        let address = asked.lock().unwrap()[0].address.clone();
        let expected = libzmq_zap_address(t, pid);
        assert_eq!(address, expected, "the ZAP request's address");
        assert_eq!(props.unwrap().get("Peer-Address"), Some(&*expected), "Peer-Address");
    }
}
