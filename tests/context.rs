//! Context lifetime: termination, linger, many sockets.

mod common;

use std::time::{Duration, Instant};

use common::{TIMEOUT, unused_ipc};
use ferrozmq::{Context, Error, Pull, Push};

#[test]
fn shutdown_unblocks_recv_in_another_thread_with_terminated() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("inproc://never").unwrap();
    let waiter = std::thread::spawn(move || pull.recv());
    // The thread may not have blocked yet; shutdown is sticky, so it fails either way.
    ctx.shutdown();
    let result = waiter.join().unwrap();
    assert!(matches!(result, Err(Error::Terminated)), "{result:?}");
    ctx.term();
    assert!(matches!(Push::new(&ctx), Err(Error::Terminated)));
}

#[test]
fn term_waits_for_sockets_in_other_threads_to_close() {
    let ctx = Context::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn({
        let ctx = ctx.clone();
        move || {
            let pull = Pull::new(&ctx).unwrap();
            tx.send(()).unwrap();
            let r = pull.recv();
            drop(pull);
            r
        }
    });
    rx.recv_timeout(TIMEOUT).unwrap();
    ctx.term();
    assert!(matches!(worker.join().unwrap(), Err(Error::Terminated)));
}

#[test]
fn linger_zero_discards_unsendable_messages_at_close() {
    let ctx = Context::new();
    let push = Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.connect(&unused_ipc()).unwrap();
    for _ in 0..10 {
        push.send("nowhere").unwrap();
    }
    let start = Instant::now();
    drop(push);
    drop(ctx);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn linger_bounds_the_wait_for_an_absent_peer() {
    let ctx = Context::new();
    let push = Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::from_millis(100))).unwrap();
    push.connect(&unused_ipc()).unwrap();
    push.send("nowhere").unwrap();
    let start = Instant::now();
    drop(push);
    drop(ctx);
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(90), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn dropping_the_context_delivers_queued_messages_first() {
    let receiver_ctx = Context::new();
    let pull = Pull::new(&receiver_ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let sender_ctx = Context::new();
    let push = Push::new(&sender_ctx).unwrap();
    push.connect(&ep).unwrap();
    for i in 0..500u32 {
        push.send(i.to_be_bytes().to_vec()).unwrap();
    }
    drop(push);
    drop(sender_ctx);
    for i in 0..500u32 {
        assert_eq!(&pull.recv().unwrap().frames()[0][..], &i.to_be_bytes());
    }
}

#[test]
fn many_sockets_share_one_io_thread() {
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let pushes: Vec<Push> = (0..50)
        .map(|_| {
            let p = Push::new(&ctx).unwrap();
            p.connect(&ep).unwrap();
            p
        })
        .collect();
    for p in &pushes {
        p.send("x").unwrap();
    }
    for _ in 0..50 {
        pull.recv().unwrap();
    }
}

#[test]
fn several_io_threads_serve_connections() {
    let ctx = Context::with_io_threads(3).unwrap();
    let pull = Pull::new(&ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint().unwrap();
    let pushes: Vec<Push> = (0..6)
        .map(|_| {
            let p = Push::new(&ctx).unwrap();
            p.connect(&ep).unwrap();
            p
        })
        .collect();
    for (i, p) in pushes.iter().enumerate() {
        p.send(vec![i as u8]).unwrap();
    }
    let mut seen: Vec<u8> = (0..6)
        .map(|_| pull.recv().unwrap().frames()[0][0])
        .collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
}

/// The `count` threads of this process whose names start with `prefix`, as (tid, name) by
/// name, once they have named themselves (each does as it starts).
fn threads_named(prefix: &str, count: usize) -> Vec<(String, String)> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let found = list_threads(prefix);
        if found.len() >= count || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn list_threads(prefix: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| {
            let tid = e.ok()?.file_name().into_string().ok()?;
            let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
            let name = comm.trim_end().to_string();
            name.starts_with(prefix).then_some((tid, name))
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found
}

#[test]
fn a_built_context_reports_its_options_and_libzmq_defaults_otherwise() {
    let ctx = Context::builder()
        .io_threads(2)
        .max_sockets(7)
        .ipv6(true)
        .build()
        .unwrap();
    assert_eq!(ctx.io_threads(), 2);
    assert_eq!(ctx.max_sockets(), 7);
    assert!(ctx.ipv6());
    assert!(ctx.blocky());
    assert_eq!(ctx.socket_limit(), 65535);
    assert_eq!(ctx.thread_priority(), None);
    assert_eq!(ctx.thread_sched_policy(), None);
    assert!(ctx.thread_affinity().is_empty());
    assert_eq!(ctx.thread_name_prefix(), "");
}

#[test]
fn io_threads_are_named_as_libzmq_names_them_after_the_prefix() {
    let ctx = Context::builder()
        .io_threads(2)
        .thread_name_prefix("fzq7")
        .build()
        .unwrap();
    let names: Vec<String> = threads_named("fzq7/", 2).into_iter().map(|t| t.1).collect();
    assert_eq!(names, ["fzq7/ZMQbg/IO/0", "fzq7/ZMQbg/IO/1"]);
    drop(ctx);
    // Past 15 bytes the name is cut, as Linux and libzmq cut it.
    let _long = Context::builder()
        .thread_name_prefix("fzq7-long-prefix")
        .build()
        .unwrap();
    let names: Vec<String> = threads_named("fzq7-", 1).into_iter().map(|t| t.1).collect();
    assert_eq!(names, ["fzq7-long-prefi"]);
}

#[test]
fn io_threads_run_only_on_the_cpus_asked_for() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let allowed = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim();
    let first: usize = allowed.split([',', '-']).next().unwrap().parse().unwrap();
    let _ctx = Context::builder()
        .thread_affinity([first].into())
        .thread_name_prefix("fzaff")
        .build()
        .unwrap();
    let (tid, _) = threads_named("fzaff/", 1).remove(0);
    // The thread names itself first, then sets its affinity.
    let deadline = Instant::now() + TIMEOUT;
    let cpus = loop {
        let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
        let cpus = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .unwrap()
            .trim()
            .to_string();
        if cpus == first.to_string() || Instant::now() > deadline {
            break cpus;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(cpus, first.to_string());
}

#[test]
fn a_scheduling_the_system_refuses_is_ignored_and_the_context_works() {
    // An unknown policy and a priority past SCHED_FIFO's 99 are refused even to root;
    // raising the nice value only to a privileged process.
    let refused = [(12345, 1), (libc::SCHED_FIFO, 1000), (libc::SCHED_OTHER, 1)];
    for (policy, priority) in refused {
        let ctx = Context::builder()
            .thread_sched_policy(Some(policy))
            .thread_priority(Some(priority))
            .build()
            .unwrap();
        let pull = Pull::new(&ctx).unwrap();
        pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        pull.bind("tcp://127.0.0.1:*").unwrap();
        let push = Push::new(&ctx).unwrap();
        push.connect(&pull.last_endpoint().unwrap()).unwrap();
        push.send("scheduled").unwrap();
        assert_eq!(&pull.recv().unwrap().frames()[0][..], b"scheduled");
    }
}

#[test]
fn values_zmq_ctx_set_would_refuse_fail_the_build() {
    let refused = [
        Context::builder().max_sockets(0).build(),
        Context::builder().thread_priority(Some(-1)).build(),
        Context::builder().thread_sched_policy(Some(-5)).build(),
        Context::builder()
            .thread_name_prefix("seventeen-bytes!!")
            .build(),
    ];
    for r in refused {
        assert!(matches!(r, Err(Error::Invalid(_))));
    }
}

#[test]
fn max_sockets_caps_the_sockets_a_context_holds_at_once() {
    let ctx = Context::builder().max_sockets(2).build().unwrap();
    let a = Pull::new(&ctx).unwrap();
    let _b = Push::new(&ctx).unwrap();
    let Err(err) = Pull::new(&ctx) else {
        panic!("a third socket was made");
    };
    assert!(matches!(err, Error::TooManySockets));
    assert_eq!(err.errno(), libc::EMFILE);
    drop(a);
    Pull::new(&ctx).unwrap();
}

#[test]
fn ipv6_and_blocky_reach_the_sockets_made_afterwards() {
    let ctx = Context::builder().ipv6(true).blocky(false).build().unwrap();
    let pull = Pull::new(&ctx).unwrap();
    assert!(pull.ipv6());
    assert_eq!(pull.linger(), Some(Duration::ZERO));
    let ctx = Context::new();
    let pull = Pull::new(&ctx).unwrap();
    assert!(!pull.ipv6());
    assert_eq!(pull.linger(), None);
}
