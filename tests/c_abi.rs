//! The C ABI, tested from C: the programs in tests/c/ exercise zmq.h's calls on ferrozmq
//! (built and run by the harness in tests/capi), and from Python through ctypes.

mod capi;

use std::process::{Command, Stdio};

use capi::{assert_ok, build, build_source, finish, repo, run_c, serve, spawn, work_dir};

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

#[test]
fn the_monitor_reports_connect_handshake_and_disconnect_in_libzmq_format() {
    run_c("monitor", &[]);
}

#[test]
fn a_steerable_proxy_forwards_captures_pauses_and_terminates() {
    run_c("proxy", &[]);
}

#[test]
fn a_proxy_never_reads_its_send_only_side_and_waits_for_a_writable_one() {
    run_c("proxy_one_way", &[]);
}

#[test]
fn msg_get_srcfd_and_shared_and_zmq_has_answer_as_libzmq() {
    run_c("msg_props", &[]);
}

#[test]
fn context_options_take_libzmq_ranges_and_reach_the_io_threads_and_sockets() {
    run_c("ctx_options", &[]);
}

#[test]
fn timers_threads_and_term_from_another_thread_behave_as_zmq_h_says() {
    run_c("utils", &[]);
}

#[test]
fn sendiov_sends_the_last_buffer_without_sndmore_and_recviov_counts_parts_as_libzmq() {
    run_c("iov", &[]);
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
fn the_c_ironhouse_example_authenticates_its_client_and_refuses_an_intruder() {
    let bin = build_source(&repo().join("examples/c/ironhouse.c"), "ironhouse");
    let out = finish(spawn(&bin, &[]));
    assert_ok("ironhouse", &out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("client: \"World\""), "{stdout}");
    assert!(stdout.contains("intruder: refused"), "{stdout}");
}
