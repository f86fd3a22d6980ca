//! CURVE beside libzmq's CURVE, in the same run: PUSH -> PULL throughput over tcp and
//! handshakes per second (a REQ connects to one CURVE REP, asks once and closes).
//!
//! libzmq here is 4.3.4 from the same vendored sources, built with CURVE by the tests'
//! support code (`tests/support/libzmq_curve.rs`), once with libsodium (Debian's
//! libsodium-dev, fetched with `apt-get download` into target/: what a packaged libzmq
//! links) and once with its bundled tweetnacl (what the interop tests use; far slower, shown
//! for reference). It is measured by `benches/c/curve_perf.c`, which also runs on
//! ferrozmq's `libzmq.so.5`, so the C ABI is measured the same way; ferrozmq's Rust API is
//! measured in this process with a fresh buffer per message, as the C program does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrozmq::{Context, CurveKeyPair, Pull, Push, Rep, Req};

use super::support::libzmq_curve::{Crypto, include_dir, libzmq_curve_with};
use super::{median, watch};

fn server_keys() -> CurveKeyPair {
    CurveKeyPair::generate().expect("key pair")
}

fn client<S>(make: impl FnOnce() -> ferrozmq::Result<S>, setup: impl Fn(&S, &CurveKeyPair)) -> S {
    let socket = make().expect("socket");
    setup(&socket, &CurveKeyPair::generate().expect("key pair"));
    socket
}

/// Messages per second through the Rust API, receiver-timed.
fn ferrozmq_thr(size: usize, count: usize) -> f64 {
    let ctx = Context::new();
    let keys = server_keys();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_curve_server(true).unwrap();
    pull.set_curve_secret_key(keys.secret.clone()).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.last_endpoint().unwrap();
    let server_public = keys.public;
    let sender = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let push = client(
                || Push::new(&ctx),
                |s, k| {
                    s.set_curve_server_key(server_public).unwrap();
                    s.set_curve_public_key(k.public).unwrap();
                    s.set_curve_secret_key(k.secret.clone()).unwrap();
                },
            );
            push.connect(&endpoint).unwrap();
            for _ in 0..count {
                push.send(Bytes::from(vec![7u8; size])).unwrap();
            }
            push
        }
    });
    pull.recv().unwrap();
    let start = Instant::now();
    for _ in 1..count {
        pull.recv().unwrap();
    }
    let rate = (count - 1) as f64 / start.elapsed().as_secs_f64();
    drop(sender.join().unwrap());
    rate
}

