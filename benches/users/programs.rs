//! Builds the C programs the users' bench runs: libzmq 4.3.4's own perf tools (from the
//! zeromq-src crate's vendored sources) and `benches/c/remote_lat_p50.c`, compiled against
//! ferrozmq's `include/zmq.h` and linked by soname to `libzmq.so.5`, so one binary runs on
//! either library, chosen by LD_LIBRARY_PATH.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::support::libzmq_curve::{libzmq_curve, profile_dir};
use super::support::vendor::vendor_dir;

/// libzmq's perf programs the table uses (remote_lat_p50.c stands in for remote_lat).
pub const PERF: &[&str] = &[
    "local_thr",
    "remote_thr",
    "inproc_thr",
    "local_lat",
    "inproc_lat",
];

/// Where the programs were built, and the two library directories to run them on.
pub struct Programs {
    pub bin: PathBuf,
    pub libzmq: PathBuf,
    pub ferrozmq: PathBuf,
}

impl Programs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds everything (a few seconds; libzmq itself once, then cached under target/).
pub fn build() -> Programs {
    let libzmq = libzmq_curve();
    let libzmq_dir = libzmq.parent().expect("libzmq dir").to_path_buf();
    let root = profile_dir().join("users-bench");
    // The perf sources include "../include/zmq.h" and "platform.hpp": a tree of their shape
    // whose include/ is ours.
    let perf = root.join("perf");
    let include = root.join("include");
    let bin = root.join("bin");
    for dir in [&perf, &include, &bin] {
        fs::create_dir_all(dir).expect("scratch dir");
    }
    for header in ["zmq.h", "zmq_utils.h"] {
        fs::copy(repo().join("include").join(header), include.join(header)).expect("header");
    }
    fs::copy(
        repo().join("tests/libzmq_suite/platform.hpp"),
        perf.join("platform.hpp"),
    )
    .expect("platform.hpp");
    let vendor = vendor_dir();
    let mut jobs = Vec::new();
    for name in PERF {
        let src = perf.join(format!("{name}.cpp"));
        fs::copy(vendor.join("perf").join(format!("{name}.cpp")), &src).expect("perf source");
        jobs.push(compile("g++", &src, &include, &libzmq_dir, &bin.join(name)));
    }
    let p50 = repo().join("benches/c/remote_lat_p50.c");
    jobs.push(compile(
        "gcc",
        &p50,
        &include,
        &libzmq_dir,
        &bin.join("remote_lat_p50"),
    ));
    for job in jobs {
        let out = job.wait_with_output().expect("compiler runs");
        assert!(
            out.status.success(),
            "compiling a perf program failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Programs {
        bin,
        libzmq: libzmq_dir,
        ferrozmq: ferrozmq_lib_dir(&root),
    }
}

fn compile(
    compiler: &str,
    src: &Path,
    include: &Path,
    lib_dir: &Path,
    out: &Path,
) -> std::process::Child {
    Command::new(compiler)
        .args(["-O2", "-w", "-I"])
        .arg(include)
        .arg(src)
        .arg("-o")
        .arg(out)
        .arg("-L")
        .arg(lib_dir)
        .args(["-l:libzmq.so.5", "-lpthread"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("compiler runs")
}

/// A directory holding ferrozmq's library (the one cargo built with this bench) under
/// libzmq's soname.
fn ferrozmq_lib_dir(root: &Path) -> PathBuf {
    let dir = root.join("ferrozmq");
    fs::create_dir_all(&dir).expect("scratch dir");
    let exe = std::env::current_exe().expect("bench path");
    let so = exe.parent().expect("deps").join("libferrozmq.so");
    assert!(so.is_file(), "{} not built", so.display());
    let link = dir.join("libzmq.so.5");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(&so, &link).expect("library link");
    dir
}
