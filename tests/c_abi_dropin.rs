//! ferrozmq as a drop-in libzmq: the exported symbol set and soname, a program on
//! ferrozmq talking to one on libzmq, and the install script.

mod capi;

use std::process::{Command, Stdio};

use capi::{assert_ok, build, build_on_libzmq, finish, library, repo, serve, spawn, work_dir};

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
