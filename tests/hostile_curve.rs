//! Hostile peers against ferrozmq's CURVE server (and client), through raw TCP with a CURVE
//! peer written from RFC 26: tampered boxes and cookies, replayed MESSAGE nonces
//! (CVE-2014-7203), INITIATE metadata large and lying (CVE-2019-13132), a client that
//! stops after WELCOME, and the old protocols with no security at all.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::curve::{RawClient, RawServer, socket_type};
use common::raw::{RAW_TIMEOUT, connect, greeting_with, wait_closed};
use ferrozmq::auth::Verdict;
use ferrozmq::{Authenticator, Context, CurveKeyPair, Monitor, MonitorEvent, Pull, Push};

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* codes.
const CRYPTOGRAPHIC: u32 = 0x1100_0001;
const INVALID_SEQUENCE: u32 = 0x1000_0002;
const INVALID_METADATA: u32 = 0x1000_0018;

struct Server {
    _ctx: Context,
    _auth: Authenticator,
    pull: Pull,
    monitor: Monitor,
    keys: CurveKeyPair,
    addr: std::net::SocketAddr,
}

/// A CURVE PULL whose ZAP handler lets every client in.
fn curve_server(handshake_ivl: Duration) -> Server {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_handler(|_| Verdict::Allow {
        user_id: String::new(),
    });
    let keys = CurveKeyPair::generate().unwrap();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_curve_server(true).unwrap();
    pull.set_curve_secret_key(keys.secret.clone()).unwrap();
    pull.set_handshake_ivl(Some(handshake_ivl)).unwrap();
    pull.set_rcvtimeo(Some(RAW_TIMEOUT)).unwrap();
    let monitor = pull.monitor();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let addr = ep.trim_start_matches("tcp://").parse().unwrap();
    Server {
        _ctx: ctx,
        _auth: auth,
        pull,
        monitor,
        keys,
        addr,
    }
}

impl Server {
    fn client(&self) -> RawClient {
        RawClient::connect(
            self.addr,
            self.keys.public,
            CurveKeyPair::generate().unwrap(),
        )
    }
}

/// The code of the next handshake failure `monitor` reports (before or, for a MESSAGE
/// that does not open, after the handshake succeeded).
fn failure_code(monitor: &Monitor) -> u32 {
    loop {
        let event = monitor
            .recv(Some(RAW_TIMEOUT))
            .expect("a monitor event in time");
        if let MonitorEvent::HandshakeFailedProtocol { code, .. } = event {
            return code;
        }
    }
}

/// Waits for the server to close `raw`, then checks nothing reached the socket.
fn closed_undelivered(server: &Server, raw: &mut RawClient) {
    wait_closed(&mut raw.stream, Instant::now() + RAW_TIMEOUT);
    assert!(server.pull.try_recv().is_err(), "nothing may be delivered");
}

#[test]
fn a_hello_with_a_tampered_signature_box_fails_as_cryptographic() {
    let server = curve_server(Duration::from_secs(60));
    let mut raw = server.client();
    let mut hello = raw.hello();
    let last = hello.len() - 1;
    hello[last] ^= 0x01;
    raw.stream.write_all(&hello).unwrap();
    assert_eq!(failure_code(&server.monitor), CRYPTOGRAPHIC);
    closed_undelivered(&server, &mut raw);
}

#[test]
fn an_initiate_with_a_tampered_cookie_fails_as_cryptographic() {
    let server = curve_server(Duration::from_secs(60));
    let mut raw = server.client();
    let hello = raw.hello();
    raw.stream.write_all(&hello).unwrap();
    raw.read_welcome();
    let mut initiate = raw.initiate(&socket_type("PUSH"));
    // Header (2 or 9 bytes), "\x08INITIATE", then the cookie: its nonce, then its box.
    let header = if initiate[0] & 0x02 != 0 { 9 } else { 2 };
    initiate[header + 9 + 16 + 5] ^= 0x01;
    raw.stream.write_all(&initiate).unwrap();
    assert_eq!(failure_code(&server.monitor), CRYPTOGRAPHIC);
    closed_undelivered(&server, &mut raw);
}

#[test]
fn a_replayed_message_nonce_ends_the_connection_undelivered() {
    // CVE-2014-7203: each MESSAGE's short nonce must exceed the last one.
    for replay_nonce in [3u64, 2] {
        let server = curve_server(Duration::from_secs(60));
        let mut raw = server.client();
        raw.handshake("PUSH");
        raw.stream.write_all(&raw.message(3, 0, b"first")).unwrap();
        let msg = server.pull.recv().expect("the first message arrives");
        assert_eq!(&msg.frames()[0][..], b"first");
        let replay = raw.message(replay_nonce, 0, b"again");
        raw.stream.write_all(&replay).unwrap();
        assert_eq!(failure_code(&server.monitor), INVALID_SEQUENCE);
        // Anything after the replay is dropped with the connection.
        let _ = raw.stream.write_all(&raw.message(9, 0, b"later"));
        closed_undelivered(&server, &mut raw);
    }
}

#[test]
fn an_initiate_with_large_valid_metadata_completes_the_handshake() {
    // CVE-2019-13132: libzmq before 4.3.2 overflowed a stack buffer on large metadata.
    let server = curve_server(Duration::from_secs(60));
    let mut raw = server.client();
    let hello = raw.hello();
    raw.stream.write_all(&hello).unwrap();
    raw.read_welcome();
    let big = vec![b'x'; 100_000];
    let mut metadata = socket_type("PUSH");
    metadata.extend_from_slice(&common::raw::properties(&[(b"X-Big", &big)]));
    let initiate = raw.initiate(&metadata);
    raw.stream.write_all(&initiate).unwrap();
    raw.read_ready();
    raw.stream.write_all(&raw.message(3, 0, b"after")).unwrap();
    let (msg, props) = server.pull.recv_with_properties().expect("it arrives");
    assert_eq!(&msg.frames()[0][..], b"after");
    let props = props.expect("a tcp peer's properties");
    assert_eq!(props.get("X-Big").map(str::len), Some(big.len()));
}

