//! Unit tests of the engine, kept apart so engine.rs stays readable.
use super::*;
use crate::zmtp::decoder::READ_RESERVE;
use crate::zmtp::fuzz::peer_preamble;

const PING_100_X: &[u8] = &[0x04, 0x08, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x64, 0x78];
const PONG_X: &[u8] = &[0x04, 0x06, 0x04, 0x50, 0x4f, 0x4e, 0x47, 0x78];

/// The only clock reading in the zmtp tests: an opaque base that every time is offset from.
fn t0() -> Instant {
    crate::test_epoch()
}

fn engine(socket_type: SocketType, now: Instant) -> Engine {
    Engine::new(EngineConfig::new(socket_type), now)
}

/// Moves everything `from` has queued into `to`'s input.
fn pump(from: &mut Engine, to: &mut Engine) {
    let bytes = from.outbuf().to_vec();
    from.outbuf().advance(bytes.len());
    to.handle_input(&bytes);
}

fn events(e: &mut Engine, now: Instant) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(ev) = e.poll_event(now).unwrap() {
        out.push(ev);
    }
    out
}

fn connected(a: EngineConfig, b: EngineConfig, now: Instant) -> (Engine, Engine) {
    let (mut a, mut b) = (Engine::new(a, now), Engine::new(b, now));
    // The greeting goes in stages (signature, major version, the rest), then READY.
    for _ in 0..4 {
        pump(&mut a, &mut b);
        pump(&mut b, &mut a);
        for e in [&mut a, &mut b] {
            for ev in events(e, now) {
                assert!(matches!(ev, Event::Ready(_)), "{ev:?}");
            }
        }
    }
    assert!(a.is_ready() && b.is_ready());
    (a, b)
}

fn push_pull(now: Instant) -> (Engine, Engine) {
    let push = EngineConfig::new(SocketType::Push);
    connected(push, EngineConfig::new(SocketType::Pull), now)
}

/// A PULL engine past its handshake with a scripted PUSH peer.
fn ready_pull(config: EngineConfig, now: Instant) -> Engine {
    let mut e = Engine::new(config, now);
    e.handle_input(&peer_preamble(SocketType::Push));
    assert!(matches!(e.poll_event(now), Ok(Some(Event::Ready(_)))));
    let queued = e.outbuf().len();
    e.outbuf().advance(queued);
    e
}

fn greeting_with(byte: usize, value: u8) -> Vec<u8> {
    let mut g = greeting::encode("NULL", false);
    g[byte] = value;
    g.to_vec()
}

#[test]
fn new_engine_sends_its_greeting_in_libzmqs_three_stages() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    let ours = greeting::encode("NULL", false);
    let mut sent = e.outbuf().to_vec();
    assert_eq!(sent, ours[..10], "the signature alone first");
    assert!(!e.is_ready() && !e.is_closed());
    assert_eq!(e.peer_minor(), None);
    let theirs = greeting::encode("NULL", false);
    let step = |bytes: &[u8], e: &mut Engine| {
        let before = e.outbuf().len();
        e.outbuf().advance(before);
        e.handle_input(bytes);
        assert!(e.poll_event(now).unwrap().is_none());
        e.outbuf().to_vec()
    };
    assert!(
        step(&theirs[..9], &mut e).is_empty(),
        "nothing until the peer's signature"
    );
    sent = step(&theirs[9..10], &mut e);
    assert_eq!(sent, ours[10..11], "then the major version");
    sent = step(&theirs[10..11], &mut e);
    assert_eq!(
        sent,
        ours[11..],
        "then the rest, once the peer's major is in"
    );
}

#[test]
fn push_and_pull_complete_the_handshake() {
    let now = t0();
    let (push, pull) = push_pull(now);
    assert_eq!(push.peer().unwrap().socket_type, SocketType::Pull);
    assert_eq!(pull.peer().unwrap().socket_type, SocketType::Push);
    assert_eq!(pull.peer_minor(), Some(1));
    assert_eq!(pull.poll_timeout(), None);
}

