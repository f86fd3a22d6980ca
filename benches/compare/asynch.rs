//! Section 5: the async API beside the blocking one, and beside zmq.rs (the `zeromq` crate,
//! pure Rust on tokio), in the same run.
//!
//! Every async row runs its two ends as tasks of one multi-thread tokio runtime with two
//! workers, the usual way a tokio service is built; the blocking rows run the same two ends
//! on two plain threads. zmq.rs speaks tcp and ipc here, not inproc. Bodies are one
//! prepared `Bytes` per run, cloned per send, for all three (zmq.rs takes a `Bytes` too).

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

/// The runtime ferrozmq's async rows run on: tokio's I/O driver is left out when
/// FERROZMQ_BENCH_NO_IO_DRIVER is set (ferrozmq's futures never use it).
fn ferrozmq_runtime() -> tokio::runtime::Runtime {
    if std::env::var_os("FERROZMQ_BENCH_NO_IO_DRIVER").is_none() {
        return runtime();
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// Receiver-timed messages per second through the blocking API (two threads).
fn blocking_thr(transport: &str, size: usize, count: usize) -> f64 {
    super::ferrozmq_push_pull(transport, size, count).rate
}

fn async_thr(transport: &str, size: usize, count: usize) -> f64 {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind(&bind_endpoint(transport)).unwrap();
    let push = ferrozmq::Push::new(&ctx).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    let body = Bytes::from(vec![7u8; size]);
    ferrozmq_runtime().block_on(async move {
        let sender = tokio::spawn(async move {
            for _ in 0..count {
                push.send_async(body.clone()).await.unwrap();
            }
            push
        });
        let receiver = tokio::spawn(async move {
            pull.recv_async().await.unwrap();
            let start = Instant::now();
            for _ in 1..count {
                pull.recv_async().await.unwrap();
            }
            (count - 1) as f64 / start.elapsed().as_secs_f64()
        });
        let rate = receiver.await.unwrap();
        drop(sender.await.unwrap());
        rate
    })
}

fn zmqrs_endpoint(transport: &str) -> String {
    match transport {
        "ipc" => bind_endpoint("ipc"),
        _ => "tcp://127.0.0.1:0".into(),
    }
}

fn zmqrs_thr(transport: &str, size: usize, count: usize) -> f64 {
    use zeromq::{Socket, SocketRecv, SocketSend};
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
        rate
    })
}

fn async_req_rep(transport: &str, size: usize, warmup: usize, n: usize) -> Rtts {
    let ctx = ferrozmq::Context::new();
    let rep = ferrozmq::Rep::new(&ctx).unwrap();
    rep.bind(&bind_endpoint(transport)).unwrap();
    let req = ferrozmq::Req::new(&ctx).unwrap();
    req.connect(&rep.last_endpoint().unwrap()).unwrap();
    let body = Bytes::from(vec![7u8; size]);
    ferrozmq_runtime().block_on(async move {
        let echo = tokio::spawn(async move {
            for _ in 0..warmup + n {
                let m = rep.recv_async().await.unwrap();
                rep.send_async(m).await.unwrap();
            }
        });
        let client = tokio::spawn(async move {
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
        });
        let mut rtts = client.await.unwrap();
        echo.await.unwrap();
        rtts.sort_unstable();
        rtts
    })
}

fn zmqrs_req_rep(transport: &str, size: usize, warmup: usize, n: usize) -> Rtts {
    use zeromq::{Socket, SocketRecv, SocketSend};
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
        rtts
    })
}

pub(super) fn asynchronous(s: &Settings) {
    let sizes: &[usize] = if s.quick {
        &[16]
    } else {
        &[16, 1024, 64 << 10]
    };
    let transports: &[&str] = if s.quick { &["tcp"] } else { &["ipc", "tcp"] };
    println!(
        "== async: PUSH -> PULL throughput, receiver-timed msg/s, median of {} alternating runs. Async rows: both",
        s.rounds
    );
    println!(
        "   ends as tasks of one 2-worker tokio runtime; blocking: two threads; zmq.rs = the zeromq crate on the same runtime"
    );
    println!(
        "{:<9} {:>8} {:>13} {:>13} {:>9} {:>13} {:>9}",
        "transport", "size", "blocking", "async", "async/blk", "zmq.rs", "async/zrs"
    );
    for &transport in transports {
        for &size in sizes {
            let count = thr_count(size, s.quick) / 2;
            let (mut b, mut a, mut z) = (vec![], vec![], vec![]);
            for round in 0..s.rounds {
                super::watch(
                    format!("async throughput {transport} {size} B round {round}"),
                    Duration::from_secs(180),
                );
                b.push(blocking_thr(transport, size, count));
                a.push(async_thr(transport, size, count));
                z.push(zmqrs_thr(transport, size, count));
            }
            let (b, a, z) = (median(b), median(a), median(z));
            println!(
                "{:<9} {:>8} {:>13.0} {:>13.0} {:>9.2} {:>13.0} {:>9.2}",
                transport,
                size,
                b,
                a,
                a / b,
                z,
                a / z
            );
        }
    }
    println!();
    let (warmup, n) = (1_000, if s.quick { 5_000 } else { 20_000 });
    println!(
        "== async: REQ/REP round trip p50 in microseconds ({n} after {warmup} warm-up), median of {} runs (lower is better)",
        s.rounds
    );
    println!(
        "{:<9} {:>8} {:>11} {:>11} {:>9} {:>11} {:>9}",
        "transport", "size", "blocking", "async", "async/blk", "zmq.rs", "async/zrs"
    );
    for &transport in transports {
        let size = 16;
        let (mut b, mut a, mut z) = (vec![], vec![], vec![]);
        for round in 0..s.rounds {
            super::watch(
                format!("async latency {transport} round {round}"),
                Duration::from_secs(180),
            );
            b.push(quantile_us(
                &ferrozmq_req_rep(transport, size, warmup, n),
                0.5,
            ));
            a.push(quantile_us(&async_req_rep(transport, size, warmup, n), 0.5));
            z.push(quantile_us(&zmqrs_req_rep(transport, size, warmup, n), 0.5));
        }
        let (b, a, z) = (median(b), median(a), median(z));
        println!(
            "{:<9} {:>8} {:>11.1} {:>11.1} {:>9.2} {:>11.1} {:>9.2}",
            transport,
            size,
            b,
            a,
            a / b,
            z,
            a / z
        );
    }
    println!();
}
