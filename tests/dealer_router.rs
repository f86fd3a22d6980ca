//! DEALER and ROUTER over inproc, ipc and tcp, and heartbeats through a relay that goes silent.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{ALL, TIMEOUT, Transport, endpoint, eventually};
use ferrozmq::{Context, Dealer, Error, Message, Router};

/// HEARTBEAT_IVL and HEARTBEAT_TIMEOUT on both ends in the heartbeat test.
const HB_IVL: Duration = Duration::from_millis(100);
const HB_TIMEOUT: Duration = Duration::from_millis(300);

/// Runs `body` over each transport, with a fresh context each time.
fn each_transport(body: impl Fn(&Context, Transport)) {
    for t in ALL {
        eprintln!("case: {t:?}");
        let ctx = Context::new();
        body(&ctx, t);
    }
}

// The makers return sockets with deadlines, not yet bound or connected, so options can be set.
fn router(ctx: &Context) -> Router {
    let router = Router::new(ctx).unwrap();
    router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    router.set_sndtimeo(Some(TIMEOUT)).unwrap();
    router.set_linger(Some(Duration::ZERO)).unwrap();
    router
}

fn router_bound(ctx: &Context, t: Transport) -> (Router, String) {
    let router = router(ctx);
    router.bind(&endpoint(t)).unwrap();
    let ep = router.last_endpoint().unwrap();
    (router, ep)
}

fn dealer(ctx: &Context) -> Dealer {
    let dealer = Dealer::new(ctx).unwrap();
    dealer.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    dealer.set_sndtimeo(Some(TIMEOUT)).unwrap();
    dealer.set_linger(Some(Duration::ZERO)).unwrap();
    dealer
}

fn dealer_with_id(ctx: &Context, id: &'static [u8], ep: &str) -> Dealer {
    let dealer = dealer(ctx);
    dealer.set_routing_id(id).unwrap();
    dealer.connect(ep).unwrap();
    dealer
}

