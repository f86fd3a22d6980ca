//! PUB/SUB and XPUB/XSUB over inproc, ipc and tcp.
//!
//! A PUB drops what it publishes before a subscription reaches it, so each test first waits
//! for its subscriptions with [`sync`], the classic loop that publishes on a sync topic until
//! the SUB sees one. Later changes are fenced the same way on a fresh topic: a SUB's
//! subscriptions and cancels travel in order on one pipe, so once the fence topic arrives the
//! PUB has applied every change the SUB made before subscribing to it.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{ALL, TIMEOUT, Transport, endpoint, eventually};
use ferrozmq::{Context, Error, Message, Pub, Sub, XPub, XSub};

/// How long one round of the sync loop waits for its message.
const SYNC_ROUND: Duration = Duration::from_millis(20);

/// Runs `body` over each transport, with a fresh context each time.
fn each_transport(body: impl Fn(&Context, Transport)) {
    for t in ALL {
        eprintln!("case: {t:?}");
        let ctx = Context::new();
        body(&ctx, t);
    }
}

fn publisher(ctx: &Context, t: Transport) -> (Pub, String) {
    let publ = Pub::new(ctx).unwrap();
    publ.set_linger(Some(Duration::ZERO)).unwrap();
    publ.bind(&endpoint(t)).unwrap();
    let ep = publ.last_endpoint().unwrap();
    (publ, ep)
}

fn subscriber(ctx: &Context, ep: &str, topics: &[&str]) -> Sub {
    let sub = Sub::new(ctx).unwrap();
    sub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    sub.set_linger(Some(Duration::ZERO)).unwrap();
    for &topic in topics {
        sub.subscribe(topic).unwrap();
    }
    sub.connect(ep).unwrap();
    sub
}

fn xpub(ctx: &Context, t: Transport, verbose: bool) -> (XPub, String) {
    let xpub = XPub::new(ctx).unwrap();
    xpub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    xpub.set_linger(Some(Duration::ZERO)).unwrap();
    xpub.set_xpub_verbose(verbose).unwrap();
    xpub.bind(&endpoint(t)).unwrap();
    let ep = xpub.last_endpoint().unwrap();
    (xpub, ep)
}

fn first(m: &Message) -> &[u8] {
    &m.frames()[0]
}

fn strs(m: &Message) -> Vec<String> {
    let lossy = |f: &bytes::Bytes| String::from_utf8_lossy(f).into_owned();
    m.frames().iter().map(lossy).collect()
}

/// Publishes `[topic, n]` for n = 0, 1, ... until each of `subs` (all subscribed to `topic`)
/// has received one, then receives on each up to the last n sent, so the subscriptions are in
/// place and no sync message is left queued.
fn sync(publish: impl Fn(Message), subs: &[&Sub], topic: &str) {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen: Vec<Option<u32>> = vec![None; subs.len()];
    let mut next = 0u32;
    while seen.contains(&None) {
        assert!(
            Instant::now() < deadline,
            "{topic:?} not subscribed in time"
        );
        publish(Message::from(vec![
            topic.as_bytes().to_vec(),
            next.to_be_bytes().to_vec(),
        ]));
        next += 1;
        for (sub, seen) in subs.iter().zip(&mut seen).filter(|(_, s)| s.is_none()) {
            sub.set_rcvtimeo(Some(SYNC_ROUND)).unwrap();
            match sub.recv() {
                Ok(m) => *seen = Some(sync_number(&m, topic)),
                Err(Error::Again) => {}
                Err(e) => panic!("sync receive failed: {e}"),
            }
            sub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        }
    }
    for (sub, seen) in subs.iter().zip(seen) {
        let mut n = seen.unwrap_or_default();
        while n != next - 1 {
            n = sync_number(&sub.recv().expect("the rest of the sync messages"), topic);
        }
    }
}

