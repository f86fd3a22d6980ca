//! ROUTER-to-DEALER (zguide "rtdealer"): a broker ROUTER hands out work to whichever of ten
//! DEALER workers asks next, for five seconds, then fires them all; each worker reports how
//! many tasks it completed. Everything runs in one process, with the workers in threads.
//!
//! `cargo run --example rtdealer [endpoint]` (default `tcp://localhost:5671`)

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ferrozmq::{Context, Dealer, Error, Message, Router};

const NBR_WORKERS: usize = 10;
const RUN_FOR: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(5);

/// A tiny linear congruential generator (Knuth's MMIX constants): no `rand` crate needed.
struct Lcg(u64);

impl Lcg {
    fn seeded(salt: u64) -> Lcg {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut rng = Lcg(nanos ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.below(2); // stir the seed
        rng
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(n)) as u32
    }

    /// A printable identity, as the zguide's `s_set_id`: "XXXX-XXXX".
    fn identity(&mut self) -> String {
        format!("{:04X}-{:04X}", self.below(0x10000), self.below(0x10000))
    }
}

fn worker_task(ctx: &Context, endpoint: &str, nbr: usize) -> Result<(), Error> {
    let mut rng = Lcg::seeded(nbr as u64 + 1);
    let worker = Dealer::new(ctx)?;
    let identity = rng.identity();
    worker.set_routing_id(identity.clone())?; // set a printable identity
    worker.set_rcvtimeo(Some(TIMEOUT))?;
    worker.connect(endpoint)?;

    let mut total = 0;
    loop {
        // Tell the broker we're ready for work
        worker.send(vec!["", "Hi Boss"])?;

        // Get workload from broker, until finished: [empty delimiter, workload]
        let msg = worker.recv()?;
        let workload = msg.frames().get(1).map_or(&[][..], |f| &f[..]);
        if workload == b"Fired!" {
            println!("Worker {identity}: Completed: {total} tasks");
            return Ok(());
        }
        total += 1;

        // Do some random work
        thread::sleep(Duration::from_millis(u64::from(rng.below(500)) + 1));
    }
}

fn main() -> ExitCode {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://localhost:5671".to_string());
    match run(&endpoint) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtdealer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str) -> Result<(), String> {
    let ctx = Context::new();
    let broker = Router::new(&ctx).map_err(|e| e.to_string())?;
    broker
        .bind(endpoint)
        .map_err(|e| format!("cannot bind {endpoint}: {e}"))?;
    broker
        .set_rcvtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;

    let workers: Vec<_> = (0..NBR_WORKERS)
        .map(|nbr| {
            let ctx = ctx.clone();
            let endpoint = endpoint.to_string();
            thread::spawn(move || worker_task(&ctx, &endpoint, nbr))
        })
        .collect();

    // Run for five seconds and then tell workers to end
    println!(
        "rtdealer: broker on {endpoint}, {NBR_WORKERS} workers, firing them after {} s",
        RUN_FOR.as_secs()
    );
    let end_time = Instant::now() + RUN_FOR;
    let mut workers_fired = 0;
    let mut tasks = 0;
    while workers_fired < NBR_WORKERS {
        // Next message gives us least recently used worker: [identity, empty, "Hi Boss"]
        let msg = match broker.recv() {
            Ok(m) => m,
            Err(Error::Again) => {
                return Err(format!(
                    "no worker asked for work within {} s",
                    TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let identity = msg.frames()[0].clone();
        let mut reply = Message::new();
        reply.push_back(identity);
        reply.push_back("");
        // Encourage workers until it's time to fire them
        if Instant::now() < end_time {
            reply.push_back("Work harder");
            tasks += 1;
        } else {
            reply.push_back("Fired!");
            workers_fired += 1;
        }
        broker
            .send(reply)
            .map_err(|e| format!("send failed: {e}"))?;
    }

    let mut completed = 0;
    for w in workers {
        match w.join() {
            Ok(Ok(())) => completed += 1,
            Ok(Err(e)) => eprintln!("rtdealer: a worker failed: {e}"),
            Err(_) => eprintln!("rtdealer: a worker panicked"),
        }
    }
    println!("rtdealer: handed out {tasks} tasks; {completed}/{NBR_WORKERS} workers fired");
    if completed == NBR_WORKERS {
        Ok(())
    } else {
        Err("not every worker finished".to_string())
    }
}
