//! Memory per idle connection, from the process's resident size.

mod common;

use std::time::Duration;

use common::resident_kib;

#[test]
fn an_idle_connection_costs_less_than_12_kib_at_each_end() {
    let ctx = ferrozmq::Context::new();
    let router = ferrozmq::Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(Duration::from_secs(10))).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.last_endpoint().unwrap();
    let connect = |n: usize| -> Vec<ferrozmq::Dealer> {
        let dealers: Vec<_> = (0..n)
            .map(|_| {
                let d = ferrozmq::Dealer::new(&ctx).unwrap();
                d.set_linger(Some(Duration::ZERO)).unwrap();
                d.connect(&ep).unwrap();
                d.send("hi").unwrap();
                d
            })
            .collect();
        for _ in 0..n {
            router.recv().unwrap();
        }
        dealers
    };
    // Warm up the allocator and the I/O thread's buffers first.
    let warm = connect(50);
    let n = 500;
    let before = resident_kib();
    let dealers = connect(n);
    let per_pair = (resident_kib().saturating_sub(before)) as f64 / n as f64;
    eprintln!("{per_pair:.1} KiB per connection, both ends and the DEALER socket together");
    // Both ends live in this process: 24 KiB for the pair is 12 KiB for each (libzmq holds
    // about 23.5 KiB for one end).
    assert!(per_pair < 24.0, "{per_pair:.1} KiB per connection pair");
    drop(dealers);
    drop(warm);
}
