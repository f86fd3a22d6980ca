//! Message queue broker (zguide "msgqueue", with its "rrclient" and "rrworker"): a ROUTER
//! frontend for REQ clients and a DEALER backend for REP workers, joined by the built-in
//! [`ferrozmq::proxy`] running in its own thread. Everything runs in one process; once the
//! clients have their replies, terminating the context ends the proxy (it returns
//! `Error::Terminated`) and the workers.
//!
//! `cargo run --example msgqueue [frontend] [backend]`
//! (defaults: `tcp://localhost:5559`, `tcp://localhost:5560`)

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use ferrozmq::{Context, Dealer, Error, Rep, Req, Router, proxy};

const NBR_CLIENTS: usize = 2;
const NBR_WORKERS: usize = 2;
const REQUESTS: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(5);

/// "rrclient": sends "Hello" requests through the broker, expecting "World" back.
fn client_task(ctx: &Context, frontend: &str, nbr: usize) -> Result<(), Error> {
    let requester = Req::new(ctx)?;
    requester.set_rcvtimeo(Some(TIMEOUT))?;
    requester.connect(frontend)?;
    for request in 0..REQUESTS {
        requester.send("Hello")?;
        let reply = requester.recv()?;
        let text = String::from_utf8_lossy(reply.frames().first().map_or(&[][..], |f| f));
        println!("Client {nbr}: received reply {request} [{text}]");
    }
    Ok(())
}

/// "rrworker": answers each request with "World" until the context is terminated.
fn worker_task(ctx: &Context, backend: &str, nbr: usize) -> Result<usize, Error> {
    let responder = Rep::new(ctx)?;
    responder.connect(backend)?;
    let mut served = 0;
    loop {
        let request = match responder.recv() {
            Ok(m) => m,
            Err(Error::Terminated) => return Ok(served),
            Err(e) => return Err(e),
        };
        let text = String::from_utf8_lossy(request.frames().first().map_or(&[][..], |f| f));
        println!("Worker {nbr}: received request [{text}]");
        thread::sleep(Duration::from_millis(100)); // do some 'work'
        responder.send("World")?;
        served += 1;
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let frontend = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5559".to_string());
    let backend = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5560".to_string());
    match run(&frontend, &backend) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("msgqueue: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(frontend_ep: &str, backend_ep: &str) -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new();

    // Socket facing clients
    let frontend = Router::new(&ctx)?;
    frontend
        .bind(frontend_ep)
        .map_err(|e| format!("cannot bind {frontend_ep}: {e}"))?;
    // Socket facing services
    let backend = Dealer::new(&ctx)?;
    backend
        .bind(backend_ep)
        .map_err(|e| format!("cannot bind {backend_ep}: {e}"))?;
    println!("msgqueue: proxy between {frontend_ep} (ROUTER) and {backend_ep} (DEALER)");

    // Start the proxy; it runs until the context is terminated
    let broker = thread::spawn(move || proxy(&frontend, &backend, None));

    let workers: Vec<_> = (0..NBR_WORKERS)
        .map(|n| {
            let ctx = ctx.clone();
            let ep = backend_ep.to_string();
            thread::spawn(move || worker_task(&ctx, &ep, n))
        })
        .collect();
    let clients: Vec<_> = (0..NBR_CLIENTS)
        .map(|n| {
            let ctx = ctx.clone();
            let ep = frontend_ep.to_string();
            thread::spawn(move || client_task(&ctx, &ep, n))
        })
        .collect();

    let mut failed = 0;
    for c in clients {
        match c.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("msgqueue: a client failed: {e}");
                failed += 1;
            }
            Err(_) => failed += 1,
        }
    }

    // The clients are done: terminate the context, which ends the proxy and the workers
    ctx.shutdown();
    match broker.join() {
        Ok(Err(Error::Terminated)) => println!("msgqueue: proxy ended: context terminated"),
        Ok(Err(e)) => return Err(format!("proxy failed: {e}").into()),
        Ok(Ok(())) => return Err("proxy returned without an error".into()),
        Err(_) => return Err("proxy thread panicked".into()),
    }
    let mut served = Vec::new();
    for w in workers {
        match w.join() {
            Ok(Ok(n)) => served.push(n),
            Ok(Err(e)) => {
                eprintln!("msgqueue: a worker failed: {e}");
                failed += 1;
            }
            Err(_) => failed += 1,
        }
    }
    println!(
        "msgqueue: {} requests from {NBR_CLIENTS} clients served by {NBR_WORKERS} workers \
         (per worker: {served:?})",
        served.iter().sum::<usize>()
    );
    if failed > 0 {
        return Err(format!("{failed} client or worker threads failed").into());
    }
    Ok(())
}
