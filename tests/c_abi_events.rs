//! ZMQ_FD, ZMQ_EVENTS and zmq_poll as libzmq reports them. `tests/c/fd_states.c` walks
//! each socket type's state machine (REQ, REP, DEALER, ROUTER, PUB, SUB, PUSH, PULL, PAIR,
//! a sender at its high-water mark) and prints what an event loop sees at every step; the
//! same program, built once on libzmq 4.3.4 and once on ferrozmq, must print the same.

mod capi;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use capi::{assert_ok, build, build_on_libzmq, finish, spawn};

/// The walk built on ferrozmq and on libzmq, once for all tests in this binary (they run
/// in parallel and would otherwise write the same files).
fn programs() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| (build("fd_states"), build_on_libzmq("fd_states")))
}

fn walk(program: &Path, transport: &str) -> Vec<String> {
    let out = finish(spawn(program, &[transport]));
    assert_ok(&format!("{} {transport}", program.display()), &out);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn answers_as_libzmq(transport: &str) {
    let (ours, theirs) = programs();
    // Side by side: each waits mostly on timers, and the two share nothing.
    let (ours, theirs) = std::thread::scope(|s| {
        let theirs = s.spawn(|| walk(theirs, transport));
        let ours = walk(ours, transport);
        (ours, theirs.join().expect("libzmq walk"))
    });
    let differing: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|(o, t)| o != t)
        .map(|(o, t)| format!("  libzmq:   {t}\n  ferrozmq: {o}"))
        .collect();
    assert!(
        differing.is_empty() && ours.len() == theirs.len(),
        "{} of {} steps differ ({} vs {} lines):\n{}",
        differing.len(),
        theirs.len(),
        ours.len(),
        theirs.len(),
        differing.join("\n")
    );
}

#[test]
fn zmq_fd_events_and_poll_answer_as_libzmq_at_every_step_over_inproc() {
    answers_as_libzmq("inproc");
}

#[test]
fn zmq_fd_events_and_poll_answer_as_libzmq_at_every_step_over_tcp() {
    answers_as_libzmq("tcp");
}