fn msg(parts: &[&[u8]]) -> Message {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

fn assert_frames(m: &Message, want: &[&[u8]]) {
    let got: Vec<&[u8]> = m.frames().iter().map(|f| &f[..]).collect();
    assert_eq!(got, want);
}

/// Sends with ROUTER_MANDATORY set, retrying while the peer is not yet known (its handshake is
/// not done); any other error fails the test.
fn send_when_routable(router: &Router, parts: &[&[u8]]) {
    eventually(|| match router.send(msg(parts)) {
        Ok(()) => Some(()),
        Err(e) if matches!(e.error, Error::HostUnreachable) => None,
        Err(e) => panic!("routed send failed: {e}"),
    });
}

#[test]
fn router_prefixes_messages_with_the_routing_id_the_peer_set() {
    each_transport(|ctx, t| {
        let (router, ep) = router_bound(ctx, t);
        let alice = dealer_with_id(ctx, b"alice", &ep);
        alice.send(vec!["hi", "there"]).unwrap();
        assert_frames(&router.recv().unwrap(), &[b"alice", b"hi", b"there"]);
    });
}

#[test]
fn router_generates_distinct_five_byte_ids_starting_with_zero_for_anonymous_peers() {
    each_transport(|ctx, t| {
        let (router, ep) = router_bound(ctx, t);
        let peers = [dealer(ctx), dealer(ctx)];
        for (i, peer) in peers.iter().enumerate() {
            peer.connect(&ep).unwrap();
            peer.send(vec![i as u8]).unwrap();
        }
        let mut ids = [Bytes::new(), Bytes::new()];
        for _ in 0..2 {
            let m = router.recv().unwrap();
            let id = m.frames()[0].clone();
            assert!(id.len() == 5 && id[0] == 0, "{t:?}: {id:?}");
            ids[usize::from(m.frames()[1][0])] = id;
        }
        assert_ne!(ids[0], ids[1], "{t:?}");
        // The generated ids route replies back.
        for (i, id) in ids.iter().enumerate() {
            router.send(msg(&[id, b"reply"])).unwrap();
            assert_frames(&peers[i].recv().unwrap(), &[b"reply"]);
        }
    });
}

#[test]
fn router_routes_each_reply_to_the_dealer_it_names() {
    each_transport(|ctx, t| {
        let (router, ep) = router_bound(ctx, t);
        let ids: [&'static [u8]; 3] = [b"d0", b"d1", b"d2"];
        let dealers: Vec<Dealer> = ids.iter().map(|id| dealer_with_id(ctx, id, &ep)).collect();
        for d in &dealers {
            d.send("hello").unwrap();
        }
        let mut seen: Vec<Bytes> = (0..3)
            .map(|_| router.recv().unwrap().frames()[0].clone())
            .collect();
        seen.sort();
        assert_eq!(seen, ids, "{t:?}");
        // Answer in the reverse of the order the requests came in.
        for id in ids.iter().rev() {
            router.send(msg(&[id, b"for ", id])).unwrap();
        }
        for (d, id) in dealers.iter().zip(ids) {
            assert_frames(&d.recv().unwrap(), &[b"for ", id]);
        }
    });
}

#[test]
fn router_drops_a_message_for_an_unknown_id_or_with_mandatory_refuses_it() {
    each_transport(|ctx, t| {
        let (router, ep) = router_bound(ctx, t);
        let known = dealer_with_id(ctx, b"known", &ep);
        known.send("hi").unwrap();
        router.recv().unwrap();
        router.send(msg(&[b"nobody", b"lost"])).unwrap();
        router.send(msg(&[b"known", b"found"])).unwrap();
        assert_frames(&known.recv().unwrap(), &[b"found"]);

        router.set_router_mandatory(true).unwrap();
        let err = router.send(msg(&[b"nobody", b"refused"])).unwrap_err();
        assert!(matches!(err.error, Error::HostUnreachable), "{}", err.error);
        assert_frames(&err.message, &[b"nobody", b"refused"]);
        router.send(msg(&[b"known", b"still found"])).unwrap();
        assert_frames(&known.recv().unwrap(), &[b"still found"]);
    });
}

#[test]
fn dealer_round_robins_messages_over_its_peers() {
    each_transport(|ctx, t| {
        let (router_a, ep_a) = router_bound(ctx, t);
        let (router_b, ep_b) = router_bound(ctx, t);
        let d = dealer_with_id(ctx, b"rr", &ep_a);
        d.connect(&ep_b).unwrap();
        for i in 0..10u8 {
            d.send(vec![i]).unwrap();
        }
        for i in 0..5u8 {
            assert_frames(&router_a.recv().unwrap(), &[b"rr", &[2 * i]]);
            assert_frames(&router_b.recv().unwrap(), &[b"rr", &[2 * i + 1]]);
        }
    });
}

#[test]
fn dealer_fair_queues_messages_from_its_peers() {
    // inproc, so both peers' messages are queued before the first receive.
    let ctx = Context::new();
    let sink = dealer(&ctx);
    sink.bind(&endpoint(Transport::Inproc)).unwrap();
    let ep = sink.last_endpoint().unwrap();
    let a = dealer_with_id(&ctx, b"a", &ep);
    let b = dealer_with_id(&ctx, b"b", &ep);
    for _ in 0..5 {
        a.send("a").unwrap();
        b.send("b").unwrap();
        b.send("b").unwrap();
    }
    let got: Vec<u8> = (0..10)
        .map(|_| sink.recv().unwrap().frames()[0][0])
        .collect();
    assert_eq!(got, b"ababababab");
}

#[test]
fn router_talks_to_router_by_explicit_ids_once_the_handshake_is_done() {
    each_transport(|ctx, t| {
        let server = router(ctx);
        server.set_routing_id("server").unwrap();
        server.bind(&endpoint(t)).unwrap();
        let client = router(ctx);
        client.set_routing_id("client").unwrap();
        client.set_router_mandatory(true).unwrap();
        client.connect(&server.last_endpoint().unwrap()).unwrap();
        // The client learns the server's id only from its handshake; until then the send fails.
        send_when_routable(&client, &[b"server", b"hello"]);
        assert_frames(&server.recv().unwrap(), &[b"client", b"hello"]);
        server.send(msg(&[b"client", b"back"])).unwrap();
        assert_frames(&client.recv().unwrap(), &[b"server", b"back"]);
    });
}

#[test]
fn probe_router_makes_the_router_see_a_connecting_dealer_at_once() {
    each_transport(|ctx, t| {
        let (router, ep) = router_bound(ctx, t);
        let d = dealer(ctx);
        d.set_probe_router(true).unwrap();
        d.set_routing_id("probe").unwrap();
        d.connect(&ep).unwrap();
        assert_frames(&router.recv().unwrap(), &[b"probe", b""]);
        router.send(msg(&[b"probe", b"welcome"])).unwrap();
        assert_frames(&d.recv().unwrap(), &[b"welcome"]);
    });
}

#[test]
fn router_handover_gives_an_id_to_the_newest_peer_that_claims_it() {
    each_transport(|ctx, t| {
        let router = router(ctx);
        router.set_router_handover(true).unwrap();
        router.bind(&endpoint(t)).unwrap();
        let ep = router.last_endpoint().unwrap();
        let old = dealer(ctx);
        // Once handed over, the old peer must not reconnect and claim the id back.
        old.set_reconnect_ivl(None).unwrap();
        old.set_routing_id("same").unwrap();
        old.connect(&ep).unwrap();
        old.send("from old").unwrap();
        assert_frames(&router.recv().unwrap(), &[b"same", b"from old"]);
        let new = dealer_with_id(ctx, b"same", &ep);
        new.send("from new").unwrap();
        assert_frames(&router.recv().unwrap(), &[b"same", b"from new"]);
        router.send(msg(&[b"same", b"to the new one"])).unwrap();
        assert_frames(&new.recv().unwrap(), &[b"to the new one"]);
        assert!(matches!(old.try_recv(), Err(Error::Again)), "{t:?}");
    });
}

#[test]
fn heartbeats_drop_a_silent_peer_and_the_dealer_reconnects() {
    let ctx = Context::new();
    let router = router(&ctx);
    router.set_router_mandatory(true).unwrap();
    router.set_heartbeat_ivl(Some(HB_IVL)).unwrap();
    router.set_heartbeat_timeout(Some(HB_TIMEOUT)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let target = router.last_endpoint().unwrap().replace("tcp://", "");
    let relay = Relay::start(target.parse().unwrap());
    let d = dealer(&ctx);
    d.set_routing_id("hb").unwrap();
    d.set_heartbeat_ivl(Some(HB_IVL)).unwrap();
    d.set_heartbeat_timeout(Some(HB_TIMEOUT)).unwrap();
    d.connect(&format!("tcp://{}", relay.addr)).unwrap();
    d.send("hello").unwrap();
    assert_frames(&router.recv().unwrap(), &[b"hb", b"hello"]);
    router.send(msg(&[b"hb", b"before"])).unwrap();
    assert_frames(&d.recv().unwrap(), &[b"before"]);

    relay.freeze();
    let frozen_at = Instant::now();
    eventually(|| match router.send(msg(&[b"hb", b"into the void"])) {
        Err(e) if matches!(e.error, Error::HostUnreachable) => Some(()),
        Ok(()) => None,
        Err(e) if matches!(e.error, Error::Again) => None,
        Err(e) => panic!("routed send failed: {e}"),
    });
    let dropped_after = frozen_at.elapsed();
    // At worst the last traffic came just before the freeze: a PING follows within one
    // interval, and the timeout runs from there. The earliest is a timeout armed by a PING
    // just before the freeze.
    let limit = (HB_IVL + HB_TIMEOUT) * 11 / 10;
    assert!(dropped_after <= limit, "{dropped_after:?}");
    assert!(dropped_after >= HB_TIMEOUT - HB_IVL, "{dropped_after:?}");

    // The DEALER hears nothing either, drops its end by its own heartbeat and reconnects
    // through the relay, which forwards new connections. What it sends over the frozen link is
    // lost, so it says hello until the ROUTER hears one.
    router
        .set_rcvtimeo(Some(Duration::from_millis(20)))
        .unwrap();
    let hello = eventually(|| {
        d.send("hello again").unwrap();
        router.recv().ok()
    });
    assert_frames(&hello, &[b"hb", b"hello again"]);
    router.send(msg(&[b"hb", b"again"])).unwrap();
    assert_frames(&d.recv().unwrap(), &[b"again"]);
}

/// A TCP relay to `target` whose connections can be frozen: they stop forwarding both ways
/// while both sockets stay open, so neither end sees a close and only heartbeats can tell the
/// peer is gone. Connections accepted after a freeze forward normally.
struct Relay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Relay {
    fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (stop2, links2) = (stop.clone(), links.clone());
        let acceptor = std::thread::spawn(move || {
            // The relay's own ends of every link stay open until it stops.
            let (mut held, mut pumps) = (Vec::new(), Vec::new());
            for down in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let (Ok(down), Ok(up)) = (down, TcpStream::connect(target)) else {
                    continue;
                };
                let frozen = Arc::new(AtomicBool::new(false));
                links2.lock().unwrap().push(frozen.clone());
                for (from, to) in [(&down, &up), (&up, &down)] {
                    let (from, to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    pumps.push(pump(from, to, [frozen.clone(), stop2.clone()]));
                }
                held.push((down, up));
            }
            for p in pumps {
                let _ = p.join();
            }
        });
        Relay {
            addr,
            stop,
            links,
            acceptor: Some(acceptor),
        }
    }

    /// Freezes every connection accepted so far.
    fn freeze(&self) {
        for frozen in self.links.lock().unwrap().iter() {
            frozen.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the acceptor
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Copies bytes from `from` to `to` until the relay stops, dropping them once `frozen`. An
/// end of stream is passed on unless frozen.
fn pump(mut from: TcpStream, mut to: TcpStream, link: [Arc<AtomicBool>; 2]) -> JoinHandle<()> {
    let [frozen, stop] = link;
    std::thread::spawn(move || {
        // The read timeout lets the pump notice `stop`; the write timeout bounds a stuck peer.
        let _ = from.set_read_timeout(Some(Duration::from_millis(20)));
        let _ = to.set_write_timeout(Some(TIMEOUT));
        let mut buf = vec![0u8; 64 * 1024];
        while !stop.load(Ordering::SeqCst) {
            match from.read(&mut buf) {
                Ok(n) if n > 0 => {
                    if !frozen.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(e) if is_timeout(&e) => {}
                _ => {
                    if !frozen.load(Ordering::SeqCst) {
                        let _ = to.shutdown(Shutdown::Write);
                    }
                    break;
                }
            }
        }
    })
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}
