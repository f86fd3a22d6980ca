//! Sockets as `futures::Stream`s and `Sink`s, with the stream combinators.
#![cfg(feature = "futures")]

mod common;

use std::time::Duration;

use common::TIMEOUT;
use ferrozmq::{Context, Error, Message, Pull, Push, Sub, XPub};
use futures::{SinkExt, StreamExt};

fn pipeline(ctx: &Context, name: &str) -> (Push, Pull) {
    let pull = Pull::new(ctx).unwrap();
    pull.bind(name).unwrap();
    let push = Push::new(ctx).unwrap();
    push.connect(name).unwrap();
    (push, pull)
}

#[test]
fn a_receive_stream_feeds_the_stream_combinators() {
    let ctx = Context::new();
    let (push, pull) = pipeline(&ctx, "inproc://stream-combinators");
    for i in 0..10u32 {
        push.send(i.to_string()).unwrap();
    }
    let evens: Vec<u32> = smol::block_on(async {
        pull.recv_stream()
            .map(|m| String::from_utf8(m.unwrap().frames()[0].to_vec()).unwrap())
            .map(|s| s.parse::<u32>().unwrap())
            .filter(|n| std::future::ready(n % 2 == 0))
            .take(5)
            .collect()
            .await
    });
    assert_eq!(evens, [0, 2, 4, 6, 8]);
}

#[test]
fn a_stream_dropped_between_items_leaves_the_rest_queued() {
    let ctx = Context::new();
    let (push, pull) = pipeline(&ctx, "inproc://stream-drop");
    for body in ["a", "b", "c"] {
        push.send(body).unwrap();
    }
    let first = smol::block_on(async { pull.recv_stream().next().await.unwrap().unwrap() });
    assert_eq!(&first.frames()[0][..], b"a");
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"b");
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"c");
}

#[test]
fn a_sink_takes_whole_messages_and_forward_moves_a_stream_into_it() {
    let ctx = Context::new();
    let (push, pull) = pipeline(&ctx, "inproc://sink-in");
    let (push2, pull2) = pipeline(&ctx, "inproc://sink-out");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut sink = push.send_sink();
        sink.send(Message::from(vec!["x", "y"])).await.unwrap();
        sink.send(Message::from("z")).await.unwrap();
        // A relay: everything pull receives goes out of push2, until two have passed.
        let relay = pull
            .recv_stream()
            .take(2)
            .forward(push2.send_sink().sink_map_err(|e| e.error));
        tokio::time::timeout(TIMEOUT, relay).await.unwrap().unwrap();
        let a = pull2.recv_async().await.unwrap();
        let b = pull2.recv_async().await.unwrap();
        assert_eq!(a.frames().len(), 2);
        assert_eq!(&b.frames()[0][..], b"z");
    });
}

#[test]
fn a_stream_ends_after_reporting_that_the_context_shut_down() {
    let ctx = Context::new();
    let sub = Sub::new(&ctx).unwrap();
    let xpub = XPub::new(&ctx).unwrap();
    xpub.bind("inproc://stream-end").unwrap();
    sub.connect("inproc://stream-end").unwrap();
    let items: Vec<_> = smol::block_on(async {
        let stopper = async {
            smol::Timer::after(Duration::from_millis(20)).await;
            ctx.shutdown();
        };
        let (items, ()) = futures::join!(sub.recv_stream().collect::<Vec<_>>(), stopper);
        items
    });
    assert!(matches!(items.as_slice(), [Err(Error::Terminated)]));
}
