//! libzmq's perf tool `local_thr`, on ferrozmq: binds a PULL socket, receives
//! `<message-count>` messages of `<message-size>` bytes, and reports the throughput, timed
//! from the first message to the last, exactly as libzmq's tool computes and prints it.
//!
//! `cargo run --release --example local_thr -- <bind-to> <message-size> <message-count>`
//!
//! Run `remote_thr` (this crate's or libzmq's, they speak the same ZMTP) against it:
//! `local_thr tcp://127.0.0.1:5555 1024 1000000` with
//! `remote_thr tcp://127.0.0.1:5555 1024 1000000`.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match &args[..] {
        [_, bind_to, size, count] => size
            .parse::<usize>()
            .ok()
            .zip(count.parse::<usize>().ok().filter(|&c| c > 0))
            .map(|(size, count)| (bind_to.as_str(), size, count)),
        _ => None,
    };
    let Some((bind_to, message_size, message_count)) = parsed else {
        println!("usage: local_thr <bind-to> <message-size> <message-count>");
        return ExitCode::from(1);
    };
    match run(bind_to, message_size, message_count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(bind_to: &str, message_size: usize, message_count: usize) -> Result<(), String> {
    let ctx = ferrozmq::Context::new();
    let s = ferrozmq::Pull::new(&ctx).map_err(|e| format!("error in socket: {e}"))?;
    s.bind(bind_to).map_err(|e| format!("error in bind: {e}"))?;

    let check = |msg: ferrozmq::Message| {
        // A plain libzmq message is one frame.
        if msg.len() == 1 && msg.size() == message_size {
            Ok(())
        } else {
            Err("message of incorrect size received".to_string())
        }
    };
    check(s.recv().map_err(|e| format!("error in recv: {e}"))?)?;

    let watch = Instant::now();
    for _ in 0..message_count - 1 {
        check(s.recv().map_err(|e| format!("error in recv: {e}"))?)?;
    }
    // libzmq's stopwatch counts whole microseconds, at least one.
    let elapsed = (watch.elapsed().as_micros() as f64).max(1.0);

    let throughput = message_count as f64 / elapsed * 1_000_000.0;
    let megabits = throughput * message_size as f64 * 8.0 / 1_000_000.0;

    println!("message size: {message_size} [B]");
    println!("message count: {message_count}");
    println!("mean throughput: {} [msg/s]", throughput as i64);
    println!("mean throughput: {megabits:.3} [Mb/s]");

    drop(s);
    ctx.term();
    Ok(())
}
