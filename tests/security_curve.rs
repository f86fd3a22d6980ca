//! CURVE end to end, ferrozmq with ferrozmq over tcp and ipc: without a ZAP handler, with
//! an Authenticator letting in any key or a set of keys (from code or a certificate
//! directory), the wrong server key, and subscriptions and heartbeats, which travel sealed.
//! (The `zmq` crate's libzmq has no CURVE, so interoperability is tested elsewhere.)

mod common;

use std::time::Duration;

use common::{Transport, endpoint};
use ferrozmq::{
    Authenticator, Context, CurveKeyPair, Monitor, MonitorEvent, Pub, Pull, Push,
    SecurityMechanism, Sub,
};

const TIMEOUT: Duration = Duration::from_secs(5);

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC.
const CRYPTOGRAPHIC: u32 = 0x1100_0001;

fn curve_server(ctx: &Context, keys: &CurveKeyPair, transport: Transport) -> (Pull, String) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_curve_server(true).unwrap();
    pull.set_curve_secret_key(keys.secret.clone()).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind(&endpoint(transport)).unwrap();
    let at = pull.last_endpoint().unwrap();
    (pull, at)
}

fn curve_client(ctx: &Context, server: &CurveKeyPair, mine: &CurveKeyPair) -> Push {
    let push = Push::new(ctx).unwrap();
    // A refused client keeps its queue: nothing may hold the context open at the end.
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.set_curve_server_key(server.public).unwrap();
    push.set_curve_public_key(mine.public).unwrap();
    push.set_curve_secret_key(mine.secret.clone()).unwrap();
    push
}

/// The next handshake outcome `monitor` reports: Ok, or the failure's code or status.
fn handshake_outcome(monitor: &Monitor) -> Result<(), u32> {
    loop {
        match monitor
            .recv(Some(TIMEOUT))
            .expect("a monitor event in time")
        {
            MonitorEvent::HandshakeSucceeded { .. } => return Ok(()),
            MonitorEvent::HandshakeFailedProtocol { code, .. } => return Err(code),
            MonitorEvent::HandshakeFailedAuth { status, .. } => return Err(status),
            _ => {}
        }
    }
}

#[test]
fn curve_peers_exchange_multipart_messages_over_tcp_and_ipc_without_a_zap_handler() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        let ctx = Context::new();
        let server = CurveKeyPair::generate().unwrap();
        let (pull, at) = curve_server(&ctx, &server, transport);
        let push = curve_client(&ctx, &server, &CurveKeyPair::generate().unwrap());
        push.connect(&at).unwrap();
        // Sizes either side of the one-byte frame header, and a large body.
        let big = vec![7u8; 1 << 20];
        push.send(vec![
            b"a".to_vec(),
            vec![1u8; 255],
            vec![2u8; 256],
            big.clone(),
        ])
        .unwrap();
        let msg = pull.recv().expect("the message arrives");
        let sizes: Vec<usize> = msg.frames().iter().map(|f| f.len()).collect();
        assert_eq!(sizes, [1, 255, 256, 1 << 20]);
        assert_eq!(&msg.frames()[3][..], &big[..]);
        assert_eq!(pull.mechanism(), SecurityMechanism::Curve);
        assert!(pull.curve_server() && !push.curve_server());
    }
}

#[test]
fn an_authenticator_allowing_any_key_gives_the_clients_z85_key_as_its_user_id() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        let ctx = Context::new();
        let auth = Authenticator::start(&ctx).unwrap();
        auth.allow_any_curve_key("*");
        let server = CurveKeyPair::generate().unwrap();
        let client = CurveKeyPair::generate().unwrap();
        let (pull, at) = curve_server(&ctx, &server, transport);
        let push = curve_client(&ctx, &server, &client);
        push.connect(&at).unwrap();
        push.send("hello").unwrap();
        let (msg, props) = pull.recv_with_properties().expect("the message arrives");
        assert_eq!(&msg.frames()[0][..], b"hello");
        let props = props.expect("a tcp or ipc peer's properties");
        assert_eq!(props.get("User-Id"), Some(client.public.to_z85().as_str()));
        assert_eq!(props.get("Socket-Type"), Some("PUSH"));
    }
}

