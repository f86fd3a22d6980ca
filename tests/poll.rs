//! `ferrozmq::poll` and `events()`: readiness over inproc, ipc and tcp.

mod common;

use std::time::{Duration, Instant};

use common::{ALL, TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Dealer, PollItem, Pull, Push, Rep, Req, Router, poll};

fn pull_bound(ctx: &Context, t: Transport) -> (Pull, String) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.set_linger(Some(Duration::ZERO)).unwrap();
    pull.bind(&endpoint(t)).unwrap();
    let ep = pull.last_endpoint().unwrap();
    (pull, ep)
}

fn push_to(ctx: &Context, ep: &str) -> Push {
    let push = Push::new(ctx).unwrap();
    push.set_sndtimeo(Some(TIMEOUT)).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.connect(ep).unwrap();
    push
}

fn body(m: &ferrozmq::Message) -> String {
    String::from_utf8_lossy(&m.frames()[0]).into_owned()
}

#[test]
fn broker_polls_a_router_frontend_and_a_dealer_backend_in_one_thread() {
    const CLIENTS: usize = 3;
    const ROUNDS: usize = 5;
    for t in ALL {
        eprintln!("case: {t:?}");
        let ctx = Context::new();
        let frontend = Router::new(&ctx).unwrap();
        frontend.set_linger(Some(Duration::ZERO)).unwrap();
        frontend.bind(&endpoint(t)).unwrap();
        let frontend_ep = frontend.last_endpoint().unwrap();
        let backend = Dealer::new(&ctx).unwrap();
        backend.set_linger(Some(Duration::ZERO)).unwrap();
        backend.set_sndtimeo(Some(TIMEOUT)).unwrap();
        backend.bind(&endpoint(t)).unwrap();
        let backend_ep = backend.last_endpoint().unwrap();

        // Every round trip is two forwards, a request in and its reply out.
        let broker = std::thread::spawn(move || {
            let mut forwarded = 0;
            while forwarded < 2 * CLIENTS * ROUNDS {
                let mut items = [PollItem::readable(&frontend), PollItem::readable(&backend)];
                let ready = poll(&mut items, Some(TIMEOUT)).unwrap();
                assert!(
                    ready > 0,
                    "broker: poll timed out with requests outstanding"
                );
                if items[0].is_readable() {
                    backend.send(frontend.try_recv().unwrap()).unwrap();
                    forwarded += 1;
                }
                if items[1].is_readable() {
                    frontend.send(backend.try_recv().unwrap()).unwrap();
                    forwarded += 1;
                }
            }
        });

        let worker = Rep::new(&ctx).unwrap();
        worker.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        worker.set_linger(Some(Duration::ZERO)).unwrap();
        worker.connect(&backend_ep).unwrap();
        let clients: Vec<Req> = (0..CLIENTS)
            .map(|_| {
                let req = Req::new(&ctx).unwrap();
                req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
                req.set_linger(Some(Duration::ZERO)).unwrap();
                req.connect(&frontend_ep).unwrap();
                req
            })
            .collect();
        for round in 0..ROUNDS {
            for (c, client) in clients.iter().enumerate() {
                client.send(format!("{c}/{round}")).unwrap();
            }
            for _ in 0..CLIENTS {
                let request = body(&worker.recv().unwrap());
                worker.send(format!("re {request}")).unwrap();
            }
            for (c, client) in clients.iter().enumerate() {
                assert_eq!(
                    body(&client.recv().unwrap()),
                    format!("re {c}/{round}"),
                    "{t:?}"
                );
            }
        }
        // The broker stops after its last forward, which the last reply needed.
        broker.join().unwrap();
    }
}

#[test]
fn poll_returns_zero_after_its_timeout_when_nothing_is_ready() {
    let ctx = Context::new();
    let (pull, _) = pull_bound(&ctx, Transport::Tcp);
    let mut items = [PollItem::readable(&pull)];
    let start = Instant::now();
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(50))).unwrap(),
        0
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < TIMEOUT,
        "{waited:?}"
    );
    assert!(!items[0].is_readable() && !items[0].is_writable());
    let start = Instant::now();
    assert_eq!(poll(&mut items, Some(Duration::ZERO)).unwrap(), 0);
    assert!(start.elapsed() < TIMEOUT);
}

