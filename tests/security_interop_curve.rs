//! CURVE between ferrozmq and a real libzmq 4.3.4 built with CURVE (tweetnacl), through
//! tests/c/security_peer.c: ferrozmq as the server and libzmq as the client, and the
//! reverse, over tcp and ipc, with and without a ZAP handler on the server's side, with
//! keys that are let in, refused, or wrong. The expectations are what two libzmq peers do
//! in the same case (tests/security_interop.rs runs one such case as a check of the build).
//!
//! The client's key reaches the server's ZAP handler (and, as its User-Id, the receiver)
//! in Z85, as libzmq's own handlers name CURVE clients.

mod common;
mod support;

use ferrozmq::auth::Verdict;
use ferrozmq::curve::{CurveKeyPair, CurvePublicKey, CurveSecretKey};
use ferrozmq::{
    Authenticator, Context, Dealer, Error, Monitor, MonitorEvent, Pull, Push, Rep, Req,
};
use support::interop::*;
use support::security_peer::{Outcome, Peer, libzmq_keypair};

/// A key pair made by ferrozmq.
fn ferrozmq_keys() -> CurveKeyPair {
    CurveKeyPair::generate().expect("a key pair")
}

/// A key pair made by libzmq's zmq_curve_keypair, read from its Z85.
fn libzmq_keys() -> CurveKeyPair {
    let (public, secret) = libzmq_keypair();
    CurveKeyPair {
        public: CurvePublicKey::from_z85(&public).expect("libzmq's public key"),
        secret: CurveSecretKey::from_z85(&secret).expect("libzmq's secret key"),
    }
}

/// The peer program's words for a CURVE client with `keys` that trusts `server`.
fn curve_client(keys: &CurveKeyPair, server: &CurvePublicKey) -> Vec<String> {
    vec![
        "mech=curve".into(),
        format!("public={}", keys.public.to_z85()),
        format!("secret={}", keys.secret.to_z85()),
        format!("server_key={}", server.to_z85()),
    ]
}

/// The peer program's words for a CURVE server with `keys`, plus `more`.
fn curve_server(keys: &CurveKeyPair, more: &[&str]) -> Vec<String> {
    let mut words = vec![
        "mech=curve".into(),
        format!("secret={}", keys.secret.to_z85()),
    ];
    words.extend(more.iter().map(|w| w.to_string()));
    words
}

fn refused() -> Outcome {
    Outcome::HandshakeFailed {
        event: HANDSHAKE_FAILED_AUTH,
        value: 400,
    }
}

mod ferrozmq_server {
    use super::*;

    /// A bound PULL with the server's keys, set up further by `configure`; its monitor and
    /// where it listens.
    fn pull_server(
        ctx: &Context,
        t: Transport,
        keys: &CurveKeyPair,
        configure: impl FnOnce(&Pull),
    ) -> (Pull, Monitor, String) {
        let pull = Pull::new(ctx).unwrap();
        pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        pull.set_curve_server(true).unwrap();
        pull.set_curve_secret_key(keys.secret.clone()).unwrap();
        configure(&pull);
        let events = pull.monitor();
        pull.bind(&bind_at(t)).unwrap();
        let at = pull.last_endpoint().unwrap();
        (pull, events, at)
    }

    /// A bound CURVE REP with the server's keys.
    fn rep_server(ctx: &Context, t: Transport, keys: &CurveKeyPair) -> Rep {
        let rep = Rep::new(ctx).unwrap();
        rep.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        rep.set_curve_server(true).unwrap();
        rep.set_curve_secret_key(keys.secret.clone()).unwrap();
        rep.bind(&bind_at(t)).unwrap();
        rep
    }

