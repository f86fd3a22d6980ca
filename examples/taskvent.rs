//! Task ventilator (zguide "taskvent"): a PUSH socket that sends a batch of tasks to the
//! workers (`taskwork`), after telling the sink (`tasksink`) that the batch has started.
//!
//! Each task is a workload in milliseconds. Where the zguide waits for Enter before sending,
//! this waits a second for the workers to connect; it gives up with an error if no worker
//! takes a task within 5 seconds.
//!
//! `cargo run --example taskvent [vent-endpoint] [sink-endpoint]`
//! (defaults: `tcp://localhost:5557`, `tcp://localhost:5558`; start `tasksink` and one or
//! more `taskwork` first)

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrozmq::{Context, Error, Push};

const TASKS: usize = 100;
const TIMEOUT: Duration = Duration::from_secs(5);

/// A tiny linear congruential generator (Knuth's MMIX constants): no `rand` crate needed.
struct Lcg(u64);

impl Lcg {
    fn seeded() -> Lcg {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Lcg(nanos ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(n)) as u32
    }
}

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
            eprintln!("taskvent: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(vent: &str, sink_endpoint: &str) -> Result<(), String> {
    let ctx = Context::new();

    // Socket to send messages on
    let sender = Push::new(&ctx).map_err(|e| e.to_string())?;
    sender
        .set_sndtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    sender
        .set_linger(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    sender
        .bind(vent)
        .map_err(|e| format!("cannot bind {vent}: {e}"))?;

    // Socket to send the start of batch message on
    let sink = Push::new(&ctx).map_err(|e| e.to_string())?;
    sink.set_sndtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    sink.set_linger(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    sink.connect(sink_endpoint)
        .map_err(|e| format!("cannot connect to {sink_endpoint}: {e}"))?;

    println!("taskvent: waiting 1 s for workers to connect to {vent}…");
    thread::sleep(Duration::from_secs(1));
    println!("Sending tasks to workers…");

    // The first message is "0" and signals start of batch
    sink.send("0").map_err(|e| match e.error {
        Error::Again => format!(
            "the sink took nothing within {} s (is tasksink running on {sink_endpoint}?)",
            TIMEOUT.as_secs()
        ),
        other => format!("send to the sink failed: {other}"),
    })?;

    // Send the tasks
    let mut rng = Lcg::seeded();
    let mut total_msec: u64 = 0;
    for n in 0..TASKS {
        // Random workload from 1 to 100 msecs
        let workload = rng.below(100) + 1;
        total_msec += u64::from(workload);
        sender
            .send(workload.to_string())
            .map_err(|e| match e.error {
                Error::Again => format!(
                    "no worker took task {n} within {} s (is taskwork running against {vent}?)",
                    TIMEOUT.as_secs()
                ),
                other => format!("send failed: {other}"),
            })?;
    }
    println!("Total expected cost: {total_msec} msec");
    Ok(())
}
