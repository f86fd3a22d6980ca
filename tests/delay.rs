//! A slow link: the kernel here has no netem, so delay comes from a small userspace proxy
//! that holds every chunk of bytes for a fixed time before passing it on, both ways.
//! A peer that is slow but alive keeps its connection under heartbeats; one whose answers
//! take longer than HEARTBEAT_TIMEOUT is taken for dead within IVL + TIMEOUT + 10%.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TIMEOUT;
use ferrozmq::{Context, MonitorEvent, Pull, Push};

/// Accepts one connection on a loopback port and relays it to `target`, each chunk delayed
/// by `delay` in each direction. Returns the port to connect to.
fn delay_proxy(target: String, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else {
            return;
        };
        let Ok(server) = TcpStream::connect(target) else {
            return;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        relay(
            client.try_clone().unwrap(),
            server.try_clone().unwrap(),
            delay,
        );
        relay(server, client, delay);
    });
    port
}

/// Copies `from` to `to`, each chunk leaving `delay` after it arrived, in order.
fn relay(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0
                || tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
            {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        for (due, chunk) in rx {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// A PULL bound on loopback and a PUSH connected to it through a proxy adding `delay` each
/// way, with heartbeats every `ivl`, giving up after `timeout` without input.
fn slow_pair(ctx: &Context, delay: Duration, ivl: Duration, timeout: Duration) -> (Pull, Push) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let target = pull.last_endpoint().unwrap().replace("tcp://", "");
    let port = delay_proxy(target, delay);
    let push = Push::new(ctx).unwrap();
    push.set_heartbeat_ivl(Some(ivl)).unwrap();
    push.set_heartbeat_timeout(Some(timeout)).unwrap();
    push.set_sndtimeo(Some(TIMEOUT)).unwrap();
    push.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    (pull, push)
}

#[test]
fn a_peer_behind_a_30_ms_delay_keeps_its_connection_and_its_order_under_heartbeats() {
    let ctx = Context::new();
    let delay = Duration::from_millis(30);
    let (pull, push) = slow_pair(
        &ctx,
        delay,
        Duration::from_millis(50),
        Duration::from_millis(200),
    );
    let events = push.monitor();
    let start = Instant::now();
    push.send("first").unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"first");
    // The handshake alone crosses the link several times: at least two delays.
    assert!(start.elapsed() >= 2 * delay, "{:?}", start.elapsed());
    // Heartbeats keep going for several timeouts; PONGs come back within 2 x 30 ms.
    for i in 0..200u32 {
        push.send(i.to_be_bytes().to_vec()).unwrap();
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    for i in 0..200u32 {
        assert_eq!(&pull.recv().unwrap().frames()[0][..], &i.to_be_bytes());
    }
    while let Ok(ev) = events.try_recv() {
        assert!(
            !matches!(ev, MonitorEvent::Disconnected { .. }),
            "a slow but live peer was dropped: {ev:?}"
        );
    }
}

#[test]
fn answers_slower_than_the_heartbeat_timeout_are_taken_for_a_dead_peer_in_time() {
    let ctx = Context::new();
    let (ivl, timeout) = (Duration::from_millis(50), Duration::from_millis(150));
    // A PONG takes 2 x 250 ms to come back: longer than the timeout.
    let (_pull, push) = slow_pair(&ctx, Duration::from_millis(250), ivl, timeout);
    let events = push.monitor();
    // The PUSH's heartbeat clock starts with its handshake; the first PING goes out one IVL
    // later and nothing comes back for TIMEOUT.
    let deadline = Instant::now() + TIMEOUT;
    let mut ready = None;
    let took = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv(Some(left)) {
            Ok(MonitorEvent::HandshakeSucceeded { .. }) => ready = Some(Instant::now()),
            Ok(MonitorEvent::Disconnected { .. }) => {
                break ready.expect("a handshake before the disconnect").elapsed();
            }
            Ok(_) => {}
            Err(e) => panic!("no handshake and DISCONNECTED within {TIMEOUT:?}: {e:?}"),
        }
    };
    let bound = ivl + timeout + (ivl + timeout) / 10;
    eprintln!("slow peer dropped {took:?} after its handshake (bound {bound:?})");
    assert!(
        took >= timeout,
        "dropped before any PING could have gone unanswered: {took:?}"
    );
    assert!(took <= bound, "{took:?} > {bound:?}");
}