/// Handshakes per second through the Rust API.
fn ferrozmq_hs(count: usize) -> f64 {
    let ctx = Context::new();
    let keys = server_keys();
    let rep = Rep::new(&ctx).unwrap();
    rep.set_curve_server(true).unwrap();
    rep.set_curve_secret_key(keys.secret.clone()).unwrap();
    rep.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = rep.last_endpoint().unwrap();
    let start = Instant::now();
    for _ in 0..count {
        let req = client(
            || Req::new(&ctx),
            |s, k| {
                s.set_curve_server_key(keys.public).unwrap();
                s.set_curve_public_key(k.public).unwrap();
                s.set_curve_secret_key(k.secret.clone()).unwrap();
                s.set_linger(Some(Duration::ZERO)).unwrap();
            },
        );
        req.connect(&endpoint).unwrap();
        req.send("x").unwrap();
        rep.recv().unwrap();
        rep.send("y").unwrap();
        req.recv().unwrap();
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// The C program, built against libzmq's zmq.h; run with a library directory on its path.
fn curve_perf(scratch: &Path) -> PathBuf {
    let bin = scratch.join("curve_perf");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/c/curve_perf.c");
    let ok = Command::new("gcc")
        .args(["-O2", "-I"])
        .arg(include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .arg("-L")
        .arg(scratch)
        .args(["-l:libzmq.so.5", "-lpthread"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "gcc failed on {}", src.display());
    bin
}

/// One run of the C program on the library in `lib_dir`; its one line is the rate.
fn run_c(bin: &Path, lib_dir: &Path, args: &[String]) -> f64 {
    let out = Command::new(bin)
        .args(args)
        .env("LD_LIBRARY_PATH", lib_dir)
        .output()
        .expect("curve_perf runs");
    assert!(
        out.status.success(),
        "curve_perf {args:?} on {}: {}",
        lib_dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a rate")
}

/// A directory holding ferrozmq's library under libzmq's soname.
fn ferrozmq_lib_dir(scratch: &Path) -> PathBuf {
    let dir = scratch.join("ferrozmq");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let deps = std::env::current_exe().expect("bench path");
    let so = deps.parent().expect("deps").join("libferrozmq.so");
    let link = dir.join("libzmq.so.5");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&so, &link).expect("library link");
    dir
}

pub fn curve(rounds: usize, quick: bool) {
    let sodium = libzmq_curve_with(Crypto::Libsodium);
    let tweetnacl = libzmq_curve_with(Crypto::Tweetnacl);
    let scratch = sodium.parent().expect("lib dir").join("bench");
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    std::fs::copy(&sodium, scratch.join("libzmq.so.5")).expect("link-time copy");
    let bin = curve_perf(&scratch);
    let libs = [
        ferrozmq_lib_dir(&scratch),
        sodium.parent().unwrap().to_path_buf(),
        tweetnacl.parent().unwrap().to_path_buf(),
    ];
    println!(
        "== CURVE over tcp, median of {rounds} alternating runs; ratios = ferrozmq/libzmq with libsodium (higher is better)"
    );
    println!(
        "   fz Rust: the Rust API, a fresh Bytes per message; fz C / lz sodium / lz tweetnacl: benches/c/curve_perf.c,"
    );
    println!(
        "   a fresh zmq_msg per message, on ferrozmq's libzmq.so.5 and on libzmq 4.3.4 built with CURVE."
    );
    println!(
        "{:<14} {:>12} {:>12} {:>12} {:>12} {:>8} {:>8}",
        "row", "fz Rust", "fz C", "lz sodium", "lz tweetnacl", "Rust/lz", "C/lz"
    );
    let sizes: &[usize] = if quick {
        &[1024]
    } else {
        &[128, 1024, 10 << 10, 64 << 10]
    };
    for &size in sizes {
        let count = ((100usize << 20) / size).clamp(2_000, 200_000);
        // tweetnacl is some hundred times slower: fewer messages, the same in every round.
        let slow = (count / 20).max(500);
        let mut rows: [Vec<f64>; 4] = Default::default();
        for round in 0..rounds {
            watch(
                format!("curve {size} B round {round}"),
                Duration::from_secs(300),
            );
            rows[0].push(ferrozmq_thr(size, count));
            let args = |n: usize| ["thr".to_string(), size.to_string(), n.to_string()];
            rows[1].push(run_c(&bin, &libs[0], &args(count)));
            rows[2].push(run_c(&bin, &libs[1], &args(count)));
            rows[3].push(run_c(&bin, &libs[2], &args(slow)));
        }
        print_row(&format!("{size} B msg/s"), rows);
    }
    let count = if quick { 200 } else { 1000 };
    let mut rows: [Vec<f64>; 4] = Default::default();
    for round in 0..rounds {
        watch(
            format!("curve handshakes round {round}"),
            Duration::from_secs(300),
        );
        rows[0].push(ferrozmq_hs(count));
        let args = |n: usize| ["hs".to_string(), n.to_string()];
        rows[1].push(run_c(&bin, &libs[0], &args(count)));
        rows[2].push(run_c(&bin, &libs[1], &args(count)));
        rows[3].push(run_c(&bin, &libs[2], &args(count / 10)));
    }
    print_row("handshakes/s", rows);
    println!();
}

fn print_row(label: &str, rows: [Vec<f64>; 4]) {
    let [rust, c, sodium, tweetnacl] = rows.map(median);
    println!(
        "{:<14} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>8.2} {:>8.2}",
        label,
        rust,
        c,
        sodium,
        tweetnacl,
        rust / sodium,
        c / sodium
    );
}
