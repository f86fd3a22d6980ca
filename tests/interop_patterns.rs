//! The socket patterns between ferrozmq and real libzmq (the `zmq` dev-dependency).
//!
//! As in interop.rs, every test runs over tcp and ipc, once with ferrozmq binding and libzmq
//! connecting and once the other way round, through [`each_link`]. Every libzmq socket has
//! 5 s send and receive timeouts and linger 0, so a broken build fails instead of hanging.

mod common;

use std::time::{Duration, Instant};

use common::{Transport, endpoint, eventually};
use ferrozmq::{Context, Dealer, Error, Message, Pub, Rep, Req, Router, Sub, XPub, XSub};

/// Deadline for every send and receive, on both libraries.
const TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT_MS: i32 = 5000;
/// How long one round of the subscription sync loop waits for its message.
const SYNC_ROUND: Duration = Duration::from_millis(20);

/// The calls [`each_link`] needs from every ferrozmq socket type.
trait Ferro: Sized {
    /// A new socket with 5 s send and receive timeouts and linger 0.
    fn open(ctx: &Context) -> Self;
    fn bind_to(&self, endpoint: &str) -> ferrozmq::Result<()>;
    fn connect_to(&self, endpoint: &str) -> ferrozmq::Result<()>;
    fn endpoint(&self) -> Option<String>;
}

macro_rules! impl_ferro {
    ($($t:ty),*) => {$(
        impl Ferro for $t {
            fn open(ctx: &Context) -> Self {
                let socket = <$t>::new(ctx).unwrap();
                socket.set_sndtimeo(Some(TIMEOUT)).unwrap();
                socket.set_rcvtimeo(Some(TIMEOUT)).unwrap();
                socket.set_linger(Some(Duration::ZERO)).unwrap();
                socket
            }
            fn bind_to(&self, endpoint: &str) -> ferrozmq::Result<()> {
                self.bind(endpoint)
            }
            fn connect_to(&self, endpoint: &str) -> ferrozmq::Result<()> {
                self.connect(endpoint)
            }
            fn endpoint(&self) -> Option<String> {
                self.last_endpoint()
            }
        }
    )*};
}

impl_ferro!(Pub, Sub, XPub, XSub, Req, Rep, Dealer, Router);

/// [`each_link_with`] with no options to set on either socket.
fn each_link<F: Ferro>(zmq_type: zmq::SocketType, body: impl Fn(&F, &zmq::Socket)) {
    each_link_with(|_| {}, zmq_type, |_| {}, body);
}

/// Runs `body` on a ferrozmq socket joined to a libzmq socket of `zmq_type`, for each transport
/// and each direction; `setup` and `zmq_setup` set options before binding or connecting.
fn each_link_with<F: Ferro>(
    setup: impl Fn(&F),
    zmq_type: zmq::SocketType,
    zmq_setup: impl Fn(&zmq::Socket),
    body: impl Fn(&F, &zmq::Socket),
) {
    for transport in [Transport::Tcp, Transport::Ipc] {
        for ferro_binds in [true, false] {
            let who = if ferro_binds { "ferrozmq" } else { "libzmq" };
            eprintln!("case: {transport:?}, {who} binds");
            let ctx = Context::new();
            let zctx = zmq::Context::new();
            let ferro = F::open(&ctx);
            setup(&ferro);
            let libzmq = zctx.socket(zmq_type).unwrap();
            libzmq.set_rcvtimeo(TIMEOUT_MS).unwrap();
            libzmq.set_sndtimeo(TIMEOUT_MS).unwrap();
            libzmq.set_linger(0).unwrap();
            zmq_setup(&libzmq);
            if ferro_binds {
                ferro.bind_to(&endpoint(transport)).unwrap();
                libzmq.connect(&ferro.endpoint().unwrap()).unwrap();
            } else {
                libzmq.bind(&endpoint(transport)).unwrap();
                let bound = libzmq.get_last_endpoint().unwrap().unwrap();
                ferro.connect_to(&bound).unwrap();
            }
            body(&ferro, &libzmq);
        }
    }
}

