//! libzmq's perf tool `remote_lat`, on ferrozmq: connects a REQ socket, makes
//! `<roundtrip-count>` round trips with `<message-size>`-byte messages through `local_lat`'s
//! REP, and reports the average one-way latency (half the mean round trip), exactly as
//! libzmq's tool computes and prints it.
//!
//! `cargo run --release --example remote_lat -- <connect-to> <message-size> <roundtrip-count>`
//!
//! Works against libzmq's `local_lat` as well as this crate's.

use std::process::ExitCode;
use std::time::Instant;

use bytes::Bytes;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match &args[..] {
        [_, connect_to, size, count] => size
            .parse::<usize>()
            .ok()
            .zip(count.parse::<usize>().ok().filter(|&c| c > 0))
            .map(|(size, count)| (connect_to.as_str(), size, count)),
        _ => None,
    };
    let Some((connect_to, message_size, roundtrip_count)) = parsed else {
        println!("usage: remote_lat <connect-to> <message-size> <roundtrip-count>");
        return ExitCode::from(1);
    };
    match run(connect_to, message_size, roundtrip_count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(connect_to: &str, message_size: usize, roundtrip_count: usize) -> Result<(), String> {
    let ctx = ferrozmq::Context::new();
    let s = ferrozmq::Req::new(&ctx).map_err(|e| format!("error in socket: {e}"))?;
    s.connect(connect_to)
        .map_err(|e| format!("error in connect: {e}"))?;

    let body = Bytes::from(vec![0u8; message_size]);
    let watch = Instant::now();
    for _ in 0..roundtrip_count {
        s.send(body.clone())
            .map_err(|e| format!("error in send: {e}"))?;
        let msg = s.recv().map_err(|e| format!("error in recv: {e}"))?;
        if msg.len() != 1 || msg.size() != message_size {
            return Err("message of incorrect size received".into());
        }
    }
    // libzmq's stopwatch counts whole microseconds.
    let elapsed = watch.elapsed().as_micros() as f64;

    let latency = elapsed / (roundtrip_count as f64 * 2.0);

    println!("message size: {message_size} [B]");
    println!("roundtrip count: {roundtrip_count}");
    println!("average latency: {latency:.3} [us]");

    drop(s);
    ctx.term();
    Ok(())
}
