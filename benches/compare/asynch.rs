//! Section 5: the async API beside the blocking one, and beside zmq.rs (the `zeromq` crate,
//! pure Rust on tokio), in the same run.
//!
//! The async rows run their two ends two ways: each on its own thread with a current-thread
//! tokio runtime (as the blocking rows run each end on its own thread), and as tasks of one
//! multi-thread runtime with two workers, the usual shape of a tokio service, and the one
//! zmq.rs runs in. zmq.rs has no inproc: its columns show NaN there. Bodies are one
//! prepared `Bytes` per run, cloned per send, for all three (zmq.rs takes a `Bytes` too).

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Rtts, Settings, bind_endpoint, ferrozmq_req_rep, median, quantile_us, thr_count};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// How an async row runs its two ends: as tasks of one shared 2-worker runtime, or each
/// on its own thread with a current-thread runtime (as the blocking rows run each end on
/// its own thread). Returns both ends' outputs.
fn run_ends<A, B>(split: bool, a: A, b: B) -> (A::Output, B::Output)
where
    A: Future + Send + 'static,
    A::Output: Send + 'static,
    B: Future + Send + 'static,
    B::Output: Send + 'static,
{
    if split {
        let current = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let a = std::thread::spawn(move || current().block_on(a));
        let b = current().block_on(b);
        (a.join().unwrap(), b)
    } else {
        runtime().block_on(async move {
            let a = tokio::spawn(a);
            let b = tokio::spawn(b);
            (a.await.unwrap(), b.await.unwrap())
        })
    }
}

/// Receiver-timed messages per second through the blocking API (two threads).
fn blocking_thr(transport: &str, size: usize, count: usize) -> f64 {
    super::ferrozmq_push_pull(transport, size, count).rate
}

fn async_thr(transport: &str, size: usize, count: usize, split: bool) -> f64 {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let push = ferrozmq::Push::new(&ctx).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    let body = Bytes::from(vec![7u8; size]);
    let sender = async move {
        for _ in 0..count {
            push.send_async(body.clone()).await.unwrap();
        }
        push
    };
    let receiver = async move {
        pull.recv_async().await.unwrap();
        let start = Instant::now();
        for _ in 1..count {
            pull.recv_async().await.unwrap();
        }
        (count - 1) as f64 / start.elapsed().as_secs_f64()
    };
    run_ends(split, sender, receiver).1
}

fn zmqrs_endpoint(transport: &str) -> String {
    match transport {
        "ipc" => bind_endpoint("ipc"),
        _ => "tcp://127.0.0.1:0".into(),
    }
}

/// zmq.rs's rate, or `None` for inproc, which it does not offer.
fn zmqrs_thr(transport: &str, size: usize, count: usize) -> Option<f64> {
    use zeromq::{Socket, SocketRecv, SocketSend};
    if transport == "inproc" {
        return None;
    }
    let body = Bytes::from(vec![7u8; size]);
    runtime().block_on(async move {
        let mut pull = zeromq::PullSocket::new();
        let ep = pull.bind(&zmqrs_endpoint(transport)).await.unwrap();
        let mut push = zeromq::PushSocket::new();
        push.connect(&ep.to_string()).await.unwrap();
        let sender = tokio::spawn(async move {
            for _ in 0..count {
                push.send(body.clone().into()).await.unwrap();
            }
            push
        });
        let receiver = tokio::spawn(async move {
            pull.recv().await.unwrap();
            let start = Instant::now();
            for _ in 1..count {
                pull.recv().await.unwrap();
            }
            ((count - 1) as f64 / start.elapsed().as_secs_f64(), pull)
        });
        let (rate, _pull) = receiver.await.unwrap();
        drop(sender.await.unwrap());
        Some(rate)
    })
}

fn async_req_rep(transport: &str, size: usize, warmup: usize, n: usize, split: bool) -> Rtts {
    let ctx = ferrozmq::Context::new();
    let rep = ferrozmq::Rep::new(&ctx).unwrap();
    rep.bind(&bind_endpoint(transport)).unwrap();
    let req = ferrozmq::Req::new(&ctx).unwrap();
    req.connect(&rep.last_endpoint().unwrap()).unwrap();
    let body = Bytes::from(vec![7u8; size]);
    let echo = async move {
        for _ in 0..warmup + n {
            let m = rep.recv_async().await.unwrap();
            rep.send_async(m).await.unwrap();
        }
    };
    let client = async move {
        let mut rtts = Vec::with_capacity(n);
        for i in 0..warmup + n {
            let t0 = Instant::now();
            req.send_async(body.clone()).await.unwrap();
            req.recv_async().await.unwrap();
            if i >= warmup {
                rtts.push(t0.elapsed());
            }
        }
        rtts
    };
    let mut rtts = run_ends(split, echo, client).1;
    rtts.sort_unstable();
    rtts
}

