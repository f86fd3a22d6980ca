//! Task worker (zguide "taskwork"): pulls workloads from the ventilator (`taskvent`),
//! "works" for that many milliseconds, and pushes an empty result to the sink (`tasksink`).
//!
//! Where the zguide worker runs forever, this one exits once no task has come for 5
//! seconds, saying how many it did (or with an error if none came within 20 seconds).
//!
//! `cargo run --example taskwork [vent-endpoint] [sink-endpoint]`
//! (defaults: `tcp://localhost:5557`, `tcp://localhost:5558`)

use std::io::Write;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use ferrozmq::{Context, Error, Pull, Push};

const START_TIMEOUT: Duration = Duration::from_secs(20);
const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let vent = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5557".to_string());
    let sink = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5558".to_string());
    match run(&vent, &sink) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskwork: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(vent: &str, sink: &str) -> Result<(), String> {
    let ctx = Context::new();

    // Socket to receive messages on
    let receiver = Pull::new(&ctx).map_err(|e| e.to_string())?;
    receiver
        .set_rcvtimeo(Some(START_TIMEOUT))
        .map_err(|e| e.to_string())?;
    receiver
        .connect(vent)
        .map_err(|e| format!("cannot connect to {vent}: {e}"))?;

    // Socket to send messages to
    let sender = Push::new(&ctx).map_err(|e| e.to_string())?;
    sender
        .set_sndtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    sender
        .set_linger(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    sender
        .connect(sink)
        .map_err(|e| format!("cannot connect to {sink}: {e}"))?;

    // Process tasks until none comes for a while
    let mut done = 0usize;
    loop {
        let task = match receiver.recv() {
            Ok(m) => m,
            Err(Error::Again) if done > 0 => break,
            Err(Error::Again) => {
                return Err(format!(
                    "no task within {} s (is taskvent sending to {vent}?)",
                    START_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let text = String::from_utf8_lossy(task.frames().first().map_or(&[][..], |f| f));
        let msec: u64 = text
            .trim()
            .parse()
            .map_err(|_| format!("malformed task {text:?}"))?;
        // Simple progress indicator for the viewer
        print!("{msec}.");
        let _ = std::io::stdout().flush();

        thread::sleep(Duration::from_millis(msec)); // do the work
        sender.send("").map_err(|e| match e.error {
            Error::Again => format!(
                "the sink took nothing within {} s (is tasksink running on {sink}?)",
                TIMEOUT.as_secs()
            ),
            other => format!("send failed: {other}"),
        })?;
        if done == 0 {
            // Once the batch flows, a pause this long means it is over
            receiver
                .set_rcvtimeo(Some(TIMEOUT))
                .map_err(|e| e.to_string())?;
        }
        done += 1;
    }
    println!();
    println!(
        "taskwork: did {done} tasks; none for {} s, exiting",
        TIMEOUT.as_secs()
    );
    Ok(())
}
