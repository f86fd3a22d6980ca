//! ROUTER options over every transport: CONNECT_ROUTING_ID names the peer of one connect,
//! and, towards libzmq, both ways.

mod common;

use common::{ALL, TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Message, Router};

fn frames(m: &Message) -> Vec<Vec<u8>> {
    m.frames().iter().map(|f| f.to_vec()).collect()
}

fn router(ctx: &Context) -> Router {
    let r = Router::new(ctx).unwrap();
    r.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    r.set_sndtimeo(Some(TIMEOUT)).unwrap();
    r.set_linger(Some(std::time::Duration::ZERO)).unwrap();
    r
}

fn connect_routing_id_names_the_peer_of_the_next_connect_only(t: Transport) {
    let ctx = Context::new();
    let server = router(&ctx);
    server.set_routing_id("server").unwrap();
    server.bind(&endpoint(t)).unwrap();
    let ep = server.last_endpoint().unwrap();
    let client = router(&ctx);
    client.set_routing_id("client").unwrap();
    client.set_connect_routing_id("alias").unwrap();
    client.connect(&ep).unwrap();
    // Addressed by the alias at once, before the handshake.
    client.send(Message::from(vec!["alias", "hello"])).unwrap();
    let got = server.recv().unwrap();
    assert_eq!(
        frames(&got),
        [b"client".to_vec(), b"hello".to_vec()],
        "{t:?}"
    );
    server.send(Message::from(vec!["client", "back"])).unwrap();
    let back = client.recv().unwrap();
    assert_eq!(
        frames(&back),
        [b"alias".to_vec(), b"back".to_vec()],
        "the alias stays after the peer announced its own id ({t:?})"
    );
    // The next connect's peer is named as it announces itself.
    let other = router(&ctx);
    other.set_routing_id("other").unwrap();
    other.bind(&endpoint(t)).unwrap();
    client.connect(&other.last_endpoint().unwrap()).unwrap();
    other.send(Message::from(vec!["client", "hi"])).ok();
    client.set_router_mandatory(true).unwrap();
    common::eventually(|| client.try_send(Message::from(vec!["other", "ping"])).ok());
    assert_eq!(
        frames(&other.recv().unwrap()),
        [b"client".to_vec(), b"ping".to_vec()]
    );
}

#[test]
fn connect_routing_id_names_the_peer_over_every_transport() {
    for t in ALL {
        connect_routing_id_names_the_peer_of_the_next_connect_only(t);
    }
}

#[test]
fn connect_routing_id_names_a_libzmq_router_peer() {
    let lz = zmq::Context::new();
    let server = lz.socket(zmq::ROUTER).unwrap();
    server.set_identity(b"server").unwrap();
    server.set_rcvtimeo(10_000).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.get_last_endpoint().unwrap().unwrap();
    let ctx = Context::new();
    let client = router(&ctx);
    client.set_routing_id("fz").unwrap();
    client.set_connect_routing_id("lz").unwrap();
    client.connect(&ep).unwrap();
    client.send(Message::from(vec!["lz", "hello"])).unwrap();
    let got = server.recv_multipart(0).unwrap();
    assert_eq!(got, [b"fz".to_vec(), b"hello".to_vec()]);
}