fn zmqrs_req_rep(transport: &str, size: usize, warmup: usize, n: usize) -> Option<Rtts> {
    use zeromq::{Socket, SocketRecv, SocketSend};
    if transport == "inproc" {
        return None;
    }
    let body = Bytes::from(vec![7u8; size]);
    runtime().block_on(async move {
        let mut rep = zeromq::RepSocket::new();
        let ep = rep.bind(&zmqrs_endpoint(transport)).await.unwrap();
        let mut req = zeromq::ReqSocket::new();
        req.connect(&ep.to_string()).await.unwrap();
        let echo = tokio::spawn(async move {
            for _ in 0..warmup + n {
                let m = rep.recv().await.unwrap();
                rep.send(m).await.unwrap();
            }
            rep
        });
        let client = tokio::spawn(async move {
            let mut rtts = Vec::with_capacity(n);
            for i in 0..warmup + n {
                let t0 = Instant::now();
                req.send(body.clone().into()).await.unwrap();
                req.recv().await.unwrap();
                if i >= warmup {
                    rtts.push(t0.elapsed());
                }
            }
            rtts
        });
        let mut rtts = client.await.unwrap();
        drop(echo.await.unwrap());
        rtts.sort_unstable();
        Some(rtts)
    })
}

fn header() {
    println!(
        "{:<9} {:>6} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} {:>7} {:>7}",
        "transport",
        "size",
        "blocking",
        "async 2rt",
        "async 1rt",
        "zmq.rs",
        "2rt/blk",
        "1rt/blk",
        "2rt/zrs",
        "1rt/zrs"
    );
}

/// One row: the four medians (blocking, async own runtimes, async shared, zmq.rs) with
/// `decimals` places, then the ratios.
fn row(transport: &str, size: usize, [b, a2, a1, z]: [f64; 4], decimals: usize) {
    println!(
        "{:<9} {:>6} {:>10.d$} {:>10.d$} {:>10.d$} {:>10.d$} {:>7.2} {:>7.2} {:>7.2} {:>7.2}",
        transport,
        size,
        b,
        a2,
        a1,
        z,
        a2 / b,
        a1 / b,
        a2 / z,
        a1 / z,
        d = decimals
    );
}

pub(super) fn asynchronous(s: &Settings) {
    let sizes: &[usize] = if s.quick {
        &[16]
    } else {
        &[16, 1024, 64 << 10]
    };
    let transports: &[&str] = if s.quick {
        &["tcp"]
    } else {
        &["inproc", "ipc", "tcp"]
    };
    println!(
        "== async: PUSH -> PULL throughput, receiver-timed msg/s, median of {} alternating runs. blocking: each end",
        s.rounds
    );
    println!(
        "   on its own thread; async 2rt: each end on its own thread's current-thread tokio runtime; async 1rt: both ends"
    );
    println!(
        "   as tasks of one 2-worker tokio runtime; zmq.rs (the zeromq crate) as async 1rt; ratios to blocking and zmq.rs"
    );
    header();
    for &transport in transports {
        for &size in sizes {
            let count = thr_count(size, s.quick) / 2;
            let mut runs = [vec![], vec![], vec![], vec![]];
            for round in 0..s.rounds {
                super::watch(
                    format!("async throughput {transport} {size} B round {round}"),
                    Duration::from_secs(180),
                );
                runs[0].push(blocking_thr(transport, size, count));
                runs[1].push(async_thr(transport, size, count, true));
                runs[2].push(async_thr(transport, size, count, false));
                runs[3].push(zmqrs_thr(transport, size, count).unwrap_or(f64::NAN));
            }
            let [b, a2, a1, z] = runs.map(median);
            row(transport, size, [b, a2, a1, z], 0);
        }
    }
    println!();
    let (warmup, n) = (1_000, if s.quick { 5_000 } else { 20_000 });
    println!(
        "== async: REQ/REP round trip p50 in microseconds ({n} after {warmup} warm-up), median of {} runs (lower is better)",
        s.rounds
    );
    header();
    for &transport in transports {
        let size = 16;
        let mut runs = [vec![], vec![], vec![], vec![]];
        for round in 0..s.rounds {
            super::watch(
                format!("async latency {transport} round {round}"),
                Duration::from_secs(180),
            );
            let p50 = |rtts: Rtts| quantile_us(&rtts, 0.5);
            runs[0].push(p50(ferrozmq_req_rep(transport, size, warmup, n)));
            runs[1].push(p50(async_req_rep(transport, size, warmup, n, true)));
            runs[2].push(p50(async_req_rep(transport, size, warmup, n, false)));
            runs[3].push(zmqrs_req_rep(transport, size, warmup, n).map_or(f64::NAN, p50));
        }
        let [b, a2, a1, z] = runs.map(median);
        row(transport, size, [b, a2, a1, z], 1);
    }
    println!();
}
