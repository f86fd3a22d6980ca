//! Running out of file descriptors: a PULL in a child process limited to 64 descriptors is
//! sent more connections than it can hold. Its I/O thread must not spin while accept fails
//! with EMFILE, and must accept the waiting connections once descriptors are freed, without
//! needing a new connection to wake it.
//!
//! The child is this test binary run again under `prlimit --nofile=64:64` (setrlimit would be
//! unsafe code), with FERROZMQ_FD_LIMITED set.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::raw::{RAW_TIMEOUT, connect};

const CHILD_ENV: &str = "FERROZMQ_FD_LIMITED";
/// More than the child's 64 descriptors, fewer than those plus its listen backlog (100), so
/// every connect completes in the kernel.
const CONNECTIONS: usize = 120;

/// The child's body: bind a PULL and serve until killed.
#[test]
fn fd_limited_pull_process() {
    if std::env::var(CHILD_ENV).is_err() {
        return; // Only meaningful as the child of the test below.
    }
    let ctx = ferrozmq::Context::new();
    let pull = ferrozmq::Pull::new(&ctx).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    println!("\nbound {}", pull.last_endpoint().unwrap());
    loop {
        let _ = pull.recv();
    }
}

/// CPU time (user + system) of process `pid`, from /proc/PID/stat, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Whether ferrozmq has accepted `s`: its greeting is waiting to be read.
fn greeted(mut s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let got = matches!(s.read(&mut buf), Ok(n) if n > 0);
    s.set_nonblocking(false).unwrap();
    got
}

#[test]
fn out_of_descriptors_the_io_thread_neither_spins_nor_stops_accepting() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let spawned = Command::new("prlimit")
        .arg("--nofile=64:64")
        .arg(&exe)
        .args(["--exact", "fd_limited_pull_process", "--nocapture"])
        .arg("--test-threads=1")
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = spawned else {
        eprintln!("skipped: prlimit(1) is not available to limit a child's descriptors");
        return;
    };
    // prlimit execs the command, so the child keeps prlimit's pid.
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let endpoint = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("bound ") => break line[6..].to_owned(),
            Some(_) => {}
            None => panic!("the limited child exited"),
        }
    };
    let addr = endpoint.trim_start_matches("tcp://").parse().unwrap();
    let conns: Vec<TcpStream> = (0..CONNECTIONS).map(|_| connect(addr)).collect();

    // Let the child accept what it can (until EMFILE), then watch its CPU for a second.
    let deadline = Instant::now() + RAW_TIMEOUT;
    let mut accepted = [false; CONNECTIONS];
    let count = |accepted: &mut [bool; CONNECTIONS]| {
        for (a, s) in accepted.iter_mut().zip(&conns) {
            *a = *a || greeted(s);
        }
        accepted.iter().filter(|a| **a).count()
    };
    let mut last = (0, Instant::now());
    loop {
        let n = count(&mut accepted);
        assert!(n < CONNECTIONS, "the child was not limited");
        if n != last.0 {
            last = (n, Instant::now());
        } else if n > 0 && last.1.elapsed() > Duration::from_millis(300) {
            break; // Stable: the limit has been reached.
        }
        assert!(
            Instant::now() < deadline,
            "the child accepted {n} connections"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let window = Duration::from_secs(1);
    let ticks_before = cpu_ticks(pid);
    let t = Instant::now();
    std::thread::sleep(window);
    let ticks = cpu_ticks(pid) - ticks_before;
    // Clock ticks are 1/100 s on Linux.
    let cpu = ticks as f64 / 100.0 / t.elapsed().as_secs_f64();
    let held = count(&mut accepted);
    eprintln!(
        "{held} of {CONNECTIONS} connections accepted at 64 descriptors; the child used \
         {:.0}% of a core over {window:?} while accept failed",
        cpu * 100.0
    );
    assert!(
        cpu < 0.2,
        "the I/O thread spins: {:.0}% of a core",
        cpu * 100.0
    );

    // Hang up 30 accepted connections: the child closes their descriptors and must then take
    // waiting ones from the backlog by itself (no new connection arrives to wake it).
    let waiting: Vec<usize> = (0..CONNECTIONS).filter(|&i| !accepted[i]).collect();
    for (_, s) in accepted.iter().zip(&conns).filter(|(a, _)| **a).take(30) {
        s.shutdown(std::net::Shutdown::Both).unwrap();
    }
    let freed_at = Instant::now();
    let taken = loop {
        let taken = waiting.iter().filter(|&&i| greeted(&conns[i])).count();
        if taken > 0 || freed_at.elapsed() > RAW_TIMEOUT {
            break taken;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = freed_at.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        taken > 0,
        "none of the {} waiting connections was accepted after descriptors were freed",
        waiting.len()
    );
    eprintln!("waiting connections accepted {took:?} after descriptors were freed");
}
