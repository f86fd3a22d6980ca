//! Confirms the ZMTP test vectors of `docs/zmtp.md` section 8 against real libzmq.
//!
//! Every test connects a libzmq socket (the `zmq` crate, which builds libzmq 4.3.4 from source)
//! to a raw `TcpListener` on 127.0.0.1 with an ephemeral port, plays the peer's half of the NULL
//! handshake by hand and captures the bytes libzmq puts on the wire. No ferrozmq API is used.
//! Where libzmq and zmtp.md disagree, these tests assert what libzmq does (libzmq wins):
//! - PING: libzmq never sends a context, so its PING is `04 07 04 PING ttl ttl`, never the
//!   zmtp.md vector `04 08 04 PING 00 64 78` (which carries context "x"). The TTL is
//!   ZMQ_HEARTBEAT_TTL / 100 ms, truncated, as 16-bit big-endian: 10000 ms gives `00 64`.
//!
//! Everything else matches zmtp.md section 8 byte for byte. libzmq 4.3.4 sends a subscription
//! as the SUBSCRIBE command to a peer whose greeting says 3.1 and as the `01 topic` message to a
//! 3.0 peer; it accepts both forms from either. Its own greeting always says 3.1.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// Deadline for every connect, read, write and libzmq send/recv.
const TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT_MS: i32 = 5000;

/// Formats bytes as space-separated lower-case hex, the notation of zmtp.md section 8.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A NULL greeting for ZMTP 3.`minor`, not server (zmtp.md section 1).
fn greeting(minor: u8) -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xff;
    g[8] = 0x01;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = minor;
    g[12..16].copy_from_slice(b"NULL");
    g
}

/// A READY command frame carrying only `Socket-Type` (zmtp.md sections 2 and 3).
fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend_from_slice(&body);
    frame
}

/// Reads one whole frame (header and body) from the raw stream.
fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut frame = vec![0u8; 2];
    stream.read_exact(&mut frame).expect("frame header");
    let size = if frame[0] & 0x02 != 0 {
        frame.resize(9, 0);
        stream.read_exact(&mut frame[2..]).expect("long size");
        u64::from_be_bytes(frame[1..9].try_into().unwrap()) as usize
    } else {
        frame[1] as usize
    };
    let start = frame.len();
    frame.resize(start + size, 0);
    stream.read_exact(&mut frame[start..]).expect("frame body");
    frame
}

/// What a raw peer saw of libzmq's half of the handshake.
struct RawPeer {
    stream: TcpStream,
    greeting: Vec<u8>,
    ready: Vec<u8>,
}

/// Connects `socket` to a raw listener on 127.0.0.1 (ephemeral port), which announces ZMTP
/// 3.`minor`, NULL and Socket-Type `peer_type`, and returns libzmq's greeting and READY frame.
/// libzmq connects (rather than binds) so that its pipe, and so a SUB's subscriptions, exist
/// before the handshake without any further call on the socket.
fn handshake(socket: &zmq::Socket, minor: u8, peer_type: &str) -> RawPeer {
    socket.set_linger(0).unwrap();
    socket.set_sndtimeo(TIMEOUT_MS).unwrap();
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept on a helper thread so the wait for libzmq's connection has a deadline.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(listener.accept().map(|(stream, _)| stream)));
    socket.connect(&format!("tcp://{addr}")).unwrap();
    let mut stream = rx.recv_timeout(TIMEOUT).expect("libzmq connects").unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut greeting_seen = vec![0u8; 64];
    // libzmq sends the 10-byte signature without waiting for us; the version, mechanism and
    // filler follow only once it has seen our signature and major version (zmtp.md section 1).
    stream.read_exact(&mut greeting_seen[..10]).unwrap();
    stream.write_all(&greeting(minor)).unwrap();
    stream.read_exact(&mut greeting_seen[10..]).unwrap();
    stream.write_all(&ready(peer_type)).unwrap();
    let ready = read_frame(&mut stream);
    RawPeer {
        stream,
        greeting: greeting_seen,
        ready,
    }
}

