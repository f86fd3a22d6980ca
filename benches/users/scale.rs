//! The `scale` section: how each library holds up as the work spreads over many sockets,
//! libzmq beside ferrozmq in the same run, each scenario as two processes over tcp.
//!
//! 1. I/O thread scaling: `PAIRS` PUSH -> PULL pairs, all the PUSH sockets in one process
//!    (one context, a thread per socket) and all the PULL sockets in another, run with
//!    ZMQ_IO_THREADS 1 and 2 (both processes free to use both CPUs).
//! 2. Fan-out: one PUB, `SUBSCRIBERS` SUB sockets in one other process (one context, a
//!    thread each). The publisher sends warm-ups until every SUB has had one (the
//!    subscribers' process says so over a PUSH -> PULL back channel), then the messages;
//!    SNDHWM = RCVHWM = 0 so nothing is dropped, and the delivered count is checked.
//! 3. Many peers: a ROUTER that echoes, `DEALERS` DEALER sockets in one other process (one
//!    context, one thread). A first round (each DEALER sends one request, then each waits
//!    for its reply) connects them all; then `DEALER_ROUNDS` timed rounds.
//!
//! Each runs as `benches/c/scale.c` on libzmq and on ferrozmq's C ABI, and as the same
//! program against the Rust API (`scale_roles.rs`, this binary re-executed with `--role
//! scale ...`). The processes print what they measured in local_thr's words, so one
//! parser reads them all.

use std::path::Path as FsPath;
use std::process::Command;
use std::time::Duration;

use super::{BOTH_CPUS, Bench, PATHS, Path, RECEIVER_CPU, SENDER_CPU, median, wait_bound};

/// The C program's name under the bench's bin directory.
const PROGRAM: &str = "scale";
const PAIRS: usize = 4;
const PAIR_SIZES: [usize; 2] = [1024, 8 << 10];
const SUBSCRIBERS: usize = 100;
const FANOUT_SIZE: usize = 128;
const DEALERS: usize = 10_000;
const DEALER_ROUNDS: usize = 5;

/// Builds `benches/c/scale.c` beside the perf programs, as programs.rs builds the others.
fn build(bench: &Bench) {
    let bin = &bench.programs.bin;
    let include = bin.parent().expect("users-bench dir").join("include");
    let src = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("benches/c/scale.c");
    let out = Command::new("gcc")
        .args(["-O2", "-w", "-I"])
        .arg(&include)
        .arg(&src)
        .arg("-o")
        .arg(bin.join(PROGRAM))
        .arg("-L")
        .arg(&bench.programs.libzmq)
        .args(["-l:libzmq.so.5", "-lpthread"])
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "compiling scale.c failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Raises this process's open-file limit to its hard limit (the children inherit it);
/// returns the limit.
fn raise_fd_limit() -> usize {
    let limit = |which: &str| -> Option<usize> {
        let out = Command::new("prlimit")
            .args(["--nofile", "--noheadings", "--raw", "--output", which])
            .args(["--pid", &std::process::id().to_string()])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    let (Some(soft), Some(hard)) = (limit("SOFT"), limit("HARD")) else {
        return 1024;
    };
    if soft < hard {
        let _ = Command::new("prlimit")
            .arg(format!("--nofile={hard}:{hard}"))
            .args(["--pid", &std::process::id().to_string()])
            .status();
    }
    limit("SOFT").unwrap_or(soft)
}

/// `n` distinct free tcp endpoints on the loopback (all bound at once, then released).
fn free_endpoints(n: usize) -> Vec<String> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| format!("tcp://127.0.0.1:{}", l.local_addr().unwrap().port()))
        .collect()
}

