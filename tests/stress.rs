//! Soak tests: resident memory stays flat over a long run. `stress_*` tests run a short
//! version in CI; set FERROZMQ_STRESS_MESSAGES for a long one.

mod common;

use std::time::Duration;

use common::resident_kib;

#[test]
fn stress_resident_memory_stays_flat_over_a_long_push_pull_run() {
    let total: usize = std::env::var("FERROZMQ_STRESS_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let warm = (total / 5).min(1_000_000);
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(Duration::from_secs(10))).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = ferrozmq::Push::new(&ctx).unwrap();
            push.set_sndtimeo(Some(Duration::from_secs(10))).unwrap();
            push.connect(&ep).unwrap();
            let body = bytes::Bytes::from(vec![1u8; 1024]);
            for _ in 0..total {
                push.send(body.clone()).unwrap();
            }
        }
    });
    let mut after_warm = 0;
    for i in 0..total {
        pull.recv().unwrap();
        if i + 1 == warm {
            after_warm = resident_kib();
        }
    }
    sender.join().unwrap();
    let at_end = resident_kib();
    eprintln!("resident: {after_warm} KiB after {warm} messages, {at_end} KiB after {total}");
    // Flat: the end may differ from the warm level by allocator noise, not by growth.
    assert!(
        at_end <= after_warm + after_warm / 10 + 1024,
        "{after_warm} KiB -> {at_end} KiB"
    );
}

#[test]
fn a_pull_that_stops_reading_holds_about_its_high_water_mark() {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let push = ferrozmq::Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    let body = bytes::Bytes::from(vec![1u8; 1024]);
    push.send(body.clone()).unwrap();
    let before = resident_kib();
    // Send until every queue is full: SNDHWM and RCVHWM (1000 each by default) plus what
    // the kernel's socket buffers hold, which is not this process's memory.
    push.set_sndtimeo(Some(Duration::from_millis(200))).unwrap();
    let mut accepted = 0usize;
    while push.send(body.clone()).is_ok() {
        accepted += 1;
        assert!(
            accepted < 1_000_000,
            "a PULL that does not read never pushed back"
        );
    }
    let grown = resident_kib().saturating_sub(before);
    eprintln!("{accepted} messages accepted; resident grew {grown} KiB");
    // Two high-water marks of 1 KiB messages, with room for their bookkeeping and the
    // read buffers: far below what was accepted in total.
    assert!(
        grown < 2 * 2000 + 4096,
        "{grown} KiB for {accepted} messages"
    );
}