/// The frames of a message ferrozmq received.
fn got(m: ferrozmq::Result<Message>) -> Vec<Vec<u8>> {
    m.unwrap().frames().iter().map(|f| f.to_vec()).collect()
}

/// The frames of a message libzmq received.
fn zgot(socket: &zmq::Socket) -> Vec<Vec<u8>> {
    socket.recv_multipart(0).unwrap()
}

fn zsend(socket: &zmq::Socket, p: &[&[u8]]) {
    socket.send_multipart(p.iter().copied(), 0).unwrap();
}

fn parts(p: &[&[u8]]) -> Vec<Vec<u8>> {
    p.iter().map(|f| f.to_vec()).collect()
}

/// Publishes ["sync", n] for n = 0, 1, ... until `recv_within` (a receive waiting at most the
/// time given) gets one, then receives up to the last n sent, so the subscription is in place
/// and nothing of the sync is left queued.
fn sync(publish: impl Fn(Vec<Vec<u8>>), recv_within: impl Fn(Duration) -> Option<Vec<Vec<u8>>>) {
    let deadline = Instant::now() + TIMEOUT;
    let number = |m: Vec<Vec<u8>>| {
        assert_eq!(m[0], b"sync", "only sync messages during sync");
        u32::from_be_bytes(m[1][..].try_into().unwrap())
    };
    let (mut next, mut seen) = (0u32, None);
    while seen.is_none() {
        assert!(Instant::now() < deadline, "not subscribed in time");
        publish(vec![b"sync".to_vec(), next.to_be_bytes().to_vec()]);
        next += 1;
        seen = recv_within(SYNC_ROUND).map(number);
    }
    while seen != Some(next - 1) {
        seen = Some(number(recv_within(TIMEOUT).expect("the rest of the sync")));
    }
}

#[test]
fn ferrozmq_pub_to_libzmq_sub_filters_by_prefix() {
    let subscribe = |z: &zmq::Socket| {
        z.set_subscribe(b"A").unwrap();
        z.set_subscribe(b"sync").unwrap();
    };
    each_link_with(
        |_| {},
        zmq::SUB,
        subscribe,
        |publ: &Pub, sub| {
            let recv_within = |t: Duration| {
                sub.set_rcvtimeo(t.as_millis() as i32).unwrap();
                sub.recv_multipart(0).ok()
            };
            sync(|m| publ.send(m).unwrap(), recv_within);
            for body in ["B1", "A1", "B2", "A2"] {
                publ.send(body).unwrap();
            }
            assert_eq!(zgot(sub), parts(&[b"A1"]));
            assert_eq!(zgot(sub), parts(&[b"A2"]));
        },
    );
}

#[test]
fn libzmq_pub_to_ferrozmq_sub_filters_by_prefix() {
    let subscribe = |sub: &Sub| {
        sub.subscribe("A").unwrap();
        sub.subscribe("sync").unwrap();
    };
    each_link_with(
        subscribe,
        zmq::PUB,
        |_| {},
        |sub, publ| {
            let recv_within = |t| {
                sub.set_rcvtimeo(Some(t)).unwrap();
                sub.recv().ok().map(|m| got(Ok(m)))
            };
            sync(|m| publ.send_multipart(m, 0).unwrap(), recv_within);
            for body in ["B1", "A1", "B2", "A2"] {
                publ.send(body, 0).unwrap();
            }
            assert_eq!(got(sub.recv()), parts(&[b"A1"]));
            assert_eq!(got(sub.recv()), parts(&[b"A2"]));
        },
    );
}

