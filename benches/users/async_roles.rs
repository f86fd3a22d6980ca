//! libzmq's perf programs once more, written with ferrozmq's async calls (`async_*` roles)
//! and with zmq.rs, the `zeromq` crate (`zmqrs_*` roles), each process under
//! `#[tokio::main]`'s runtime as a user would write it (its workers as many as the CPUs the
//! process may use: one, pinned). Output lines are libzmq's tools', as in `roles.rs`.

use std::time::{Duration, Instant};

use ferrozmq::{Context, Pull, Push, Rep, Req};
use zeromq::{Socket, SocketRecv, SocketSend};

/// Runs an `async_*` or `zmqrs_*` role; false if there is no such role.
pub fn run(args: &[String]) -> bool {
    let num = |i: usize| -> usize { args[i].parse().expect("a number") };
    let Some(role) = args.first() else {
        return false;
    };
    let known = [
        "async_local_thr",
        "async_remote_thr",
        "async_local_lat",
        "async_remote_lat",
        "zmqrs_local_thr",
        "zmqrs_remote_thr",
        "zmqrs_local_lat",
        "zmqrs_remote_lat",
    ];
    if !known.contains(&role.as_str()) {
        return false;
    }
    let (ep, size, count) = (args[1].clone(), num(2), num(3));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        match role.as_str() {
            "async_local_thr" => async_local_thr(&ep, size, count).await,
            "async_remote_thr" => async_remote_thr(&ep, size, count).await,
            "async_local_lat" => async_local_lat(&ep, size, count).await,
            "async_remote_lat" => async_remote_lat(&ep, size, count).await,
            "zmqrs_local_thr" => zmqrs_local_thr(&ep, size, count).await,
            "zmqrs_remote_thr" => zmqrs_remote_thr(&ep, size, count).await,
            "zmqrs_local_lat" => zmqrs_local_lat(&ep, size, count).await,
            _ => zmqrs_remote_lat(&ep, size, count).await,
        }
    });
    true
}

fn report_thr(size: usize, count: usize, elapsed: Duration) {
    let elapsed = (elapsed.as_micros() as f64).max(1.0);
    let rate = count as f64 / elapsed * 1e6;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", rate as u64);
}

async fn async_local_thr(bind: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).expect("socket");
    pull.bind(bind).expect("bind");
    let check = |m: ferrozmq::Message| assert!(m.len() == 1 && m.size() == size, "bad size");
    check(pull.recv_async().await.expect("recv"));
    let watch = Instant::now();
    for _ in 1..count {
        check(pull.recv_async().await.expect("recv"));
    }
    report_thr(size, count, watch.elapsed());
}

async fn async_remote_thr(connect: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let push = Push::new(&ctx).expect("socket");
    push.connect(connect).expect("connect");
    for _ in 0..count {
        push.send_async(vec![0u8; size]).await.expect("send");
    }
    drop(push);
    ctx.term();
}

async fn async_local_lat(bind: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let rep = Rep::new(&ctx).expect("socket");
    rep.bind(bind).expect("bind");
    for _ in 0..count {
        let msg = rep.recv_async().await.expect("recv");
        assert_eq!(msg.size(), size, "bad size");
        rep.send_async(msg).await.expect("send");
    }
}

async fn async_remote_lat(connect: &str, size: usize, count: usize) {
    let ctx = Context::new();
    let req = Req::new(&ctx).expect("socket");
    req.connect(connect).expect("connect");
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        req.send_async(vec![0u8; size]).await.expect("send");
        let reply = req.recv_async().await.expect("recv");
        samples.push(start.elapsed() / 2);
        assert_eq!(reply.size(), size, "bad size");
    }
    super::roles::report_latency(samples);
}

async fn zmqrs_local_thr(bind: &str, size: usize, count: usize) {
    let mut pull = zeromq::PullSocket::new();
    pull.bind(bind).await.expect("bind");
    let check = |m: zeromq::ZmqMessage| assert!(m.len() == 1 && m.get(0).unwrap().len() == size);
    check(pull.recv().await.expect("recv"));
    let watch = Instant::now();
    for _ in 1..count {
        check(pull.recv().await.expect("recv"));
    }
    report_thr(size, count, watch.elapsed());
}

async fn zmqrs_remote_thr(connect: &str, size: usize, count: usize) {
    let mut push = zeromq::PushSocket::new();
    push.connect(connect).await.expect("connect");
    for _ in 0..count {
        push.send(vec![0u8; size].into()).await.expect("send");
    }
    // zmq.rs has no linger: a moment for its writer task to hand the last frames to the
    // kernel before the process exits.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = push.close().await;
}

async fn zmqrs_local_lat(bind: &str, size: usize, count: usize) {
    let mut rep = zeromq::RepSocket::new();
    rep.bind(bind).await.expect("bind");
    for _ in 0..count {
        let msg = rep.recv().await.expect("recv");
        assert_eq!(msg.get(0).map(|f| f.len()), Some(size), "bad size");
        rep.send(msg).await.expect("send");
    }
}

async fn zmqrs_remote_lat(connect: &str, size: usize, count: usize) {
    let mut req = zeromq::ReqSocket::new();
    req.connect(connect).await.expect("connect");
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        req.send(vec![0u8; size].into()).await.expect("send");
        let reply = req.recv().await.expect("recv");
        samples.push(start.elapsed() / 2);
        assert_eq!(reply.get(0).map(|f| f.len()), Some(size), "bad size");
    }
    super::roles::report_latency(samples);
}
