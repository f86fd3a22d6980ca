//! The `async` section: the Rust API's programs run three ways, as users would write them,
//! in separate pinned processes: blocking (the `thr`/`lat` sections' fz Rust), with
//! ferrozmq's async calls under tokio, and with zmq.rs (the `zeromq` crate, pure Rust on
//! tokio) under tokio. tcp and ipc only: zmq.rs has no inproc.

use super::{Bench, Path};

const ASYNC_PATHS: [Path; 3] = [Path::FerroRust, Path::FerroAsync, Path::ZmqRs];

impl Bench {
    pub fn asynchronous(&mut self) {
        let transports: Vec<&str> = self
            .transports
            .iter()
            .copied()
            .filter(|t| *t != "inproc")
            .collect();
        println!(
            "== async, PUSH -> PULL throughput, median of {} runs: msg/s, CPU ns/msg (both processes); async/blocking, async/zmq.rs",
            self.rounds
        );
        println!(
            "{:<8} {:>6} | {:>10} {:>7} | {:>10} {:>7} {:>6} | {:>10} {:>7} {:>6}",
            "",
            "size",
            "blocking",
            "ns/msg",
            "async",
            "ns/msg",
            "a/blk",
            "zmq.rs",
            "ns/msg",
            "a/zrs"
        );
        for &transport in &transports {
            for size in self.sizes.clone() {
                // A tenth of the thr section's messages: zmq.rs moves small ones at a
                // tenth of ferrozmq's rate, and a run must end within its 30 s.
                let count = self.count(size) / 10;
                let [b, a, z] = self.cell_of(ASYNC_PATHS, "thr", transport, size, count);
                println!(
                    "{transport:<8} {size:>6} | {:>10.0} {:>7.0} | {:>10.0} {:>7.0} {:>6.2} | {:>10.0} {:>7.0} {:>6.2}",
                    b.value,
                    b.cpu_ns_per_msg,
                    a.value,
                    a.cpu_ns_per_msg,
                    a.value / b.value,
                    z.value,
                    z.cpu_ns_per_msg,
                    a.value / z.value
                );
            }
        }
        println!();
        let count = if self.quick { 2_000 } else { 20_000 };
        println!(
            "== async, REQ/REP one-way latency, 1 B, {count} round trips, median of {} runs: p50 µs; async/blocking, async/zmq.rs",
            self.rounds
        );
        println!(
            "{:<8} | {:>9} | {:>9} {:>6} | {:>9} {:>6}",
            "", "blocking", "async", "a/blk", "zmq.rs", "a/zrs"
        );
        for &transport in &transports {
            let [b, a, z] = self.cell_of(ASYNC_PATHS, "lat", transport, 1, count);
            println!(
                "{transport:<8} | {:>9.2} | {:>9.2} {:>6.2} | {:>9.2} {:>6.2}",
                b.p50,
                a.p50,
                a.p50 / b.p50,
                z.p50,
                a.p50 / z.p50
            );
        }
        println!();
    }
}
