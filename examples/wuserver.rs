//! Weather update server (zguide "wuserver"): a PUB socket that publishes random weather
//! updates, "zipcode temperature relhumidity", as fast as it can.
//!
//! Stops after a bounded time or a bounded number of updates, whichever comes first.
//!
//! `cargo run --release --example wuserver [endpoint] [seconds] [max-updates]`
//! (defaults: `tcp://localhost:5556`, 20 s, no count limit; run `wuclient` against it)

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ferrozmq::{Context, Pub};

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
    let endpoint = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5556".to_string());
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let max_updates: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(u64::MAX);
    match run(&endpoint, Duration::from_secs(seconds), max_updates) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wuserver: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str, duration: Duration, max_updates: u64) -> Result<(), ferrozmq::Error> {
    let ctx = Context::new();
    let publisher = Pub::new(&ctx)?;
    publisher.bind(endpoint)?;
    // Updates still queued for a slow subscriber are not worth waiting for at exit.
    publisher.set_linger(Some(Duration::ZERO))?;
    println!(
        "wuserver: publishing weather updates on {endpoint} for up to {} s",
        duration.as_secs()
    );

    let mut rng = Lcg::seeded();
    let start = Instant::now();
    let mut sent: u64 = 0;
    while sent < max_updates {
        // Checking the clock every update would cost more than the update itself.
        if sent.is_multiple_of(1024) && start.elapsed() >= duration {
            break;
        }
        let zipcode = rng.below(100_000);
        let temperature = rng.below(215) as i32 - 80;
        let relhumidity = rng.below(50) + 10;
        publisher.send(format!("{zipcode:05} {temperature} {relhumidity}"))?;
        sent += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "wuserver: published {sent} updates in {secs:.1} s ({:.0}/s), {} dropped at a full subscriber",
        sent as f64 / secs,
        publisher.dropped()
    );
    Ok(())
}
