//! 2,000 rapid connect/disconnect cycles against a bound socket: each raw connection costs only
//! itself, and everything it held is given back.

use std::io::Write;
use std::time::Duration;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn two_thousand_connect_disconnect_cycles_leave_no_descriptor_behind() {
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(Duration::from_secs(10))).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let addr = ep.trim_start_matches("tcp://").to_string();
    let push = ferrozmq::Push::new(&ctx).unwrap();
    push.connect(&ep).unwrap();
    push.send("before").unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"before");
    let baseline = open_fds();
    // In rounds, each waiting for the server to have closed what it accepted. (In a debug
    // build the client can still outrun the listen backlog now and then; the kernel then
    // retries the SYN after a second, which slows the test but does not change it.)
    for round in 0..40 {
        for i in 0..50 {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            if i % 2 == 0 {
                // Half of them say something first: half a greeting.
                let _ = s.write_all(&[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]);
            }
        }
        wait_for_fds(baseline, round);
    }
    push.send("after").unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"after");
    wait_for_fds(baseline, 40);
}

/// Waits until the process holds no more descriptors than `baseline` (plus slack for the
/// connection being torn down), as the I/O thread closes its side of each hang-up.
fn wait_for_fds(baseline: usize, round: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while open_fds() > baseline + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "round {round}: {} descriptors, {baseline} before",
            open_fds()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
