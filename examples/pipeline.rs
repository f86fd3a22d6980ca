//! A PUSH/PULL pipeline over tcp on loopback: moves a batch of messages and prints what it
//! moved and how fast.
//!
//! `cargo run --release --example pipeline [message-size] [count]`

use std::time::Instant;

use ferrozmq::{Context, Pull, Push};

fn main() -> Result<(), ferrozmq::Error> {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);

    let ctx = Context::new();
    let pull = Pull::new(&ctx)?;
    pull.bind("tcp://127.0.0.1:*")?;
    let endpoint = pull.last_endpoint().expect("bound");

    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        let endpoint = endpoint.clone();
        move || -> Result<(), ferrozmq::Error> {
            let push = Push::new(&ctx)?;
            push.connect(&endpoint)?;
            let body = bytes::Bytes::from(vec![0xA5u8; size]);
            for _ in 0..count {
                push.send(body.clone())?;
            }
            Ok(())
        }
    });

    let first = pull.recv()?;
    let start = Instant::now();
    let mut bytes = first.size();
    for _ in 1..count {
        bytes += pull.recv()?.size();
    }
    let secs = start.elapsed().as_secs_f64();
    sender.join().expect("sender thread")?;

    println!("PUSH -> PULL over {endpoint}");
    println!(
        "moved {count} messages of {size} B ({:.1} MB) in {:.3} s",
        bytes as f64 / 1e6,
        secs
    );
    println!(
        "{:.0} msgs/s, {:.1} MB/s",
        (count - 1) as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