#[test]
fn libzmq_xsub_subscribes_through_ferrozmq_xpub() {
    each_link(zmq::XSUB, |xpub: &XPub, xsub| {
        zsend(xsub, &[b"\x01A"]);
        // A bound libzmq XSUB attaches a new peer, and sends it the subscriptions, only when its
        // owner calls into it (libzmq issue #2267), so keep calling while waiting.
        xpub.set_rcvtimeo(Some(SYNC_ROUND)).unwrap();
        let subscription = eventually(|| {
            xsub.get_events().unwrap();
            xpub.recv().ok()
        });
        xpub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        assert_eq!(got(Ok(subscription)), parts(&[b"\x01A"]));
        xpub.send("B1").unwrap();
        xpub.send("A1").unwrap();
        assert_eq!(zgot(xsub), parts(&[b"A1"]));
        zsend(xsub, &[b"\x00A"]);
        assert_eq!(got(xpub.recv()), parts(&[b"\x00A"]));
    });
}

#[test]
fn ferrozmq_xsub_subscribes_through_libzmq_xpub() {
    each_link(zmq::XPUB, |xsub: &XSub, xpub| {
        xsub.send(b"\x01A").unwrap();
        // As with libzmq, a bound XSUB may attach its new peer only when called into.
        let subscription = eventually(|| {
            let _ = xsub.events();
            xpub.set_rcvtimeo(SYNC_ROUND.as_millis() as i32).unwrap();
            xpub.recv_multipart(0).ok()
        });
        xpub.set_rcvtimeo(TIMEOUT_MS).unwrap();
        assert_eq!(subscription, parts(&[b"\x01A"]));
        zsend(xpub, &[b"B1"]);
        zsend(xpub, &[b"A1"]);
        assert_eq!(got(xsub.recv()), parts(&[b"A1"]));
        xsub.send(b"\x00A").unwrap();
        assert_eq!(zgot(xpub), parts(&[b"\x00A"]));
    });
}

#[test]
fn ferrozmq_req_to_libzmq_rep() {
    each_link(zmq::REP, |req: &Req, rep| {
        for i in 0..3u8 {
            req.send(parts(&[b"request", &[i]])).unwrap();
            assert_eq!(zgot(rep), parts(&[b"request", &[i]]));
            zsend(rep, &[b"reply", &[i]]);
            assert_eq!(got(req.recv()), parts(&[b"reply", &[i]]));
        }
    });
}

#[test]
fn libzmq_req_to_ferrozmq_rep() {
    each_link(zmq::REQ, |rep: &Rep, req| {
        for i in 0..3u8 {
            zsend(req, &[b"request", &[i]]);
            assert_eq!(got(rep.recv()), parts(&[b"request", &[i]]));
            rep.send(parts(&[b"reply", &[i]])).unwrap();
            assert_eq!(zgot(req), parts(&[b"reply", &[i]]));
        }
    });
}

#[test]
fn ferrozmq_req_to_libzmq_router() {
    let id = |req: &Req| req.set_routing_id("fz-req").unwrap();
    each_link_with(
        id,
        zmq::ROUTER,
        |_| {},
        |req, router| {
            req.send("hello").unwrap();
            assert_eq!(zgot(router), parts(&[b"fz-req", b"", b"hello"]));
            zsend(router, &[b"fz-req", b"", b"world"]);
            assert_eq!(got(req.recv()), parts(&[b"world"]));
        },
    );
}

#[test]
fn libzmq_req_to_ferrozmq_router() {
    let id = |z: &zmq::Socket| z.set_identity(b"lz-req").unwrap();
    each_link_with(
        |_| {},
        zmq::REQ,
        id,
        |router: &Router, req| {
            zsend(req, &[b"hello"]);
            assert_eq!(got(router.recv()), parts(&[b"lz-req", b"", b"hello"]));
            router.send(parts(&[b"lz-req", b"", b"world"])).unwrap();
            assert_eq!(zgot(req), parts(&[b"world"]));
        },
    );
}

