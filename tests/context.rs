//! Context lifetime: termination, linger, many sockets.

mod common;

use std::time::{Duration, Instant};

use common::{TIMEOUT, unused_ipc};
use ferrozmq::{Context, Error, Pull, Push};

#[test]
fn shutdown_unblocks_recv_in_another_thread_with_terminated() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("inproc://never").unwrap();
    let waiter = std::thread::spawn(move || pull.recv());
    // The thread may not have blocked yet; shutdown is sticky, so it fails either way.
    ctx.shutdown();
    let result = waiter.join().unwrap();
    assert!(matches!(result, Err(Error::Terminated)), "{result:?}");
    ctx.term();
    assert!(matches!(Push::new(&ctx), Err(Error::Terminated)));
}

#[test]
fn term_waits_for_sockets_in_other_threads_to_close() {
    let ctx = Context::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let pull = Pull::new(&ctx).unwrap();
            tx.send(()).unwrap();
            let r = pull.recv();
            drop(pull);
            r
        }
    });
    rx.recv_timeout(TIMEOUT).unwrap();
    ctx.term();
    assert!(matches!(worker.join().unwrap(), Err(Error::Terminated)));
}

#[test]
fn linger_zero_discards_unsendable_messages_at_close() {
    let ctx = Context::new();
    let push = Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.connect(&unused_ipc()).unwrap();
    for _ in 0..10 {
        push.send("nowhere").unwrap();
    }
    let start = Instant::now();
    drop(push);
    drop(ctx);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn linger_bounds_the_wait_for_an_absent_peer() {
    let ctx = Context::new();
    let push = Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::from_millis(100))).unwrap();
    push.connect(&unused_ipc()).unwrap();
    push.send("nowhere").unwrap();
    let start = Instant::now();
    drop(push);
    drop(ctx);
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(90), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn dropping_the_context_delivers_queued_messages_first() {
    let receiver_ctx = Context::new();
    let pull = Pull::new(&receiver_ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let sender_ctx = Context::new();
    let push = Push::new(&sender_ctx).unwrap();
    push.connect(&ep).unwrap();
    for i in 0..500u32 {
        push.send(i.to_be_bytes().to_vec()).unwrap();
    }
    drop(push);
    drop(sender_ctx);
    for i in 0..500u32 {
        assert_eq!(&pull.recv().unwrap().frames()[0][..], &i.to_be_bytes());
    }
}

#[test]
fn many_sockets_share_one_io_thread() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let pushes: Vec<Push> = (0..50)
        .map(|_| {
            let p = Push::new(&ctx).unwrap();
            p.connect(&ep).unwrap();
            p
        })
        .collect();
    for p in &pushes {
        p.send("x").unwrap();
    }
    for _ in 0..50 {
        pull.recv().unwrap();
    }
}

#[test]
fn several_io_threads_serve_connections() {
    let ctx = Context::with_io_threads(3).unwrap();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let pushes: Vec<Push> = (0..6)
        .map(|_| {
            let p = Push::new(&ctx).unwrap();
            p.connect(&ep).unwrap();
            p
        })
        .collect();
    for (i, p) in pushes.iter().enumerate() {
        p.send(vec![i as u8]).unwrap();
    }
    let mut seen: Vec<u8> = (0..6)
        .map(|_| pull.recv().unwrap().frames()[0][0])
        .collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
}