#[test]
fn an_authenticator_with_a_key_set_lets_in_listed_clients_and_refuses_others_with_400() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    let server = CurveKeyPair::generate().unwrap();
    let (listed, stranger) = (
        CurveKeyPair::generate().unwrap(),
        CurveKeyPair::generate().unwrap(),
    );
    auth.set_curve_keys("*", [listed.public]);
    let (pull, at) = curve_server(&ctx, &server, Transport::Tcp);
    let server_events = pull.monitor();

    let refused = curve_client(&ctx, &server, &stranger);
    let refused_events = refused.monitor();
    refused.connect(&at).unwrap();
    assert_eq!(handshake_outcome(&refused_events), Err(400));
    assert_eq!(handshake_outcome(&server_events), Err(400));
    refused.try_send("sneaky").ok();

    let allowed = curve_client(&ctx, &server, &listed);
    allowed.connect(&at).unwrap();
    allowed.send("welcome").unwrap();
    assert_eq!(
        &pull.recv().expect("it arrives").frames()[0][..],
        b"welcome"
    );
    assert!(
        pull.try_recv().is_err(),
        "the refused client's message never arrives"
    );
}

#[test]
fn keys_loaded_from_a_certificate_directory_decide_who_gets_in() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    let server = CurveKeyPair::generate().unwrap();
    let client = CurveKeyPair::generate().unwrap();
    let dir = std::env::temp_dir().join(format!("ferrozmq-certs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let certificate = format!(
        "#   ZeroMQ CURVE Public Certificate\nmetadata\n    name = \"client\"\ncurve\n    \
         public-key = \"{}\"\n",
        client.public.to_z85()
    );
    std::fs::write(dir.join("client.key"), certificate).unwrap();
    assert_eq!(auth.load_curve_keys_from_dir("*", &dir).unwrap(), 1);
    std::fs::remove_dir_all(&dir).unwrap();

    let (pull, at) = curve_server(&ctx, &server, Transport::Ipc);
    let push = curve_client(&ctx, &server, &client);
    push.connect(&at).unwrap();
    push.send("certified").unwrap();
    assert_eq!(
        &pull.recv().expect("it arrives").frames()[0][..],
        b"certified"
    );
}

#[test]
fn a_client_with_the_wrong_server_key_fails_the_handshake_cryptographically() {
    let ctx = Context::new();
    let server = CurveKeyPair::generate().unwrap();
    let impostor = CurveKeyPair::generate().unwrap();
    let (pull, at) = curve_server(&ctx, &server, Transport::Tcp);
    let server_events = pull.monitor();
    let push = curve_client(&ctx, &impostor, &CurveKeyPair::generate().unwrap());
    push.connect(&at).unwrap();
    push.send("lost").unwrap();
    assert_eq!(handshake_outcome(&server_events), Err(CRYPTOGRAPHIC));
    assert!(pull.try_recv().is_err());
}

#[test]
fn subscriptions_and_heartbeats_travel_sealed_between_curve_pub_and_sub() {
    let ctx = Context::new();
    let server = CurveKeyPair::generate().unwrap();
    let client = CurveKeyPair::generate().unwrap();
    let publisher = Pub::new(&ctx).unwrap();
    publisher.set_curve_server(true).unwrap();
    publisher
        .set_curve_secret_key(server.secret.clone())
        .unwrap();
    publisher
        .set_heartbeat_ivl(Some(Duration::from_millis(20)))
        .unwrap();
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let sub = Sub::new(&ctx).unwrap();
    sub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    sub.set_curve_server_key(server.public).unwrap();
    sub.set_curve_public_key(client.public).unwrap();
    sub.set_curve_secret_key(client.secret.clone()).unwrap();
    sub.set_heartbeat_ivl(Some(Duration::from_millis(20)))
        .unwrap();
    sub.set_heartbeat_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let sub_events = sub.monitor();
    sub.subscribe("wanted").unwrap();
    sub.connect(&publisher.last_endpoint().unwrap()).unwrap();
    assert_eq!(handshake_outcome(&sub_events), Ok(()));
    // The subscription reached the publisher once "wanted" messages get through.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        publisher.send("other topic").unwrap();
        publisher.send("wanted 1").unwrap();
        if let Ok(msg) = sub.try_recv() {
            assert_eq!(
                &msg.frames()[0][..],
                b"wanted 1",
                "filtered by the publisher"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "subscription never arrived"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Many heartbeat intervals later, PINGs and PONGs have kept the connection up.
    std::thread::sleep(Duration::from_millis(300));
    while sub.try_recv().is_ok() {}
    publisher.send("wanted 2").unwrap();
    assert_eq!(
        &sub.recv().expect("still connected").frames()[0][..],
        b"wanted 2"
    );
    assert!(
        std::iter::from_fn(|| sub_events.recv(Some(Duration::ZERO)).ok())
            .all(|e| !matches!(e, MonitorEvent::Disconnected { .. })),
        "no disconnect"
    );
}
