//! PUSH/PULL over inproc, ipc and tcp.

mod common;

use std::time::Duration;

use common::{ALL, TIMEOUT, endpoint};
use ferrozmq::{Context, Error, Message, Pull, Push};

fn pair_up(ctx: &Context, t: common::Transport) -> (Push, Pull) {
    let push = Push::new(ctx).unwrap();
    push.bind(&endpoint(t)).unwrap();
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    push.set_sndtimeo(Some(TIMEOUT)).unwrap();
    pull.connect(&push.last_endpoint().unwrap()).unwrap();
    (push, pull)
}

#[test]
fn push_delivers_messages_in_order_to_pull() {
    for t in ALL {
        let ctx = Context::new();
        let (push, pull) = pair_up(&ctx, t);
        for i in 0..1000u32 {
            push.send(i.to_be_bytes().to_vec()).unwrap();
        }
        for i in 0..1000u32 {
            let m = pull.recv().unwrap();
            assert_eq!(&m.frames()[0][..], &i.to_be_bytes(), "{t:?}");
        }
    }
}

#[test]
fn multipart_message_arrives_whole() {
    for t in ALL {
        let ctx = Context::new();
        let (push, pull) = pair_up(&ctx, t);
        push.send(Message::from(vec!["a", "", "ccc"])).unwrap();
        let m = pull.recv().unwrap();
        assert_eq!(m.len(), 3, "{t:?}");
        assert_eq!(&m.frames()[2][..], b"ccc");
    }
}

#[test]
fn pull_recv_times_out_with_again() {
    let ctx = Context::new();
    let (_push, pull) = pair_up(&ctx, common::Transport::Tcp);
    pull.set_rcvtimeo(Some(Duration::from_millis(50))).unwrap();
    assert!(matches!(pull.recv(), Err(Error::Again)));
    assert!(matches!(pull.try_recv(), Err(Error::Again)));
}
