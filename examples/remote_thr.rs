//! libzmq's perf tool `remote_thr`, on ferrozmq: connects a PUSH socket and sends
//! `<message-count>` messages of `<message-size>` bytes, then waits until they have all left.
//! Prints nothing, as libzmq's tool; `local_thr` on the other end reports.
//!
//! `cargo run --release --example remote_thr -- <connect-to> <message-size> <message-count>`
//!
//! Each message is the same prepared body sent by reference (`Bytes`), ferrozmq's zero-copy
//! way of sending; libzmq's tool builds a fresh `zmq_msg_init_size` message per send.

use std::process::ExitCode;

use bytes::Bytes;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match &args[..] {
        [_, connect_to, size, count] => size
            .parse::<usize>()
            .ok()
            .zip(count.parse::<usize>().ok())
            .map(|(size, count)| (connect_to.as_str(), size, count)),
        _ => None,
    };
    let Some((connect_to, message_size, message_count)) = parsed else {
        println!("usage: remote_thr <connect-to> <message-size> <message-count>");
        return ExitCode::from(1);
    };
    match run(connect_to, message_size, message_count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(connect_to: &str, message_size: usize, message_count: usize) -> Result<(), String> {
    let ctx = ferrozmq::Context::new();
    let s = ferrozmq::Push::new(&ctx).map_err(|e| format!("error in socket: {e}"))?;
    s.connect(connect_to)
        .map_err(|e| format!("error in connect: {e}"))?;

    let body = Bytes::from(vec![0u8; message_size]);
    for _ in 0..message_count {
        s.send(body.clone())
            .map_err(|e| format!("error in send: {e}"))?;
    }

    // LINGER is infinite by default: terminating waits until every message has been sent.
    drop(s);
    ctx.term();
    Ok(())
}
