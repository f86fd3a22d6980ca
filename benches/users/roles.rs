//! libzmq's perf programs written against ferrozmq's Rust API, run as child processes of
//! the bench (the bench binary re-executes itself with `--role <name> <args>`), so the Rust
//! rows are measured exactly as the C rows: two processes, pinned, timed by the receiver.
//! Each message is a fresh buffer (`vec![0; size]` handed over), as `zmq_msg_init_size`
//! gives a C program; the output lines are libzmq's tools', so one parser reads both.

use std::time::{Duration, Instant};

use ferrozmq::{Context, Pull, Push, Rep, Req};

/// Runs the role named by the arguments after `--role`; false if there is no such role.
pub fn run(args: &[String]) -> bool {
    let num = |i: usize| -> usize { args[i].parse().expect("a number") };
    match args.first().map(String::as_str) {
        Some("local_thr") => local_thr(&args[1], num(2), num(3)),
        Some("remote_thr") => remote_thr(&args[1], num(2), num(3)),
        Some("inproc_thr") => inproc_thr(num(1), num(2)),
        Some("local_lat") => local_lat(&args[1], num(2), num(3)),
        Some("remote_lat") => remote_lat(&args[1], num(2), num(3)),
        Some("inproc_lat") => inproc_lat(num(1), num(2)),
        _ => return false,
    }
    true
}

/// Receives `count` messages; timed from the first to the last, as libzmq's local_thr.
fn receive(pull: &Pull, size: usize, count: usize) {
    let check = |m: ferrozmq::Message| assert!(m.len() == 1 && m.size() == size, "bad size");
    check(pull.recv().expect("recv"));
    let watch = Instant::now();
    for _ in 1..count {
        check(pull.recv().expect("recv"));
    }
    let elapsed = (watch.elapsed().as_micros() as f64).max(1.0);
    let rate = count as f64 / elapsed * 1e6;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", rate as u64);
    println!(
        "mean throughput: {:.3} [Mb/s]",
        rate * size as f64 * 8.0 / 1e6
    );
}

fn send(push: &Push, size: usize, count: usize) {
    for _ in 0..count {
        push.send(vec![0u8; size]).expect("send");
    }
}

fn local_thr(bind: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).expect("socket");
    pull.bind(bind).expect("bind");
    receive(&pull, size, count);
}

fn remote_thr(connect: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let push = Push::new(&ctx).expect("socket");
    push.connect(connect).expect("connect");
    send(&push, size, count);
    // LINGER is infinite: dropping the socket and terminating waits until all have left.
    drop(push);
    ctx.term();
}

fn inproc_thr(size: usize, count: usize) {
    in_two_threads(
        move |ctx| {
            let pull = Pull::new(ctx).expect("socket");
            pull.bind("inproc://thr_test").expect("bind");
            receive(&pull, size, count);
        },
        move |ctx| {
            let push = Push::new(ctx).expect("socket");
            push.connect("inproc://thr_test").expect("connect");
            send(&push, size, count);
        },
    );
}

/// libzmq's inproc programs' shape: `server` on this thread, `client` on another, both in
/// one context.
fn in_two_threads(server: impl FnOnce(&Context), client: impl FnOnce(&Context) + Send + 'static) {
    let ctx = Context::new();
    let peer = std::thread::spawn({
        let ctx = ctx.clone();
        move || client(&ctx)
    });
    server(&ctx);
    peer.join().expect("the other thread");
}

fn echo(rep: &Rep, size: usize, count: usize) {
    for _ in 0..count {
        let msg = rep.recv().expect("recv");
        assert_eq!(msg.size(), size, "bad size");
        rep.send(msg).expect("send");
    }
}

/// Times every round trip; prints libzmq's average and the median and 99th percentile.
fn ask(req: &Req, size: usize, count: usize) {
    let mut samples: Vec<Duration> = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        req.send(vec![0u8; size]).expect("send");
        let reply = req.recv().expect("recv");
        samples.push(start.elapsed() / 2);
        assert_eq!(reply.size(), size, "bad size");
    }
    report_latency(samples);
}

/// Prints libzmq's remote_lat line (the average) and the median and 99th percentile of
/// one-way times.
pub fn report_latency(mut samples: Vec<Duration>) {
    let count = samples.len();
    let average = samples.iter().sum::<Duration>() / count as u32;
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("average latency: {:.3} [us]", us(average));
    println!("p50 latency: {:.3} [us]", us(samples[count / 2]));
    println!("p99 latency: {:.3} [us]", us(samples[count * 99 / 100]));
}

fn local_lat(bind: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let rep = Rep::new(&ctx).expect("socket");
    rep.bind(bind).expect("bind");
    echo(&rep, size, count);
}

fn remote_lat(connect: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let req = Req::new(&ctx).expect("socket");
    req.connect(connect).expect("connect");
    ask(&req, size, count);
}

fn inproc_lat(size: usize, count: usize) {
    in_two_threads(
        move |ctx| {
            let rep = Rep::new(ctx).expect("socket");
            rep.bind("inproc://lat_test").expect("bind");
            echo(&rep, size, count);
        },
        move |ctx| {
            let req = Req::new(ctx).expect("socket");
            req.connect("inproc://lat_test").expect("connect");
            ask(&req, size, count);
        },
    );
}
