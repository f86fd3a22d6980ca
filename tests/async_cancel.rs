//! Cancellation safety of the async API: a dropped receive loses no message, a dropped
//! send sent all of its message or none of it and can give it back.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use common::{ALL, TIMEOUT, endpoint};
use ferrozmq::{Context, Dealer, Message, Pull, Push, Req, Router};

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut TaskContext::from_waker(Waker::noop()))
}

fn pipeline(ctx: &Context, endpoint: &str) -> (Push, Pull) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind(endpoint).unwrap();
    let push = Push::new(ctx).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    (push, pull)
}

#[test]
fn a_receive_dropped_while_waiting_leaves_the_next_message_for_the_next_receive() {
    for t in ALL {
        let ctx = Context::new();
        let (push, pull) = pipeline(&ctx, &endpoint(t));
        let mut waiting = pull.recv_async();
        assert!(poll_once(&mut waiting).is_pending());
        push.send("kept").unwrap();
        // The message may already be there when the future is dropped: it was woken, but
        // never polled again, so it took nothing.
        std::thread::sleep(Duration::from_millis(20));
        drop(waiting);
        assert_eq!(&pull.recv().unwrap().frames()[0][..], b"kept");
    }
}

#[test]
fn a_receive_dropped_before_its_first_poll_takes_nothing() {
    let ctx = Context::new();
    let (push, pull) = pipeline(&ctx, "inproc://cancel-unpolled");
    push.send("one").unwrap();
    drop(pull.recv_async());
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"one");
}

#[test]
fn a_send_dropped_while_waiting_gives_its_message_back() {
    let ctx = Context::new();
    // A PUSH with no peer blocks, as in libzmq: the send must wait.
    let push = Push::new(&ctx).unwrap();
    let mut sending = push.send_async(Message::from(vec!["a", "b"]));
    assert!(poll_once(&mut sending).is_pending());
    let back = sending
        .into_message()
        .expect("an unsent message comes back");
    assert_eq!(back.frames().len(), 2);
    assert_eq!(&back.frames()[1][..], b"b");
}

#[test]
fn a_completed_send_has_no_message_to_give_back() {
    let ctx = Context::new();
    let (push, pull) = pipeline(&ctx, "inproc://cancel-sent");
    let mut sending = push.send_async("gone");
    assert!(matches!(poll_once(&mut sending), Poll::Ready(Ok(()))));
    assert!(sending.into_message().is_none());
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"gone");
}

#[test]
fn multipart_sends_cancelled_at_the_high_water_mark_are_never_half_sent() {
    for t in ALL {
        let ctx = Context::new();
        let pull = Pull::new(&ctx).unwrap();
        pull.set_rcvhwm(2).unwrap();
        // Small kernel buffers and 64 KiB bodies: the tcp and ipc paths fill soon too.
        pull.set_rcvbuf(64 * 1024).unwrap();
        pull.set_rcvtimeo(Some(Duration::from_millis(200))).unwrap();
        pull.bind(&endpoint(t)).unwrap();
        let push = Push::new(&ctx).unwrap();
        push.set_sndhwm(2).unwrap();
        push.set_sndbuf(64 * 1024).unwrap();
        push.connect(&pull.last_endpoint().unwrap()).unwrap();
        // Send three-frame messages until one has to wait, cancelling each that waits a
        // while; the peer must see only whole messages, and none that was given back.
        let mut sent = 0u32;
        let mut given_back = 0;
        let deadline = std::time::Instant::now() + TIMEOUT;
        while given_back < 3 {
            assert!(
                std::time::Instant::now() < deadline,
                "the pipe never filled over {t:?}: {sent} sent, {given_back} given back"
            );
            let msg = Message::from(vec![
                sent.to_string().into_bytes(),
                vec![7u8; 64 * 1024],
                b"end".to_vec(),
            ]);
            let mut sending = push.send_async(msg);
            let mut done = false;
            for _ in 0..20 {
                if let Poll::Ready(r) = poll_once(&mut sending) {
                    r.unwrap();
                    done = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            if done {
                sent += 1;
            } else {
                let back = sending.into_message().unwrap();
                assert_eq!(back.frames().len(), 3);
                given_back += 1;
            }
        }
        for i in 0..sent {
            let m = pull.recv().unwrap();
            let frames: Vec<&[u8]> = m.frames().iter().map(|f| &f[..]).collect();
            assert_eq!(
                frames,
                [i.to_string().as_bytes(), &[7u8; 64 * 1024][..], b"end"]
            );
        }
        assert!(pull.try_recv().is_err(), "a given-back message arrived");
    }
}

#[test]
fn a_request_whose_reply_wait_was_dropped_gets_the_reply_on_the_next_receive() {
    let ctx = Context::new();
    let router = Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let req = Req::new(&ctx).unwrap();
    req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    req.connect(&router.last_endpoint().unwrap()).unwrap();
    req.send("question").unwrap();
    let mut waiting = req.recv_async();
    assert!(poll_once(&mut waiting).is_pending());
    drop(waiting);
    let q = router.recv().unwrap();
    let mut reply = q.frames().to_vec();
    *reply.last_mut().unwrap() = "answer".into();
    router.send(Message::from(reply)).unwrap();
    assert_eq!(&req.recv().unwrap().frames()[0][..], b"answer");
}

#[test]
fn a_losing_select_branch_hands_back_its_unsent_message() {
    let ctx = Context::new();
    let dealer = Dealer::new(&ctx).unwrap();
    // No peer: the send waits, the ready branch wins.
    let back = smol::block_on(async {
        let mut sending = dealer.send_async("unsent");
        tokio::select! {
            biased;
            _ = &mut sending => unreachable!("a dealer with no peer cannot send"),
            _ = std::future::ready(()) => {}
        }
        sending.into_message()
    });
    assert_eq!(&back.unwrap().frames()[0][..], b"unsent");
}
