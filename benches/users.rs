//! The users' benchmark: ferrozmq measured the way its users measure it, beside libzmq
//! 4.3.4 in the same run.
//!
//! `cargo bench --bench users` prints PUSH -> PULL throughput (tcp, ipc, inproc; 1 B to
//! 64 KiB) and REQ/REP latency, each through three paths:
//! - **libzmq**: libzmq's own perf programs (`perf/local_thr.cpp`, `remote_thr.cpp`,
//!   `inproc_thr.cpp`, `local_lat.cpp`, `inproc_lat.cpp` from the zeromq-src crate), compiled
//!   against ferrozmq's `include/zmq.h`, run on libzmq 4.3.4 built from the same vendored
//!   sources (`tests/support/libzmq_curve.rs`);
//! - **fz C**: the very same binaries run on ferrozmq's `libzmq.so.5` (LD_LIBRARY_PATH);
//! - **fz Rust**: the same programs written against the Rust API (`users/roles.rs`, this
//!   binary re-executed with `--role`), each message a fresh buffer.
//!
//! The sender and the receiver are separate processes pinned to separate cores (`taskset`:
//! receiver on CPU 0, sender on CPU 1; inproc is one process on both). REQ/REP latency
//! comes from `benches/c/remote_lat_p50.c`, libzmq's remote_lat timing each round trip so
//! the median can be read, against libzmq's local_lat. CPU per message is the user+system
//! time of both processes (every thread, the I/O threads' included, as bash's `times`
//! reports the children it waited for) divided by the messages moved.
//!
//! Every cell is the median of `--rounds` runs (3 by default), the three paths alternating
//! within a round. Options after `--`: `--quick` (a tenth of the messages), `--rounds N`,
//! `--sizes 1,128`, `--transports tcp,ipc`, and section names `thr`, `lat`, `scale` to run
//! only those. `scale` (`users/scale.rs`) measures many sockets: I/O thread scaling, PUB to
//! 100 SUB, ROUTER with 10,000 DEALERs. `async` (`users/async_section.rs`) runs the Rust
//! programs three ways over tcp and ipc: blocking, with ferrozmq's async calls under tokio,
//! and with zmq.rs (the `zeromq` crate) under tokio.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "users/async_roles.rs"]
mod async_roles;
#[path = "users/async_section.rs"]
mod async_section;
#[path = "users/programs.rs"]
mod programs;
#[path = "users/roles.rs"]
mod roles;
#[path = "users/scale.rs"]
mod scale;
#[path = "users/scale_roles.rs"]
mod scale_roles;

const SIZES: &[usize] = &[1, 128, 1024, 10 << 10, 64 << 10];
const TRANSPORTS: &[&str] = &["tcp", "ipc", "inproc"];
const RECEIVER_CPU: &str = "0";
const SENDER_CPU: &str = "1";
const BOTH_CPUS: &str = "0,1";

/// Which implementation runs a program.
#[derive(Clone, Copy, Debug)]
enum Path {
    Libzmq,
    FerroC,
    FerroRust,
    /// The Rust programs with ferrozmq's async calls, under tokio.
    FerroAsync,
    /// The Rust programs with zmq.rs (the `zeromq` crate), under tokio.
    ZmqRs,
}

const PATHS: [Path; 3] = [Path::Libzmq, Path::FerroC, Path::FerroRust];

/// What one run reports.
#[derive(Clone, Copy, Default)]
struct Sample {
    /// msg/s for throughput, µs for latency (average).
    value: f64,
    p50: f64,
    cpu_ns_per_msg: f64,
}

