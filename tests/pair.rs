//! PAIR over inproc, ipc and tcp.

mod common;

use std::time::Duration;

use common::{ALL, TIMEOUT, endpoint};
use ferrozmq::{Context, Error, Message, Pair};

fn pair(ctx: &Context) -> Pair {
    let p = Pair::new(ctx).unwrap();
    p.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    p.set_sndtimeo(Some(TIMEOUT)).unwrap();
    p
}

#[test]
fn pair_exchanges_messages_both_ways() {
    for t in ALL {
        let ctx = Context::new();
        let a = pair(&ctx);
        a.bind(&endpoint(t)).unwrap();
        let b = pair(&ctx);
        b.connect(&a.last_endpoint().unwrap()).unwrap();
        for i in 0..100u32 {
            b.send(i.to_le_bytes().to_vec()).unwrap();
            let m = a.recv().unwrap();
            assert_eq!(&m.frames()[0][..], &i.to_le_bytes(), "{t:?}");
            a.send(Message::from(vec![m.frames()[0].to_vec(), b"ack".to_vec()]))
                .unwrap();
            let reply = b.recv().unwrap();
            assert_eq!(reply.len(), 2);
            assert_eq!(&reply.frames()[1][..], b"ack");
        }
    }
}

#[test]
fn second_pair_peer_is_turned_away() {
    let ctx = Context::new();
    let a = pair(&ctx);
    a.bind("inproc://exclusive").unwrap();
    let first = pair(&ctx);
    first.connect("inproc://exclusive").unwrap();
    let second = pair(&ctx);
    second.connect("inproc://exclusive").unwrap();
    first.send("first").unwrap();
    assert_eq!(&a.recv().unwrap().frames()[0][..], b"first");
    second
        .set_sndtimeo(Some(Duration::from_millis(20)))
        .unwrap();
    let err = second.send("second").unwrap_err();
    assert!(matches!(err.error, Error::Again));
    a.set_rcvtimeo(Some(Duration::from_millis(20))).unwrap();
    assert!(matches!(a.recv(), Err(Error::Again)));
}

#[test]
fn second_pair_peer_over_tcp_does_not_disturb_the_first() {
    let ctx = Context::new();
    let a = pair(&ctx);
    a.bind("tcp://127.0.0.1:*").unwrap();
    let ep = a.last_endpoint().unwrap();
    let first = pair(&ctx);
    first.connect(&ep).unwrap();
    first.send("hello").unwrap();
    assert_eq!(&a.recv().unwrap().frames()[0][..], b"hello");
    let second = pair(&ctx);
    second.set_linger(Some(Duration::ZERO)).unwrap();
    second.connect(&ep).unwrap();
    let _ = second.try_send("intruder");
    a.send("to first").unwrap();
    assert_eq!(&first.recv().unwrap().frames()[0][..], b"to first");
    first.send("again").unwrap();
    assert_eq!(&a.recv().unwrap().frames()[0][..], b"again");
}
