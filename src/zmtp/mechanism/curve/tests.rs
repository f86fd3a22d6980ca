use std::time::Duration;

use super::client::CurveClient;
use super::server::{COOKIE_LIFETIME, CurveServer};
use super::*;
use crate::curve::CurveKeyPair;
use crate::message::Message;
use crate::socket_type::SocketType;
use crate::zmtp::engine::PeerInfo;
use crate::zmtp::mechanism::{HandshakeConfig, Mechanism, Step};
use crate::zmtp::zap::ZapReply;

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC.
const CRYPTOGRAPHIC: u32 = 0x1100_0001;

/// The ZMQ_PROTOCOL_ERROR_* code the monitor reports for `e`.
fn code_of(e: &ProtocolError) -> u32 {
    crate::monitor::protocol_code(e)
}

fn config(socket_type: SocketType) -> HandshakeConfig {
    HandshakeConfig {
        socket_type,
        routing_id: Bytes::new(),
        zap_domain: Bytes::new(),
        zap_enforce_domain: false,
        peer_address: Bytes::from_static(b"127.0.0.1"),
    }
}

/// The command bodies queued in `out`, in order.
fn commands(out: &mut OutBuf) -> Vec<Bytes> {
    crate::zmtp::mechanism::queued_frames(out)
        .into_iter()
        .map(|(_, body)| body)
        .collect()
}

fn one(out: &mut OutBuf) -> Bytes {
    let mut all = commands(out);
    assert_eq!(all.len(), 1, "one command expected");
    all.remove(0)
}

struct Pair {
    client_public: CurvePublicKey,
    client: CurveClient,
    server: CurveServer,
    out: OutBuf,
    at: std::time::Instant,
}

impl Pair {
    fn new(server_key_seen_by_client: Option<CurvePublicKey>) -> Pair {
        let server = CurveKeyPair::generate().unwrap();
        let client = CurveKeyPair::generate().unwrap();
        let client_keys = CurveConfig {
            server: false,
            public_key: client.public,
            secret_key: client.secret,
            server_key: server_key_seen_by_client.unwrap_or(server.public),
        };
        let server_keys = CurveConfig {
            server: true,
            public_key: server.public,
            secret_key: server.secret,
            server_key: CurvePublicKey::from_bytes([0; 32]),
        };
        Pair {
            client_public: client_keys.public_key,
            client: CurveClient::new(config(SocketType::Dealer), client_keys),
            server: CurveServer::new(config(SocketType::Router), server_keys),
            out: OutBuf::new(),
            at: crate::test_epoch(),
        }
    }

    fn hello(&mut self) -> Bytes {
        let mut step = Step::new(&mut self.out, Some(self.at));
        self.client.start(true, &mut step).unwrap();
        one(&mut self.out)
    }

    fn server_gets(&mut self, body: Bytes) -> Result<Option<Bytes>, ProtocolError> {
        let mut step = Step::new(&mut self.out, Some(self.at));
        self.server.on_command(body, &mut step)?;
        Ok(commands(&mut self.out).pop())
    }

    fn client_gets(&mut self, body: Bytes) -> Result<Option<Bytes>, ProtocolError> {
        let mut step = Step::new(&mut self.out, Some(self.at));
        self.client.on_command(body, &mut step)?;
        Ok(commands(&mut self.out).pop())
    }

    /// HELLO, WELCOME, INITIATE; returns the INITIATE and the ZAP request's credentials.
    fn up_to_initiate(&mut self) -> Bytes {
        let hello = self.hello();
        let welcome = self.server_gets(hello).unwrap().unwrap();
        self.client_gets(welcome).unwrap().unwrap()
    }

    /// The whole handshake with a ZAP handler that says 200.
    fn complete(&mut self) -> (PeerInfo, PeerInfo) {
        let initiate = self.up_to_initiate();
        let mut step = Step::new(&mut self.out, Some(self.at));
        self.server.on_command(initiate, &mut step).unwrap();
        assert!(step.take_zap().is_some());
        let mut step = Step::new(&mut self.out, Some(self.at));
        self.server
            .on_zap_reply(Some(zap(b"200", b"alice")), &mut step)
            .unwrap();
        let ready = one(&mut self.out);
        self.client_gets(ready).unwrap();
        (
            self.client.take_peer().unwrap(),
            self.server.take_peer().unwrap(),
        )
    }
}

fn zap(status: &'static [u8], user: &'static [u8]) -> ZapReply {
    let frames: Vec<Bytes> = [&b""[..], b"1.0", b"1", status, b"", user, b""]
        .iter()
        .map(|f| Bytes::copy_from_slice(f))
        .collect();
    ZapReply::parse(&Message::from(frames)).unwrap()
}