    over_tcp_and_ipc! {
        /// Keys cross both ways: the server's made by ferrozmq, the client's by libzmq.
        fn curve_client_gets_in_without_a_zap_handler_and_the_reply_comes_back(t: Transport) {
            let ctx = Context::new();
            let server = ferrozmq_keys();
            let rep = rep_server(&ctx, t, &server);
            let mut words = curve_client(&libzmq_keys(), &server.public);
            words.push("send=hello".into());
            let peer = Peer::client("REQ", &rep.last_endpoint().unwrap(), &words);
            let (msg, props) = rep.recv_with_properties().expect("libzmq's request");
            assert_eq!(&msg.frames()[0][..], b"hello");
            assert_eq!(props.unwrap().get("User-Id"), None);
            rep.send("world").unwrap();
            let want = Outcome::Ok { received: "world".into(), user_id: None };
            assert_eq!(peer.finish().outcome, want);
        }
    }

    over_tcp_and_ipc! {
        fn listed_client_key_gets_in_named_by_its_z85_key(t: Transport) {
            let ctx = Context::new();
            let (server, client) = (ferrozmq_keys(), libzmq_keys());
            let auth = Authenticator::start(&ctx).unwrap();
            auth.set_curve_keys("*", [*client.public.as_bytes()]);
            let (pull, _events, at) = pull_server(&ctx, t, &server, |_| {});
            let peer = Peer::client("PUSH", &at, &curve_client(&client, &server.public));
            let (_, props) = pull.recv_with_properties().expect("libzmq's message");
            let user_id = client.public.to_z85();
            assert_eq!(props.unwrap().get("User-Id"), Some(&*user_id));
            assert!(matches!(peer.finish().outcome, Outcome::Ok { .. }));
        }
    }

    over_tcp_and_ipc! {
        fn unlisted_client_key_is_refused_with_400_on_both_sides(t: Transport) {
            let ctx = Context::new();
            let (server, client) = (ferrozmq_keys(), libzmq_keys());
            let auth = Authenticator::start(&ctx).unwrap();
            auth.set_curve_keys("*", [*ferrozmq_keys().public.as_bytes()]);
            let (pull, events, at) = pull_server(&ctx, t, &server, |_| {});
            let peer = Peer::client("PUSH", &at, &curve_client(&client, &server.public));
            assert_eq!(peer.finish().outcome, refused());
            assert_eq!(numbers(&first_handshake(&events)), (HANDSHAKE_FAILED_AUTH, 400));
            assert!(matches!(pull.try_recv(), Err(Error::Again)));
        }
    }

    over_tcp_and_ipc! {
        /// Unlike NULL, libzmq's CURVE server asks ZAP whether or not it has a domain.
        fn zap_handler_is_asked_about_a_curve_client_even_without_a_domain(t: Transport) {
            let ctx = Context::new();
            let (server, client) = (ferrozmq_keys(), libzmq_keys());
            let auth = Authenticator::start(&ctx).unwrap();
            auth.set_handler(|req| {
                assert_eq!(req.mechanism, "CURVE");
                Verdict::Deny
            });
            let (_pull, events, at) = pull_server(&ctx, t, &server, |_| {});
            let peer = Peer::client("PUSH", &at, &curve_client(&client, &server.public));
            assert_eq!(peer.finish().outcome, refused());
            assert_eq!(numbers(&first_handshake(&events)), (HANDSHAKE_FAILED_AUTH, 400));
        }
    }

    over_tcp_and_ipc! {
        /// The server cannot open a HELLO sealed for another key: a cryptographic error
        /// here, a closed connection at the client.
        fn client_trusting_another_server_key_fails_the_handshake(t: Transport) {
            let ctx = Context::new();
            let server = ferrozmq_keys();
            let (pull, events, at) = pull_server(&ctx, t, &server, |_| {});
            let impostor = ferrozmq_keys().public;
            let peer = Peer::client("PUSH", &at, &curve_client(&libzmq_keys(), &impostor));
            assert!(matches!(peer.finish().outcome, Outcome::HandshakeFailed { .. }));
            let saw = first_handshake(&events);
            assert_eq!(numbers(&saw), (HANDSHAKE_FAILED_PROTOCOL, CRYPTOGRAPHIC));
            assert!(matches!(pull.try_recv(), Err(Error::Again)));
        }
    }

