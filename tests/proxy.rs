//! proxy(): both directions, and the capture socket.

mod common;

use std::time::Duration;

use common::TIMEOUT;
use ferrozmq::{Context, Dealer, Error, Pull, Push, Rep, Req, Router, proxy};

#[test]
fn proxy_copies_every_message_it_moves_to_the_capture_socket() {
    let ctx = Context::new();
    let frontend = Router::new(&ctx).unwrap();
    frontend.bind("inproc://proxy-front").unwrap();
    let backend = Dealer::new(&ctx).unwrap();
    backend.bind("inproc://proxy-back").unwrap();
    let capture = Push::new(&ctx).unwrap();
    capture.set_linger(Some(Duration::ZERO)).unwrap();
    capture.bind("inproc://proxy-capture").unwrap();
    let tap = Pull::new(&ctx).unwrap();
    tap.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    tap.connect("inproc://proxy-capture").unwrap();

    let proxy_thread = std::thread::spawn(move || proxy(&frontend, &backend, Some(&capture)));

    let worker = Rep::new(&ctx).unwrap();
    worker.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    worker.connect("inproc://proxy-back").unwrap();
    let client = Req::new(&ctx).unwrap();
    client.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    client.connect("inproc://proxy-front").unwrap();

    client.send("ping").unwrap();
    assert_eq!(&worker.recv().unwrap().frames()[0][..], b"ping");
    worker.send("pong").unwrap();
    assert_eq!(&client.recv().unwrap().frames()[0][..], b"pong");

    // The request went through as [client id, "", "ping"], the reply the same way back.
    let request = tap.recv().unwrap();
    assert_eq!(request.len(), 3);
    assert_eq!(&request.frames()[2][..], b"ping");
    let reply = tap.recv().unwrap();
    assert_eq!(&reply.frames()[2][..], b"pong");

    ctx.shutdown();
    let result = proxy_thread.join().unwrap();
    assert!(matches!(result, Err(Error::Terminated)), "{result:?}");
}
