//! The socket monitor from Rust: `socket.monitor()` yields the typed events libzmq's
//! zmq_socket_monitor reports, in the order libzmq raises them.

mod common;

use std::time::Duration;

use common::TIMEOUT;
use ferrozmq::{Context, Monitor, MonitorEvent, Pull, Push};

fn next(m: &Monitor) -> MonitorEvent {
    m.recv(Some(TIMEOUT)).expect("an event in time")
}

#[test]
fn monitor_sees_listen_accept_handshake_and_disconnect_on_the_bound_side() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    let events = pull.monitor();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.last_endpoint().unwrap();
    assert!(matches!(next(&events), MonitorEvent::Listening { endpoint: e, .. } if e == endpoint));

    let push = Push::new(&ctx).unwrap();
    let push_events = push.monitor();
    push.connect(&endpoint).unwrap();
    push.send("x").unwrap();
    pull.recv().unwrap();
    assert!(matches!(next(&events), MonitorEvent::Accepted { .. }));
    assert!(matches!(
        next(&events),
        MonitorEvent::HandshakeSucceeded { .. }
    ));
    let seen: Vec<u16> = (0..3).map(|_| next(&push_events).number()).collect();
    assert_eq!(seen, [0x0002, 0x0001, 0x1000]);

    drop(push);
    assert_eq!(next(&push_events), MonitorEvent::MonitorStopped);
    assert!(matches!(next(&events), MonitorEvent::Disconnected { .. }));
    pull.unbind(&endpoint).unwrap();
    assert!(matches!(next(&events), MonitorEvent::Closed { .. }));
    drop(pull);
    assert_eq!(next(&events), MonitorEvent::MonitorStopped);
    assert!(events.recv(Some(Duration::from_millis(10))).is_err());
}

#[test]
fn a_refused_connect_is_closed_and_retried_after_the_reconnect_interval() {
    let ctx = Context::new();
    // A port that was just free: nothing listens there now.
    let probe = Pull::new(&ctx).unwrap();
    probe.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = probe.last_endpoint().unwrap();
    drop(probe);

    let push = Push::new(&ctx).unwrap();
    push.set_reconnect_ivl(Some(Duration::from_millis(50)))
        .unwrap();
    let events = push.monitor();
    push.connect(&endpoint).unwrap();
    // A refusal may come from connect(2) itself or after it: with a delayed connect, its
    // descriptor is closed (CLOSED) before the retry is scheduled.
    let mut seen = Vec::new();
    loop {
        match next(&events) {
            MonitorEvent::ConnectRetried {
                endpoint: e,
                interval,
            } => {
                assert_eq!(e, endpoint);
                assert_eq!(interval, Duration::from_millis(50));
                break;
            }
            other => seen.push(other.number()),
        }
    }
    assert!(seen.is_empty() || seen == [0x0002, 0x0080], "{seen:x?}");
}

#[test]
fn a_second_bind_to_a_taken_address_is_bind_failed() {
    let ctx = Context::new();
    let a = Pull::new(&ctx).unwrap();
    a.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = a.last_endpoint().unwrap();
    let b = Pull::new(&ctx).unwrap();
    let events = b.monitor();
    assert!(b.bind(&endpoint).is_err());
    match next(&events) {
        MonitorEvent::BindFailed { errno, .. } => assert_eq!(errno, libc_eaddrinuse()),
        other => panic!("expected BindFailed, got {other:?}"),
    }
}

#[test]
fn a_new_monitor_replaces_the_old_which_hears_monitor_stopped() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    let first = pull.monitor();
    let second = pull.monitor();
    assert_eq!(next(&first), MonitorEvent::MonitorStopped);
    pull.bind("tcp://127.0.0.1:*").unwrap();
    assert!(matches!(next(&second), MonitorEvent::Listening { .. }));
    assert!(first.try_recv().is_err());
}

#[test]
fn a_peer_that_leaves_before_its_handshake_is_handshake_failed_no_detail() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    let events = pull.monitor();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.last_endpoint().unwrap();
    assert!(matches!(next(&events), MonitorEvent::Listening { .. }));
    let addr = endpoint.trim_start_matches("tcp://");
    drop(std::net::TcpStream::connect(addr).unwrap());
    assert!(matches!(next(&events), MonitorEvent::Accepted { .. }));
    assert!(matches!(
        next(&events),
        MonitorEvent::HandshakeFailedNoDetail { .. }
    ));
}

#[test]
fn the_connecting_side_sees_its_peer_go_and_retries() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.last_endpoint().unwrap();
    let push = Push::new(&ctx).unwrap();
    push.set_reconnect_ivl(Some(Duration::from_millis(20)))
        .unwrap();
    let events = push.monitor();
    push.connect(&endpoint).unwrap();
    let up: Vec<u16> = (0..3).map(|_| next(&events).number()).collect();
    assert_eq!(up, [0x0002, 0x0001, 0x1000]);
    drop(pull);
    assert!(
        matches!(next(&events), MonitorEvent::Disconnected { endpoint: e, .. } if e == endpoint)
    );
    assert!(matches!(next(&events), MonitorEvent::ConnectRetried { .. }));
}

fn libc_eaddrinuse() -> i32 {
    ferrozmq::Error::AddrInUse.errno()
}
