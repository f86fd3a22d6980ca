//! Hello World client (zguide "hwclient"): a REQ socket that sends "Hello" to the server ten
//! times and waits for each "World".
//!
//! Gives up with an error if a reply takes longer than 5 seconds (no server).
//!
//! `cargo run --example hwclient [endpoint]` (default `tcp://localhost:5555`; start
//! `hwserver` first)

use std::process::ExitCode;
use std::time::Duration;

use ferrozmq::{Context, Error, Req};

const TIMEOUT: Duration = Duration::from_secs(5);
const REQUESTS: usize = 10;

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://localhost:5555".to_string());
    match run(&endpoint) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hwclient: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str) -> Result<(), String> {
    let ctx = Context::new();
    println!("Connecting to hello world server at {endpoint}…");
    let requester = Req::new(&ctx).map_err(|e| e.to_string())?;
    requester
        .set_rcvtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    // A request still queued for an absent server must not keep the process alive.
    requester
        .set_linger(Some(Duration::ZERO))
        .map_err(|e| e.to_string())?;
    requester
        .connect(endpoint)
        .map_err(|e| format!("cannot connect to {endpoint}: {e}"))?;

    for n in 0..REQUESTS {
        println!("Sending Hello {n}…");
        requester
            .send("Hello")
            .map_err(|e| format!("send failed: {e}"))?;
        let reply = match requester.recv() {
            Ok(m) => m,
            Err(Error::Again) => {
                return Err(format!(
                    "no reply within {} s (is hwserver running on {endpoint}?)",
                    TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let text = String::from_utf8_lossy(reply.frames().first().map_or(&[][..], |f| f));
        println!("Received {text} {n}");
    }
    Ok(())
}