    over_tcp_and_ipc! {
        fn null_client_to_a_curve_server_fails_as_a_mechanism_mismatch(t: Transport) {
            let ctx = Context::new();
            let (_pull, events, at) = pull_server(&ctx, t, &ferrozmq_keys(), |_| {});
            let peer = Peer::client("PUSH", &at, &["send=hello"]);
            match peer.finish().outcome {
                Outcome::HandshakeFailed { event, value } if is_mismatch_or_closed(event, value) => {}
                other => panic!("the client saw {other:?}"),
            }
            let (event, value) = numbers(&first_handshake(&events));
            assert!(is_mismatch_or_closed(event, value), "{event:#x} {value:#x}");
        }
    }

    over_tcp_and_ipc! {
        /// Frames over 255 bytes take the long MESSAGE form, in both directions.
        fn long_frames_cross_sealed_both_ways(t: Transport) {
            let ctx = Context::new();
            let server = ferrozmq_keys();
            let rep = rep_server(&ctx, t, &server);
            let mut words = curve_client(&libzmq_keys(), &server.public);
            words.extend(["send=0123456789".into(), "repeat=10000".into()]);
            let peer = Peer::client("REQ", &rep.last_endpoint().unwrap(), &words);
            let msg = rep.recv().expect("libzmq's request");
            assert_eq!(msg.frames()[0].len(), 100_000);
            assert!(msg.frames()[0].chunks(10).all(|c| c == b"0123456789"));
            rep.send(vec![b'z'; 300_000]).unwrap();
            let seen = peer.finish();
            assert!(matches!(seen.outcome, Outcome::Ok { .. }), "{:?}", seen.outcome);
            assert_eq!(seen.received_size, Some(300_000));
        }
    }
}

mod libzmq_server {
    use super::*;

    /// A ferrozmq CURVE client with `keys` trusting `server`, its monitor (started before
    /// the connect), connected to `at`.
    fn push_client(
        ctx: &Context,
        at: &str,
        keys: &CurveKeyPair,
        server: &CurvePublicKey,
    ) -> (Push, Monitor) {
        let push = Push::new(ctx).unwrap();
        // A refused client may hold its message: it must not hold the context open.
        push.set_linger(Some(std::time::Duration::ZERO)).unwrap();
        push.set_curve_server_key(*server).unwrap();
        push.set_curve_public_key(keys.public).unwrap();
        push.set_curve_secret_key(keys.secret.clone()).unwrap();
        let events = push.monitor();
        push.connect(at).unwrap();
        (push, events)
    }

    over_tcp_and_ipc! {
        /// Keys cross both ways: the server's made by libzmq, the client's by ferrozmq.
        fn curve_client_gets_in_without_a_zap_handler_and_the_reply_comes_back(t: Transport) {
            let server = libzmq_keys();
            let words = curve_server(&server, &["send=world"]);
            let (peer, at) = Peer::server("REP", &bind_at(t), &words);
            let ctx = Context::new();
            let client = ferrozmq_keys();
            let req = Req::new(&ctx).unwrap();
            req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
            req.set_curve_server_key(server.public).unwrap();
            req.set_curve_public_key(client.public).unwrap();
            req.set_curve_secret_key(client.secret.clone()).unwrap();
            req.connect(&at).unwrap();
            req.send("hello").unwrap();
            let reply = req.recv().expect("libzmq's reply");
            assert_eq!(&reply.frames()[0][..], b"world");
            let want = Outcome::Ok { received: "hello".into(), user_id: None };
            assert_eq!(peer.finish().outcome, want);
        }
    }

