use super::*;
use crate::message::Message;
use crate::socket_type::SocketType;
use crate::zmtp::outbuf::OutBuf;

fn config(socket_type: SocketType) -> HandshakeConfig {
    HandshakeConfig {
        socket_type,
        routing_id: Bytes::from_static(b"IDENT"),
        zap_domain: Bytes::from_static(b"test"),
        zap_enforce_domain: false,
        peer_address: Bytes::from_static(b"127.0.0.1"),
    }
}

/// The command bodies queued in `out`, in order.
fn commands(out: &mut OutBuf) -> Vec<Bytes> {
    let frames = super::super::queued_frames(out);
    assert!(frames.iter().all(|(command, _)| *command));
    frames.into_iter().map(|(_, body)| body).collect()
}

fn zap_reply(status: &'static [u8], user: &'static [u8]) -> ZapReply {
    let frames: Vec<Bytes> = [&b""[..], b"1.0", b"1", status, b"", user, b""]
        .iter()
        .map(|f| Bytes::copy_from_slice(f))
        .collect();
    ZapReply::parse(&Message::from(frames)).unwrap()
}

fn client() -> PlainClient {
    PlainClient::new(
        config(SocketType::Dealer),
        Bytes::from_static(b"admin"),
        Bytes::from_static(b"password"),
    )
}

#[test]
fn plain_client_and_server_complete_the_handshake_through_zap() {
    let mut out = OutBuf::new();
    let (mut c, mut s) = (client(), PlainServer::new(config(SocketType::Router)));
    c.start(true, &mut Step::new(&mut out, None)).unwrap();
    let hello = commands(&mut out).remove(0);
    assert_eq!(&hello[..], b"\x05HELLO\x05admin\x08password");

    let mut step = Step::new(&mut out, None);
    s.on_command(hello, &mut step).unwrap();
    let request = step.take_zap().expect("the server asks ZAP");
    assert_eq!(request.mechanism, "PLAIN");
    assert_eq!(request.credentials, [&b"admin"[..], b"password"]);
    assert_eq!(&request.domain[..], b"test");
    assert!(commands(&mut out).is_empty(), "no WELCOME before the reply");

    s.on_zap_reply(
        Some(zap_reply(b"200", b"alice")),
        &mut Step::new(&mut out, None),
    )
    .unwrap();
    let welcome = commands(&mut out).remove(0);
    assert_eq!(&welcome[..], b"\x07WELCOME");

    c.on_command(welcome, &mut Step::new(&mut out, None))
        .unwrap();
    let initiate = commands(&mut out).remove(0);
    assert!(initiate.starts_with(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER"));

    s.on_command(initiate, &mut Step::new(&mut out, None))
        .unwrap();
    let peer = s.take_peer().expect("server ready");
    assert_eq!(peer.socket_type, SocketType::Dealer);
    assert!(
        peer.properties
            .contains(&("User-Id".into(), Bytes::from_static(b"alice")))
    );
    let ready = commands(&mut out).remove(0);
    assert!(ready.starts_with(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER"));

    assert!(c.take_peer().is_none());
    c.on_command(ready, &mut Step::new(&mut out, None)).unwrap();
    assert_eq!(c.take_peer().unwrap().socket_type, SocketType::Router);
}

#[test]
fn a_refusal_sends_its_status_in_libzmq_43s_error_and_a_temporary_failure_sends_nothing() {
    for (status, code, sent) in [
        (&b"400"[..], 400, true),
        (b"500", 500, true),
        (b"300", 300, false),
    ] {
        let mut out = OutBuf::new();
        let mut s = PlainServer::new(config(SocketType::Router));
        s.on_command(
            Bytes::from_static(b"\x05HELLO\x01u\x01p"),
            &mut Step::new(&mut out, None),
        )
        .unwrap();
        let reply = zap_reply(status, b"");
        let err = s.on_zap_reply(Some(reply), &mut Step::new(&mut out, None));
        assert_eq!(err, Err(ProtocolError::AuthFailed(code)));
        let sent_cmds = commands(&mut out);
        if sent {
            // "^RROR", libzmq 4.3's spelling, which its PLAIN client expects.
            let mut expected = b"^RROR\x03".to_vec();
            expected.extend_from_slice(status);
            assert_eq!(sent_cmds, [Bytes::from(expected)]);
        } else {
            assert!(sent_cmds.is_empty());
        }
    }
}

#[test]
fn a_plain_server_without_a_zap_handler_fails() {
    let mut out = OutBuf::new();
    let mut s = PlainServer::new(config(SocketType::Router));
    s.on_command(
        Bytes::from_static(b"\x05HELLO\x01u\x01p"),
        &mut Step::new(&mut out, None),
    )
    .unwrap();
    assert_eq!(
        s.on_zap_reply(None, &mut Step::new(&mut out, None)),
        Err(ProtocolError::ZapUnavailable)
    );
}

#[test]
fn malformed_hellos_are_refused_with_libzmqs_code() {
    for hello in [
        &b"\x05HELLO"[..],
        b"\x05HELLO\x05adm",
        b"\x05HELLO\x01u",
        b"\x05HELLO\x01u\x02p",
        b"\x05HELLO\x01u\x01pX",
    ] {
        let mut out = OutBuf::new();
        let mut s = PlainServer::new(config(SocketType::Router));
        let err = s.on_command(Bytes::from_static(hello), &mut Step::new(&mut out, None));
        assert!(
            matches!(
                err,
                Err(ProtocolError::Handshake {
                    code: 0x1000_0013,
                    ..
                })
            ),
            "{hello:?}: {err:?}"
        );
    }
}

#[test]
fn a_client_told_400_reports_an_authentication_failure() {
    let mut out = OutBuf::new();
    let mut c = client();
    c.start(true, &mut Step::new(&mut out, None)).unwrap();
    let err = c.on_command(
        Bytes::from_static(b"\x05ERROR\x03400"),
        &mut Step::new(&mut out, None),
    );
    assert_eq!(err, Err(ProtocolError::AuthFailed(400)));
}

#[test]
fn a_client_told_400_in_libzmq_43s_spelling_of_error_reports_an_authentication_failure() {
    let mut out = OutBuf::new();
    let mut c = client();
    c.start(true, &mut Step::new(&mut out, None)).unwrap();
    let err = c.on_command(
        Bytes::from_static(b"^RROR\x03400"),
        &mut Step::new(&mut out, None),
    );
    assert_eq!(err, Err(ProtocolError::AuthFailed(400)));
}

#[test]
fn commands_out_of_order_end_the_handshake() {
    let mut out = OutBuf::new();
    let mut c = client();
    c.start(true, &mut Step::new(&mut out, None)).unwrap();
    let err = c.on_command(
        Bytes::from_static(b"\x05READY"),
        &mut Step::new(&mut out, None),
    );
    assert!(matches!(
        err,
        Err(ProtocolError::Handshake {
            code: 0x1000_0001,
            ..
        })
    ));
    let mut s = PlainServer::new(config(SocketType::Router));
    let err = s.on_command(
        Bytes::from_static(b"\x08INITIATE"),
        &mut Step::new(&mut out, None),
    );
    assert!(matches!(
        err,
        Err(ProtocolError::Handshake {
            code: 0x1000_0001,
            ..
        })
    ));
}

#[test]
fn the_client_hides_its_password_from_debug_output() {
    let shown = format!("{:?}", client());
    assert!(
        !shown.contains("admin") && !shown.contains("password"),
        "{shown}"
    );
}