#[test]
fn dealer_and_router_exchange_identities() {
    let mut dealer = EngineConfig::new(SocketType::Dealer);
    dealer.routing_id = Bytes::from_static(b"abc");
    let router = EngineConfig::new(SocketType::Router);
    let (dealer, router) = connected(dealer, router, t0());
    let seen = router.peer().unwrap();
    assert_eq!(
        (seen.socket_type, &seen.identity[..]),
        (SocketType::Dealer, &b"abc"[..])
    );
    let seen = dealer.peer().unwrap();
    assert_eq!(
        (seen.socket_type, &seen.identity[..]),
        (SocketType::Router, &b""[..])
    );
    assert_eq!(seen.properties.len(), 2);
}

#[test]
fn messages_of_every_size_class_round_trip() {
    let now = t0();
    let (mut push, mut pull) = push_pull(now);
    for size in [0, 1, 255, 256, 300, 100 * 1024] {
        let msg = Message::single(Bytes::from(vec![size as u8; size]));
        push.send(&msg);
        pump(&mut push, &mut pull);
        assert_eq!(events(&mut pull, now), [Event::Message(msg)], "size {size}");
    }
}

#[test]
fn large_body_is_encoded_as_zero_copy_chunk() {
    let (mut push, _pull) = push_pull(t0());
    let body = Bytes::from(vec![9u8; 100 * 1024]);
    push.send(&Message::single(body.clone()));
    let mut slots = [std::io::IoSlice::new(&[]); 4];
    let n = push.outbuf().io_slices(&mut slots);
    assert_eq!(n, 2);
    assert_eq!(&slots[0][..], [0x02, 0, 0, 0, 0, 0, 1, 0x90, 0]);
    assert_eq!(slots[1].as_ptr(), body.as_ptr());
}

#[test]
fn three_frame_multipart_arrives_whole() {
    let now = t0();
    let (mut push, mut pull) = push_pull(now);
    let msg = Message::from(vec!["a", "", "ccc"]);
    push.send(&msg);
    let wire = push.outbuf().to_vec();
    assert_eq!(wire, b"\x01\x01a\x01\x00\x00\x03ccc");
    pull.handle_input(&wire[..6]);
    assert_eq!(events(&mut pull, now), []);
    pull.handle_input(&wire[6..]);
    assert_eq!(events(&mut pull, now), [Event::Message(msg)]);
}

#[test]
fn many_small_messages_decode_from_one_buffer() {
    let now = t0();
    let (mut push, mut pull) = push_pull(now);
    let sent: Vec<Message> = (0..1000u32)
        .map(|i| Message::single(Bytes::from(i.to_string())))
        .collect();
    for msg in &sent {
        push.send(msg);
    }
    assert_eq!(push.outbuf().chunk_count(), 1);
    pump(&mut push, &mut pull);
    let got: Vec<Event> = events(&mut pull, now);
    assert_eq!(
        got,
        sent.into_iter().map(Event::Message).collect::<Vec<_>>()
    );
}

#[test]
fn input_fed_one_byte_at_a_time_decodes() {
    let now = t0();
    let mut pull = engine(SocketType::Pull, now);
    let mut wire = peer_preamble(SocketType::Push);
    wire.extend_from_slice(b"\x01\x05hello\x00\x00");
    wire.extend_from_slice(PING_100_X);
    wire.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 1, 0x2c]);
    wire.extend_from_slice(&[7; 300]);
    let mut got = Vec::new();
    for byte in wire {
        pull.handle_input(&[byte]);
        got.extend(events(&mut pull, now));
    }
    assert_eq!(got.len(), 3);
    assert!(matches!(got[0], Event::Ready(_)));
    assert_eq!(got[1], Event::Message(Message::from(vec!["hello", ""])));
    assert_eq!(got[2], Event::Message(Message::single(vec![7u8; 300])));
}

