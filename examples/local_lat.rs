//! libzmq's perf tool `local_lat`, on ferrozmq: binds a REP socket and echoes
//! `<roundtrip-count>` messages of `<message-size>` bytes back to `remote_lat`, which times
//! them. Prints nothing, as libzmq's tool.
//!
//! `cargo run --release --example local_lat -- <bind-to> <message-size> <roundtrip-count>`
//!
//! Works with libzmq's `remote_lat` as well as this crate's.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match &args[..] {
        [_, bind_to, size, count] => size
            .parse::<usize>()
            .ok()
            .zip(count.parse::<usize>().ok())
            .map(|(size, count)| (bind_to.as_str(), size, count)),
        _ => None,
    };
    let Some((bind_to, message_size, roundtrip_count)) = parsed else {
        println!("usage: local_lat <bind-to> <message-size> <roundtrip-count>");
        return ExitCode::from(1);
    };
    match run(bind_to, message_size, roundtrip_count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(bind_to: &str, message_size: usize, roundtrip_count: usize) -> Result<(), String> {
    let ctx = ferrozmq::Context::new();
    let s = ferrozmq::Rep::new(&ctx).map_err(|e| format!("error in socket: {e}"))?;
    s.bind(bind_to).map_err(|e| format!("error in bind: {e}"))?;

    for _ in 0..roundtrip_count {
        let msg = s.recv().map_err(|e| format!("error in recv: {e}"))?;
        if msg.len() != 1 || msg.size() != message_size {
            return Err("message of incorrect size received".into());
        }
        // The received frame goes back as it came: no copy.
        s.send(msg).map_err(|e| format!("error in send: {e}"))?;
    }

    // LINGER is infinite by default: terminating waits until the last reply has left.
    drop(s);
    ctx.term();
    Ok(())
}
