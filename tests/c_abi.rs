//! The C ABI, tested from C: programs in tests/c/ are compiled with gcc against
//! include/zmq.h and the freshly built libferrozmq.so (loaded under its libzmq.so.5 name),
//! and run with a deadline.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A C test program that runs longer than this is killed and fails.
const DEADLINE: Duration = Duration::from_secs(20);

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps/, where this test binary is.
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

/// target/<profile>/.
fn profile_dir() -> PathBuf {
    deps_dir().parent().expect("target/<profile>").to_path_buf()
}

/// The library built for this test run. It is the one in deps/: cargo copies it up to
/// target/<profile>/ only when the library itself is what was asked for (`cargo build`),
/// so the copy there may be stale, or absent on a fresh `cargo test`.
fn library() -> PathBuf {
    deps_dir().join("libferrozmq.so")
}

/// A scratch directory holding the library under both its names, and the built programs.
fn work_dir() -> &'static Path {
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
fn build(name: &str) -> PathBuf {
    let dir = work_dir();
    let out = dir.join(name);
    let status = Command::new("gcc")
        .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-I"])
        .arg(repo().join("include"))
        .arg(repo().join("tests/c").join(format!("{name}.c")))
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(dir)
        .args(["-lferrozmq", "-lpthread"])
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed on {name}.c");
    out
}

