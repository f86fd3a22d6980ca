//! Weather update client (zguide "wuclient"): a SUB socket that subscribes to one zipcode
//! and averages the temperature over a number of updates.
//!
//! Checks that every update it receives matches its filter, and gives up with an error if
//! no update arrives for 5 seconds (no server).
//!
//! `cargo run --release --example wuclient [endpoint] [zipcode] [updates]`
//! (defaults: `tcp://localhost:5556`, `10001`, 100 updates; start `wuserver` first)

use std::process::ExitCode;
use std::time::Duration;

use ferrozmq::{Context, Error, Sub};

const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .unwrap_or_else(|| "tcp://localhost:5556".to_string());
    let zipcode = args.next().unwrap_or_else(|| "10001".to_string());
    let updates: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    match run(&endpoint, &zipcode, updates) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wuclient: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(endpoint: &str, zipcode: &str, updates: usize) -> Result<(), String> {
    let ctx = Context::new();
    println!("Collecting updates from weather server at {endpoint}…");
    let subscriber = Sub::new(&ctx).map_err(|e| e.to_string())?;
    subscriber
        .set_rcvtimeo(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    // A subscription still queued for an absent server must not keep the process alive.
    subscriber
        .set_linger(Some(Duration::ZERO))
        .map_err(|e| e.to_string())?;
    subscriber
        .connect(endpoint)
        .map_err(|e| format!("cannot connect to {endpoint}: {e}"))?;
    // The trailing space makes "10001 " match zipcode 10001 only, not 100010 and the like.
    let filter = format!("{zipcode} ");
    subscriber
        .subscribe(filter.as_bytes())
        .map_err(|e| e.to_string())?;

    let mut total_temp: i64 = 0;
    for n in 0..updates {
        let update = match subscriber.recv() {
            Ok(m) => m,
            Err(Error::Again) => {
                return Err(format!(
                    "no update for zipcode {zipcode} within {} s after {n} received \
                     (is wuserver running on {endpoint}?)",
                    TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let text = String::from_utf8_lossy(update.frames().first().map_or(&[][..], |f| f));
        if !text.starts_with(&filter) {
            return Err(format!(
                "received {text:?}, which does not match the filter {filter:?}"
            ));
        }
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [_, temperature, _relhumidity] = fields[..] else {
            return Err(format!("malformed update {text:?}"));
        };
        let temperature: i64 = temperature
            .parse()
            .map_err(|_| format!("malformed temperature in {text:?}"))?;
        total_temp += temperature;
    }
    println!(
        "Average temperature for zipcode '{zipcode}' was {}F ({updates} updates, all matching \
         the filter)",
        total_temp / updates.max(1) as i64
    );
    Ok(())
}