/// The number after `key` on the first line that starts with it.
fn field(report: &str, key: &str) -> f64 {
    report
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// A run tried up to three times (a run that fails or hangs is reported and run again).
fn attempt<T>(what: &str, mut run: impl FnMut() -> Result<T, String>) -> T {
    (0..3)
        .find_map(|_| run().inspect_err(|e| eprintln!("{what}: {e}")).ok())
        .expect("three failed runs in a row")
}

/// One two-process run: `first` starts, its `endpoints` are waited for, then `second`;
/// both outputs, and the CPU time of both.
struct Roles<'a> {
    first: (&'a str, Vec<String>),
    endpoints: &'a [String],
    second: (&'a str, Vec<String>),
}

/// The medians of each path's (msg/s, ns/msg) runs.
fn medians(runs: &[Vec<(f64, f64)>]) -> Vec<(f64, f64)> {
    runs.iter()
        .map(|r| {
            (
                median(r.iter().map(|s| s.0).collect()),
                median(r.iter().map(|s| s.1).collect()),
            )
        })
        .collect()
}

fn thr_header(label: &str) {
    println!(
        "{label:<10} | {:>10} {:>7} | {:>10} {:>7} {:>5} | {:>10} {:>7} {:>5}",
        "libzmq", "ns/msg", "fz C", "ns/msg", "C/lz", "fz Rust", "ns/msg", "R/lz"
    );
}

/// A row of msg/s and CPU ns/msg for libzmq, fz C, fz Rust, with the ratios to libzmq.
fn thr_row(label: &str, m: &[(f64, f64)]) {
    println!(
        "{label:<10} | {:>10.0} {:>7.0} | {:>10.0} {:>7.0} {:>5.2} | {:>10.0} {:>7.0} {:>5.2}",
        m[0].0,
        m[0].1,
        m[1].0,
        m[1].1,
        m[1].0 / m[0].0,
        m[2].0,
        m[2].1,
        m[2].0 / m[0].0
    );
}

impl Bench {
    fn two(&self, path: Path, roles: Roles) -> Result<(String, Duration), String> {
        let role = |args: Vec<String>| -> Vec<String> {
            ["scale".to_string()].into_iter().chain(args).collect()
        };
        let a = self.spawn(path, roles.first.0, PROGRAM, &role(roles.first.1));
        for ep in roles.endpoints {
            wait_bound(ep);
        }
        let b = self.spawn(path, roles.second.0, PROGRAM, &role(roles.second.1));
        let (a, b) = (Self::finish(a, "first"), Self::finish(b, "second"));
        let ((a_out, a_cpu), (b_out, b_cpu)) = (a?, b?);
        Ok((a_out + &b_out, a_cpu + b_cpu))
    }

    /// The three scenarios.
    pub fn scale(&mut self) {
        build(self);
        let fds = raise_fd_limit();
        self.io_thread_scaling();
        self.fanout();
        self.many_dealers(fds);
    }

    fn io_thread_scaling(&mut self) {
        let quick = self.quick;
        let count = move |size: usize| {
            let n = ((1usize << 30) / size / PAIRS).clamp(10_000, 250_000);
            if quick { n / 5 } else { n }
        };
        println!(
            "== I/O thread scaling: {PAIRS} tcp PUSH -> PULL pairs, all PUSH in one process, all PULL in another (one context each, a thread per socket), both on CPUs {BOTH_CPUS}"
        );
        println!(
            "   ZMQ_IO_THREADS 1 and 2 in both; messages a pair: {}; median of {} runs: msg/s of all pairs (first arrival to last), CPU ns/msg (both processes), ratio to libzmq",
            PAIR_SIZES
                .map(|size| format!("{} at {size} B", count(size)))
                .join(", "),
            self.rounds
        );
        thr_header("size   io");
        for size in PAIR_SIZES {
            let count = count(size);
            // runs[io threads - 1][path]
            let mut runs: [[Vec<(f64, f64)>; 3]; 2] = Default::default();
            for _ in 0..self.rounds {
                for (t, io) in [1, 2].into_iter().enumerate() {
                    for (i, path) in PATHS.into_iter().enumerate() {
                        let sample = attempt(&format!("{path:?} {size} B io_threads={io}"), || {
                            self.pairs_run(path, io, size, count)
                        });
                        runs[t][i].push(sample);
                    }
                }
            }
            let m = runs.map(|r| medians(&r));
            for (t, io) in [1, 2].into_iter().enumerate() {
                thr_row(&format!("{size:<6} {io:>2}"), &m[t]);
            }
            let gain = |i: usize| m[1][i].0 / m[0][i].0;
            println!(
                "{:<10} | {:>10.2} {:>7} | {:>10.2} {:>7} {:>5} | {:>10.2}",
                format!("{size:<6} 2/1"),
                gain(0),
                "",
                gain(1),
                "",
                "",
                gain(2)
            );
        }
        println!();
    }

    /// One run of the pairs: total msg/s, CPU ns/msg.
    fn pairs_run(
        &self,
        path: Path,
        io: usize,
        size: usize,
        count: usize,
    ) -> Result<(f64, f64), String> {
        let eps = free_endpoints(PAIRS);
        let args = |role: &str| -> Vec<String> {
            [role, &io.to_string(), &size.to_string(), &count.to_string()]
                .into_iter()
                .map(str::to_string)
                .chain(eps.iter().cloned())
                .collect()
        };
        let (out, cpu) = self.two(
            path,
            Roles {
                first: (BOTH_CPUS, args("pull")),
                endpoints: &eps,
                second: (BOTH_CPUS, args("push")),
            },
        )?;
        let total = PAIRS * count;
        if field(&out, "delivered: ") as usize != total {
            return Err(format!("short: {out}"));
        }
        Ok((
            field(&out, "mean throughput: "),
            cpu.as_nanos() as f64 / total as f64,
        ))
    }

    fn fanout(&mut self) {
        let count = if self.quick { 5_000 } else { 20_000 };
        println!(
            "== PUB -> {SUBSCRIBERS} SUB over tcp, {FANOUT_SIZE} B, {count} messages to each SUB; the SUBs in one process (one context, a thread each); PUB on CPU {SENDER_CPU}, SUBs on CPU {RECEIVER_CPU}"
        );
        println!(
            "   SNDHWM = RCVHWM = 0; every SUB has had a warm-up before the PUB starts; median of {} runs: delivered msg/s (first arrival to last, all SUBs), CPU ns/msg, ratio to libzmq",
            self.rounds
        );
        thr_header("");
        let expected = SUBSCRIBERS * count;
        let mut runs: [Vec<(f64, f64)>; 3] = Default::default();
        let mut short = Vec::new();
        for _ in 0..self.rounds {
            for (i, path) in PATHS.into_iter().enumerate() {
                let sample = attempt(&format!("{path:?} fan-out"), || {
                    let eps = free_endpoints(2);
                    let n = |v: usize| v.to_string();
                    let (out, cpu) = self.two(
                        path,
                        Roles {
                            first: (
                                SENDER_CPU,
                                vec![
                                    "pub".into(),
                                    eps[0].clone(),
                                    eps[1].clone(),
                                    n(FANOUT_SIZE),
                                    n(count),
                                ],
                            ),
                            endpoints: &eps,
                            second: (
                                RECEIVER_CPU,
                                vec![
                                    "sub".into(),
                                    eps[0].clone(),
                                    eps[1].clone(),
                                    n(SUBSCRIBERS),
                                    n(FANOUT_SIZE),
                                    n(count),
                                ],
                            ),
                        },
                    )?;
                    let delivered = field(&out, "delivered: ");
                    Ok((
                        field(&out, "mean throughput: "),
                        cpu.as_nanos() as f64 / delivered,
                        delivered as usize,
                    ))
                });
                if sample.2 != expected {
                    short.push(format!("{path:?}: {} of {expected} delivered", sample.2));
                }
                runs[i].push((sample.0, sample.1));
            }
        }
        thr_row(&format!("{SUBSCRIBERS} SUB"), &medians(&runs));
        for line in short {
            println!("   INCOMPLETE: {line}");
        }
        println!();
    }

    fn many_dealers(&mut self, fds: usize) {
        // libzmq spends two descriptors on each DEALER (its mailbox's eventfd and its
        // connection): as many as the open-file limit allows, up to DEALERS.
        let dealers = DEALERS.min(fds.saturating_sub(100) / 2);
        println!(
            "== ROUTER <- {dealers} DEALERs over tcp (the DEALERs in one process, one context, one thread; open-file limit {fds}); ROUTER on CPU {RECEIVER_CPU}, DEALERs on CPU {SENDER_CPU}"
        );
        println!(
            "   a round: every DEALER sends a 7 B request, the ROUTER echoes each, until every reply is in; the first round connects them all;"
        );
        println!(
            "   median of {DEALER_ROUNDS} rounds after it, median of {} runs: ms, ratio to libzmq (lower is better)",
            self.rounds
        );
        println!(
            "{:<22} | {:>8} | {:>8} {:>5} | {:>8} {:>5}",
            "", "libzmq", "fz C", "C/lz", "fz Rust", "R/lz"
        );
        let mut runs: [Vec<(f64, f64)>; 3] = Default::default();
        for _ in 0..self.rounds {
            for (i, path) in PATHS.into_iter().enumerate() {
                let sample = attempt(&format!("{path:?} {dealers} dealers"), || {
                    let eps = free_endpoints(1);
                    let n = |v: usize| v.to_string();
                    let messages = dealers * (DEALER_ROUNDS + 1);
                    let (out, _) = self.two(
                        path,
                        Roles {
                            first: (
                                RECEIVER_CPU,
                                vec!["router".into(), eps[0].clone(), n(messages)],
                            ),
                            endpoints: &eps,
                            second: (
                                SENDER_CPU,
                                vec![
                                    "dealer".into(),
                                    eps[0].clone(),
                                    n(dealers),
                                    n(DEALER_ROUNDS),
                                ],
                            ),
                        },
                    )?;
                    Ok((
                        field(&out, "round time: ") / 1e3,
                        field(&out, "connect round: ") / 1e3,
                    ))
                });
                runs[i].push(sample);
            }
        }
        let m: Vec<(f64, f64)> = runs
            .iter()
            .map(|r| {
                (
                    median(r.iter().map(|s| s.0).collect()),
                    median(r.iter().map(|s| s.1).collect()),
                )
            })
            .collect();
        for (label, v) in [
            ("round", m.iter().map(|s| s.0).collect::<Vec<_>>()),
            ("first round (connects)", m.iter().map(|s| s.1).collect()),
        ] {
            println!(
                "{label:<22} | {:>8.2} | {:>8.2} {:>5.2} | {:>8.2} {:>5.2}",
                v[0],
                v[1],
                v[1] / v[0],
                v[2],
                v[2] / v[0]
            );
        }
        println!();
    }
}