/// Starts a built program with the library on its path.
fn spawn(bin: &Path, args: &[&str]) -> Child {
    Command::new(bin)
        .args(args)
        .env("LD_LIBRARY_PATH", work_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("test program starts")
}

/// Waits for a program, killing it at the deadline.
fn finish(mut child: Child) -> Output {
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

fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds and runs a self-contained C test program; it must exit 0.
fn run_c(name: &str, args: &[&str]) -> Output {
    let out = finish(spawn(&build(name), args));
    assert_ok(name, &out);
    out
}

/// Starts a server program that prints its endpoint first; returns it and the endpoint.
fn serve(bin: &Path, args: &[&str]) -> (Child, String) {
    let mut child = spawn(bin, args);
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("endpoint line");
    (child, line.trim().to_string())
}

#[test]
fn hello_world_req_rep_between_two_c_processes() {
    let (server, endpoint) = serve(&build("hwserver"), &["3"]);
    assert!(endpoint.starts_with("tcp://127.0.0.1:"), "{endpoint}");
    let client = finish(spawn(&build("hwclient"), &[&endpoint, "3"]));
    assert_ok("hwclient", &client);
    assert_ok("hwserver", &finish(server));
}

#[test]
fn pub_sub_delivers_only_the_subscribed_topic() {
    run_c("pubsub", &[]);
}

#[test]
fn router_dealer_multipart_frames_look_as_in_libzmq() {
    run_c("router_dealer", &[]);
}

#[test]
fn zmq_poll_wakes_for_two_sockets_and_a_pipe() {
    run_c("poll", &[]);
}

#[test]
fn zmq_fd_and_zmq_events_drive_an_edge_triggered_poll_loop() {
    run_c("fd_events", &[]);
}

#[test]
fn misuse_gives_libzmq_errnos_and_never_crashes() {
    run_c("misuse", &[]);
}

#[test]
fn a_signal_interrupts_blocking_recv_poll_and_send_with_eintr() {
    run_c("eintr", &[]);
}

/// libzmq 4.3, built from source by the `zmq` dev-dependency, as a static archive and its
/// include directory.
fn libzmq_static() -> (PathBuf, PathBuf) {
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
fn build_on_libzmq(name: &str) -> PathBuf {
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

#[test]
fn a_c_program_on_ferrozmq_talks_to_one_on_libzmq_over_tcp() {
    let ours = build("interop");
    let theirs = build_on_libzmq("interop");
    for (server, client) in [(&ours, &theirs), (&theirs, &ours)] {
        let (srv, endpoint) = serve(server, &["server"]);
        let out = finish(spawn(client, &["client", &endpoint]));
        assert_ok("interop client", &out);
        assert_ok("interop server", &finish(srv));
    }
}

/// Every zmq_* function Debian's libzmq.so.5 (4.3.4) exports; a binding that imports one
/// we lack would not load at all.
const LIBZMQ_SYMBOLS: &[&str] = &[
    "zmq_atomic_counter_dec",
    "zmq_atomic_counter_destroy",
    "zmq_atomic_counter_inc",
    "zmq_atomic_counter_new",
    "zmq_atomic_counter_set",
    "zmq_atomic_counter_value",
    "zmq_bind",
    "zmq_close",
    "zmq_connect",
    "zmq_ctx_destroy",
    "zmq_ctx_get",
    "zmq_ctx_new",
    "zmq_ctx_set",
    "zmq_ctx_shutdown",
    "zmq_ctx_term",
    "zmq_curve_keypair",
    "zmq_curve_public",
    "zmq_device",
    "zmq_disconnect",
    "zmq_errno",
    "zmq_getsockopt",
    "zmq_has",
    "zmq_init",
    "zmq_msg_close",
    "zmq_msg_copy",
    "zmq_msg_data",
    "zmq_msg_get",
    "zmq_msg_gets",
    "zmq_msg_init",
    "zmq_msg_init_data",
    "zmq_msg_init_size",
    "zmq_msg_more",
    "zmq_msg_move",
    "zmq_msg_recv",
    "zmq_msg_send",
    "zmq_msg_set",
    "zmq_msg_size",
    "zmq_poll",
    "zmq_proxy",
    "zmq_proxy_steerable",
    "zmq_recv",
    "zmq_recviov",
    "zmq_recvmsg",
    "zmq_send",
    "zmq_send_const",
    "zmq_sendiov",
    "zmq_sendmsg",
    "zmq_setsockopt",
    "zmq_sleep",
    "zmq_socket",
    "zmq_socket_monitor",
    "zmq_stopwatch_intermediate",
    "zmq_stopwatch_start",
    "zmq_stopwatch_stop",
    "zmq_strerror",
    "zmq_term",
    "zmq_threadclose",
    "zmq_threadstart",
    "zmq_timers_add",
    "zmq_timers_cancel",
    "zmq_timers_destroy",
    "zmq_timers_execute",
    "zmq_timers_new",
    "zmq_timers_reset",
    "zmq_timers_set_interval",
    "zmq_timers_timeout",
    "zmq_unbind",
    "zmq_version",
    "zmq_z85_decode",
    "zmq_z85_encode",
];

#[test]
fn the_shared_library_exports_every_libzmq_symbol_under_the_libzmq_soname() {
    let so = library();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("nm runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let exported: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let missing: Vec<_> = LIBZMQ_SYMBOLS
        .iter()
        .filter(|s| !exported.contains(**s))
        .collect();
    assert!(missing.is_empty(), "not exported: {missing:?}");
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(&so)
        .output()
        .expect("readelf runs");
    assert!(String::from_utf8_lossy(&dynamic.stdout).contains("[libzmq.so.5]"));
}

#[test]
fn the_python_ctypes_example_says_hello_through_the_c_abi() {
    let child = Command::new("python3")
        .arg(repo().join("examples/ctypes_hello.py"))
        .arg(work_dir().join("libzmq.so.5"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let out = finish(child);
    assert_ok("ctypes_hello.py", &out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Hello -> World"));
}

#[test]
fn the_install_script_lays_out_a_prefix_that_pkg_config_and_gcc_can_use() {
    let prefix = work_dir().join("prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let status = Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg(&prefix)
        .env("FERROZMQ_LIB", library())
        .stdout(Stdio::null())
        .status()
        .expect("install.sh runs");
    assert!(status.success());
    for f in [
        "include/zmq.h",
        "include/zmq_utils.h",
        "lib/libzmq.so.5",
        "lib/libzmq.so",
    ] {
        assert!(prefix.join(f).exists(), "{f} missing");
    }
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libzmq"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("pkg-config runs");
    let flags = String::from_utf8_lossy(&flags.stdout).to_string();
    assert!(flags.contains("-lzmq"), "{flags}");
    // A program built the way it would be built against libzmq: -lzmq, from the prefix.
    let bin = work_dir().join("hwclient-installed");
    let status = Command::new("gcc")
        .arg(repo().join("tests/c/hwclient.c"))
        .arg("-o")
        .arg(&bin)
        .args(flags.split_whitespace())
        .status()
        .expect("gcc runs");
    assert!(status.success());
    let (server, endpoint) = serve(&build("hwserver"), &["1"]);
    let client = Command::new(&bin)
        .args([endpoint.as_str(), "1"])
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("client starts");
    assert_ok("installed hwclient", &finish(client));
    assert_ok("hwserver", &finish(server));
}

#[test]
fn the_monitor_reports_connect_handshake_and_disconnect_in_libzmq_format() {
    run_c("monitor", &[]);
}

#[test]
fn a_steerable_proxy_forwards_captures_pauses_and_terminates() {
    run_c("proxy", &[]);
}

#[test]
fn timers_iovecs_threads_and_term_from_another_thread_behave_as_zmq_h_says() {
    run_c("utils", &[]);
}

#[test]
fn the_header_compiles_as_strict_c99_and_as_cpp_with_libzmq_layouts() {
    for (compiler, std) in [("gcc", "-std=c99"), ("g++", "-std=c++11")] {
        let out = work_dir().join(format!("header-{compiler}"));
        let mut cmd = Command::new(compiler);
        if compiler == "g++" {
            cmd.args(["-x", "c++"]);
        }
        let status = cmd
            .args([std, "-pedantic", "-Wall", "-Wextra", "-Werror"])
            .args(["-Wno-unused-local-typedefs", "-I"])
            .arg(repo().join("include"))
            .arg(repo().join("tests/c/header.c"))
            .arg("-o")
            .arg(&out)
            .status()
            .expect("compiler runs");
        assert!(
            status.success(),
            "zmq.h does not compile with {compiler} {std}"
        );
    }
}