fn sync_number(m: &Message, topic: &str) -> u32 {
    assert_eq!(first(m), topic.as_bytes(), "only sync messages during sync");
    u32::from_be_bytes(m.frames()[1][..].try_into().unwrap())
}

#[test]
fn sub_receives_only_messages_that_start_with_its_prefix() {
    each_transport(|ctx, t| {
        let (publ, ep) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep, &["A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        for body in ["B1", "A1", "BA", "AB", "", "a", "A"] {
            publ.send(body).unwrap();
        }
        // Each rejected message was sent before the next accepted one, so it would come first.
        for want in ["A1", "AB", "A"] {
            assert_eq!(first(&sub.recv().unwrap()), want.as_bytes(), "{t:?}");
        }
    });
}

#[test]
fn empty_subscription_receives_everything() {
    each_transport(|ctx, t| {
        let (publ, ep) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep, &[""]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        for body in ["A", "B", "", "\0binary"] {
            publ.send(body).unwrap();
            assert_eq!(first(&sub.recv().unwrap()), body.as_bytes(), "{t:?}");
        }
    });
}

#[test]
fn subscribing_twice_needs_two_unsubscribes() {
    each_transport(|ctx, t| {
        let (publ, ep) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep, &["A", "A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");

        sub.unsubscribe("A").unwrap();
        sub.subscribe("fence1").unwrap();
        sync(|m| publ.send(m).unwrap(), &[&sub], "fence1");
        publ.send("A1").unwrap();
        assert_eq!(
            first(&sub.recv().unwrap()),
            b"A1",
            "{t:?}: one subscription left"
        );

        sub.unsubscribe("A").unwrap();
        sub.subscribe("fence2").unwrap();
        sync(|m| publ.send(m).unwrap(), &[&sub], "fence2");
        publ.send("A2").unwrap();
        publ.send("fence2 end").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"fence2 end", "{t:?}");
    });
}

#[test]
fn unsubscribe_stops_delivery() {
    each_transport(|ctx, t| {
        let (publ, ep) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep, &["A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        publ.send("A1").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"A1", "{t:?}");

        sub.unsubscribe("A").unwrap();
        sub.subscribe("fence").unwrap();
        sync(|m| publ.send(m).unwrap(), &[&sub], "fence");
        publ.send("A2").unwrap();
        publ.send("fence end").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"fence end", "{t:?}");
    });
}

