//! An async request/reply server under tokio that serves many clients at once.
//!
//! A ROUTER front end receives every client's request; each request is handled in its own
//! task (here a simulated 20 ms of work, such as a database call), and the reply goes back
//! through the ROUTER when ready, so one slow request never holds up the others. The
//! clients are plain REQ sockets, each in its own task.
//!
//! `cargo run --release --example async_server [clients] [requests-per-client]`
//!
//! With 200 clients of 5 requests each, 1,000 requests of 20 ms finish in about 0.1 s
//! (5 rounds of 20 ms) rather than the 20 s one-at-a-time serving would take.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Message, Req, Router};

const WORK: Duration = Duration::from_millis(20);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);

    let ctx = Context::new();
    let router = Arc::new(Router::new(&ctx)?);
    // All the clients connect at once: a listen queue of libzmq's default 100 would drop
    // the SYNs beyond it, and those clients would wait a second for TCP to retry.
    router.set_backlog(i32::try_from(clients).unwrap_or(i32::MAX).max(100))?;
    router.bind("tcp://127.0.0.1:*")?;
    let endpoint = router.last_endpoint().expect("bound");
    let server = tokio::spawn(serve(router.clone(), clients * requests));

    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let req = Req::new(&ctx)?;
        req.connect(&endpoint)?;
        tasks.push(tokio::spawn(async move {
            for r in 0..requests {
                let question = format!("client {c} request {r}");
                req.send_async(question.as_str()).await?;
                let answer = req.recv_async().await?;
                assert_eq!(answer.frames()[0], format!("done: {question}").as_bytes());
            }
            Ok::<_, ferrozmq::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let served = server.await??;
    println!(
        "{clients} clients x {requests} requests of {} ms work each: {served} served in {:.3} s",
        WORK.as_millis(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Receives `total` requests and answers each from its own task.
async fn serve(router: Arc<Router>, total: usize) -> ferrozmq::Result<usize> {
    let mut handlers = Vec::with_capacity(total);
    for _ in 0..total {
        // [client id, empty delimiter, body]: REQ's envelope, kept for the reply.
        let request = router.recv_async().await?;
        let router = router.clone();
        handlers.push(tokio::spawn(async move {
            tokio::time::sleep(WORK).await;
            let mut frames = request.frames().to_vec();
            let body = frames.pop().unwrap_or_default();
            let mut answer = b"done: ".to_vec();
            answer.extend_from_slice(&body);
            frames.push(answer.into());
            router
                .send_async(Message::from(frames))
                .await
                .map_err(|e| e.error)
        }));
    }
    for h in handlers {
        h.await.expect("handler panicked")?;
    }
    Ok(total)
}