#[test]
fn frame_over_max_msg_size_is_rejected_before_allocation() {
    let now = t0();
    let mut config = EngineConfig::new(SocketType::Pull);
    config.max_msg_size = Some(1 << 20);
    let mut pull = ready_pull(config, now);
    pull.handle_input(&[0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    let err = ProtocolError::MessageTooLarge {
        size: 1 << 63,
        max: 1 << 20,
    };
    assert_eq!(pull.poll_event(now), Err(err.clone()));
    assert!(pull.read_buf().capacity() <= READ_RESERVE);
    assert_eq!(pull.poll_event(now), Err(err));
}

#[test]
fn wrong_signature_is_rejected_from_the_first_byte() {
    let mut e = engine(SocketType::Pull, t0());
    e.handle_input(b"G");
    assert_eq!(e.poll_event(t0()), Err(ProtocolError::BadSignature));
    assert!(e.is_closed());
}

#[test]
fn greeting_with_major_2_is_rejected() {
    let mut e = engine(SocketType::Pull, t0());
    e.handle_input(&greeting_with(10, 2)[..11]);
    let err = Err(ProtocolError::UnsupportedVersion { major: 2 });
    assert_eq!(e.poll_event(t0()), err);
}

#[test]
fn greeting_with_major_4_is_accepted_as_3_1() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    e.handle_input(&greeting_with(10, 4));
    assert_eq!(e.poll_event(now), Ok(None));
    assert_eq!(e.peer_minor(), Some(1));
    assert!(e.outbuf().len() > greeting::GREETING_LEN, "READY queued");
}

#[test]
fn plain_mechanism_is_rejected() {
    let mut e = engine(SocketType::Pull, t0());
    e.handle_input(&greeting::encode("PLAIN", false));
    assert_eq!(e.poll_event(t0()), Err(ProtocolError::MechanismMismatch));
}

#[test]
fn incompatible_socket_type_gets_error_queued() {
    let now = t0();
    let mut e = engine(SocketType::Push, now);
    e.handle_input(&peer_preamble(SocketType::Push));
    let err = ProtocolError::IncompatibleSocketType("PUSH".into());
    assert_eq!(e.poll_event(now), Err(err.clone()));
    let queued = e.outbuf().to_vec();
    let refusal =
        Command::Error(crate::zmtp::mechanism::properties::INCOMPATIBLE_REASON.into()).to_bytes();
    assert!(queued.ends_with(&refusal));
    assert_eq!(e.poll_event(now), Err(err));
    assert!(!e.is_ready() && e.is_closed());
}

#[test]
fn ready_without_socket_type_is_rejected() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    e.handle_input(&greeting::encode("NULL", false));
    e.handle_input(&Command::Ready(Vec::new()).to_bytes());
    assert_eq!(e.poll_event(now), Err(ProtocolError::MissingSocketType));
}

#[test]
fn handshake_times_out_at_the_deadline() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    let deadline = now + DEFAULT_HANDSHAKE_IVL;
    assert_eq!(e.poll_timeout(), Some(deadline));
    assert_eq!(
        e.handle_timeout(deadline - Duration::from_millis(1)),
        Ok(())
    );
    assert_eq!(
        e.handle_timeout(deadline),
        Err(ProtocolError::HandshakeTimeout)
    );
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.poll_event(now), Err(ProtocolError::HandshakeTimeout));
}

#[test]
fn no_deadline_once_ready_or_when_unset() {
    let now = t0();
    let ready = ready_pull(EngineConfig::new(SocketType::Pull), now);
    assert_eq!(ready.poll_timeout(), None);
    let mut config = EngineConfig::new(SocketType::Pull);
    config.handshake_ivl = None;
    let mut e = Engine::new(config, now);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.handle_timeout(now + Duration::from_secs(3600)), Ok(()));
}

#[test]
fn ping_is_answered_with_pong_carrying_its_context() {
    let now = t0();
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(PING_100_X);
    pull.handle_input(PONG_X);
    assert_eq!(pull.poll_event(now), Ok(None));
    assert_eq!(pull.outbuf().to_vec(), PONG_X);
    assert_eq!(pull.peer_heartbeat_ttl(), Some(Duration::from_secs(10)));
}

#[test]
fn message_before_ready_is_rejected() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    e.handle_input(&greeting::encode("NULL", false));
    e.handle_input(b"\x00\x05hello");
    assert_eq!(e.poll_event(now), Err(ProtocolError::UnexpectedMessage));
}

