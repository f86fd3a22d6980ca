//! The `scale` section's programs against the Rust API (`benches/c/scale.c`'s roles),
//! run as this binary re-executed with `--role scale <role> ...`; see `scale.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferrozmq::{Context, Dealer, Pub, Pull, Push, Router, Sub};

/// Runs `scale <role> ...` (the arguments after `--role`); false if it is not one of ours.
pub fn run(args: &[String]) -> bool {
    let Some(("scale", args)) = args.split_first().map(|(a, rest)| (a.as_str(), rest)) else {
        return false;
    };
    let num = |i: usize| -> usize { args[i].parse().expect("a number") };
    match args.first().map(String::as_str) {
        Some("push") => pairs(true, num(1), num(2), num(3), &args[4..]),
        Some("pull") => pairs(false, num(1), num(2), num(3), &args[4..]),
        Some("pub") => publisher(&args[1], &args[2], num(3), num(4)),
        Some("sub") => subscribers(&args[1], &args[2], num(3), num(4), num(5)),
        Some("router") => router(&args[1], num(2)),
        Some("dealer") => dealers(&args[1], num(2), num(3)),
        _ => return false,
    }
    true
}

/// What one receiving socket saw: how many messages, the first's and the last's arrival.
struct Got {
    got: usize,
    first: Option<Instant>,
    last: Instant,
}

/// The total rate over all sockets, from the first arrival on any to the last on all.
fn report(results: &[Got], expected: usize) {
    let got: usize = results.iter().map(|r| r.got).sum();
    let first = results.iter().filter_map(|r| r.first).min();
    let last = results.iter().filter(|r| r.got > 0).map(|r| r.last).max();
    let elapsed = match (first, last) {
        (Some(f), Some(l)) => (l - f).as_secs_f64().max(1e-6),
        _ => 1e-6,
    };
    println!("delivered: {got} of {expected}");
    println!("mean throughput: {:.0} [msg/s]", got as f64 / elapsed);
}

/// `push` and `pull`: one context with `io_threads`, a thread per endpoint.
fn pairs(push: bool, io_threads: usize, size: usize, count: usize, endpoints: &[String]) {
    let ctx = Context::with_io_threads(io_threads).expect("context");
    let threads: Vec<_> = endpoints
        .iter()
        .map(|ep| {
            let (ctx, ep) = (ctx.clone(), ep.clone());
            std::thread::spawn(move || {
                if push {
                    let s = Push::new(&ctx).expect("socket");
                    s.connect(&ep).expect("connect");
                    for _ in 0..count {
                        s.send(vec![0u8; size]).expect("send");
                    }
                    None
                } else {
                    let s = Pull::new(&ctx).expect("socket");
                    s.set_rcvtimeo(Some(Duration::from_secs(20)))
                        .expect("rcvtimeo");
                    s.bind(&ep).expect("bind");
                    Some(receive(|| s.recv().ok().map(|m| m.size()), size, count))
                }
            })
        })
        .collect();
    let results: Vec<Got> = threads
        .into_iter()
        .filter_map(|t| t.join().expect("thread"))
        .collect();
    if !push {
        report(&results, count * endpoints.len());
    }
    // LINGER is infinite: terminating waits until all the PUSH sockets' messages have left.
    ctx.term();
}

/// Receives up to `count` messages of `size` bytes, skipping one-byte warm-ups, until
/// `recv` gives up (its RCVTIMEO).
fn receive(mut recv: impl FnMut() -> Option<usize>, size: usize, count: usize) -> Got {
    let mut r = Got {
        got: 0,
        first: None,
        last: Instant::now(),
    };
    while r.got < count {
        match recv() {
            Some(1) if size != 1 => continue,
            Some(len) => assert_eq!(len, size, "message of incorrect size received"),
            None => break,
        }
        if r.got == 0 {
            r.first = Some(Instant::now());
        }
        r.got += 1;
    }
    r.last = Instant::now();
    r
}

