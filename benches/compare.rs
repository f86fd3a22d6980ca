//! ferrozmq beside libzmq (through the `zmq` crate), in the same run.
//!
//! `cargo bench --bench compare` runs every section; `FERROZMQ_BENCH_QUICK=1` (or `--quick`)
//! a reduced set that finishes in well under a minute; `cargo bench --bench compare -- latency
//! fanout` only the sections named (throughput, latency, fanout, curve, async, million). Each configuration alternates between
//! the two libraries several times and reports the medians and the ratio ferrozmq/libzmq,
//! because one absolute number on a shared machine means little.
//!
//! Sections:
//! 1. PUSH -> PULL throughput, receiver-timed (from the first message to the last), with the
//!    CPU time each message cost the sending thread, the receiving thread and the rest of
//!    the process (the libraries' I/O threads).
//! 2. REQ/REP latency: every round trip timed on its own; p50 and p99.
//! 3. PUB/SUB fan-out to 10 subscribers over tcp: total messages delivered per second.
//! 4. CURVE: throughput and handshakes per second beside libzmq's CURVE (`compare/curve.rs`).
//! 5. The async API beside the blocking one and beside zmq.rs (`compare/asynch.rs`).
//! 6. The classic message-queue comparison: 1,000,000 messages of one size through PUSH/PULL
//!    over tcp, with the elapsed time at every 100,000 (full mode only).
//!
//! How CPU time is measured, without `unsafe`: Linux keeps each thread's exact on-CPU time
//! (the scheduler's `sum_exec_runtime`, in nanoseconds) in the first field of
//! `/proc/<pid>/task/<tid>/schedstat`. The sender and the receiver read their own
//! (`/proc/thread-self/schedstat`) around their loops. The whole process is read as the sum
//! over `/proc/self/task/*` before and after the run; every thread that matters is alive at
//! both reads (the sender waits to be released, the I/O threads live as long as the context,
//! a thread born during the run counts from zero). "other" is that total minus the sender
//! and the receiver: the I/O thread(s) above all, plus small change (spawning the sender,
//! reading /proc). Where schedstat is missing, utime+stime from `stat` are used instead, at
//! 10 ms resolution.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "compare/curve.rs"]
mod curve;

#[path = "compare/asynch.rs"]
mod asynch;

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
    quick: bool,
    rounds: usize,
}

const SUBSCRIBERS: usize = 10;
const FANOUT_SIZE: usize = 128;
const SYNC: &[u8] = b"sync";