struct Bench {
    programs: programs::Programs,
    sizes: Vec<usize>,
    transports: Vec<&'static str>,
    quick: bool,
    rounds: usize,
    run_id: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--role") {
        assert!(
            roles::run(&args[pos + 1..])
                || scale_roles::run(&args[pos + 1..])
                || async_roles::run(&args[pos + 1..]),
            "unknown role {:?}",
            &args[pos + 1..]
        );
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(3);
    let sections: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["thr", "lat", "scale", "async"].contains(a))
        .collect();
    let wants = |s: &str| sections.is_empty() || sections.contains(&s);
    let list = |flag: &str| -> Option<Vec<String>> {
        let i = args.iter().position(|a| a == flag)?;
        Some(args.get(i + 1)?.split(',').map(str::to_string).collect())
    };
    let sizes = list("--sizes").map_or(SIZES.to_vec(), |v| {
        v.iter().map(|s| s.parse().expect("a size")).collect()
    });
    let transports = list("--transports").map_or(TRANSPORTS.to_vec(), |v| {
        TRANSPORTS
            .iter()
            .copied()
            .filter(|t| v.iter().any(|x| x == t))
            .collect()
    });
    let mut bench = Bench {
        programs: programs::build(),
        sizes,
        transports,
        quick,
        rounds,
        run_id: 0,
    };
    if wants("thr") {
        bench.throughput();
    }
    if wants("lat") {
        bench.latency();
    }
    if wants("scale") {
        bench.scale();
    }
    if wants("async") {
        bench.asynchronous();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

impl Bench {
    fn count(&self, size: usize) -> usize {
        let n = ((1usize << 30) / size.max(100)).clamp(10_000, 10_000_000);
        if self.quick { n / 10 } else { n }
    }

    fn endpoint(&mut self, transport: &str) -> String {
        self.run_id += 1;
        match transport {
            "tcp" => {
                // A free port, found by binding; the receiver binds it a moment later.
                let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
                format!("tcp://127.0.0.1:{}", l.local_addr().unwrap().port())
            }
            _ => format!(
                "ipc://{}/ferrozmq-users-{}-{}.ipc",
                std::env::temp_dir().display(),
                std::process::id(),
                self.run_id
            ),
        }
    }

    /// A child running `program args` pinned to `cpus`, reporting its CPU time on stderr.
    fn spawn(&self, path: Path, cpus: &str, c_program: &str, role: &[String]) -> Child {
        let prefix = match path {
            Path::FerroAsync => "async_",
            Path::ZmqRs => "zmqrs_",
            _ => "",
        };
        let (program, args, lib): (PathBuf, Vec<String>, Option<&PathBuf>) = match path {
            Path::FerroRust | Path::FerroAsync | Path::ZmqRs => (
                std::env::current_exe().expect("bench path"),
                ["--role".to_string(), format!("{prefix}{}", role[0])]
                    .into_iter()
                    .chain(role[1..].iter().cloned())
                    .collect(),
                None,
            ),
            Path::Libzmq | Path::FerroC => (
                self.programs.path(c_program),
                role[1..].to_vec(),
                Some(match path {
                    Path::Libzmq => &self.programs.libzmq,
                    _ => &self.programs.ferrozmq,
                }),
            ),
        };
        let mut cmd = Command::new("bash");
        // `times` prints the shell's and then its children's user and system time.
        cmd.arg("-c")
            .arg(r#"timeout 30 taskset -c "$0" "$@"; rc=$?; times >&2; exit $rc"#)
            .arg(cpus)
            .arg(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(lib) = lib {
            cmd.env("LD_LIBRARY_PATH", lib);
        }
        cmd.spawn().expect("bash runs")
    }

    /// Waits for a child; its stdout and its CPU time.
    fn finish(child: Child, what: &str) -> Result<(String, Duration), String> {
        let out = child.wait_with_output().expect("wait");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("{what} failed ({}): {stdout}{stderr}", out.status));
        }
        let cpu = stderr
            .lines()
            .last()
            .map(|l| l.split_whitespace().map(bash_time).sum())
            .unwrap_or_default();
        Ok((stdout, cpu))
    }

    /// One run of a pair (or of an inproc program): the receiver's report, CPU per message.
    fn run(
        &mut self,
        path: Path,
        kind: &str,
        transport: &str,
        size: usize,
        count: usize,
    ) -> Result<Sample, String> {
        let (local, remote, inproc) = match kind {
            "thr" => ("local_thr", "remote_thr", "inproc_thr"),
            _ => ("local_lat", "remote_lat_p50", "inproc_lat"),
        };
        let n = |v: usize| v.to_string();
        let (report, cpu) = if transport == "inproc" {
            let role = [inproc.to_string(), n(size), n(count)];
            let child = self.spawn(path, BOTH_CPUS, inproc, &role);
            Self::finish(child, inproc)?
        } else {
            let ep = self.endpoint(transport);
            let rust_remote = if kind == "thr" {
                "remote_thr"
            } else {
                "remote_lat"
            };
            let l = self.spawn(
                path,
                RECEIVER_CPU,
                local,
                &[local.into(), ep.clone(), n(size), n(count)],
            );
            wait_bound(&ep);
            let r = self.spawn(
                path,
                SENDER_CPU,
                remote,
                &[rust_remote.into(), ep, n(size), n(count)],
            );
            let (local, remote) = (Self::finish(l, local), Self::finish(r, remote));
            let ((l_out, l_cpu), (r_out, r_cpu)) = (local?, remote?);
            (l_out + &r_out, l_cpu + r_cpu)
        };
        let field = |key: &str| -> f64 {
            report
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let value = if kind == "thr" {
            field("mean throughput: ")
        } else {
            field("average latency: ")
        };
        Ok(Sample {
            value,
            p50: field("p50 latency: "),
            cpu_ns_per_msg: cpu.as_nanos() as f64 / count as f64,
        })
    }

    /// Medians of each path's runs for one cell, the paths alternating within each round.
    fn cell(&mut self, kind: &str, transport: &str, size: usize, count: usize) -> [Sample; 3] {
        self.cell_of(PATHS, kind, transport, size, count)
    }

    /// [`cell`](Self::cell) for any set of paths.
    fn cell_of<const N: usize>(
        &mut self,
        paths: [Path; N],
        kind: &str,
        transport: &str,
        size: usize,
        count: usize,
    ) -> [Sample; N] {
        let mut runs: [Vec<Sample>; N] = std::array::from_fn(|_| Vec::new());
        for _ in 0..self.rounds {
            for (i, path) in paths.into_iter().enumerate() {
                // A run that hangs (libzmq's too, now and then, over ipc) is reported and
                // run again rather than ending the table.
                let sample = (0..5)
                    .find_map(|_| {
                        self.run(path, kind, transport, size, count)
                            .inspect_err(|e| eprintln!("{path:?} {transport} {size} B: {e}"))
                            .ok()
                    })
                    .expect("five failed runs in a row");
                runs[i].push(sample);
            }
        }
        runs.map(|r| Sample {
            value: median(r.iter().map(|s| s.value).collect()),
            p50: median(r.iter().map(|s| s.p50).collect()),
            cpu_ns_per_msg: median(r.iter().map(|s| s.cpu_ns_per_msg).collect()),
        })
    }

    fn throughput(&mut self) {
        println!(
            "== PUSH -> PULL throughput, median of {} runs: msg/s, CPU ns/msg (both processes), ratio to libzmq",
            self.rounds
        );
        println!(
            "{:<8} {:>6} | {:>10} {:>7} | {:>10} {:>7} {:>5} | {:>10} {:>7} {:>5}",
            "", "size", "libzmq", "ns/msg", "fz C", "ns/msg", "C/lz", "fz Rust", "ns/msg", "R/lz"
        );
        let mut ratios = Vec::new();
        for transport in self.transports.clone() {
            for size in self.sizes.clone() {
                let count = self.count(size);
                let [lz, c, rust] = self.cell("thr", transport, size, count);
                println!(
                    "{transport:<8} {size:>6} | {:>10.0} {:>7.0} | {:>10.0} {:>7.0} {:>5.2} | {:>10.0} {:>7.0} {:>5.2}",
                    lz.value,
                    lz.cpu_ns_per_msg,
                    c.value,
                    c.cpu_ns_per_msg,
                    c.value / lz.value,
                    rust.value,
                    rust.cpu_ns_per_msg,
                    rust.value / lz.value
                );
                ratios.push((transport, size, c.value / lz.value, rust.value / lz.value));
            }
        }
        println!();
        println!("| PUSH -> PULL, ratio to libzmq | 1 B | 128 B | 1 KiB | 10 KiB | 64 KiB |");
        println!("|---|---|---|---|---|---|");
        for (label, rust) in [("Rust API", true), ("C ABI", false)] {
            for &transport in &self.transports {
                let cells: Vec<String> = ratios
                    .iter()
                    .filter(|r| r.0 == transport)
                    .map(|r| format!("{:.2}", if rust { r.3 } else { r.2 }))
                    .collect();
                println!("| {label}, {transport} | {} |", cells.join(" | "));
            }
        }
        println!();
    }

    fn latency(&mut self) {
        let count = if self.quick { 2_000 } else { 20_000 };
        println!(
            "== REQ/REP one-way latency, 1 B, {count} round trips, median of {} runs: µs (p50 / average; inproc C: average only)",
            self.rounds
        );
        println!(
            "{:<8} | {:>15} | {:>15} {:>5} | {:>15} {:>5}",
            "", "libzmq", "fz C", "C/lz", "fz Rust", "R/lz"
        );
        for transport in self.transports.clone() {
            let [lz, c, rust] = self.cell("lat", transport, 1, count);
            // libzmq's inproc_lat prints the average only: compare averages there.
            let averages = lz.p50.is_nan();
            let key = |s: &Sample| if averages { s.value } else { s.p50 };
            println!(
                "{transport:<8} | {:>7.2} / {:>5.2} | {:>7.2} / {:>5.2} {:>5.2} | {:>7.2} / {:>5.2} {:>5.2}",
                lz.p50,
                lz.value,
                c.p50,
                c.value,
                key(&c) / key(&lz),
                rust.p50,
                rust.value,
                key(&rust) / key(&lz)
            );
        }
        println!();
    }
}

/// Waits until the receiver listens, as a user starts the sender after the receiver:
/// libzmq's ipc connect racing its bind can lose the connection.
fn wait_bound(endpoint: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let bound = || match endpoint.split_once("://") {
        Some(("tcp", addr)) => std::net::TcpStream::connect(addr).is_ok(),
        // The socket file appears at bind(), before listen(): connect, as for tcp.
        Some((_, path)) => std::os::unix::net::UnixStream::connect(path).is_ok(),
        None => true,
    };
    while !bound() {
        assert!(Instant::now() < deadline, "{endpoint} never bound");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// bash's `times` format: `1m2.345s`.
fn bash_time(s: &str) -> Duration {
    let s = s.trim_end_matches('s');
    let (min, sec) = s.split_once('m').unwrap_or(("0", s));
    let secs = min.parse::<f64>().unwrap_or(0.0) * 60.0 + sec.parse::<f64>().unwrap_or(0.0);
    Duration::from_secs_f64(secs)
}
