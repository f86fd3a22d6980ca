//! cppzmq, the C++ binding, against include/zmq.h and on libferrozmq.so. cppzmq is a
//! header-only library that declares names libzmq's zmq.h leaves free (zmq_event_t), so it
//! is the first thing to break when our header declares more than libzmq's.
//!
//! Its headers are not in the repo: the test fetches Debian's cppzmq-dev package with
//! `apt-get download` (no root needed) and unpacks it under target/cppzmq, once. Where no
//! package list is on the machine it makes a private one under target/ first. Set
//! FERROZMQ_CPPZMQ_INCLUDE to a directory holding zmq.hpp and zmq_addon.hpp to use
//! those instead.

mod capi;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use capi::{assert_ok, finish, profile_dir, repo, spawn, work_dir};

/// A download that has not finished by then has failed (the package is 25 kB; a private
/// package list is about 15 MB).
const APT_DEADLINE: Duration = Duration::from_secs(180);

/// Runs a command to completion or kills it at the deadline.
fn run_bounded(cmd: &mut Command, deadline: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn describe(out: &Output) -> String {
    format!(
        "{:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Downloads cppzmq-dev's .deb into `dir` and returns its path.
fn download(dir: &Path) -> PathBuf {
    let mut tried = String::new();
    // The machine's own package list first; then one of our own, which an unprivileged
    // user may make (apt only needs the lists and cache directories to be writable).
    let lists = dir.join("apt/lists");
    let cache = dir.join("apt/cache");
    std::fs::create_dir_all(lists.join("partial")).expect("apt lists dir");
    std::fs::create_dir_all(cache.join("archives/partial")).expect("apt cache dir");
    let private = [
        format!("Dir::State::Lists={}", lists.display()),
        format!("Dir::Cache={}", cache.display()),
        "Debug::NoLocking=1".to_string(),
    ];
    for own_list in [false, true] {
        let options: Vec<String> = if own_list {
            private
                .iter()
                .flat_map(|o| ["-o".into(), o.clone()])
                .collect()
        } else {
            Vec::new()
        };
        if own_list {
            let update = run_bounded(
                Command::new("apt-get").args(&options).arg("update"),
                APT_DEADLINE,
            );
            tried += &format!("apt-get update (private lists): {}\n", describe(&update));
        }
        let out = run_bounded(
            Command::new("apt-get")
                .args(&options)
                .args(["download", "cppzmq-dev"])
                .current_dir(dir),
            APT_DEADLINE,
        );
        tried += &format!("apt-get download cppzmq-dev: {}\n", describe(&out));
        let deb = std::fs::read_dir(dir)
            .expect("download dir")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "deb"));
        if let (true, Some(deb)) = (out.status.success(), deb) {
            return deb;
        }
    }
    panic!(
        "could not fetch Debian's cppzmq-dev (set FERROZMQ_CPPZMQ_INCLUDE to a directory \
         with zmq.hpp and zmq_addon.hpp to test against those):\n{tried}"
    );
}

/// The directory holding zmq.hpp and zmq_addon.hpp, fetched on first use.
fn cppzmq_include() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("FERROZMQ_CPPZMQ_INCLUDE") {
            return PathBuf::from(dir);
        }
        let target = profile_dir().parent().expect("target dir").to_path_buf();
        let root = target.join("cppzmq");
        let include = root.join("usr/include");
        let complete = |dir: &Path| {
            ["zmq.hpp", "zmq_addon.hpp"]
                .iter()
                .all(|f| dir.join(f).exists())
        };
        if complete(&include) {
            return include;
        }
        // Unpacked beside the cache and renamed into place, so that an interrupted run or
        // another test binary never sees half a package.
        let scratch = target.join(format!("cppzmq-fetch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("scratch dir");
        let deb = download(&scratch);
        let unpacked = scratch.join("root");
        let out = run_bounded(
            Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked),
            APT_DEADLINE,
        );
        assert!(
            out.status.success(),
            "dpkg-deb -x failed: {}",
            describe(&out)
        );
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::rename(&unpacked, &root);
        let _ = std::fs::remove_dir_all(&scratch);
        assert!(
            complete(&include),
            "{} lacks zmq.hpp or zmq_addon.hpp",
            include.display()
        );
        include
    })
}

/// g++ on tests/c/cppzmq.cpp with our header first on the include path; cppzmq's own
/// headers are system headers so that their warnings do not fail -Werror.
fn gxx(extra: &[&str]) -> Command {
    let mut cmd = Command::new("g++");
    cmd.args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(repo().join("include"))
        .arg("-isystem")
        .arg(cppzmq_include())
        .arg(repo().join("tests/c/cppzmq.cpp"))
        .args(extra);
    cmd
}

#[test]
fn a_cppzmq_program_compiles_against_our_header_and_runs_on_ferrozmq() {
    let dir = work_dir();
    let bin = dir.join("cppzmq");
    let deps = dir.join("cppzmq.d");
    let out = run_bounded(
        gxx(&["-O1", "-MD", "-MF"])
            .arg(&deps)
            .arg("-o")
            .arg(&bin)
            .arg("-L")
            .arg(dir)
            .args(["-lferrozmq", "-lpthread"]),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "g++ failed: {}", describe(&out));
    // The zmq.h that zmq.hpp included must be ours, not one installed on the machine.
    let used = std::fs::read_to_string(&deps).expect("dependency file");
    let ours = repo().join("include/zmq.h");
    assert!(used.contains(ours.to_str().expect("utf-8 path")), "{used}");

    let run = finish(spawn(&bin, &[]));
    assert_ok("cppzmq", &run);
    assert!(String::from_utf8_lossy(&run.stdout).contains("cppzmq ok"));
}

#[test]
fn cppzmq_with_the_draft_api_compiles_against_our_header() {
    // Our library exports no draft function, so this is compiled only: it proves the
    // header's ZMQ_BUILD_DRAFT_API section gives cppzmq every declaration its draft
    // branches use (the poller, the RADIO/DISH calls), as libzmq's does.
    let out = run_bounded(
        &mut gxx(&["-DZMQ_BUILD_DRAFT_API", "-fsyntax-only"]),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "g++ failed: {}", describe(&out));
}
