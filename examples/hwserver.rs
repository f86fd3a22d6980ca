//! Hello World server (zguide "hwserver"): a REP socket that answers each "Hello" with
//! "World", after a second of "work".
//!
//! Serves a fixed number of requests, then exits; gives up with an error if no request
//! arrives for 5 seconds.
//!
//! `cargo run --example hwserver [endpoint] [requests]`
//! (defaults: `tcp://localhost:5555`, 10 requests; run `hwclient` against it)

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use ferrozmq::{Context, Error, Rep};

const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5555".to_string());
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    match run(&endpoint, requests) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hwserver: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str, requests: usize) -> Result<(), String> {
    let ctx = Context::new();
    let responder = Rep::new(&ctx).map_err(|e| e.to_string())?;
    responder
        .bind(endpoint)
        .map_err(|e| format!("cannot bind {endpoint}: {e}"))?;
    responder
        .set_rcvtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    // Give the last reply a moment to leave, but never hang on exit.
    responder
        .set_linger(Some(Duration::from_secs(1)))
        .map_err(|e| e.to_string())?;
    println!("hwserver: listening on {endpoint}, serving {requests} requests");

    for n in 1..=requests {
        let request = match responder.recv() {
            Ok(m) => m,
            Err(Error::Again) => {
                return Err(format!(
                    "no request for {} s after {} served (is hwclient running against {endpoint}?)",
                    TIMEOUT.as_secs(),
                    n - 1
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let text = String::from_utf8_lossy(request.frames().first().map_or(&[][..], |f| f));
        println!("Received {text} ({n}/{requests})");
        thread::sleep(Duration::from_secs(1)); // do some 'work'
        responder
            .send("World")
            .map_err(|e| format!("send failed: {e}"))?;
    }
    println!("hwserver: served {requests} requests, exiting");
    Ok(())
}
