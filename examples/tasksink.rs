//! Task sink (zguide "tasksink"): a PULL socket that waits for the ventilator's start of
//! batch, collects the workers' results for the whole batch, and reports how long it took.
//!
//! Gives up with an error if the batch does not start within 20 seconds, or a result is
//! missing for 5 seconds.
//!
//! `cargo run --example tasksink [endpoint]` (default `tcp://localhost:5558`; then start
//! `taskwork` and `taskvent`)

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Error, Pull};

const TASKS: usize = 100;
const START_TIMEOUT: Duration = Duration::from_secs(20);
const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://localhost:5558".to_string());
    match run(&endpoint) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tasksink: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str) -> Result<(), String> {
    // Prepare our context and socket
    let ctx = Context::new();
    let receiver = Pull::new(&ctx).map_err(|e| e.to_string())?;
    receiver
        .bind(endpoint)
        .map_err(|e| format!("cannot bind {endpoint}: {e}"))?;
    println!("tasksink: waiting on {endpoint} for the start of a batch of {TASKS}…");

    // Wait for start of batch
    receiver
        .set_rcvtimeo(Some(START_TIMEOUT))
        .map_err(|e| e.to_string())?;
    match receiver.recv() {
        Ok(_) => {}
        Err(Error::Again) => {
            return Err(format!(
                "no batch started within {} s (is taskvent running?)",
                START_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("receive failed: {e}")),
    }

    // Start our clock now
    let start = Instant::now();

    // Process the confirmations
    receiver
        .set_rcvtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    for n in 0..TASKS {
        match receiver.recv() {
            Ok(_) => {}
            Err(Error::Again) => {
                return Err(format!(
                    "result {n} of {TASKS} missing after {} s (is taskwork running?)",
                    TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        }
        if n.is_multiple_of(10) {
            print!(":");
        } else {
            print!(".");
        }
        let _ = std::io::stdout().flush();
    }
    // Calculate and report duration of batch
    println!();
    println!("Total elapsed time: {} msec", start.elapsed().as_millis());
    Ok(())
}
