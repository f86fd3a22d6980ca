//! CURVE inside the engine: sealed from the start, commands sealed once ready, clear
//! frames refused after the handshake, and the server's cookie lifetime as a deadline.

use std::time::Instant;

use bytes::Bytes;

use super::server::COOKIE_LIFETIME;
use super::{CurveConfig, code};
use crate::curve::CurveKeyPair;
use crate::message::Message;
use crate::socket_type::SocketType;
use crate::zmtp::ProtocolError;
use crate::zmtp::command::Command;
use crate::zmtp::engine::{Engine, EngineConfig, Event};
use crate::zmtp::mechanism::Security;

/// A client engine (index 0) and a server engine (index 1) with no HANDSHAKE_IVL.
fn engines(at: Instant) -> [Engine; 2] {
    let pairs = [
        CurveKeyPair::generate().unwrap(),
        CurveKeyPair::generate().unwrap(),
    ];
    [false, true].map(|server| {
        let ours = &pairs[usize::from(server)];
        let keys = CurveConfig {
            server,
            public_key: ours.public,
            secret_key: ours.secret.clone(),
            server_key: pairs[1].public,
        };
        let kind = if server {
            SocketType::Router
        } else {
            SocketType::Dealer
        };
        let config = EngineConfig {
            handshake_ivl: None,
            security: Security::Curve(Box::new(keys)),
            ..EngineConfig::new(kind)
        };
        Engine::new(config, at)
    })
}

/// Moves each engine's output to the other `rounds` times (five complete the handshake);
/// returns what each delivered.
/// With `drop_initiate`, the client's fourth transfer (after its greeting's two parts and
/// HELLO: the INITIATE) is lost.
fn relay(e: &mut [Engine; 2], at: Instant, rounds: usize, drop_initiate: bool) -> [Vec<Event>; 2] {
    let mut seen = [Vec::new(), Vec::new()];
    let mut transfers = [0; 2];
    for _ in 0..rounds {
        for from in [0, 1] {
            let bytes = e[from].outbuf().to_vec();
            e[from].outbuf().advance(bytes.len());
            if bytes.is_empty() {
                continue;
            }
            transfers[from] += 1;
            if drop_initiate && from == 0 && transfers[0] == 4 {
                continue;
            }
            let to = &mut e[1 - from];
            to.handle_input(&bytes);
            while let Ok(Some(ev)) = to.poll_event(at) {
                // No ZAP handler bound: the client is let in.
                if matches!(ev, Event::ZapRequest(_)) {
                    to.zap_reply(None).unwrap();
                }
                seen[1 - from].push(ev);
            }
        }
    }
    seen
}

#[test]
fn a_curve_engine_is_sealed_from_the_start_and_a_null_one_never() {
    let at = crate::test_epoch();
    let e = engines(at);
    assert!(e[0].is_sealed() && e[1].is_sealed());
    assert!(!Engine::new(EngineConfig::new(SocketType::Dealer), at).is_sealed());
}

#[test]
fn once_ready_commands_travel_sealed_and_a_ping_is_answered_by_a_sealed_pong() {
    let at = crate::test_epoch();
    let mut e = engines(at);
    let seen = relay(&mut e, at, 5, false);
    assert!(e.iter().all(Engine::is_ready));
    assert!(
        seen.iter()
            .all(|s| s.iter().any(|ev| matches!(ev, Event::Ready(_))))
    );

    let ping = Command::Ping {
        ttl: 0,
        context: Bytes::from_static(b"ctx"),
    };
    e[0].send_command(&ping);
    e[0].send_subscription(true, b"topic");
    let wire = e[0].outbuf().to_vec();
    // Two MESSAGE data frames (flags 0), nothing in clear.
    // PING's body is 10 bytes: name, TTL and context, after the box's flags byte.
    assert_eq!(&wire[..2], &[0x00, 8 + 8 + 16 + 1 + 10][..]);
    assert_eq!(&wire[2..10], b"\x07MESSAGE");
    assert!(!wire.windows(4).any(|w| w == b"PING" || w == b"topi"));
    let seen = relay(&mut e, at, 2, false);
    assert!(seen[1].contains(&Event::Subscribe(Bytes::from_static(b"topic"))));
    // The server answered the PING; the client accepted its PONG, sealed, and is still up.
    assert!(!e[0].is_closed() && !e[1].is_closed());

    e[1].send(&Message::from(vec!["a", "b"]));
    let seen = relay(&mut e, at, 1, false);
    assert_eq!(seen[0], [Event::Message(Message::from(vec!["a", "b"]))]);
}

#[test]
fn a_clear_frame_after_the_curve_handshake_ends_the_connection() {
    // As libzmq: a body that is not even command-shaped is malformed, any other is not a
    // MESSAGE.
    let cases: [(&[u8], u32); 2] = [
        (b"\x00\x05hello", code::MALFORMED_UNSPECIFIED),
        (b"\x00\x06\x05HELLO", code::UNEXPECTED_COMMAND),
    ];
    for (clear, expected) in cases {
        let at = crate::test_epoch();
        let mut e = engines(at);
        relay(&mut e, at, 5, false);
        e[1].handle_input(clear);
        match e[1].poll_event(at) {
            Err(ProtocolError::Handshake { code, .. }) => assert_eq!(code, expected),
            other => panic!("expected a handshake failure, got {other:?}"),
        }
        assert!(e[1].is_closed());
    }
}

#[test]
fn a_server_waiting_for_initiate_gives_up_at_the_cookie_lifetime_without_handshake_ivl() {
    let at = crate::test_epoch();
    let mut e = engines(at);
    relay(&mut e, at, 5, true);
    assert!(!e[1].is_ready(), "the INITIATE was lost");
    assert_eq!(e[1].poll_timeout(), Some(at + COOKIE_LIFETIME));
    assert!(e[1].handle_timeout(at + COOKIE_LIFETIME / 2).is_ok());
    assert_eq!(
        e[1].handle_timeout(at + COOKIE_LIFETIME),
        Err(ProtocolError::HandshakeTimeout)
    );
    assert_eq!(e[0].poll_timeout(), None, "no limit on the client's side");
}