#[test]
fn an_initiate_whose_metadata_lies_about_its_lengths_fails_cleanly() {
    let server = curve_server(Duration::from_secs(60));
    // A value length far past the end, and a name length past the end.
    let lies: [&[u8]; 2] = [
        b"\x0bSocket-Type\xff\xff\xff\xffPUSH",
        b"\x0bSocket-Type\x00\x00\x00\x04PUSH\xf0X-",
    ];
    for metadata in lies {
        let mut raw = server.client();
        let hello = raw.hello();
        raw.stream.write_all(&hello).unwrap();
        raw.read_welcome();
        raw.stream.write_all(&raw.initiate(metadata)).unwrap();
        assert_eq!(failure_code(&server.monitor), INVALID_METADATA);
        closed_undelivered(&server, &mut raw);
    }
}

#[test]
fn a_client_that_never_answers_welcome_is_closed_at_the_handshake_interval() {
    let server = curve_server(Duration::from_millis(300));
    let started = Instant::now();
    let mut raw = server.client();
    let hello = raw.hello();
    raw.stream.write_all(&hello).unwrap();
    raw.read_welcome();
    closed_undelivered(&server, &mut raw);
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[test]
fn zmtp_1_and_2_greetings_to_a_curve_server_are_closed_with_nothing_delivered() {
    let server = curve_server(Duration::from_secs(60));
    // ZMTP 1.0: an identity frame and a message; ZMTP 2.0: revision 1, then a message;
    // a 3.x signature announcing version 2.
    let v1 = b"\x01\x00\x08\x00sneaky\x00".to_vec();
    let mut v2 = greeting_with(3, 1, b"CURVE")[..10].to_vec();
    v2.extend_from_slice(&[
        0x01, 0x08, 0x00, 0x00, 0x00, 0x05, b'h', b'e', b'l', b'l', b'o',
    ]);
    let mut old = greeting_with(2, 0, b"CURVE").to_vec();
    old.extend_from_slice(&[0x00, 0x05, b'h', b'e', b'l', b'l', b'o']);
    for bytes in [v1, v2, old] {
        let mut raw = connect(server.addr);
        let _ = raw.write_all(&bytes);
        wait_closed(&mut raw, Instant::now() + RAW_TIMEOUT);
        assert!(server.pull.try_recv().is_err(), "nothing may be delivered");
    }
}

/// A ferrozmq CURVE PUSH connected to `raw`, with a monitor.
fn curve_client(ctx: &Context, raw: &RawServer) -> (Push, Monitor) {
    let push = Push::new(ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    let mine = CurveKeyPair::generate().unwrap();
    push.set_curve_server_key(raw.keys.public).unwrap();
    push.set_curve_public_key(mine.public).unwrap();
    push.set_curve_secret_key(mine.secret).unwrap();
    let monitor = push.monitor();
    push.connect(&raw.endpoint()).unwrap();
    (push, monitor)
}

#[test]
fn a_client_given_a_tampered_welcome_fails_as_cryptographic() {
    let ctx = Context::new();
    let mut raw = RawServer::bind();
    let (_push, monitor) = curve_client(&ctx, &raw);
    raw.accept_hello();
    let mut welcome = raw.welcome();
    welcome[40] ^= 0x01;
    let stream = raw.stream.as_mut().unwrap();
    stream.write_all(&welcome).unwrap();
    assert_eq!(failure_code(&monitor), CRYPTOGRAPHIC);
    wait_closed(stream, Instant::now() + RAW_TIMEOUT);
}

#[test]
fn a_client_drops_a_server_that_replays_a_message_nonce() {
    let ctx = Context::new();
    let mut raw = RawServer::bind();
    // A PULL client, receiving what the raw server sends as a PUSH.
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(RAW_TIMEOUT)).unwrap();
    let mine = CurveKeyPair::generate().unwrap();
    pull.set_curve_server_key(raw.keys.public).unwrap();
    pull.set_curve_public_key(mine.public).unwrap();
    pull.set_curve_secret_key(mine.secret).unwrap();
    let monitor = pull.monitor();
    pull.connect(&raw.endpoint()).unwrap();
    raw.accept_hello();
    let welcome = raw.welcome();
    raw.stream.as_mut().unwrap().write_all(&welcome).unwrap();
    raw.initiate_ready("PUSH");
    let first = raw.message(2, 0, b"first");
    let replay = raw.message(2, 0, b"again");
    let stream = raw.stream.as_mut().unwrap();
    stream.write_all(&first).unwrap();
    assert_eq!(
        &pull.recv().expect("the first arrives").frames()[0][..],
        b"first"
    );
    stream.write_all(&replay).unwrap();
    assert_eq!(failure_code(&monitor), INVALID_SEQUENCE);
    wait_closed(stream, Instant::now() + RAW_TIMEOUT);
    assert!(pull.try_recv().is_err(), "the replay is not delivered");
}

#[test]
fn ferrozmqs_hello_and_welcome_have_rfc_26s_layout() {
    let ctx = Context::new();
    let mut raw = RawServer::bind();
    let (_push, _monitor) = curve_client(&ctx, &raw);
    // accept_hello checks HELLO's size, version and signature box.
    raw.accept_hello();
    let server = curve_server(Duration::from_secs(60));
    let mut client = server.client();
    let hello = client.hello();
    client.stream.write_all(&hello).unwrap();
    // read_welcome checks WELCOME's size and opens its box.
    client.read_welcome();
}