#[test]
fn zmq_crate_builds_libzmq_4_3() {
    let (major, minor, patch) = zmq::version();
    assert_eq!((major, minor), (4, 3), "libzmq {major}.{minor}.{patch}");
}

#[test]
fn libzmq_greeting_matches_null_3_1_vector() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let peer = handshake(&push, 1, "PULL");
    let expected = format!(
        "ff 00 00 00 00 00 00 00 01 7f 03 01 4e 55 4c 4c{}",
        " 00".repeat(48)
    );
    assert_eq!(hex(&peer.greeting), expected);
}

#[test]
fn libzmq_greeting_stays_3_1_toward_a_3_0_peer() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let peer = handshake(&push, 0, "PULL");
    assert_eq!(hex(&peer.greeting[10..12]), "03 01");
}

#[test]
fn libzmq_greeting_padding_is_routing_id_length_plus_one() {
    let ctx = zmq::Context::new();
    let dealer = ctx.socket(zmq::DEALER).unwrap();
    dealer.set_identity(b"abc").unwrap();
    let peer = handshake(&dealer, 1, "DEALER");
    assert_eq!(hex(&peer.greeting[..10]), "ff 00 00 00 00 00 00 00 04 7f");
}

#[test]
fn libzmq_push_ready_carries_only_socket_type() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let peer = handshake(&push, 1, "PULL");
    assert_eq!(
        hex(&peer.ready),
        "04 1a 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 04 50 55 53 48"
    );
}

#[test]
fn libzmq_dealer_ready_with_routing_id_matches_vector() {
    let ctx = zmq::Context::new();
    let dealer = ctx.socket(zmq::DEALER).unwrap();
    dealer.set_identity(b"abc").unwrap();
    let peer = handshake(&dealer, 1, "DEALER");
    assert_eq!(
        hex(&peer.ready),
        "04 2c 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c 45 \
         52 08 49 64 65 6e 74 69 74 79 00 00 00 03 61 62 63"
    );
}

#[test]
fn libzmq_dealer_ready_without_routing_id_sends_empty_identity() {
    let ctx = zmq::Context::new();
    let dealer = ctx.socket(zmq::DEALER).unwrap();
    let peer = handshake(&dealer, 1, "DEALER");
    assert_eq!(
        hex(&peer.ready),
        "04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c 45 \
         52 08 49 64 65 6e 74 69 74 79 00 00 00 00"
    );
}

#[test]
fn libzmq_short_final_frame_matches_hello_vector() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let mut peer = handshake(&push, 1, "PULL");
    push.send("hello", 0).unwrap();
    assert_eq!(hex(&read_frame(&mut peer.stream)), "00 05 68 65 6c 6c 6f");
}

#[test]
fn libzmq_more_frame_matches_hello_vector() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let mut peer = handshake(&push, 1, "PULL");
    push.send_multipart(["hello", "hello"], 0).unwrap();
    assert_eq!(hex(&read_frame(&mut peer.stream)), "01 05 68 65 6c 6c 6f");
    assert_eq!(hex(&read_frame(&mut peer.stream)), "00 05 68 65 6c 6c 6f");
}

#[test]
fn libzmq_uses_long_header_only_past_255_bytes() {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    let mut peer = handshake(&push, 1, "PULL");
    push.send(vec![7u8; 255], 0).unwrap();
    push.send(vec![7u8; 300], 0).unwrap();
    let short = read_frame(&mut peer.stream);
    assert_eq!(hex(&short[..2]), "00 ff");
    assert_eq!(short.len(), 2 + 255);
    let long = read_frame(&mut peer.stream);
    assert_eq!(hex(&long[..9]), "02 00 00 00 00 00 00 01 2c");
    assert_eq!(long[9..], [7u8; 300]);
}

#[test]
fn libzmq_sends_subscribe_command_to_a_3_1_peer() {
    let ctx = zmq::Context::new();
    let sub = ctx.socket(zmq::SUB).unwrap();
    sub.set_subscribe(b"A").unwrap();
    let mut peer = handshake(&sub, 1, "PUB");
    assert_eq!(
        hex(&read_frame(&mut peer.stream)),
        "04 0b 09 53 55 42 53 43 52 49 42 45 41"
    );
}

