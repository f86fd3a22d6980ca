//! ferrozmq beside libzmq, in the same run: PUSH/PULL throughput, receiver-timed.
//!
//! `cargo bench --bench compare` runs every row; `FERROZMQ_BENCH_QUICK=1` a reduced set.
//! Each configuration alternates between the two libraries several times and reports the
//! medians and the ratio ferrozmq/libzmq, because one absolute number on a shared machine
//! means little.

use std::time::{Duration, Instant};

/// One throughput measurement: messages per second seen by the receiver.
type Rate = f64;

fn ferrozmq_push_pull(transport: &str, size: usize, count: usize) -> Rate {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let ep = pull.last_endpoint().unwrap();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = ferrozmq::Push::new(&ctx).unwrap();
            push.connect(&ep).unwrap();
            let body = bytes::Bytes::from(vec![7u8; size]);
            for _ in 0..count {
                push.send(body.clone()).unwrap();
            }
        }
    });
    pull.recv().unwrap();
    let start = Instant::now();
    for _ in 1..count {
        pull.recv().unwrap();
    }
    let rate = (count - 1) as f64 / start.elapsed().as_secs_f64();
    sender.join().unwrap();
    rate
}

fn libzmq_push_pull(transport: &str, size: usize, count: usize) -> Rate {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let ep = pull.get_last_endpoint().unwrap().unwrap();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = ctx.socket(zmq::PUSH).unwrap();
            push.connect(&ep).unwrap();
            let body = vec![7u8; size];
            for _ in 0..count {
                push.send(&body[..], 0).unwrap();
            }
        }
    });
    let mut msg = zmq::Message::new();
    pull.recv(&mut msg, 0).unwrap();
    let start = Instant::now();
    for _ in 1..count {
        pull.recv(&mut msg, 0).unwrap();
    }
    let rate = (count - 1) as f64 / start.elapsed().as_secs_f64();
    sender.join().unwrap();
    rate
}

fn bind_endpoint(transport: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match transport {
        "tcp" => "tcp://127.0.0.1:*".into(),
        "ipc" => format!(
            "ipc://{}/ferrozmq-bench-{}-{n}.ipc",
            std::env::temp_dir().display(),
            std::process::id()
        ),
        _ => format!("inproc://bench-{n}"),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// How many messages make a run of roughly `target` at an assumed rate for this size.
fn count_for(size: usize, quick: bool) -> usize {
    let bytes_budget: usize = if quick { 100 << 20 } else { 400 << 20 };
    (bytes_budget / size.max(64)).clamp(2_000, if quick { 500_000 } else { 2_000_000 })
}

fn main() {
    let quick = std::env::var_os("FERROZMQ_BENCH_QUICK").is_some()
        || std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 3 } else { 5 };
    let sizes: &[usize] = if quick {
        &[16, 1024, 65536]
    } else {
        &[16, 128, 512, 1024, 10 * 1024, 64 * 1024, 1 << 20]
    };
    let transports: &[&str] = if quick {
        &["tcp"]
    } else {
        &["inproc", "ipc", "tcp"]
    };
    println!(
        "PUSH -> PULL throughput, receiver-timed; median of {rounds} alternating runs ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<8} {:>8} {:>14} {:>14} {:>10} {:>12}",
        "transport", "size", "ferrozmq msg/s", "libzmq msg/s", "ratio", "ferrozmq MB/s"
    );
    for &transport in transports {
        for &size in sizes {
            // libzmq's inproc cannot connect without a bound peer in the same context: fine,
            // both benches bind first.
            let count = count_for(size, quick);
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..rounds {
                ours.push(ferrozmq_push_pull(transport, size, count));
                theirs.push(libzmq_push_pull(transport, size, count));
                std::thread::sleep(Duration::from_millis(20));
            }
            let (o, t) = (median(ours), median(theirs));
            println!(
                "{:<8} {:>8} {:>14.0} {:>14.0} {:>10.2} {:>12.1}",
                transport,
                size,
                o,
                t,
                o / t,
                o * size as f64 / 1e6
            );
        }
    }
}
