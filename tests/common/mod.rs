//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod curve;
pub mod raw;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every blocking wait in the tests ends by this deadline.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The transports a pattern test runs over.
#[derive(Debug, Clone, Copy)]
pub enum Transport {
    Inproc,
    Ipc,
    Tcp,
}

pub const ALL: [Transport; 3] = [Transport::Inproc, Transport::Ipc, Transport::Tcp];

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh endpoint to bind on for `t`: an ephemeral tcp port, a unique ipc path in the
/// temp dir, or a unique inproc name.
pub fn endpoint(t: Transport) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    match t {
        Transport::Inproc => format!("inproc://test-{pid}-{n}"),
        Transport::Ipc => {
            let dir = std::env::temp_dir().join(format!("ferrozmq-tests-{pid}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("ipc://{}/s{n}.ipc", dir.display())
        }
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
    }
}

/// An ipc endpoint in the temp dir that nothing listens on.
pub fn unused_ipc() -> String {
    endpoint(Transport::Ipc)
}

/// Retries `f` until it returns `Some` or `TIMEOUT` passes; for conditions only polling can
/// observe (a peer's connection state has no event to wait on).
pub fn eventually<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "condition not met in time"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// This process's resident memory in KiB, from /proc/self/statm (4 KiB pages).
pub fn resident_kib() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// This process's anonymous resident memory (heap and stacks, not mapped files such as its
/// own code) in KiB, from /proc/self/status.
pub fn anon_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