#[test]
fn push_is_writable_with_a_connected_peer_and_not_without() {
    for t in ALL {
        let ctx = Context::new();
        let (_pull, ep) = pull_bound(&ctx, t);
        let connected = push_to(&ctx, &ep);
        let lonely = Push::new(&ctx).unwrap();
        let mut items = [PollItem::writable(&connected), PollItem::writable(&lonely)];
        assert_eq!(poll(&mut items, Some(TIMEOUT)).unwrap(), 1, "{t:?}");
        assert!(items[0].is_writable() && !items[0].is_readable(), "{t:?}");
        assert!(!items[1].is_writable(), "{t:?}");
        let events = connected.events();
        assert!(events.writable && !events.readable, "{t:?}");
        let events = lonely.events();
        assert!(!events.writable && !events.readable, "{t:?}");
        let mut lonely_only = [PollItem::writable(&lonely)];
        assert_eq!(
            poll(&mut lonely_only, Some(Duration::from_millis(20))).unwrap(),
            0
        );
    }
}

#[test]
fn push_at_hwm_is_not_writable_until_the_pull_drains() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvhwm(2).unwrap();
    pull.bind(&endpoint(Transport::Inproc)).unwrap();
    let push = Push::new(&ctx).unwrap();
    push.set_sndhwm(2).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    while push.try_send("fill").is_ok() {}
    assert!(!push.events().writable);
    let mut items = [PollItem::writable(&push)];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(20))).unwrap(),
        0
    );
    while pull.try_recv().is_ok() {}
    assert_eq!(poll(&mut items, Some(TIMEOUT)).unwrap(), 1);
    assert!(items[0].is_writable() && push.events().writable);
}

#[test]
fn poll_and_events_see_a_message_arrive_and_be_taken() {
    for t in ALL {
        let ctx = Context::new();
        let (pull, ep) = pull_bound(&ctx, t);
        let push = push_to(&ctx, &ep);
        assert!(!pull.events().readable, "{t:?}");
        push.send("x").unwrap();
        let mut items = [PollItem::readable(&pull)];
        assert_eq!(poll(&mut items, Some(TIMEOUT)).unwrap(), 1, "{t:?}");
        assert!(items[0].is_readable(), "{t:?}");
        let events = pull.events();
        assert!(
            events.readable && !events.writable,
            "{t:?}: a PULL never sends"
        );
        assert_eq!(body(&pull.try_recv().unwrap()), "x");
        assert!(!pull.events().readable, "{t:?}");
        assert_eq!(poll(&mut items, Some(Duration::ZERO)).unwrap(), 0, "{t:?}");
    }
}

#[test]
fn poll_both_reports_a_dealer_readable_and_writable() {
    for t in ALL {
        let ctx = Context::new();
        let router = Router::new(&ctx).unwrap();
        router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        router.set_linger(Some(Duration::ZERO)).unwrap();
        router.bind(&endpoint(t)).unwrap();
        let dealer = Dealer::new(&ctx).unwrap();
        dealer.set_linger(Some(Duration::ZERO)).unwrap();
        dealer.connect(&router.last_endpoint().unwrap()).unwrap();
        dealer.send("hi").unwrap();
        let hello = router.recv().unwrap();
        let mut reply = ferrozmq::Message::new();
        reply.push_back(hello.frames()[0].clone());
        reply.push_back("back");
        router.send(reply).unwrap();
        let mut readable = [PollItem::readable(&dealer)];
        assert_eq!(poll(&mut readable, Some(TIMEOUT)).unwrap(), 1, "{t:?}");
        let mut both = [PollItem::both(&dealer)];
        assert_eq!(
            poll(&mut both, Some(Duration::ZERO)).unwrap(),
            1,
            "{t:?}: items, not events"
        );
        assert!(both[0].is_readable() && both[0].is_writable(), "{t:?}");
        let events = dealer.events();
        assert!(events.readable && events.writable, "{t:?}");
    }
}