#[test]
fn ping_before_ready_is_unexpected() {
    let now = t0();
    let mut e = engine(SocketType::Pull, now);
    e.handle_input(&greeting::encode("NULL", false));
    e.handle_input(PING_100_X);
    let err = Err(ProtocolError::UnexpectedCommand("PING".into()));
    assert_eq!(e.poll_event(now), err);
}

#[test]
fn command_inside_multipart_message_is_rejected() {
    let now = t0();
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(b"\x01\x01a");
    pull.handle_input(PONG_X);
    assert_eq!(pull.poll_event(now), Err(ProtocolError::CommandInMessage));
}

#[test]
fn command_with_more_flag_is_rejected() {
    let now = t0();
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(b"\x05\x05\x04PONG");
    assert_eq!(pull.poll_event(now), Err(ProtocolError::CommandWithMore));
}

#[test]
fn second_ready_is_rejected_but_unknown_commands_are_ignored() {
    let now = t0();
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(
        &crate::zmtp::mechanism::properties::ready(SocketType::Push, &Bytes::new()).to_bytes(),
    );
    let err = Err(ProtocolError::UnexpectedCommand("READY".into()));
    assert_eq!(pull.poll_event(now), err);
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(b"\x04\x06\x05HELLO\x00\x01z");
    let Ok(Some(Event::Message(m))) = pull.poll_event(now) else {
        panic!("the message after the unknown command is lost")
    };
    assert_eq!(&m.frames()[0][..], b"z");
}

#[test]
fn peer_error_command_closes_the_engine() {
    let now = t0();
    let mut pull = ready_pull(EngineConfig::new(SocketType::Pull), now);
    pull.handle_input(b"\x04\x09\x05ERROR\x02no\x00\x01x");
    let err = ProtocolError::PeerError("no".into());
    assert_eq!(pull.poll_event(now), Err(err.clone()));
    assert_eq!(pull.error(), Some(&err));
}

#[test]
fn subscribe_and_cancel_commands_become_events() {
    let now = t0();
    let mut xpub = EngineConfig::new(SocketType::XPub);
    xpub.max_msg_size = Some(100);
    let (mut xpub, mut sub) = connected(xpub, EngineConfig::new(SocketType::Sub), now);
    sub.send_subscription(true, b"A");
    sub.send_subscription(false, b"B");
    assert_eq!(
        sub.outbuf().to_vec(),
        b"\x04\x0b\x09SUBSCRIBEA\x04\x08\x06CANCELB"
    );
    pump(&mut sub, &mut xpub);
    let got = events(&mut xpub, now);
    let want = [
        Event::Subscribe(Bytes::from_static(b"A")),
        Event::Cancel(Bytes::from_static(b"B")),
    ];
    assert_eq!(got, want);
}

#[test]
fn subscriptions_to_a_3_0_peer_use_the_message_form() {
    let now = t0();
    let mut sub = engine(SocketType::Sub, now);
    sub.handle_input(&greeting_with(11, 0));
    sub.handle_input(
        &crate::zmtp::mechanism::properties::ready(SocketType::Pub, &Bytes::new()).to_bytes(),
    );
    let Ok(Some(Event::Ready(peer))) = sub.poll_event(now) else {
        panic!("no ready")
    };
    assert_eq!(peer.minor, 0);
    let before = sub.outbuf().len();
    sub.outbuf().advance(before);
    sub.send_subscription(true, b"A");
    assert_eq!(sub.outbuf().to_vec(), [0x00, 0x02, 0x01, 0x41]);
}

#[test]
fn send_on_a_closed_engine_is_ignored() {
    let now = t0();
    let mut e = engine(SocketType::Push, now);
    e.handle_input(b"x");
    assert!(e.poll_event(now).is_err());
    let queued = e.outbuf().len();
    e.send(&Message::from("late"));
    e.send_command(&Command::Pong(Bytes::new()));
    assert_eq!(e.outbuf().len(), queued);
}