#[test]
fn hello_is_200_bytes_as_libzmq_lays_it_out() {
    let mut p = Pair::new(None);
    let hello = p.hello();
    assert_eq!(hello.len(), 200);
    assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
    assert!(hello[8..80].iter().all(|&b| b == 0), "72 bytes of padding");
    assert_eq!(&hello[112..120], &1u64.to_be_bytes(), "short nonce 1");
}

#[test]
fn the_handshake_completes_and_the_server_asks_zap_with_the_clients_long_term_key() {
    let mut p = Pair::new(None);
    let hello = p.hello();
    let welcome = p.server_gets(hello).unwrap().unwrap();
    assert_eq!(welcome.len(), 168);
    assert!(welcome.starts_with(b"\x07WELCOME"));
    let initiate = p.client_gets(welcome).unwrap().unwrap();
    assert!(initiate.len() >= 257 && initiate.starts_with(b"\x08INITIATE"));
    assert_eq!(&initiate[105..113], &2u64.to_be_bytes());

    let mut step = Step::new(&mut p.out, Some(p.at));
    p.server.on_command(initiate, &mut step).unwrap();
    let request = step.take_zap().unwrap();
    assert_eq!(request.mechanism, "CURVE");
    assert_eq!(request.credentials.len(), 1);
    assert_eq!(&request.credentials[0][..], p.client_public.as_bytes());
    assert!(commands(&mut p.out).is_empty(), "no READY before the reply");

    let mut step = Step::new(&mut p.out, Some(p.at));
    p.server
        .on_zap_reply(Some(zap(b"200", b"alice")), &mut step)
        .unwrap();
    let ready = one(&mut p.out);
    assert!(ready.starts_with(b"\x05READY"));
    assert_eq!(&ready[6..14], &1u64.to_be_bytes());
    p.client_gets(ready).unwrap();
    let server_side = p.server.take_peer().unwrap();
    assert_eq!(server_side.socket_type, SocketType::Dealer);
    assert!(
        server_side
            .properties
            .contains(&("User-Id".to_owned(), Bytes::from_static(b"alice")))
    );
    assert_eq!(
        p.client.take_peer().unwrap().socket_type,
        SocketType::Router
    );
}

#[test]
fn frames_travel_sealed_with_more_and_command_inside_the_box() {
    let mut p = Pair::new(None);
    p.complete();
    let mut wire = OutBuf::new();
    p.client.seal(frame::MORE, b"first", &mut wire);
    p.client
        .seal(frame::COMMAND, b"\x04PING\x00\x00", &mut wire);
    let sealed = commands(&mut wire);
    assert!(sealed.iter().all(|m| m.starts_with(b"\x07MESSAGE")));
    // Short nonces go on from INITIATE's 2; the outer frame carries no flags, as libzmq's.
    assert_eq!(&sealed[0][8..16], &3u64.to_be_bytes());
    assert_eq!(&sealed[1][8..16], &4u64.to_be_bytes());
    let (flags, body) = p.server.open(sealed[0].clone()).unwrap();
    assert_eq!((flags, &body[..]), (frame::MORE, &b"first"[..]));
    let (flags, body) = p.server.open(sealed[1].clone()).unwrap();
    assert_eq!(
        (flags, &body[..]),
        (frame::COMMAND, &b"\x04PING\x00\x00"[..])
    );

    p.server.seal(0, b"back", &mut wire);
    let back = one(&mut wire);
    assert_eq!(&back[8..16], &2u64.to_be_bytes(), "after READY's 1");
    assert_eq!(&p.client.open(back).unwrap().1[..], b"back");
}

#[test]
fn a_replayed_or_lower_message_nonce_is_refused() {
    let mut p = Pair::new(None);
    p.complete();
    let mut wire = OutBuf::new();
    p.client.seal(0, b"one", &mut wire);
    p.client.seal(0, b"two", &mut wire);
    let sealed = commands(&mut wire);
    p.server.open(sealed[1].clone()).unwrap();
    for replay in [&sealed[1], &sealed[0]] {
        let err = p.server.open(replay.clone()).unwrap_err();
        assert_eq!(code_of(&err), code::INVALID_SEQUENCE, "{err:?}");
    }
}

