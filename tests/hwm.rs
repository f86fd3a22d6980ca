//! High-water marks as libzmq 4.3 accounts them: an inproc pipe holds the sum of both
//! sockets' marks (no limit if either is 0), a connect made before the bind holds the
//! connecter's own until the bind, and a changed mark reaches the pipes that exist.

mod common;

use std::time::Duration;

use common::{TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Pull, Push};

/// How many empty messages `push` takes before a non-blocking send would block (at most
/// `cap`).
fn fill(push: &Push, cap: usize) -> usize {
    (0..cap).take_while(|_| push.try_send("").is_ok()).count()
}

fn drain(pull: &Pull) -> usize {
    std::iter::from_fn(|| pull.try_recv().ok()).count()
}

fn pair(ctx: &Context, snd: usize, rcv: usize) -> (Push, Pull) {
    let push = Push::new(ctx).unwrap();
    push.set_sndhwm(snd).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvhwm(rcv).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    (push, pull)
}

#[test]
fn an_inproc_pipe_holds_both_marks_whichever_side_comes_first() {
    for connect_first in [false, true] {
        for (snd, rcv, want) in [(1, 1, 2), (1, 0, 10_000), (0, 1, 10_000), (3, 4, 7)] {
            let ctx = Context::new();
            let (push, pull) = pair(&ctx, snd, rcv);
            let ep = endpoint(Transport::Inproc);
            if connect_first {
                push.connect(&ep).unwrap();
                pull.bind(&ep).unwrap();
            } else {
                pull.bind(&ep).unwrap();
                push.connect(&ep).unwrap();
            }
            let sent = fill(&push, 10_000);
            assert_eq!(
                sent, want,
                "snd {snd} rcv {rcv} connect first {connect_first}"
            );
            assert_eq!(drain(&pull), sent);
        }
    }
}

#[test]
fn an_inproc_connect_before_the_bind_holds_the_connecters_sndhwm_alone() {
    let ctx = Context::new();
    let (push, pull) = pair(&ctx, 3, 0);
    let ep = endpoint(Transport::Inproc);
    push.connect(&ep).unwrap();
    assert_eq!(fill(&push, 100), 3);
    pull.bind(&ep).unwrap();
    assert_eq!(
        fill(&push, 10_000),
        10_000,
        "no limit once the binder's 0 counts"
    );
}

#[test]
fn a_raised_sndhwm_reaches_an_existing_pipe() {
    for t in [Transport::Inproc, Transport::Tcp] {
        let ctx = Context::new();
        let (push, pull) = pair(&ctx, 1, 1);
        pull.bind(&endpoint(t)).unwrap();
        push.connect(&pull.last_endpoint().unwrap()).unwrap();
        if let Transport::Inproc = t {
            assert_eq!(fill(&push, 100), 2);
            push.set_sndhwm(5).unwrap();
            assert_eq!(fill(&push, 100), 4, "5 + 1 in all, 2 queued already");
        } else {
            // The connection's own buffers hold more than the marks over tcp; only the
            // socket's queue is counted here, so wait until the first message is through.
            push.send("first").unwrap();
            pull.recv().unwrap();
            push.set_sndhwm(50).unwrap();
            // "first" may still hold its credit: it went straight to the connection, and the
            // I/O thread gives that back when it next looks at the pipe, which can come after
            // the receiver has it. Either way far more than the old mark of 1 now fit.
            let filled = fill(&push, 1_000);
            assert!(filled >= 49, "{filled}");
        }
        drain(&pull);
    }
}

#[test]
fn a_lowered_sndhwm_lets_a_full_pipe_drain_below_it_first() {
    let ctx = Context::new();
    let (push, pull) = pair(&ctx, 100, 1);
    let ep = endpoint(Transport::Inproc);
    pull.bind(&ep).unwrap();
    push.connect(&ep).unwrap();
    assert_eq!(fill(&push, 1_000), 101);
    push.set_sndhwm(70).unwrap();
    assert_eq!(fill(&push, 1_000), 0, "nothing fits until the queue drains");
    assert_eq!(drain(&pull), 101, "none of what was queued is lost");
    assert_eq!(fill(&push, 1_000), 71);
}