/// Messages per throughput run: about `budget` bytes, within bounds.
fn thr_count(size: usize, quick: bool) -> usize {
    let bytes_budget: usize = if quick { 200 << 20 } else { 400 << 20 };
    (bytes_budget / size.max(64)).clamp(2_000, if quick { 1_000_000 } else { 2_000_000 })
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn bind_endpoint(transport: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
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

/// The `q`-quantile (0..=1) of sorted durations, in microseconds.
fn quantile_us(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1e6
}

/// A watchdog: a measurement that takes far longer than it should (a lost message, a peer
/// that never connects) ends the process with a message instead of hanging the bench.
static WATCH: Mutex<Option<(Instant, String)>> = Mutex::new(None);

fn watch(label: String, limit: Duration) {
    *WATCH.lock().unwrap() = Some((Instant::now() + limit, label));
}

fn start_watchdog() {
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if let Some((deadline, label)) = &*WATCH.lock().unwrap()
                && Instant::now() > *deadline
            {
                eprintln!("compare: `{label}` is stuck (watchdog); giving up");
                std::process::exit(2);
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// CPU time (see the module comment)

/// On-CPU time of the task whose /proc directory is `dir`.
fn task_cpu_at(dir: &str) -> Option<Duration> {
    if let Ok(s) = std::fs::read_to_string(format!("{dir}/schedstat"))
        && let Some(ns) = s.split_whitespace().next().and_then(|f| f.parse().ok())
    {
        return Some(Duration::from_nanos(ns));
    }
    // stat: "pid (comm) state ..."; utime and stime are fields 14 and 15, in USER_HZ (100/s).
    let s = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The calling thread's CPU time so far.
fn thread_cpu() -> Duration {
    task_cpu_at("/proc/thread-self").unwrap_or_default()
}

/// Every live thread's CPU time so far, by thread id.
fn process_tasks() -> HashMap<String, Duration> {
    let mut out = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for e in dir.flatten() {
            let tid = e.file_name().to_string_lossy().into_owned();
            if let Some(t) = task_cpu_at(&format!("/proc/self/task/{tid}")) {
                out.insert(tid, t);
            }
        }
    }
    out
}

/// CPU time spent by the process's threads between two [`process_tasks`] readings.
fn process_cpu_since(before: &HashMap<String, Duration>) -> Duration {
    process_tasks()
        .into_iter()
        .map(|(tid, t)| t.saturating_sub(before.get(&tid).copied().unwrap_or_default()))
        .sum()
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput

/// One throughput run.
#[derive(Clone, Copy)]
struct Thr {
    /// Messages per second seen by the receiver.
    rate: f64,
    /// CPU nanoseconds per message: sender thread, receiver thread, the rest of the process.
    cpu: [f64; 3],
}

impl Thr {
    fn new(count: usize, elapsed: Duration, snd: Duration, rcv: Duration, all: Duration) -> Thr {
        let per = |d: Duration| d.as_secs_f64() * 1e9 / count as f64;
        let other = all.saturating_sub(snd + rcv);
        Thr {
            rate: (count - 1) as f64 / elapsed.as_secs_f64(),
            cpu: [per(snd), per(rcv), per(other)],
        }
    }
}

fn ferrozmq_push_pull(transport: &str, size: usize, count: usize) -> Thr {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let ep = pull.last_endpoint().unwrap();
    let body = Bytes::from(vec![7u8; size]);
    let (done_tx, done_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let before = process_tasks();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let c0 = thread_cpu();
            let push = ferrozmq::Push::new(&ctx).unwrap();
            push.connect(&ep).unwrap();
            for _ in 0..count {
                push.send(body.clone()).unwrap();
            }
            done_tx.send(thread_cpu() - c0).unwrap();
            let _ = release_rx.recv();
        }
    });
    let c0 = thread_cpu();
    pull.recv().unwrap();
    let start = Instant::now();
    for _ in 1..count {
        pull.recv().unwrap();
    }
    let elapsed = start.elapsed();
    let rcv = thread_cpu() - c0;
    let snd = done_rx.recv().unwrap();
    let all = process_cpu_since(&before);
    release_tx.send(()).unwrap();
    sender.join().unwrap();
    Thr::new(count, elapsed, snd, rcv, all)
}

fn libzmq_push_pull(transport: &str, size: usize, count: usize) -> Thr {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let ep = pull.get_last_endpoint().unwrap().unwrap();
    let body = vec![7u8; size];
    let (done_tx, done_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let before = process_tasks();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let c0 = thread_cpu();
            let push = ctx.socket(zmq::PUSH).unwrap();
            push.connect(&ep).unwrap();
            for _ in 0..count {
                push.send(&body[..], 0).unwrap();
            }
            done_tx.send(thread_cpu() - c0).unwrap();
            let _ = release_rx.recv();
        }
    });
    let c0 = thread_cpu();
    let mut msg = zmq::Message::new();
    pull.recv(&mut msg, 0).unwrap();
    let start = Instant::now();
    for _ in 1..count {
        pull.recv(&mut msg, 0).unwrap();
    }
    let elapsed = start.elapsed();
    let rcv = thread_cpu() - c0;
    let snd = done_rx.recv().unwrap();
    let all = process_cpu_since(&before);
    release_tx.send(()).unwrap();
    sender.join().unwrap();
    Thr::new(count, elapsed, snd, rcv, all)
}

fn throughput(s: &Settings) {
    let sizes: &[usize] = if s.quick {
        &[16, 1024]
    } else {
        &[16, 128, 512, 1024, 10 << 10, 64 << 10, 1 << 20]
    };
    let transports: &[&str] = if s.quick {
        &["tcp"]
    } else {
        &["inproc", "ipc", "tcp"]
    };
    println!(
        "== PUSH -> PULL throughput: receiver-timed, median of {} alternating runs; ratio = ferrozmq/libzmq (higher is better)",
        s.rounds
    );
    println!(
        "   Both send one prepared body per message: ferrozmq `send(body.clone())` (a Bytes refcount, its zero-copy API),"
    );
    println!(
        "   libzmq `send(&body[..], 0)` (copied into a fresh zmq_msg per send, libzmq's normal cost). MB = 10^6 payload bytes."
    );
    println!(
        "{:<9} {:>8} {:>9} {:>15} {:>15} {:>7} {:>14} {:>14}",
        "transport",
        "size",
        "messages",
        "ferrozmq msg/s",
        "libzmq msg/s",
        "ratio",
        "ferrozmq MB/s",
        "libzmq MB/s"
    );
    let mut cpu_rows = Vec::new();
    for &transport in transports {
        for &size in sizes {
            let count = thr_count(size, s.quick);
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for round in 0..s.rounds {
                watch(
                    format!("throughput {transport} {size} B round {round}"),
                    Duration::from_secs(120),
                );
                ours.push(ferrozmq_push_pull(transport, size, count));
                theirs.push(libzmq_push_pull(transport, size, count));
                std::thread::sleep(Duration::from_millis(20));
            }
            let o = median(ours.iter().map(|t| t.rate).collect());
            let t = median(theirs.iter().map(|t| t.rate).collect());
            println!(
                "{:<9} {:>8} {:>9} {:>15.0} {:>15.0} {:>7.2} {:>14.1} {:>14.1}",
                transport,
                size,
                count,
                o,
                t,
                o / t,
                o * size as f64 / 1e6,
                t * size as f64 / 1e6
            );
            let cpu = |v: &[Thr]| -> [f64; 3] {
                std::array::from_fn(|i| median(v.iter().map(|t| t.cpu[i]).collect()))
            };
            cpu_rows.push((transport, size, cpu(&ours), cpu(&theirs)));
        }
    }
    println!();
    println!(
        "== CPU time per message in ns (medians, same runs): sender thread / receiver thread / other = rest of the process"
    );
    println!(
        "   (the I/O threads); total ratio = ferrozmq/libzmq (lower is better). From /proc/*/schedstat: see the bench's header."
    );
    println!(
        "{:<9} {:>8} | {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} {:>9} | {:>7}",
        "transport",
        "size",
        "fz snd",
        "fz rcv",
        "fz other",
        "fz total",
        "lz snd",
        "lz rcv",
        "lz other",
        "lz total",
        "ratio"
    );
    for (transport, size, o, t) in cpu_rows {
        let (ot, tt) = (o.iter().sum::<f64>(), t.iter().sum::<f64>());
        println!(
            "{:<9} {:>8} | {:>9.0} {:>9.0} {:>9.0} {:>9.0} | {:>9.0} {:>9.0} {:>9.0} {:>9.0} | {:>7.2}",
            transport,
            size,
            o[0],
            o[1],
            o[2],
            ot,
            t[0],
            t[1],
            t[2],
            tt,
            ot / tt
        );
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// 2. Latency

/// Round-trip times of one run, sorted.
type Rtts = Vec<Duration>;

fn ferrozmq_req_rep(transport: &str, size: usize, warmup: usize, n: usize) -> Rtts {
    let ctx = ferrozmq::Context::new();
    let (ep_tx, ep_rx) = mpsc::channel();
    let echo = std::thread::spawn({
        let ctx = ctx.clone();
        let ep = bind_endpoint(transport);
        move || {
            let rep = ferrozmq::Rep::new(&ctx).unwrap();
            rep.bind(&ep).unwrap();
            ep_tx.send(rep.last_endpoint().unwrap()).unwrap();
            for _ in 0..warmup + n {
                let msg = rep.recv().unwrap();
                rep.send(msg).unwrap();
            }
        }
    });
    let req = ferrozmq::Req::new(&ctx).unwrap();
    req.connect(&ep_rx.recv().unwrap()).unwrap();
    let body = Bytes::from(vec![7u8; size]);
    let mut rtts = Vec::with_capacity(n);
    for i in 0..warmup + n {
        let t0 = Instant::now();
        req.send(body.clone()).unwrap();
        let reply = req.recv().unwrap();
        let rtt = t0.elapsed();
        debug_assert_eq!(reply.size(), size);
        if i >= warmup {
            rtts.push(rtt);
        }
    }
    echo.join().unwrap();
    rtts.sort_unstable();
    rtts
}

fn libzmq_req_rep(transport: &str, size: usize, warmup: usize, n: usize) -> Rtts {
    let ctx = zmq::Context::new();
    let (ep_tx, ep_rx) = mpsc::channel();
    let echo = std::thread::spawn({
        let ctx = ctx.clone();
        let ep = bind_endpoint(transport);
        move || {
            let rep = ctx.socket(zmq::REP).unwrap();
            rep.bind(&ep).unwrap();
            ep_tx
                .send(rep.get_last_endpoint().unwrap().unwrap())
                .unwrap();
            for _ in 0..warmup + n {
                let mut msg = zmq::Message::new();
                rep.recv(&mut msg, 0).unwrap();
                rep.send(msg, 0).unwrap();
            }
        }
    });
    let req = ctx.socket(zmq::REQ).unwrap();
    req.connect(&ep_rx.recv().unwrap()).unwrap();
    let body = vec![7u8; size];
    let mut reply = zmq::Message::new();
    let mut rtts = Vec::with_capacity(n);
    for i in 0..warmup + n {
        let t0 = Instant::now();
        req.send(&body[..], 0).unwrap();
        req.recv(&mut reply, 0).unwrap();
        let rtt = t0.elapsed();
        debug_assert_eq!(reply.len(), size);
        if i >= warmup {
            rtts.push(rtt);
        }
    }
    echo.join().unwrap();
    rtts.sort_unstable();
    rtts
}

fn latency(s: &Settings) {
    let (warmup, n) = (1_000, 20_000);
    let sizes: &[usize] = if s.quick { &[16] } else { &[16, 1024] };
    let transports: &[&str] = if s.quick {
        &["tcp"]
    } else {
        &["inproc", "ipc", "tcp"]
    };
    println!(
        "== REQ/REP latency: {n} round trips (after {warmup} warm-up) each timed alone, REP echoing in its own thread;"
    );
    println!(
        "   microseconds per whole round trip, median over {} alternating runs; ratio = ferrozmq/libzmq (lower is better)",
        s.rounds
    );
    println!(
        "{:<9} {:>8} {:>12} {:>12} {:>7} {:>12} {:>12} {:>7}",
        "transport", "size", "fz p50 us", "lz p50 us", "ratio", "fz p99 us", "lz p99 us", "ratio"
    );
    for &transport in transports {
        for &size in sizes {
            let (mut o50, mut o99, mut t50, mut t99) = (vec![], vec![], vec![], vec![]);
            for round in 0..s.rounds {
                watch(
                    format!("latency {transport} {size} B round {round}"),
                    Duration::from_secs(120),
                );
                let o = ferrozmq_req_rep(transport, size, warmup, n);
                o50.push(quantile_us(&o, 0.50));
                o99.push(quantile_us(&o, 0.99));
                let t = libzmq_req_rep(transport, size, warmup, n);
                t50.push(quantile_us(&t, 0.50));
                t99.push(quantile_us(&t, 0.99));
            }
            let (o50, o99, t50, t99) = (median(o50), median(o99), median(t50), median(t99));
            println!(
                "{:<9} {:>8} {:>12.1} {:>12.1} {:>7.2} {:>12.1} {:>12.1} {:>7.2}",
                transport,
                size,
                o50,
                t50,
                o50 / t50,
                o99,
                t99,
                o99 / t99
            );
        }
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// 3. PUB/SUB fan-out

/// One fan-out run: total messages delivered per second, and how many were delivered.
struct Fanout {
    rate: f64,
    delivered: usize,
}

/// What each subscriber thread does, whatever the library: wait for its first message (a
/// "sync"), skip the syncs still queued, count `n` data messages, report when it got them.
fn subscriber_loop(
    mut recv: impl FnMut() -> Option<usize>,
    synced: &AtomicUsize,
    n: usize,
) -> (usize, Instant) {
    while recv().is_some_and(|len| len != SYNC.len()) {}
    synced.fetch_add(1, Ordering::SeqCst);
    let mut got = 0;
    while got < n {
        match recv() {
            Some(len) if len != SYNC.len() => got += 1,
            Some(_) => {}
            None => break,
        }
    }
    (got, Instant::now())
}

/// Publishes syncs until every subscriber has one, then `n` data messages; returns when the
/// data sending began.
fn publish(mut send: impl FnMut(bool), synced: &AtomicUsize, n: usize) -> Instant {
    let give_up = Instant::now() + Duration::from_secs(20);
    while synced.load(Ordering::SeqCst) < SUBSCRIBERS {
        assert!(
            Instant::now() < give_up,
            "fan-out: subscribers never synced"
        );
        send(true);
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = Instant::now();
    for _ in 0..n {
        send(false);
    }
    start
}

fn fanout_result(start: Instant, results: Vec<(usize, Instant)>) -> Fanout {
    let delivered = results.iter().map(|r| r.0).sum();
    let end = results.iter().map(|r| r.1).max().unwrap();
    Fanout {
        rate: delivered as f64 / (end - start).as_secs_f64(),
        delivered,
    }
}

fn ferrozmq_fanout(n: usize) -> (Fanout, u64) {
    let ctx = ferrozmq::Context::new();
    let publisher = ferrozmq::Pub::new(&ctx).unwrap();
    publisher.set_sndhwm(0).unwrap();
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let ep = publisher.last_endpoint().unwrap();
    let synced = Arc::new(AtomicUsize::new(0));
    let subs: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| {
            let (ctx, ep, synced) = (ctx.clone(), ep.clone(), synced.clone());
            std::thread::spawn(move || {
                let sub = ferrozmq::Sub::new(&ctx).unwrap();
                sub.set_rcvhwm(0).unwrap();
                sub.set_rcvtimeo(Some(Duration::from_secs(10))).unwrap();
                sub.subscribe("").unwrap();
                sub.connect(&ep).unwrap();
                subscriber_loop(|| sub.recv().ok().map(|m| m.size()), &synced, n)
            })
        })
        .collect();
    let body = Bytes::from(vec![7u8; FANOUT_SIZE]);
    let sync = Bytes::from_static(SYNC);
    let start = publish(
        |is_sync| {
            let msg = if is_sync { &sync } else { &body };
            publisher.send(msg.clone()).unwrap();
        },
        &synced,
        n,
    );
    let results = subs.into_iter().map(|h| h.join().unwrap()).collect();
    (fanout_result(start, results), publisher.dropped())
}

fn libzmq_fanout(n: usize) -> Fanout {
    let ctx = zmq::Context::new();
    let publisher = ctx.socket(zmq::PUB).unwrap();
    publisher.set_sndhwm(0).unwrap();
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let ep = publisher.get_last_endpoint().unwrap().unwrap();
    let synced = Arc::new(AtomicUsize::new(0));
    let subs: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| {
            let (ctx, ep, synced) = (ctx.clone(), ep.clone(), synced.clone());
            std::thread::spawn(move || {
                let sub = ctx.socket(zmq::SUB).unwrap();
                sub.set_rcvhwm(0).unwrap();
                sub.set_rcvtimeo(10_000).unwrap();
                sub.set_subscribe(b"").unwrap();
                sub.connect(&ep).unwrap();
                let mut msg = zmq::Message::new();
                subscriber_loop(
                    || sub.recv(&mut msg, 0).ok().map(|()| msg.len()),
                    &synced,
                    n,
                )
            })
        })
        .collect();
    let body = vec![7u8; FANOUT_SIZE];
    let start = publish(
        |is_sync| {
            let msg: &[u8] = if is_sync { SYNC } else { &body };
            publisher.send(msg, 0).unwrap();
        },
        &synced,
        n,
    );
    let results = subs.into_iter().map(|h| h.join().unwrap()).collect();
    fanout_result(start, results)
}

fn fanout(s: &Settings) {
    let n = if s.quick { 50_000 } else { 200_000 };
    println!(
        "== PUB -> {SUBSCRIBERS} x SUB fan-out over tcp, {FANOUT_SIZE} B: total delivered msg/s = {SUBSCRIBERS} x {n} / (first send .. last SUB done);"
    );
    println!(
        "   SNDHWM = RCVHWM = 0 (no limit) on both libraries so nothing is dropped; every SUB has had a sync message before timing;"
    );
    println!(
        "   median of {} alternating runs; ratio = ferrozmq/libzmq (higher is better)",
        s.rounds
    );
    println!(
        "{:<5} {:>6} {:>9} {:>15} {:>15} {:>7} {:>12}",
        "subs", "size", "per sub", "ferrozmq msg/s", "libzmq msg/s", "ratio", "fz dropped"
    );
    let (mut ours, mut theirs, mut dropped) = (vec![], vec![], 0);
    let mut short = Vec::new();
    for round in 0..s.rounds {
        watch(format!("fan-out round {round}"), Duration::from_secs(120));
        let (o, d) = ferrozmq_fanout(n);
        let t = libzmq_fanout(n);
        dropped += d;
        for (lib, r) in [("ferrozmq", &o), ("libzmq", &t)] {
            if r.delivered != SUBSCRIBERS * n {
                short.push(format!(
                    "{lib} round {round}: {} of {} delivered",
                    r.delivered,
                    SUBSCRIBERS * n
                ));
            }
        }
        ours.push(o.rate);
        theirs.push(t.rate);
    }
    let (o, t) = (median(ours), median(theirs));
    println!(
        "{:<5} {:>6} {:>9} {:>15.0} {:>15.0} {:>7.2} {:>12}",
        SUBSCRIBERS,
        FANOUT_SIZE,
        n,
        o,
        t,
        o / t,
        dropped
    );
    for line in short {
        println!("   INCOMPLETE: {line}");
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// 4. One million messages

const MILLION: usize = 1_000_000;
const STEP: usize = 100_000;

/// Elapsed time at every `STEP` messages received, from the first message's arrival.
fn ferrozmq_million(size: usize) -> Vec<Duration> {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = ferrozmq::Push::new(&ctx).unwrap();
            push.connect(&ep).unwrap();
            let body = Bytes::from(vec![7u8; size]);
            for _ in 0..MILLION {
                push.send(body.clone()).unwrap();
            }
        }
    });
    pull.recv().unwrap();
    let start = Instant::now();
    let mut marks = Vec::with_capacity(MILLION / STEP);
    for i in 2..=MILLION {
        pull.recv().unwrap();
        if i % STEP == 0 {
            marks.push(start.elapsed());
        }
    }
    sender.join().unwrap();
    marks
}

fn libzmq_million(size: usize) -> Vec<Duration> {
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.get_last_endpoint().unwrap().unwrap();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = ctx.socket(zmq::PUSH).unwrap();
            push.connect(&ep).unwrap();
            let body = vec![7u8; size];
            for _ in 0..MILLION {
                push.send(&body[..], 0).unwrap();
            }
        }
    });
    let mut msg = zmq::Message::new();
    pull.recv(&mut msg, 0).unwrap();
    let start = Instant::now();
    let mut marks = Vec::with_capacity(MILLION / STEP);
    for i in 2..=MILLION {
        pull.recv(&mut msg, 0).unwrap();
        if i % STEP == 0 {
            marks.push(start.elapsed());
        }
    }
    sender.join().unwrap();
    marks
}