#[test]
fn ferrozmq_dealer_to_libzmq_rep() {
    each_link(zmq::REP, |dealer: &Dealer, rep| {
        dealer.send(parts(&[b"", b"hello"])).unwrap();
        assert_eq!(zgot(rep), parts(&[b"hello"]));
        zsend(rep, &[b"world"]);
        assert_eq!(got(dealer.recv()), parts(&[b"", b"world"]));
    });
}

#[test]
fn libzmq_dealer_to_ferrozmq_rep() {
    each_link(zmq::DEALER, |rep: &Rep, dealer| {
        zsend(dealer, &[b"", b"hello"]);
        assert_eq!(got(rep.recv()), parts(&[b"hello"]));
        rep.send("world").unwrap();
        assert_eq!(zgot(dealer), parts(&[b"", b"world"]));
    });
}

#[test]
fn ferrozmq_dealer_to_libzmq_router() {
    let id = |dealer: &Dealer| dealer.set_routing_id("fz-dealer").unwrap();
    each_link_with(
        id,
        zmq::ROUTER,
        |_| {},
        |dealer, router| {
            dealer.send(parts(&[b"one", b"two"])).unwrap();
            assert_eq!(zgot(router), parts(&[b"fz-dealer", b"one", b"two"]));
            zsend(router, &[b"fz-dealer", b"back"]);
            assert_eq!(got(dealer.recv()), parts(&[b"back"]));
        },
    );
}

#[test]
fn libzmq_dealer_to_ferrozmq_router() {
    let id = |z: &zmq::Socket| z.set_identity(b"lz-dealer").unwrap();
    each_link_with(
        |_| {},
        zmq::DEALER,
        id,
        |router: &Router, dealer| {
            zsend(dealer, &[b"one", b"two"]);
            assert_eq!(got(router.recv()), parts(&[b"lz-dealer", b"one", b"two"]));
            router.send(parts(&[b"lz-dealer", b"back"])).unwrap();
            assert_eq!(zgot(dealer), parts(&[b"back"]));
        },
    );
}

fn router_setup(router: &Router) {
    router.set_routing_id("fz-router").unwrap();
    router.set_router_mandatory(true).unwrap();
}

fn zmq_router_setup(z: &zmq::Socket) {
    z.set_identity(b"lz-router").unwrap();
    z.set_router_mandatory(true).unwrap();
}

#[test]
fn ferrozmq_router_speaks_first_to_libzmq_router_by_explicit_id() {
    each_link_with(
        router_setup,
        zmq::ROUTER,
        zmq_router_setup,
        |ferro, libzmq| {
            // The peer's id is known only once its handshake is done; until then sends fail.
            eventually(|| match ferro.send(parts(&[b"lz-router", b"hello"])) {
                Ok(()) => Some(()),
                Err(e) if matches!(e.error, Error::HostUnreachable) => None,
                Err(e) => panic!("ferrozmq ROUTER send failed: {e}"),
            });
            assert_eq!(zgot(libzmq), parts(&[b"fz-router", b"hello"]));
            zsend(libzmq, &[b"fz-router", b"back"]);
            assert_eq!(got(ferro.recv()), parts(&[b"lz-router", b"back"]));
        },
    );
}

#[test]
fn libzmq_router_speaks_first_to_ferrozmq_router_by_explicit_id() {
    each_link_with(
        router_setup,
        zmq::ROUTER,
        zmq_router_setup,
        |ferro, libzmq| {
            let hello: [&[u8]; 2] = [b"fz-router", b"hello"];
            eventually(|| match libzmq.send_multipart(hello, 0) {
                Ok(()) => Some(()),
                Err(zmq::Error::EHOSTUNREACH) => None,
                Err(e) => panic!("libzmq ROUTER send failed: {e}"),
            });
            assert_eq!(got(ferro.recv()), parts(&[b"lz-router", b"hello"]));
            ferro.send(parts(&[b"lz-router", b"back"])).unwrap();
            assert_eq!(zgot(libzmq), parts(&[b"fz-router", b"back"]));
        },
    );
}
