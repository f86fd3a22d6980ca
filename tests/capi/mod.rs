//! The harness the C ABI tests share: compile a C program in tests/c/ against
//! include/zmq.h and the freshly built libferrozmq.so (or against libzmq, for interop), run
//! it with the library on its path, and kill it at a deadline.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A C test program that runs longer than this is killed and fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps/, where this test binary is.
pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

/// target/<profile>/.
pub fn profile_dir() -> PathBuf {
    deps_dir().parent().expect("target/<profile>").to_path_buf()
}

/// The library built for this test run. It is the one in deps/: cargo copies it up to
/// target/<profile>/ only when the library itself is what was asked for (`cargo build`),
/// so the copy there may be stale, or absent on a fresh `cargo test`.
pub fn library() -> PathBuf {
    deps_dir().join("libferrozmq.so")
}

/// A scratch directory holding the library under both its names, and the built programs.
pub fn work_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let so = library();
        assert!(so.exists(), "{} not built", so.display());
        let dir = profile_dir().join("c-abi-tests");
        std::fs::create_dir_all(&dir).expect("scratch dir");
        for name in ["libferrozmq.so", "libzmq.so.5"] {
            let link = dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&so, &link).expect("library link");
        }
        dir
    })
}

/// Compiles tests/c/<name>.c against our header and library.
pub fn build(name: &str) -> PathBuf {
    build_source(&repo().join("tests/c").join(format!("{name}.c")), name)
}

/// Compiles the C program at `source` (in the repository) as `name`, the same way.
pub fn build_source(source: &Path, name: &str) -> PathBuf {
    let dir = work_dir();
    let out = dir.join(name);
    let status = Command::new("gcc")
        .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-I"])
        .arg(repo().join("include"))
        .arg(source)
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(dir)
        .args(["-lferrozmq", "-lpthread"])
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed on {}", source.display());
    out
}

/// Starts a built program with the library on its path.
pub fn spawn(bin: &Path, args: &[&str]) -> Child {
    Command::new(bin)
        .args(args)
        .env("LD_LIBRARY_PATH", work_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("test program starts")
}

/// Waits for a program, killing it at the deadline.
pub fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

pub fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds and runs a self-contained C test program; it must exit 0.
pub fn run_c(name: &str, args: &[&str]) -> Output {
    let out = finish(spawn(&build(name), args));
    assert_ok(name, &out);
    out
}

/// Starts a server program that prints its endpoint first; returns it and the endpoint.
pub fn serve(bin: &Path, args: &[&str]) -> (Child, String) {
    let mut child = spawn(bin, args);
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("endpoint line");
    (child, line.trim().to_string())
}

/// libzmq 4.3, built from source by the `zmq` dev-dependency, as a static archive and its
/// include directory.
pub fn libzmq_static() -> (PathBuf, PathBuf) {
    let build = profile_dir().join("build");
    let newest = std::fs::read_dir(&build)
        .expect("target build dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("zmq-sys-"))
        .map(|e| e.path().join("out"))
        .filter(|out| out.join("lib/libzmq.a").exists())
        .max_by_key(|out| {
            std::fs::metadata(out.join("lib/libzmq.a"))
                .and_then(|m| m.modified())
                .ok()
        })
        .expect("libzmq.a built by zmq-sys");
    (newest.join("lib/libzmq.a"), newest.join("source/include"))
}

/// Compiles tests/c/<name>.c against libzmq's own header and static library.
pub fn build_on_libzmq(name: &str) -> PathBuf {
    let (archive, include) = libzmq_static();
    let out = work_dir().join(format!("{name}-libzmq"));
    let status = Command::new("gcc")
        .args(["-std=gnu11", "-O1", "-I"])
        .arg(&include)
        .arg("-I")
        .arg(repo().join("tests/c"))
        .arg(repo().join("tests/c").join(format!("{name}.c")))
        .arg("-o")
        .arg(&out)
        .arg(&archive)
        .args(["-lstdc++", "-lpthread"])
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed on {name}.c against libzmq");
    out
}