fn publisher(endpoint: &str, ready_endpoint: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let publisher = Pub::new(&ctx).expect("socket");
    let ready = Pull::new(&ctx).expect("socket");
    publisher.set_sndhwm(0).expect("sndhwm");
    ready
        .set_rcvtimeo(Some(Duration::from_millis(1)))
        .expect("rcvtimeo");
    publisher.bind(endpoint).expect("bind");
    ready.bind(ready_endpoint).expect("bind");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        publisher.send(b"w").expect("warm-up send");
        if ready.recv().is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "waiting for the subscribers");
    }
    for _ in 0..count {
        publisher.send(vec![7u8; size]).expect("send");
    }
    drop((ready, publisher));
    ctx.term();
}

fn subscribers(endpoint: &str, ready_endpoint: &str, n: usize, size: usize, count: usize) {
    let ctx = Context::new();
    let synced = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (ctx, ep, synced) = (ctx.clone(), endpoint.to_string(), synced.clone());
            std::thread::spawn(move || {
                let sub = Sub::new(&ctx).expect("socket");
                sub.set_rcvhwm(0).expect("rcvhwm");
                sub.set_rcvtimeo(Some(Duration::from_secs(10)))
                    .expect("rcvtimeo");
                sub.subscribe("").expect("subscribe");
                sub.connect(&ep).expect("connect");
                // The first message is a warm-up: the subscription has reached the PUB.
                sub.recv().expect("warm-up recv");
                synced.fetch_add(1, Ordering::SeqCst);
                receive(|| sub.recv().ok().map(|m| m.size()), size, count)
            })
        })
        .collect();
    let ready = Push::new(&ctx).expect("socket");
    ready.connect(ready_endpoint).expect("connect");
    let deadline = Instant::now() + Duration::from_secs(20);
    while synced.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "waiting for the warm-ups");
        std::thread::sleep(Duration::from_millis(1));
    }
    ready.send("ready").expect("ready send");
    let results: Vec<Got> = threads
        .into_iter()
        .map(|t| t.join().expect("subscriber"))
        .collect();
    report(&results, n * count);
    drop(ready);
    ctx.term();
}

fn router(endpoint: &str, count: usize) {
    let ctx = Context::new();
    let router = Router::new(&ctx).expect("socket");
    router.set_backlog(10_000).expect("backlog");
    router
        .set_rcvtimeo(Some(Duration::from_secs(25)))
        .expect("rcvtimeo");
    router.bind(endpoint).expect("bind");
    for _ in 0..count {
        // [routing id, request] back as it came: the reply to that DEALER.
        let msg = router.recv().expect("router recv");
        router.send(msg).expect("router send");
    }
    drop(router);
    ctx.term();
}

fn dealers(endpoint: &str, n: usize, rounds: usize) {
    let ctx = Context::builder()
        .max_sockets(n + 16)
        .build()
        .expect("context");
    let dealers: Vec<Dealer> = (0..n)
        .map(|_| {
            let d = Dealer::new(&ctx).expect("socket");
            d.set_rcvtimeo(Some(Duration::from_secs(20)))
                .expect("rcvtimeo");
            d.set_sndtimeo(Some(Duration::from_secs(20)))
                .expect("sndtimeo");
            d.set_linger(Some(Duration::ZERO)).expect("linger");
            d.connect(endpoint).expect("connect");
            d
        })
        .collect();
    let mut times: Vec<Duration> = (0..=rounds)
        .map(|_| {
            let start = Instant::now();
            for d in &dealers {
                d.send(b"request").expect("dealer send");
            }
            for d in &dealers {
                let reply = d.recv().expect("dealer recv");
                assert_eq!(reply.size(), 7, "bad reply");
            }
            start.elapsed()
        })
        .collect();
    println!("connect round: {:.0} [us]", times[0].as_secs_f64() * 1e6);
    let timed = &mut times[1..];
    timed.sort();
    println!(
        "round time: {:.0} [us]",
        timed[rounds / 2].as_secs_f64() * 1e6
    );
    drop(dealers);
    ctx.term();
}

// ---------------------------------------------------------------------------------------------
// The section.