#[test]
fn libzmq_sends_subscribe_message_to_a_3_0_peer() {
    let ctx = zmq::Context::new();
    let sub = ctx.socket(zmq::SUB).unwrap();
    sub.set_subscribe(b"A").unwrap();
    let mut peer = handshake(&sub, 0, "PUB");
    assert_eq!(hex(&read_frame(&mut peer.stream)), "00 02 01 41");
}

#[test]
fn libzmq_accepts_both_subscribe_forms_from_either_version() {
    let command = [
        0x04, 0x0b, 0x09, b'S', b'U', b'B', b'S', b'C', b'R', b'I', b'B', b'E', b'A',
    ];
    let message = [0x00, 0x02, 0x01, b'A'];
    for (minor, frame) in [
        (1, &command[..]),
        (1, &message),
        (0, &message),
        (0, &command),
    ] {
        let ctx = zmq::Context::new();
        let xpub = ctx.socket(zmq::XPUB).unwrap();
        let mut peer = handshake(&xpub, minor, "SUB");
        peer.stream.write_all(frame).unwrap();
        // XPUB hands every new subscription to the application in the 3.0 message form; once it
        // has, the subscription is in the trie, so "B" is filtered out and "A" goes through.
        assert_eq!(
            xpub.recv_bytes(0).unwrap(),
            b"\x01A",
            "3.{minor} {frame:02x?}"
        );
        xpub.send("B", 0).unwrap();
        xpub.send("A", 0).unwrap();
        assert_eq!(hex(&read_frame(&mut peer.stream)), "00 01 41");
    }
}

/// Starts a libzmq PUSH with heartbeats every 50 ms and the given ZMQ_HEARTBEAT_TTL, and returns
/// the first frame it sends after its READY.
fn first_ping(ttl_ms: i32) -> Vec<u8> {
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.set_heartbeat_ivl(50).unwrap();
    push.set_heartbeat_ttl(ttl_ms).unwrap();
    let mut peer = handshake(&push, 1, "PULL");
    read_frame(&mut peer.stream)
}

#[test]
fn libzmq_ping_carries_heartbeat_ttl_in_deciseconds_and_no_context() {
    // zmtp.md's vector `04 08 04 50 49 4e 47 00 64 78` has context "x"; libzmq 4.3 never puts
    // a context in its PINGs, so for TTL 10000 ms it sends the 7-byte body `04 PING 00 64`.
    // ZMQ_HEARTBEAT_TTL is stored as ms / 100 (truncating) and sent as a 16-bit big-endian value.
    assert_eq!(hex(&first_ping(0)), "04 07 04 50 49 4e 47 00 00");
    assert_eq!(hex(&first_ping(1000)), "04 07 04 50 49 4e 47 00 0a");
    assert_eq!(hex(&first_ping(1099)), "04 07 04 50 49 4e 47 00 0a");
    assert_eq!(hex(&first_ping(10000)), "04 07 04 50 49 4e 47 00 64");
}

#[test]
fn libzmq_answers_ping_with_pong_matching_vector() {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    let mut peer = handshake(&pull, 1, "PUSH");
    // PING, TTL 100 (10 s), context "x": the zmtp.md section 8 vector.
    let ping = [0x04, 0x08, 0x04, b'P', b'I', b'N', b'G', 0x00, 0x64, b'x'];
    peer.stream.write_all(&ping).unwrap();
    assert_eq!(
        hex(&read_frame(&mut peer.stream)),
        "04 06 04 50 4f 4e 47 78"
    );
}

#[test]
fn libzmq_accepts_vector_frames_and_long_header_for_short_body() {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    let mut peer = handshake(&pull, 1, "PUSH");
    // "hello" with MORE (short header), then "hello" final with a LONG header (zmtp.md 2).
    let mut bytes = vec![0x01, 0x05];
    bytes.extend_from_slice(b"hello");
    bytes.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 0, 0x05]);
    bytes.extend_from_slice(b"hello");
    peer.stream.write_all(&bytes).unwrap();
    let frames = pull.recv_multipart(0).unwrap();
    assert_eq!(frames, [b"hello".to_vec(), b"hello".to_vec()]);
}
