//! PLAIN and ZAP end to end: ferrozmq with ferrozmq, and with libzmq (the `zmq` crate's
//! build has PLAIN and ZAP, though not CURVE) in both directions, over tcp and ipc; the ZAP
//! handler's user id reaches the receiver with each message.

mod common;

use std::os::unix::fs::MetadataExt;
use std::thread::JoinHandle;
use std::time::Duration;

use common::{Transport, endpoint};
use ferrozmq::{Context, Message, MonitorEvent, Pull, Push, Rep};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A ZAP handler in `ctx` that accepts user "admin" with password "password" as user id
/// "admin-id" and refuses everyone else with 400; it answers `requests` requests, then
/// returns what each asked.
fn zap_handler(ctx: &Context, requests: usize) -> JoinHandle<Vec<Vec<Vec<u8>>>> {
    let rep = Rep::new(ctx).unwrap();
    rep.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    rep.bind("inproc://zeromq.zap.01").unwrap();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..requests {
            let req = rep.recv().expect("a ZAP request in time");
            let frames: Vec<Vec<u8>> = req.frames().iter().map(|f| f.to_vec()).collect();
            let ok = frames.get(5).is_some_and(|m| m == b"PLAIN")
                && frames.get(6).is_some_and(|u| u == b"admin")
                && frames.get(7).is_some_and(|p| p == b"password");
            let (status, user): (&[u8], &[u8]) = if ok {
                (b"200", b"admin-id")
            } else {
                (b"400", b"")
            };
            let reply = Message::from(vec![
                b"1.0".to_vec(),
                frames[1].clone(),
                status.to_vec(),
                b"".to_vec(),
                user.to_vec(),
                b"".to_vec(),
            ]);
            rep.send(reply).unwrap();
            seen.push(frames);
        }
        seen
    })
}

fn plain_server(ctx: &Context, transport: Transport) -> (Pull, String) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_plain_server(true).unwrap();
    pull.set_zap_domain("global").unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind(&endpoint(transport)).unwrap();
    let at = pull.last_endpoint().unwrap();
    (pull, at)
}

fn plain_client(ctx: &Context, user: &'static str, password: &'static str) -> Push {
    let push = Push::new(ctx).unwrap();
    // A refused client does not reconnect (as libzmq's does not), so what it queued is never
    // delivered and must not hold the context open at the end.
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.set_plain_username(user).unwrap();
    push.set_plain_password(password).unwrap();
    push
}

fn wait_for_auth_failure(monitor: &ferrozmq::Monitor) -> u32 {
    loop {
        match monitor
            .recv(Some(TIMEOUT))
            .expect("a monitor event in time")
        {
            MonitorEvent::HandshakeFailedAuth { status, .. } => return status,
            MonitorEvent::HandshakeSucceeded { .. } => panic!("handshake succeeded"),
            _ => {}
        }
    }
}

#[test]
fn plain_client_with_the_right_password_is_let_in_by_the_zap_handler() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        let ctx = Context::new();
        let handler = zap_handler(&ctx, 1);
        let (pull, at) = plain_server(&ctx, transport);
        let push = plain_client(&ctx, "admin", "password");
        push.connect(&at).unwrap();
        push.send("hello").unwrap();
        let (msg, props) = pull.recv_with_properties().expect("the message arrives");
        assert_eq!(&msg.frames()[0][..], b"hello");
        let props = props.expect("a tcp or ipc peer's properties");
        assert_eq!(
            props.get("User-Id"),
            Some("admin-id"),
            "the ZAP handler's user id"
        );
        assert_eq!(props.get("socket-type"), Some("PUSH"));
        let request = handler.join().unwrap().remove(0);
        let request: Vec<&[u8]> = request.iter().map(|f| &f[..]).collect();
        assert_eq!(&request[..3], [&b"1.0"[..], b"1", b"global"]);
        // libzmq's: the IP without a port over tcp, the peer's credentials over ipc.
        let address = if matches!(transport, Transport::Tcp) {
            "127.0.0.1".to_string()
        } else {
            let me = std::fs::metadata("/proc/self").unwrap();
            let pid = std::process::id();
            format!("localhost:{}:{}:{pid}", me.uid(), me.gid())
        };
        assert_eq!(request[3], address.as_bytes(), "the peer's address");
        assert_eq!(&request[5..], [&b"PLAIN"[..], b"admin", b"password"]);
    }
}

