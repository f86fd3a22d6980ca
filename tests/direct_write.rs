//! A socket's thread writes to an idle connection itself, and large messages whenever nothing
//! is queued ahead; everything else goes through the I/O thread. These tests mix the two paths
//! (pauses, bursts, small and large messages, a full socket buffer) and check that order and
//! content survive, towards ferrozmq and towards libzmq.

mod common;

use std::time::Duration;

use common::{TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Message, Pull, Push, Rep, Req};

/// Message `i` of the mixed stream: its number, then a body whose size cycles through
/// small, medium and large, filled with a pattern derived from `i`.
fn mixed(i: u32) -> Message {
    let size = [0usize, 16, 9_000, 70_000, 300, 600_000][i as usize % 6];
    let body: Vec<u8> = (0..size).map(|k| (k as u32 ^ i) as u8).collect();
    Message::from(vec![i.to_be_bytes().to_vec(), body])
}

fn check(i: u32, frames: &[impl AsRef<[u8]>]) {
    let want = mixed(i);
    assert_eq!(frames.len(), 2, "message {i}");
    assert_eq!(
        frames[0].as_ref(),
        &want.frames()[0][..],
        "message {i} out of order"
    );
    assert!(
        frames[1].as_ref() == &want.frames()[1][..],
        "message {i} body differs"
    );
}

/// Sends the mixed stream: bursts with pauses between them, so some messages find the
/// connection idle and some find a queue or a full kernel buffer ahead of them.
fn send_mixed(push: &Push, n: u32) {
    for i in 0..n {
        push.send(mixed(i)).unwrap();
        if i % 25 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[test]
fn direct_and_queued_writes_keep_one_order_to_a_ferrozmq_peer() {
    for t in [Transport::Ipc, Transport::Tcp] {
        let ctx = Context::new();
        let pull = Pull::new(&ctx).unwrap();
        pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        pull.bind(&endpoint(t)).unwrap();
        let push = Push::new(&ctx).unwrap();
        push.set_sndtimeo(Some(TIMEOUT)).unwrap();
        push.connect(&pull.last_endpoint().unwrap()).unwrap();
        let n = 200;
        let sender = std::thread::spawn(move || send_mixed(&push, n));
        for i in 0..n {
            check(i, pull.recv().unwrap().frames());
        }
        sender.join().unwrap();
    }
}

#[test]
fn direct_and_queued_writes_keep_one_order_to_a_libzmq_peer() {
    for t in [Transport::Ipc, Transport::Tcp] {
        let zctx = zmq::Context::new();
        let pull = zctx.socket(zmq::PULL).unwrap();
        pull.set_rcvtimeo(TIMEOUT.as_millis() as i32).unwrap();
        pull.bind(&endpoint(t)).unwrap();
        let ep = pull.get_last_endpoint().unwrap().unwrap();
        let ctx = Context::new();
        let push = Push::new(&ctx).unwrap();
        push.set_sndtimeo(Some(TIMEOUT)).unwrap();
        push.connect(&ep).unwrap();
        let n = 120;
        let sender = std::thread::spawn(move || send_mixed(&push, n));
        for i in 0..n {
            check(i, &pull.recv_multipart(0).unwrap());
        }
        sender.join().unwrap();
    }
}

#[test]
fn request_reply_over_an_idle_connection_alternates_correctly() {
    for t in [Transport::Ipc, Transport::Tcp] {
        let ctx = Context::new();
        let rep = Rep::new(&ctx).unwrap();
        rep.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        rep.bind(&endpoint(t)).unwrap();
        let req = Req::new(&ctx).unwrap();
        req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        req.connect(&rep.last_endpoint().unwrap()).unwrap();
        let server = std::thread::spawn(move || {
            for _ in 0..200 {
                let m = rep.recv().unwrap();
                rep.send(m).unwrap();
            }
        });
        for i in 0..200u32 {
            req.send(mixed(i)).unwrap();
            check(i, req.recv().unwrap().frames());
            if i % 50 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        server.join().unwrap();
    }
}
