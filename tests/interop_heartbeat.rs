//! ZMTP heartbeats between ferrozmq and libzmq 4.3.4: each side's PINGs are answered by the
//! other, so a quiet but healthy connection survives many heartbeat timeouts.

use std::time::{Duration, Instant};

const IVL_MS: i32 = 50;
const TIMEOUT_MS: i32 = 150;

/// Waits `span` of silence, then checks the same connection still carries a message: a
/// dropped and re-made connection would give the ROUTER a new generated routing id.
fn quiet_for(span: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ferrozmq_dealer_heartbeats_with_a_libzmq_router() {
    let zctx = zmq::Context::new();
    let router = zctx.socket(zmq::ROUTER).unwrap();
    router.set_rcvtimeo(5000).unwrap();
    router.set_linger(0).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.get_last_endpoint().unwrap().unwrap();

    let ctx = ferrozmq::Context::new();
    let dealer = ferrozmq::Dealer::new(&ctx).unwrap();
    dealer.set_linger(Some(Duration::ZERO)).unwrap();
    dealer
        .set_heartbeat_ivl(Some(Duration::from_millis(IVL_MS as u64)))
        .unwrap();
    dealer
        .set_heartbeat_timeout(Some(Duration::from_millis(TIMEOUT_MS as u64)))
        .unwrap();
    dealer.connect(&ep).unwrap();
    dealer.send("first").unwrap();
    let first = router.recv_multipart(0).unwrap();
    quiet_for(Duration::from_millis(10 * TIMEOUT_MS as u64));
    dealer.send("second").unwrap();
    let second = router.recv_multipart(0).unwrap();
    assert_eq!(
        first[0], second[0],
        "the connection was dropped and made again"
    );
    assert_eq!(second[1], b"second");
}

#[test]
fn libzmq_dealer_heartbeats_with_a_ferrozmq_router() {
    let ctx = ferrozmq::Context::new();
    let router = ferrozmq::Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(Duration::from_secs(5))).unwrap();
    router.set_linger(Some(Duration::ZERO)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.last_endpoint().unwrap();

    let zctx = zmq::Context::new();
    let dealer = zctx.socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.set_heartbeat_ivl(IVL_MS).unwrap();
    dealer.set_heartbeat_timeout(TIMEOUT_MS).unwrap();
    dealer.connect(&ep).unwrap();
    dealer.send("first", 0).unwrap();
    let first = router.recv().unwrap();
    quiet_for(Duration::from_millis(10 * TIMEOUT_MS as u64));
    dealer.send("second", 0).unwrap();
    let second = router.recv().unwrap();
    assert_eq!(
        first.frames()[0],
        second.frames()[0],
        "the connection was dropped and made again"
    );
    assert_eq!(&second.frames()[1][..], b"second");
}
