//! Network faults on loopback in a network namespace the test makes itself: a partition
//! (nftables drops everything to and from the bound port) must be noticed by heartbeats within
//! HEARTBEAT_IVL + HEARTBEAT_TIMEOUT + 10%, releasing the peer, and the peers must find each
//! other again once it heals; 5% random loss must cost nothing but time (TCP retransmits), with
//! every message delivered once and in order.
//!
//! Each case runs in this test binary started again under `unshare -n` (FERROZMQ_NETNS_CASE
//! names it), so its loopback and its nftables rules are private. Without root, unshare, ip
//! or nft the tests say why they skip, and pass.

use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Dealer, Message, Pull, Push, Router};

const CASE_ENV: &str = "FERROZMQ_NETNS_CASE";
const TABLE: &str = "ferrozmq_test";
const IVL: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_millis(200);

/// The timing cases run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `cmd args`, panicking with its stderr if it fails.
fn run(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd).args(args).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("{cmd} {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("{cmd}: {e}"),
    }
}

/// Why the namespace cases cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    if uid.and_then(|u| u.split_whitespace().nth(1)) != Some("0") {
        return Some("not running as root".into());
    }
    for tool in ["unshare", "ip", "nft"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    let can_unshare = Command::new("unshare")
        .args(["-n", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !can_unshare {
        return Some("`unshare -n` is not permitted here".into());
    }
    None
}

/// Runs `case` in a fresh network namespace; `None` (after saying why) if it cannot.
fn in_namespace(case: &str) -> Option<Output> {
    if let Some(why) = missing_prerequisite() {
        eprintln!("skipped: {why}");
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .arg("-n")
        .arg(exe)
        .args([
            "--exact",
            "netns_case_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CASE_ENV, case)
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    Some(out)
}

/// The child's body: set up the namespace's loopback and nftables, then run the case.
#[test]
fn netns_case_process() {
    let Ok(case) = std::env::var(CASE_ENV) else {
        return; // Only meaningful as the child of the tests below.
    };
    run("ip", &["link", "set", "lo", "up"]);
    run("nft", &["add", "table", "inet", TABLE]);
    run(
        "nft",
        &[
            "add",
            "chain",
            "inet",
            TABLE,
            "in",
            "{ type filter hook input priority 0; }",
        ],
    );
    match case.as_str() {
        "partition" => partition(),
        "loss" => loss(),
        other => panic!("unknown case {other}"),
    }
}

/// Adds a rule dropping packets to and from `port` that `extra` matches (empty: all). On
/// input, so the sender's TCP is not told (a drop on output fails its send at once, which it
/// retries as if nothing was lost).
fn drop_port(port: u16, extra: &[&str]) {
    for dir in ["dport", "sport"] {
        let port = port.to_string();
        let mut args = vec!["add", "rule", "inet", TABLE, "in", "tcp", dir, &port];
        args.extend_from_slice(extra);
        args.push("drop");
        run("nft", &args);
    }
}

fn heal() {
    run("nft", &["flush", "chain", "inet", TABLE, "in"]);
}

fn port_of(endpoint: &str) -> u16 {
    endpoint.rsplit(':').next().unwrap().parse().unwrap()
}

fn partition() {
    let ctx = Context::new();
    let router = Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(Duration::from_secs(10))).unwrap();
    router.set_router_mandatory(true).unwrap();
    router.set_heartbeat_ivl(Some(IVL)).unwrap();
    router.set_heartbeat_timeout(Some(TIMEOUT)).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.last_endpoint().unwrap();
    let dealer = Dealer::new(&ctx).unwrap();
    dealer.set_linger(Some(Duration::ZERO)).unwrap();
    dealer.set_heartbeat_ivl(Some(IVL)).unwrap();
    dealer.set_heartbeat_timeout(Some(TIMEOUT)).unwrap();
    // A connect whose SYN the partition dropped is retried soon, not after the kernel's 1 s.
    dealer
        .set_connect_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    dealer.connect(&ep).unwrap();
    dealer.send("hello").unwrap();
    let id = router.recv().unwrap().frames()[0].clone();
    // Let a heartbeat or two pass on the healthy link.
    std::thread::sleep(2 * IVL);

    drop_port(port_of(&ep), &[]);
    let cut = Instant::now();
    loop {
        let probe = Message::from(vec![id.to_vec(), b"still there?".to_vec()]);
        if let Err(e) = router.try_send(probe)
            && matches!(e.error, ferrozmq::Error::HostUnreachable)
        {
            break;
        }
        assert!(cut.elapsed() < Duration::from_secs(5), "never released");
        std::thread::sleep(Duration::from_millis(2));
    }
    let detected = cut.elapsed();
    let bound = (IVL + TIMEOUT).mul_f64(1.1);
    eprintln!(
        "partitioned peer released after {detected:?} (IVL {IVL:?} + TIMEOUT {TIMEOUT:?} + 10% \
         = {bound:?})"
    );

    heal();
    let healed = Instant::now();
    // The DEALER notices too and reconnects; until it has, what it sends may go into its
    // dying connection and be lost with it (at most once), so it says "again" until heard.
    router
        .set_rcvtimeo(Some(Duration::from_millis(50)))
        .unwrap();
    'resumed: loop {
        dealer.send("again").unwrap();
        while let Ok(msg) = router.recv() {
            if msg.frames().last().is_some_and(|f| &f[..] == b"again") {
                break 'resumed;
            }
        }
        assert!(
            healed.elapsed() < Duration::from_secs(5),
            "the peer is not back after the partition healed"
        );
    }
    eprintln!(
        "traffic resumed {:?} after the partition healed",
        healed.elapsed()
    );
    // The nft call that cut the link and this loop's polling add a few ms.
    assert!(
        detected <= bound + Duration::from_millis(15),
        "{detected:?} > {bound:?}"
    );
}

fn loss() {
    // Ethernet-sized packets, and no segmentation offload (TCP would otherwise hand the
    // filter 64 KiB packets), so the stream crosses many packets and loses some.
    run("ip", &["link", "set", "lo", "mtu", "1500"]);
    run(
        "ip",
        &[
            "link",
            "set",
            "lo",
            "gso_max_size",
            "1500",
            "gso_max_segs",
            "1",
        ],
    );
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(Duration::from_secs(20))).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    drop_port(port_of(&ep), &["numgen", "random", "mod", "100", "<", "5"]);
    let retrans_before = retransmitted_segments();
    let start = Instant::now();
    let n: u32 = 20_000;
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = Push::new(&ctx).unwrap();
            push.set_sndtimeo(Some(Duration::from_secs(20))).unwrap();
            push.connect(&ep).unwrap();
            let pad = [0x2a; 96];
            for i in 0..n {
                push.send([&i.to_be_bytes()[..], &pad].concat()).unwrap();
            }
            push
        }
    });
    for want in 0..n {
        let msg = pull.recv().expect("every message arrives despite the loss");
        let got = u32::from_be_bytes(msg.frames()[0][..4].try_into().unwrap());
        assert_eq!(got, want, "out of order or duplicated");
    }
    let _push = sender.join().unwrap();
    eprintln!(
        "{n} messages of 100 bytes through 5% loss each way, all once and in order, in {:?}; \
         {} segments retransmitted",
        start.elapsed(),
        retransmitted_segments() - retrans_before
    );
    assert!(pull.try_recv().is_err(), "a message arrived twice");
}

/// TCP segments retransmitted in this namespace so far (/proc/net/snmp, RetransSegs).
fn retransmitted_segments() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut tcp = snmp.lines().filter(|l| l.starts_with("Tcp:"));
    let (Some(names), Some(values)) = (tcp.next(), tcp.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(k, _)| *k == "RetransSegs")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn partitioned_peer_is_released_by_heartbeats_in_time_and_found_again_after_healing() {
    if std::env::var(CASE_ENV).is_ok() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(out) = in_namespace("partition") {
        assert!(out.status.success(), "partition case failed");
    }
}

#[test]
fn five_percent_loss_delivers_every_message_once_and_in_order() {
    if std::env::var(CASE_ENV).is_ok() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(out) = in_namespace("loss") {
        assert!(out.status.success(), "loss case failed");
    }
}
