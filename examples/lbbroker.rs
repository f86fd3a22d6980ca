//! Load-balancing broker (zguide "lbbroker"): REQ clients talk to a ROUTER frontend, REQ
//! workers to a ROUTER backend, and the broker routes each request to the least recently
//! used ready worker. Everything runs in one process over `inproc://`, clients and workers
//! in threads; the broker exits once every client has its reply, and terminating the
//! context ends the workers.
//!
//! `cargo run --example lbbroker`

use std::collections::VecDeque;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ferrozmq::{Context, Error, Message, PollItem, Req, Router, poll};

const NBR_CLIENTS: usize = 10;
const NBR_WORKERS: usize = 3;
const FRONTEND: &str = "inproc://frontend";
const BACKEND: &str = "inproc://backend";
const TIMEOUT: Duration = Duration::from_secs(5);

/// A printable identity, as the zguide's `s_set_id`: "XXXX-XXXX", from a tiny linear
/// congruential generator (no `rand` crate needed).
fn printable_id(salt: u64) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut state = nanos ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 48) as u16
    };
    format!("{:04X}-{:04X}", next(), next())
}

/// Basic request-reply client using a REQ socket.
fn client_task(ctx: &Context, nbr: usize) -> Result<(), Error> {
    let client = Req::new(ctx)?;
    client.set_routing_id(printable_id(nbr as u64 + 1))?; // set a printable identity
    client.set_rcvtimeo(Some(TIMEOUT))?;
    client.connect(FRONTEND)?;

    // Send request, get reply
    client.send("HELLO")?;
    let reply = client.recv()?;
    println!("Client: {}", text(&reply, 0));
    Ok(())
}

/// A worker using a REQ socket to do load-balancing: it says READY, then answers each
/// request [client id, empty, request] with [client id, empty, "OK"].
fn worker_task(ctx: &Context, nbr: usize) -> Result<usize, Error> {
    let worker = Req::new(ctx)?;
    worker.set_routing_id(printable_id(1000 + nbr as u64))?;
    worker.connect(BACKEND)?;

    // Tell broker we're ready for work
    worker.send("READY")?;
    let mut served = 0;
    loop {
        let msg = match worker.recv() {
            Ok(m) => m,
            Err(Error::Terminated) => return Ok(served), // the broker is done
            Err(e) => return Err(e),
        };
        // Read the envelope: here one client id and an empty frame, then the request
        let frames = msg.frames();
        assert!(
            frames.len() == 3 && frames[1].is_empty(),
            "bad request {msg:?}"
        );
        println!("Worker: {}", text(&msg, 2));
        served += 1;
        worker.send(vec![frames[0].clone(), Bytes::new(), Bytes::from("OK")])?;
    }
}

fn text(msg: &Message, frame: usize) -> String {
    String::from_utf8_lossy(msg.frames().get(frame).map_or(&[][..], |f| f)).into_owned()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lbbroker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Prepare our context and sockets
    let ctx = Context::new();
    let frontend = Router::new(&ctx)?;
    let backend = Router::new(&ctx)?;
    frontend.bind(FRONTEND)?;
    backend.bind(BACKEND)?;

    let clients: Vec<_> = (0..NBR_CLIENTS)
        .map(|n| {
            let ctx = ctx.clone();
            thread::spawn(move || client_task(&ctx, n))
        })
        .collect();
    let workers: Vec<_> = (0..NBR_WORKERS)
        .map(|n| {
            let ctx = ctx.clone();
            thread::spawn(move || worker_task(&ctx, n))
        })
        .collect();

    // Logic of the LRU loop:
    // - poll the backend always, the frontend only if one or more workers are ready;
    // - if a worker replies, queue it as ready and forward the reply to its client, if any;
    // - if a client requests, pop the next worker and send the request to it.
    let mut worker_queue: VecDeque<Bytes> = VecDeque::new();
    let mut client_nbr = NBR_CLIENTS;
    while client_nbr > 0 {
        let (backend_ready, frontend_ready) = {
            let mut items = vec![PollItem::readable(&backend)];
            if !worker_queue.is_empty() {
                items.push(PollItem::readable(&frontend));
            }
            if poll(&mut items, Some(TIMEOUT))? == 0 {
                ctx.shutdown();
                return Err(format!("nothing happened for {} s", TIMEOUT.as_secs()).into());
            }
            (
                items[0].is_readable(),
                items.get(1).is_some_and(PollItem::is_readable),
            )
        };

        // Handle worker activity on the backend: [worker id, empty, READY] or
        // [worker id, empty, client id, empty, reply]
        if backend_ready {
            let msg = backend.recv()?;
            let frames = msg.frames();
            assert!(worker_queue.len() < NBR_WORKERS);
            worker_queue.push_back(frames[0].clone()); // queue the worker for load-balancing
            assert!(frames[1].is_empty());
            if &frames[2][..] != b"READY" {
                // A client reply: send the rest back to the frontend
                frontend.send(vec![frames[2].clone(), Bytes::new(), frames[4].clone()])?;
                client_nbr -= 1;
            }
        }
        // Handle a client request [client id, empty, request]: route it to the least
        // recently used worker
        if frontend_ready {
            let msg = frontend.recv()?;
            let frames = msg.frames();
            let worker_id = worker_queue.pop_front().expect("polled only with a worker");
            backend.send(vec![
                worker_id,
                Bytes::new(),
                frames[0].clone(),
                Bytes::new(),
                frames[2].clone(),
            ])?;
        }
    }

    let mut failed = 0;
    for c in clients {
        if !matches!(c.join(), Ok(Ok(()))) {
            failed += 1;
        }
    }
    // The workers are blocked in recv; terminating the context wakes them with Terminated.
    ctx.shutdown();
    let mut served = Vec::new();
    for w in workers {
        match w.join() {
            Ok(Ok(n)) => served.push(n),
            _ => failed += 1,
        }
    }
    println!(
        "lbbroker: {NBR_CLIENTS} clients answered by {NBR_WORKERS} workers (requests per \
         worker: {served:?}); {failed} threads failed"
    );
    if failed > 0 {
        return Err(format!("{failed} client or worker threads failed").into());
    }
    Ok(())
}
