//! A peer process killed with SIGKILL mid-stream and restarted: the connecting side
//! reconnects and traffic resumes, in order and without duplicates.
//!
//! The peer is this test binary run again as a child (`FERROZMQ_ECHO_AT` set): a ROUTER
//! that echoes every message back to its sender.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrozmq::{Context, Dealer, Message, Router};

const ECHO_ENV: &str = "FERROZMQ_ECHO_AT";

/// The child's body: echo until killed.
#[test]
fn echo_peer_process() {
    let Ok(endpoint) = std::env::var(ECHO_ENV) else {
        return; // Only meaningful as the child of the test below.
    };
    let ctx = Context::new();
    let router = Router::new(&ctx).unwrap();
    router.bind(&endpoint).unwrap();
    println!("\necho-ready");
    loop {
        let msg = router.recv().unwrap();
        router.send(msg).unwrap();
    }
}

fn start_echo(endpoint: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "echo_peer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ECHO_ENV, endpoint)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the bind: the child prints "echo-ready" once it listens.
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "echo peer did not start");
        match lines.next() {
            Some(Ok(line)) if line.contains("echo-ready") => break,
            Some(_) => {}
            None => panic!("echo peer exited"),
        }
    }
    child
}

#[test]
fn killed_peer_restarted_gets_traffic_again_in_order_without_duplicates() {
    if std::env::var(ECHO_ENV).is_ok() {
        return;
    }
    let path = std::env::temp_dir().join(format!("ferrozmq-faults-{}.ipc", std::process::id()));
    let endpoint = format!("ipc://{}", path.display());
    let mut child = start_echo(&endpoint);

    let ctx = Context::new();
    let dealer = Dealer::new(&ctx).unwrap();
    dealer.set_linger(Some(Duration::ZERO)).unwrap();
    dealer
        .set_rcvtimeo(Some(Duration::from_millis(10)))
        .unwrap();
    dealer.connect(&endpoint).unwrap();

    let mut next = 0u32;
    let mut last_echo: Option<u32> = None;
    let mut exchange = |dealer: &Dealer, next: &mut u32| -> bool {
        dealer
            .send(Message::from(next.to_be_bytes().to_vec()))
            .unwrap();
        *next += 1;
        let mut got = false;
        while let Ok(m) = dealer.recv() {
            let n = u32::from_be_bytes(m.frames()[0][..4].try_into().unwrap());
            // Echoes may be lost across the kill (in flight), never duplicated or reordered.
            assert!(
                last_echo.is_none_or(|l| n > l),
                "echo {n} after {last_echo:?}"
            );
            last_echo = Some(n);
            got = true;
        }
        got
    };

    let deadline = Instant::now() + Duration::from_secs(20);
    while !exchange(&dealer, &mut next) {
        assert!(Instant::now() < deadline, "no echo from the first peer");
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let mut child = start_echo(&endpoint);
    let restarted = Instant::now();
    while !exchange(&dealer, &mut next) {
        assert!(
            Instant::now() < deadline,
            "traffic did not resume after the restart"
        );
    }
    let resumed = restarted.elapsed();
    eprintln!("traffic resumed {resumed:?} after the restarted peer listened");
    assert!(resumed < Duration::from_secs(2), "{resumed:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&path);
}