    over_tcp_and_ipc! {
        fn client_key_the_zap_handler_knows_gets_in_with_its_user_id(t: Transport) {
            let (server, client) = (libzmq_keys(), ferrozmq_keys());
            let key = format!("zap_key={}", client.public.to_z85());
            let words = curve_server(&server, &["zap=curve", &key, "user_id=alice"]);
            let (peer, at) = Peer::server("PULL", &bind_at(t), &words);
            let ctx = Context::new();
            let (push, _events) = push_client(&ctx, &at, &client, &server.public);
            push.send("hello").unwrap();
            let seen = peer.finish();
            let want = Outcome::Ok { received: "hello".into(), user_id: Some("alice".into()) };
            assert_eq!(seen.outcome, want);
            assert_eq!(seen.zap[0].mechanism, "CURVE");
            assert_eq!(seen.zap[0].credentials, [client.public.to_z85()]);
            assert_eq!(seen.zap[0].address, libzmq_zap_address(t, std::process::id()));
        }
    }

    over_tcp_and_ipc! {
        /// CURVE's ERROR is spelled right in libzmq (unlike PLAIN's): the client learns 400.
        fn client_key_the_zap_handler_does_not_know_is_refused_with_400_on_both_sides(
            t: Transport
        ) {
            let server = libzmq_keys();
            let key = format!("zap_key={}", ferrozmq_keys().public.to_z85());
            let (peer, at) = Peer::server("PULL", &bind_at(t), &curve_server(&server, &["zap=curve", &key]));
            let ctx = Context::new();
            let (_push, events) = push_client(&ctx, &at, &ferrozmq_keys(), &server.public);
            assert_eq!(peer.finish().outcome, refused());
            assert_eq!(numbers(&first_handshake(&events)), (HANDSHAKE_FAILED_AUTH, 400));
        }
    }

    over_tcp_and_ipc! {
        fn client_trusting_another_server_key_fails_the_handshake(t: Transport) {
            let server = libzmq_keys();
            let (peer, at) = Peer::server("PULL", &bind_at(t), &curve_server(&server, &[]));
            let ctx = Context::new();
            let impostor = libzmq_keys().public;
            let (_push, events) = push_client(&ctx, &at, &ferrozmq_keys(), &impostor);
            let broken = Outcome::HandshakeFailed {
                event: HANDSHAKE_FAILED_PROTOCOL,
                value: CRYPTOGRAPHIC,
            };
            assert_eq!(peer.finish().outcome, broken);
            let saw = first_handshake(&events);
            assert!(!matches!(saw, MonitorEvent::HandshakeSucceeded { .. }), "{saw:?}");
        }
    }

    over_tcp_and_ipc! {
        /// Frames over 255 bytes take the long MESSAGE form, in both directions.
        fn long_frames_cross_sealed_both_ways(t: Transport) {
            let server = libzmq_keys();
            let words = curve_server(&server, &["send=abcdefghij", "repeat=30000"]);
            let (peer, at) = Peer::server("ROUTER", &bind_at(t), &words);
            let ctx = Context::new();
            let client = ferrozmq_keys();
            let dealer = Dealer::new(&ctx).unwrap();
            dealer.set_rcvtimeo(Some(TIMEOUT)).unwrap();
            dealer.set_curve_server_key(server.public).unwrap();
            dealer.set_curve_public_key(client.public).unwrap();
            dealer.set_curve_secret_key(client.secret.clone()).unwrap();
            dealer.connect(&at).unwrap();
            dealer.send(vec![b'q'; 100_000]).unwrap();
            let reply = dealer.recv().expect("libzmq's reply");
            assert_eq!(reply.frames()[0].len(), 300_000);
            assert!(reply.frames()[0].chunks(10).all(|c| c == b"abcdefghij"));
            let seen = peer.finish();
            assert!(matches!(seen.outcome, Outcome::Ok { .. }), "{:?}", seen.outcome);
            assert_eq!(seen.received_size, Some(100_000));
        }
    }
}