#[test]
fn a_message_with_a_tampered_byte_or_a_bad_shape_is_refused() {
    let mut p = Pair::new(None);
    p.complete();
    let mut wire = OutBuf::new();
    p.client.seal(0, b"payload", &mut wire);
    let mut tampered = one(&mut wire).to_vec();
    *tampered.last_mut().unwrap() ^= 0x80;
    assert_eq!(
        p.server.open(Bytes::from(tampered)).unwrap_err(),
        ProtocolError::Cryptographic
    );
    let short = Bytes::from_static(b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x09");
    assert_eq!(
        code_of(&p.server.open(short).unwrap_err()),
        code::MALFORMED_MESSAGE
    );
    let hello = Bytes::from_static(b"\x05HELLO...");
    assert_eq!(
        code_of(&p.server.open(hello).unwrap_err()),
        code::UNEXPECTED_COMMAND
    );
}

#[test]
fn a_client_with_the_wrong_server_key_is_refused_at_hello() {
    let other = CurveKeyPair::generate().unwrap().public;
    let mut p = Pair::new(Some(other));
    let hello = p.hello();
    assert_eq!(
        p.server_gets(hello).unwrap_err(),
        ProtocolError::Cryptographic
    );
}

#[test]
fn a_client_given_a_low_order_server_key_sends_nothing() {
    let mut p = Pair::new(Some(CurvePublicKey::from_bytes([0; 32])));
    let mut step = Step::new(&mut p.out, None);
    assert_eq!(
        p.client.start(true, &mut step).unwrap_err(),
        ProtocolError::Cryptographic
    );
    assert!(p.out.is_empty());
}

#[test]
fn hello_of_the_wrong_size_or_version_is_malformed_and_a_misnamed_one_unexpected() {
    let mut p = Pair::new(None);
    let hello = p.hello();
    let mut wrong_version = hello.to_vec();
    wrong_version[6] = 2;
    let mut misnamed = hello.to_vec();
    misnamed[5] = b'X';
    let cases = [
        (Bytes::from_static(b"\x05HELLO"), code::MALFORMED_HELLO),
        (Bytes::from(wrong_version), code::MALFORMED_HELLO),
        (Bytes::from(misnamed), code::UNEXPECTED_COMMAND),
        (
            Bytes::from_static(b"\x09HELLO"),
            code::MALFORMED_UNSPECIFIED,
        ),
    ];
    for (body, expected) in cases {
        let mut p = Pair::new(None);
        assert_eq!(code_of(&p.server_gets(body).unwrap_err()), expected);
    }
}

#[test]
fn a_tampered_cookie_or_initiate_box_is_cryptographic_and_a_short_initiate_malformed() {
    for (at, expected) in [
        (30, CRYPTOGRAPHIC),
        (150, CRYPTOGRAPHIC),
        (usize::MAX, code::MALFORMED_INITIATE),
    ] {
        let mut p = Pair::new(None);
        let mut initiate = p.up_to_initiate().to_vec();
        if at == usize::MAX {
            initiate.truncate(256);
        } else {
            initiate[at] ^= 1;
        }
        assert_eq!(
            code_of(&p.server_gets(Bytes::from(initiate)).unwrap_err()),
            expected
        );
    }
}

#[test]
fn a_welcome_of_the_wrong_size_or_tampered_is_cryptographic_for_the_client() {
    for tamper in [true, false] {
        let mut p = Pair::new(None);
        let hello = p.hello();
        let mut welcome = p.server_gets(hello).unwrap().unwrap().to_vec();
        if tamper {
            welcome[100] ^= 1;
        } else {
            welcome.pop();
        }
        assert_eq!(
            p.client_gets(Bytes::from(welcome)).unwrap_err(),
            ProtocolError::Cryptographic
        );
    }
}

#[test]
fn the_server_gives_up_on_an_initiate_after_the_cookie_lifetime() {
    let mut p = Pair::new(None);
    assert_eq!(p.server.deadline(), None);
    let initiate = p.up_to_initiate();
    assert_eq!(p.server.deadline(), Some(p.at + COOKIE_LIFETIME));
    p.at += COOKIE_LIFETIME + Duration::from_millis(1);
    assert_eq!(
        p.server_gets(initiate).unwrap_err(),
        ProtocolError::Cryptographic
    );
    assert_eq!(p.server.deadline(), None, "the cookie key is gone");
}

#[test]
fn a_refusing_zap_handler_gets_the_client_an_error_with_its_status() {
    let mut p = Pair::new(None);
    let initiate = p.up_to_initiate();
    p.server_gets(initiate).unwrap();
    let mut step = Step::new(&mut p.out, Some(p.at));
    let err = p.server.on_zap_reply(Some(zap(b"400", b"")), &mut step);
    let err = err.unwrap_err();
    assert_eq!(err, ProtocolError::AuthFailed(400));
    let error = one(&mut p.out);
    assert_eq!(&error[..], b"\x05ERROR\x03400");
    assert_eq!(
        p.client_gets(error).unwrap_err(),
        ProtocolError::AuthFailed(400)
    );
}

#[test]
fn without_a_zap_handler_bound_the_client_is_let_in() {
    let mut p = Pair::new(None);
    let initiate = p.up_to_initiate();
    p.server_gets(initiate).unwrap();
    let mut step = Step::new(&mut p.out, Some(p.at));
    p.server.on_zap_reply(None, &mut step).unwrap();
    assert!(one(&mut p.out).starts_with(b"\x05READY"));
}
