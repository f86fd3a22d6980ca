//! Hostile peers against a PLAIN server with a ZAP handler that lets everyone in: old
//! protocols asking for a downgrade (the CVE-2020-15166 family: ZMTP 1.0 and 2.0 have no
//! security, so a server with a mechanism must close them), the wrong mechanism, messages
//! before the handshake, and a client that stops halfway (closed at HANDSHAKE_IVL).

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::raw::{RAW_TIMEOUT, command, connect, greeting_with, read_frame, wait_closed};
use ferrozmq::auth::Verdict;
use ferrozmq::{Authenticator, Context, Pull};

struct Server {
    _ctx: Context,
    _auth: Authenticator,
    pull: Pull,
    addr: std::net::SocketAddr,
}

fn plain_server(handshake_ivl: Duration) -> Server {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_handler(|_| Verdict::Allow {
        user_id: String::new(),
    });
    let pull = Pull::new(&ctx).unwrap();
    pull.set_plain_server(true).unwrap();
    pull.set_handshake_ivl(Some(handshake_ivl)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let addr = ep.trim_start_matches("tcp://").parse().unwrap();
    Server {
        _ctx: ctx,
        _auth: auth,
        pull,
        addr,
    }
}

impl Server {
    /// Sends `bytes`, waits for the server to close, and checks nothing reached the socket.
    fn refuses(&self, bytes: &[u8]) -> Vec<u8> {
        let mut raw = connect(self.addr);
        raw.write_all(bytes).unwrap();
        let seen = wait_closed(&mut raw, Instant::now() + RAW_TIMEOUT);
        assert!(self.pull.try_recv().is_err(), "nothing may be delivered");
        seen
    }
}

fn hello() -> Vec<u8> {
    command(b"HELLO", b"\x05admin\x06secret")
}

#[test]
fn zmtp_1_and_2_greetings_to_a_plain_server_are_closed_with_nothing_delivered() {
    let server = plain_server(Duration::from_secs(60));
    // ZMTP 2.0: revision 1, socket type PUSH, then a message frame in 2.0 framing.
    let mut v2 = greeting_with(3, 1, b"PLAIN")[..10].to_vec();
    v2.extend_from_slice(&[
        0x01, 0x08, 0x00, 0x00, 0x00, 0x05, b'h', b'e', b'l', b'l', b'o',
    ]);
    // ZMTP 1.0: an identity frame, then a message, no signature at all.
    let v1 = b"\x01\x00\x06\x00hello".to_vec();
    // A 3.x signature with version 1 or 2.
    let mut old = greeting_with(2, 0, b"PLAIN").to_vec();
    old.extend_from_slice(&hello());
    for bytes in [v2, v1, old, greeting_with(1, 0, b"NULL").to_vec()] {
        server.refuses(&bytes);
    }
}

#[test]
fn a_null_or_curve_greeting_to_a_plain_server_is_a_mechanism_mismatch() {
    let server = plain_server(Duration::from_secs(60));
    for mechanism in [&b"NULL"[..], b"CURVE"] {
        let mut bytes = greeting_with(3, 1, mechanism).to_vec();
        bytes.extend_from_slice(&command(b"READY", b"\x0bSocket-Type\x00\x00\x00\x04PUSH"));
        server.refuses(&bytes);
    }
}

#[test]
fn a_message_before_the_plain_handshake_ends_the_connection_undelivered() {
    let server = plain_server(Duration::from_secs(60));
    let mut bytes = greeting_with(3, 1, b"PLAIN").to_vec();
    bytes.extend_from_slice(&hello());
    bytes.extend_from_slice(&[0x00, 0x05, b's', b'n', b'e', b'a', b'k']);
    server.refuses(&bytes);
}

#[test]
fn a_client_that_stops_after_welcome_is_closed_at_the_handshake_interval() {
    let server = plain_server(Duration::from_millis(300));
    let mut raw = connect(server.addr);
    let started = Instant::now();
    raw.write_all(&greeting_with(3, 1, b"PLAIN")).unwrap();
    raw.write_all(&hello()).unwrap();
    let mut theirs = [0u8; 64];
    std::io::Read::read_exact(&mut raw, &mut theirs).unwrap();
    assert_eq!(&theirs[12..17], b"PLAIN");
    let welcome = read_frame(&mut raw).expect("WELCOME once ZAP accepts");
    assert_eq!(&welcome[2..], b"\x07WELCOME");
    wait_closed(&mut raw, Instant::now() + RAW_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(server.pull.try_recv().is_err());
}
