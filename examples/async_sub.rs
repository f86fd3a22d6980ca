//! An async subscriber under tokio that waits on three things at once: the next message,
//! a once-a-second timer that reports progress, and Ctrl-C.
//!
//! A publisher task in the same program sends weather updates over tcp so there is
//! something to read.
//!
//! `cargo run --release --example async_sub [seconds]` (stops after that many seconds, 3 by
//! default, or at Ctrl-C)

use std::time::Duration;

use ferrozmq::{Context, Pub, Sub};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let ctx = Context::new();
    let publisher = Pub::new(&ctx)?;
    publisher.bind("tcp://127.0.0.1:*")?;
    let sub = Sub::new(&ctx)?;
    sub.connect(&publisher.last_endpoint().expect("bound"))?;
    sub.subscribe("weather ")?;

    // The publisher: one update per millisecond, alternating between a topic the
    // subscriber wants and one it filtered out.
    let feed = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        for n in 0u64.. {
            tick.tick().await;
            let topic = if n % 2 == 0 { "weather" } else { "traffic" };
            if publisher.send_async(format!("{topic} {n}")).await.is_err() {
                break;
            }
        }
    });

    let mut report = tokio::time::interval(Duration::from_secs(1));
    report.tick().await;
    let stop = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(stop);
    let (mut received, mut last) = (0u64, String::new());
    loop {
        tokio::select! {
            msg = sub.recv_async() => {
                let msg = msg?;
                received += 1;
                last = String::from_utf8_lossy(&msg.frames()[0]).into_owned();
            }
            _ = report.tick() => println!("{received} updates so far, last: {last:?}"),
            _ = tokio::signal::ctrl_c() => {
                println!("Ctrl-C");
                break;
            }
            _ = &mut stop => break,
        }
    }
    feed.abort();
    println!("received {received} weather updates; none of the traffic ones");
    Ok(())
}