#[test]
fn multipart_messages_are_filtered_on_the_first_frame_and_arrive_whole() {
    each_transport(|ctx, t| {
        let (publ, ep) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep, &["A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        publ.send(vec!["B", "A", "A"]).unwrap();
        publ.send(vec!["A", "", "tail"]).unwrap();
        assert_eq!(strs(&sub.recv().unwrap()), ["A", "", "tail"], "{t:?}");
    });
}

#[test]
fn sub_connected_to_two_pubs_receives_from_both() {
    each_transport(|ctx, t| {
        let (pub_a, ep_a) = publisher(ctx, t);
        let (pub_b, ep_b) = publisher(ctx, t);
        let sub = subscriber(ctx, &ep_a, &["A", "sync"]);
        sub.connect(&ep_b).unwrap();
        sync(|m| pub_a.send(m).unwrap(), &[&sub], "sync");
        sync(|m| pub_b.send(m).unwrap(), &[&sub], "sync");
        pub_a.send("A from a").unwrap();
        pub_b.send("A from b").unwrap();
        let mut got = [strs(&sub.recv().unwrap()), strs(&sub.recv().unwrap())];
        got.sort();
        assert_eq!(got, [["A from a"], ["A from b"]], "{t:?}");
    });
}

#[test]
fn pub_bound_to_two_endpoints_serves_subscribers_on_both() {
    each_transport(|ctx, t| {
        let (publ, ep_1) = publisher(ctx, t);
        publ.bind(&endpoint(t)).unwrap();
        let ep_2 = publ.last_endpoint().unwrap();
        assert_ne!(ep_1, ep_2);
        let sub_1 = subscriber(ctx, &ep_1, &["A", "sync"]);
        let sub_2 = subscriber(ctx, &ep_2, &["A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub_1, &sub_2], "sync");
        publ.send("A1").unwrap();
        assert_eq!(first(&sub_1.recv().unwrap()), b"A1", "{t:?}");
        assert_eq!(first(&sub_2.recv().unwrap()), b"A1", "{t:?}");
    });
}

#[test]
fn pub_without_subscribers_accepts_and_drops_every_message() {
    let ctx = Context::new();
    let publ = Pub::new(&ctx).unwrap();
    publ.set_sndhwm(1).unwrap();
    for i in 0..10_000u32 {
        publ.try_send(i.to_be_bytes().to_vec()).unwrap();
    }
    publ.bind(&endpoint(Transport::Tcp)).unwrap();
    for i in 0..10_000u32 {
        publ.try_send(i.to_be_bytes().to_vec()).unwrap();
    }
}

#[test]
fn slow_subscriber_at_hwm_loses_messages_while_a_fast_one_gets_all() {
    // inproc: no kernel buffers lie between the two ends, so the slow pipe's size is exact.
    const SENT: u32 = 100;
    let ctx = Context::new();
    let publ = Pub::new(&ctx).unwrap();
    publ.set_sndhwm(10).unwrap();
    publ.bind(&endpoint(Transport::Inproc)).unwrap();
    let ep = publ.last_endpoint().unwrap();
    let slow = Sub::new(&ctx).unwrap();
    slow.set_rcvhwm(10).unwrap();
    slow.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    slow.subscribe("").unwrap();
    slow.connect(&ep).unwrap();
    let fast = subscriber(&ctx, &ep, &[""]);
    sync(|m| publ.send(m).unwrap(), &[&slow, &fast], "sync");

    for i in 0..SENT {
        publ.try_send(i.to_be_bytes().to_vec()).unwrap();
        assert_eq!(first(&fast.recv().unwrap()), &i.to_be_bytes());
    }
    let mut kept = Vec::new();
    while let Ok(m) = slow.try_recv() {
        kept.push(u32::from_be_bytes(first(&m).try_into().unwrap()));
    }
    // The PUB drops new messages for a full pipe, so the slow one kept the oldest, at most
    // SNDHWM + RCVHWM of them.
    assert!(!kept.is_empty() && kept.len() <= 20, "kept {}", kept.len());
    assert_eq!(kept, (0..kept.len() as u32).collect::<Vec<_>>());
}

#[test]
fn sub_resubscribes_when_the_pub_is_bound_again_at_the_same_endpoint() {
    for t in [Transport::Ipc, Transport::Tcp] {
        let ctx = Context::new();
        let (publ, ep) = publisher(&ctx, t);
        let sub = subscriber(&ctx, &ep, &["A", "sync"]);
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        publ.send("A1").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"A1", "{t:?}");
        drop(publ);

        let publ = Pub::new(&ctx).unwrap();
        publ.set_linger(Some(Duration::ZERO)).unwrap();
        // The old listener may close in the background (libzmq's does), so retry while in use.
        eventually(|| match publ.bind(&ep) {
            Ok(()) => Some(()),
            Err(Error::AddrInUse) => None,
            Err(e) => panic!("rebind failed: {e}"),
        });
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        publ.send("B2").unwrap();
        publ.send("A2").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"A2", "{t:?}");
    }
}

#[test]
fn xpub_receives_subscribe_and_unsubscribe_messages_and_filters_by_them() {
    each_transport(|ctx, t| {
        let (xpub, ep) = xpub(ctx, t, false);
        let sub = subscriber(ctx, &ep, &[]);
        sub.subscribe("A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01A", "{t:?}");
        // The XPUB passes a subscription up only once it applies it.
        xpub.send("B1").unwrap();
        xpub.send("A1").unwrap();
        assert_eq!(first(&sub.recv().unwrap()), b"A1", "{t:?}");
        sub.unsubscribe("A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x00A", "{t:?}");
    });
}

#[test]
fn xpub_passes_a_duplicate_subscription_up_only_once() {
    each_transport(|ctx, t| {
        let (xpub, ep) = xpub(ctx, t, false);
        let sub_1 = subscriber(ctx, &ep, &[]);
        sub_1.subscribe("A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01A", "{t:?}");
        let sub_2 = subscriber(ctx, &ep, &[]);
        sub_2.subscribe("A").unwrap();
        sub_2.subscribe("B").unwrap();
        // sub_2's "A" travels ahead of its "B", so had it been passed up it would come first.
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01B", "{t:?}");
    });
}

#[test]
fn xpub_verbose_passes_every_subscription_up() {
    each_transport(|ctx, t| {
        let (xpub, ep) = xpub(ctx, t, true);
        let sub_1 = subscriber(ctx, &ep, &[]);
        sub_1.subscribe("A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01A", "{t:?}");
        let sub_2 = subscriber(ctx, &ep, &[]);
        sub_2.subscribe("A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01A", "{t:?}");
    });
}

#[test]
fn xsub_subscribes_upstream_by_sending_a_subscription_message() {
    each_transport(|ctx, t| {
        let (xpub, ep) = xpub(ctx, t, false);
        let xsub = XSub::new(ctx).unwrap();
        xsub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        xsub.set_linger(Some(Duration::ZERO)).unwrap();
        xsub.connect(&ep).unwrap();
        xsub.send(b"\x01A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x01A", "{t:?}");
        xpub.send("B1").unwrap();
        xpub.send("A1").unwrap();
        assert_eq!(first(&xsub.recv().unwrap()), b"A1", "{t:?}");
        xsub.send(b"\x00A").unwrap();
        assert_eq!(first(&xpub.recv().unwrap()), b"\x00A", "{t:?}");
    });
}

#[test]
fn xsub_xpub_proxy_forwards_data_down_and_subscriptions_up() {
    each_transport(|ctx, t| {
        let xsub = XSub::new(ctx).unwrap();
        xsub.set_linger(Some(Duration::ZERO)).unwrap();
        xsub.bind(&endpoint(t)).unwrap();
        let frontend = xsub.last_endpoint().unwrap();
        let xpub = XPub::new(ctx).unwrap();
        xpub.set_linger(Some(Duration::ZERO)).unwrap();
        xpub.bind(&endpoint(t)).unwrap();
        let backend = xpub.last_endpoint().unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        let proxy = std::thread::spawn(move || {
            let result = ferrozmq::proxy(&xsub, &xpub, None);
            done_tx.send(()).unwrap();
            result
        });

        let publ = Pub::new(ctx).unwrap();
        publ.set_linger(Some(Duration::ZERO)).unwrap();
        publ.connect(&frontend).unwrap();
        let sub = subscriber(ctx, &backend, &["A", "sync"]);
        // A PUB sends only what its peer subscribed to, so anything reaching the SUB proves the
        // subscription went up through the proxy as well as the data coming down.
        sync(|m| publ.send(m).unwrap(), &[&sub], "sync");
        publ.send("B1").unwrap();
        publ.send("A1").unwrap();
        publ.send(vec!["A2", "more"]).unwrap();
        assert_eq!(strs(&sub.recv().unwrap()), ["A1"], "{t:?}");
        assert_eq!(strs(&sub.recv().unwrap()), ["A2", "more"], "{t:?}");

        ctx.shutdown();
        done_rx
            .recv_timeout(TIMEOUT)
            .expect("proxy returns when its context shuts down");
        let result = proxy.join().unwrap();
        assert!(matches!(result, Err(Error::Terminated)), "{result:?}");
    });
}