#[test]
fn plain_client_with_a_wrong_password_is_refused_on_both_sides() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        let ctx = Context::new();
        let _handler = zap_handler(&ctx, 1);
        let (pull, at) = plain_server(&ctx, transport);
        let server_events = pull.monitor();
        let push = plain_client(&ctx, "admin", "wrong");
        let client_events = push.monitor();
        push.connect(&at).unwrap();
        assert_eq!(wait_for_auth_failure(&server_events), 400);
        assert_eq!(wait_for_auth_failure(&client_events), 400);
        push.try_send("unseen").ok();
        pull.set_rcvtimeo(Some(Duration::from_millis(100))).unwrap();
        assert!(pull.recv().is_err(), "nothing crosses a refused connection");
    }
}

#[test]
fn plain_server_without_a_zap_handler_lets_nobody_in() {
    let ctx = Context::new();
    let (pull, at) = plain_server(&ctx, Transport::Tcp);
    let events = pull.monitor();
    let push = plain_client(&ctx, "admin", "password");
    push.connect(&at).unwrap();
    loop {
        match events.recv(Some(TIMEOUT)).expect("an event in time") {
            MonitorEvent::HandshakeFailedNoDetail { errno, .. } => {
                assert_eq!(errno, libc_efault());
                break;
            }
            MonitorEvent::HandshakeSucceeded { .. } => panic!("let in without ZAP"),
            _ => {}
        }
    }
}

fn libc_efault() -> i32 {
    14
}

#[test]
fn plain_interoperates_with_libzmq_in_both_directions() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        // ferrozmq server (and ZAP handler), libzmq client.
        let ctx = Context::new();
        let _handler = zap_handler(&ctx, 1);
        let (pull, at) = plain_server(&ctx, transport);
        let zctx = zmq::Context::new();
        let push = zctx.socket(zmq::PUSH).unwrap();
        push.set_linger(0).unwrap();
        push.set_plain_username(Some("admin")).unwrap();
        push.set_plain_password(Some("password")).unwrap();
        push.connect(&at).unwrap();
        push.send("from libzmq", 0).unwrap();
        let msg = pull.recv().expect("libzmq's message arrives");
        assert_eq!(&msg.frames()[0][..], b"from libzmq");

        // libzmq server (and ZAP handler), ferrozmq client.
        let handler = zctx.socket(zmq::REP).unwrap();
        handler.set_linger(0).unwrap();
        handler.bind("inproc://zeromq.zap.01").unwrap();
        let zpull = zctx.socket(zmq::PULL).unwrap();
        zpull.set_linger(0).unwrap();
        zpull.set_plain_server(true).unwrap();
        zpull.set_rcvtimeo(5000).unwrap();
        zpull.bind(&endpoint(transport)).unwrap();
        let zat = zpull.get_last_endpoint().unwrap().unwrap();
        let push = plain_client(&ctx, "admin", "password");
        push.connect(&zat).unwrap();
        push.send("from ferrozmq").unwrap();
        handler.set_rcvtimeo(5000).unwrap();
        let req = handler.recv_multipart(0).expect("libzmq asks its handler");
        assert_eq!(
            &req[5..],
            [b"PLAIN".to_vec(), b"admin".to_vec(), b"password".to_vec()]
        );
        let reply: Vec<&[u8]> = vec![b"1.0", &req[1], b"200", b"OK", b"user", b""];
        handler.send_multipart(reply, 0).unwrap();
        let got = zpull.recv_bytes(0).expect("ferrozmq's message arrives");
        assert_eq!(got, b"from ferrozmq");
    }
}
