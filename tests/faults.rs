//! A peer process killed with SIGKILL mid-stream and restarted: the connecting side
//! reconnects and traffic resumes, in order and without duplicates.
//!
//! A peer process stopped with SIGSTOP: heartbeats notice it and the connection goes.
//!
//! The peers are this test binary run again as a child: a ROUTER that echoes every message
//! back (`FERROZMQ_ECHO_AT` set), or a DEALER that says hello and then idles
//! (`FERROZMQ_HELLO_TO` set).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrozmq::{Context, Dealer, Message, Router};

/// The timing tests run one at a time: a sibling starting or killing a process would
/// compete for the two cores while a deadline is being measured.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const ECHO_ENV: &str = "FERROZMQ_ECHO_AT";
const HELLO_ENV: &str = "FERROZMQ_HELLO_TO";

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

/// The second child's body: a DEALER that says hello, then idles until killed.
#[test]
fn hello_peer_process() {
    let Ok(endpoint) = std::env::var(HELLO_ENV) else {
        return; // Only meaningful as the child of the SIGSTOP test.
    };
    let ctx = Context::new();
    let dealer = Dealer::new(&ctx).unwrap();
    dealer.connect(&endpoint).unwrap();
    dealer.send("hello").unwrap();
    println!("\necho-ready");
    loop {
        let _ = dealer.recv();
    }
}

fn start_echo(endpoint: &str) -> Child {
    start_child("echo_peer_process", ECHO_ENV, endpoint)
}

fn start_child(test: &str, env: &str, endpoint: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(env, endpoint)
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
    if std::env::var(ECHO_ENV).is_ok() || std::env::var(HELLO_ENV).is_ok() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
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

#[test]
fn peer_stopped_with_sigstop_is_dropped_by_heartbeats_in_time() {
    if std::env::var(ECHO_ENV).is_ok() || std::env::var(HELLO_ENV).is_ok() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    const IVL: Duration = Duration::from_millis(100);
    const TIMEOUT: Duration = Duration::from_millis(300);
    let ctx = Context::new();
    let router = Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(Duration::from_secs(20))).unwrap();
    router.set_router_mandatory(true).unwrap();
    router.set_heartbeat_ivl(Some(IVL)).unwrap();
    router.set_heartbeat_timeout(Some(TIMEOUT)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let mut child = start_child(
        "hello_peer_process",
        HELLO_ENV,
        &router.last_endpoint().unwrap(),
    );
    let hello = router.recv().unwrap();
    let id = hello.frames()[0].clone();

    // The kernel keeps acknowledging TCP for a stopped process: only heartbeats can tell.
    let stop = |sig: &str| {
        let ok = Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} failed");
    };
    stop("-STOP");
    let stopped = Instant::now();
    loop {
        let probe = Message::from(vec![id.to_vec(), b"still there?".to_vec()]);
        match router.try_send(probe) {
            Err(e) if matches!(e.error, ferrozmq::Error::HostUnreachable) => break,
            _ => {}
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "a stopped peer was never dropped"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let detected = stopped.elapsed();
    eprintln!("stopped peer dropped after {detected:?}");
    // The last PING goes out at most one interval after the stop, then the timeout runs:
    // issue 6's bound is IVL + TIMEOUT + 10%, plus this loop's 5 ms polling and the
    // scheduler's wake-up (20 ms in all).
    let bound = (IVL + TIMEOUT).mul_f64(1.1) + Duration::from_millis(20);
    assert!(detected <= bound, "{detected:?} > {bound:?}");
    stop("-CONT");
    child.kill().unwrap();
    child.wait().unwrap();
}
