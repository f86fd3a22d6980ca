//! ZMQ_STREAM against plain TCP peers that know nothing of ZMTP: an HTTP exchange with a
//! std client, a std server, the connect and disconnect notifications, and libzmq's STREAM
//! on the other end.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use bytes::Bytes;
use common::TIMEOUT;
use ferrozmq::{Context, Message, Stream};

fn stream(ctx: &Context) -> Stream {
    let s = Stream::new(ctx).unwrap();
    s.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    s.set_sndtimeo(Some(TIMEOUT)).unwrap();
    s.set_linger(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    s
}

fn port(ep: &str) -> u16 {
    ep.rsplit(':').next().unwrap().parse().unwrap()
}

/// Receives until the body is empty (a notification) or the bytes so far end with `until`.
fn recv_body(s: &Stream, id: &Bytes, until: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    while !got.ends_with(until) {
        let m = s.recv().unwrap();
        assert_eq!(&m.frames()[0], id);
        got.extend_from_slice(&m.frames()[1]);
    }
    got
}

#[test]
fn a_stream_server_answers_a_plain_http_client_and_closes_it() {
    let ctx = Context::new();
    let server = stream(&ctx);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let mut client =
        TcpStream::connect(("127.0.0.1", port(&server.last_endpoint().unwrap()))).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();

    let hello = server.recv().unwrap();
    assert_eq!(hello.len(), 2);
    assert!(hello.frames()[1].is_empty(), "the connect notification");
    let id = hello.frames()[0].clone();

    client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let request = recv_body(&server, &id, b"\r\n\r\n");
    assert_eq!(request, b"GET / HTTP/1.0\r\n\r\n");

    let body = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    server
        .send(Message::from(vec![id.clone(), Bytes::from(body)]))
        .unwrap();
    server
        .send(Message::from(vec![id.clone(), Bytes::new()]))
        .unwrap();
    let mut response = String::new();
    client.read_to_string(&mut response).unwrap();
    assert_eq!(response, body, "all written, then closed");
    // Closed by us: as in libzmq, no disconnect notification follows.
    server
        .set_rcvtimeo(Some(std::time::Duration::from_millis(200)))
        .unwrap();
    assert!(matches!(server.recv(), Err(ferrozmq::Error::Again)));
    // A peer that closes by itself is announced.
    let mut other =
        TcpStream::connect(("127.0.0.1", port(&server.last_endpoint().unwrap()))).unwrap();
    server.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    let hello = server.recv().unwrap();
    other.write_all(b"x").unwrap();
    drop(other);
    let id = hello.frames()[0].clone();
    assert_eq!(recv_body(&server, &id, b"x"), b"x");
    let bye = server.recv().unwrap();
    assert_eq!(
        bye.frames(),
        [id, Bytes::new()],
        "the disconnect notification"
    );
}

#[test]
fn a_stream_client_talks_to_a_plain_tcp_server_under_its_connect_routing_id() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = Context::new();
    let client = stream(&ctx);
    client.set_connect_routing_id("srv").unwrap();
    client.connect(&format!("tcp://{addr}")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(TIMEOUT)).unwrap();
    let id = Bytes::from_static(b"srv");

    let hello = client.recv().unwrap();
    assert_eq!(hello.frames(), [id.clone(), Bytes::new()]);
    client
        .send(Message::from(vec![id.clone(), Bytes::from_static(b"ping")]))
        .unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    peer.write_all(b"pong").unwrap();
    assert_eq!(recv_body(&client, &id, b"pong"), b"pong");
    drop(peer);
    let bye = client.recv().unwrap();
    assert_eq!(bye.frames(), [id, Bytes::new()]);
}

#[test]
fn without_stream_notify_only_data_arrives() {
    let ctx = Context::new();
    let server = stream(&ctx);
    server.set_stream_notify(false).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let mut client =
        TcpStream::connect(("127.0.0.1", port(&server.last_endpoint().unwrap()))).unwrap();
    client.write_all(b"data").unwrap();
    let m = server.recv().unwrap();
    assert!(!m.frames()[1].is_empty());
}

#[test]
fn a_ferrozmq_stream_and_a_libzmq_stream_exchange_raw_bytes() {
    let lz = zmq::Context::new();
    let theirs = lz.socket(zmq::STREAM).unwrap();
    theirs.set_rcvtimeo(10_000).unwrap();
    theirs.bind("tcp://127.0.0.1:*").unwrap();
    let ep = theirs.get_last_endpoint().unwrap().unwrap();
    let ctx = Context::new();
    let ours = stream(&ctx);
    ours.set_connect_routing_id("lz").unwrap();
    ours.connect(&ep).unwrap();
    let id = Bytes::from_static(b"lz");
    assert_eq!(ours.recv().unwrap().frames(), [id.clone(), Bytes::new()]);
    let notify = theirs.recv_multipart(0).unwrap();
    assert!(notify[1].is_empty(), "libzmq's connect notification");
    ours.send(Message::from(vec![id.clone(), Bytes::from_static(b"raw")]))
        .unwrap();
    let got = theirs.recv_multipart(0).unwrap();
    assert_eq!(got[1], b"raw");
    theirs
        .send_multipart([got[0].clone(), b"back".to_vec()], 0)
        .unwrap();
    assert_eq!(recv_body(&ours, &id, b"back"), b"back");
}

#[test]
fn a_router_raw_router_talks_raw_tcp_as_a_stream_socket_does() {
    let ctx = Context::new();
    let router = ferrozmq::Router::new(&ctx).unwrap();
    router.set_router_raw(true).unwrap();
    router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let mut client =
        TcpStream::connect(("127.0.0.1", port(&router.last_endpoint().unwrap()))).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    let hello = router.recv().unwrap();
    assert!(hello.frames()[1].is_empty(), "the connect notification");
    let id = hello.frames()[0].clone();
    client.write_all(b"raw").unwrap();
    let m = router.recv().unwrap();
    assert_eq!(m.frames(), [id.clone(), Bytes::from_static(b"raw")]);
    router
        .send(Message::from(vec![id, Bytes::from_static(b"back")]))
        .unwrap();
    let mut buf = [0u8; 4];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"back");
}