fn million() {
    println!(
        "== 1,000,000 messages PUSH -> PULL over tcp (default HWMs), one run each: elapsed ms at every 100,000 received,"
    );
    println!("   from the first message's arrival; msg/s over the whole million");
    print!("{:>6} {:<9}", "size", "library");
    for k in (STEP..=MILLION).step_by(STEP) {
        print!(" {:>7}", format!("{}k", k / 1000));
    }
    println!(" {:>11}", "msg/s");
    for size in [128, 512, 1024, 10 << 10] {
        for (lib, run) in [
            ("ferrozmq", ferrozmq_million as fn(usize) -> Vec<Duration>),
            ("libzmq", libzmq_million),
        ] {
            watch(format!("1M {lib} {size} B"), Duration::from_secs(300));
            let marks = run(size);
            print!("{size:>6} {lib:<9}");
            for m in &marks {
                print!(" {:>7.0}", m.as_secs_f64() * 1e3);
            }
            let total = marks.last().unwrap().as_secs_f64();
            println!(" {:>11.0}", (MILLION - 1) as f64 / total);
        }
    }
    println!();
}

// ---------------------------------------------------------------------------------------------

fn machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let (ma, mi, pa) = zmq::version();
    println!("machine: {cores} cores, {model}, Linux {kernel}");
    println!(
        "ferrozmq {} vs libzmq {ma}.{mi}.{pa} (zmq crate); each library with its default 1 I/O thread",
        env!("CARGO_PKG_VERSION")
    );
    println!();
}

fn main() {
    let quick = std::env::var_os("FERROZMQ_BENCH_QUICK").is_some_and(|v| v != "0")
        || std::env::args().any(|a| a == "--quick");
    let settings = Settings {
        quick,
        rounds: if quick { 3 } else { 5 },
    };
    start_watchdog();
    let t0 = Instant::now();
    machine();
    if quick {
        println!("QUICK mode: a reduced set (tcp only, fewer sizes and messages, no 1M rows)\n");
    }
    // Positional arguments pick sections by name; the 1M rows run in quick mode only if named.
    let picked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| picked.is_empty() || picked.iter().any(|p| name.contains(p.as_str()));
    if want("throughput") {
        throughput(&settings);
    }
    if want("latency") {
        latency(&settings);
    }
    if want("fanout") {
        fanout(&settings);
    }
    if want("curve") {
        curve::curve(settings.rounds, quick);
    }
    if want("async") {
        asynch::asynchronous(&settings);
    }
    if want("million") && (!quick || !picked.is_empty()) {
        million();
    }
    *WATCH.lock().unwrap() = None;
    println!("total bench time: {:.1} s", t0.elapsed().as_secs_f64());
}
