//! unbind, disconnect and the options that change how pipes behave: IMMEDIATE, CONFLATE,
//! CONNECT_TIMEOUT, TCP keepalive.

mod common;

use std::time::{Duration, Instant};

use common::{ALL, TIMEOUT, Transport, endpoint, unused_ipc};
use ferrozmq::{Context, Error, Pull, Push};

fn pull(ctx: &Context) -> Pull {
    let p = Pull::new(ctx).unwrap();
    p.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    p
}

fn push(ctx: &Context) -> Push {
    let p = Push::new(ctx).unwrap();
    p.set_sndtimeo(Some(TIMEOUT)).unwrap();
    p.set_linger(Some(Duration::ZERO)).unwrap();
    p
}

#[test]
fn unbind_frees_the_endpoint_for_another_socket() {
    for t in ALL {
        let ctx = Context::new();
        let a = pull(&ctx);
        a.bind(&endpoint(t)).unwrap();
        let ep = a.last_endpoint().unwrap();
        a.unbind(&ep).unwrap();
        let b = pull(&ctx);
        b.bind(&ep).unwrap_or_else(|e| panic!("{t:?}: {e}"));
        let p = push(&ctx);
        p.connect(&ep).unwrap();
        p.send("to b").unwrap();
        assert_eq!(&b.recv().unwrap().frames()[0][..], b"to b", "{t:?}");
    }
}

#[test]
fn unbind_of_an_unknown_endpoint_is_no_such_endpoint() {
    let ctx = Context::new();
    let a = pull(&ctx);
    let err = a.unbind("tcp://127.0.0.1:1").unwrap_err();
    assert!(matches!(err, Error::NoSuchEndpoint));
    assert_eq!(err.errno(), 2);
    assert!(matches!(
        a.disconnect("tcp://127.0.0.1:1"),
        Err(Error::NoSuchEndpoint)
    ));
}

#[test]
fn unbind_with_the_wildcard_given_to_bind_is_no_such_endpoint_as_in_libzmq() {
    let ctx = Context::new();
    for wildcard in ["tcp://127.0.0.1:*", "ipc://*"] {
        let a = pull(&ctx);
        a.bind(wildcard).unwrap();
        let err = a.unbind(wildcard).unwrap_err();
        assert!(matches!(err, Error::NoSuchEndpoint), "{wildcard}: {err}");
        assert_eq!(err.errno(), libc::ENOENT);
        a.unbind(&a.last_endpoint().unwrap()).unwrap();
    }
}

#[test]
fn unbind_takes_a_host_name_that_resolves_to_the_bound_address() {
    let ctx = Context::new();
    let a = pull(&ctx);
    a.bind("tcp://127.0.0.1:*").unwrap();
    let ep = a.last_endpoint().unwrap();
    let port = ep.rsplit(':').next().unwrap();
    a.unbind(&format!("tcp://localhost:{port}")).unwrap();
    assert!(matches!(a.unbind(&ep), Err(Error::NoSuchEndpoint)));
}

#[test]
fn an_ipc_path_longer_than_sun_path_is_name_too_long_for_bind_and_connect() {
    let ctx = Context::new();
    let a = pull(&ctx);
    let too_long = format!("ipc://{}", "a".repeat(108));
    assert_eq!(a.bind(&too_long).unwrap_err().errno(), libc::ENAMETOOLONG);
    assert!(matches!(a.connect(&too_long), Err(Error::NameTooLong)));
}

#[test]
fn an_empty_abstract_ipc_name_is_invalid() {
    let ctx = Context::new();
    let a = pull(&ctx);
    assert_eq!(a.bind("ipc://@").unwrap_err().errno(), libc::EINVAL);
    assert_eq!(a.connect("ipc://@").unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn disconnect_stops_delivery_to_that_peer() {
    for t in ALL {
        let ctx = Context::new();
        let a = pull(&ctx);
        a.bind(&endpoint(t)).unwrap();
        let b = pull(&ctx);
        b.bind(&endpoint(t)).unwrap();
        let (ep_a, ep_b) = (a.last_endpoint().unwrap(), b.last_endpoint().unwrap());
        let p = push(&ctx);
        p.connect(&ep_a).unwrap();
        p.connect(&ep_b).unwrap();
        p.disconnect(&ep_a).unwrap();
        for i in 0..4u8 {
            p.send(vec![i]).unwrap();
        }
        for i in 0..4u8 {
            assert_eq!(&b.recv().unwrap().frames()[0][..], &[i], "{t:?}");
        }
        a.set_rcvtimeo(Some(Duration::from_millis(50))).unwrap();
        assert!(matches!(a.recv(), Err(Error::Again)), "{t:?}");
    }
}

#[test]
fn immediate_does_not_queue_for_a_connection_not_yet_made() {
    let ctx = Context::new();
    let p = push(&ctx);
    p.set_immediate(true).unwrap();
    p.connect(&unused_ipc()).unwrap();
    assert!(matches!(p.try_send("x").unwrap_err().error, Error::Again));
    assert!(!p.events().writable);
}

#[test]
fn immediate_push_sends_once_connected() {
    let ctx = Context::new();
    let a = pull(&ctx);
    a.bind(&endpoint(Transport::Tcp)).unwrap();
    let p = push(&ctx);
    p.set_immediate(true).unwrap();
    p.connect(&a.last_endpoint().unwrap()).unwrap();
    p.send("after connect").unwrap();
    assert_eq!(&a.recv().unwrap().frames()[0][..], b"after connect");
}

#[test]
fn conflate_keeps_only_the_newest_message() {
    for t in ALL {
        let ctx = Context::new();
        let a = pull(&ctx);
        a.set_conflate(true).unwrap();
        a.bind(&endpoint(t)).unwrap();
        let p = push(&ctx);
        p.connect(&a.last_endpoint().unwrap()).unwrap();
        for i in 0..100u8 {
            p.send(vec![i]).unwrap();
        }
        // Every message before the last is eventually replaced; wait for the last.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = a.recv().unwrap();
            if m.frames()[0][0] == 99 {
                break;
            }
            assert!(Instant::now() < deadline, "{t:?}");
        }
        a.set_rcvtimeo(Some(Duration::from_millis(50))).unwrap();
        assert!(matches!(a.recv(), Err(Error::Again)), "{t:?}");
    }
}

#[test]
fn conflated_inproc_pull_returns_only_the_last_of_a_burst() {
    let ctx = Context::new();
    let a = pull(&ctx);
    a.set_conflate(true).unwrap();
    a.bind("inproc://conflate-burst").unwrap();
    let p = push(&ctx);
    p.connect("inproc://conflate-burst").unwrap();
    for i in 0..10u8 {
        p.send(vec![i]).unwrap();
    }
    assert_eq!(&a.recv().unwrap().frames()[0][..], &[9]);
}

#[test]
fn connect_timeout_and_keepalive_options_are_accepted_and_connections_work() {
    let ctx = Context::new();
    let a = pull(&ctx);
    a.set_tcp_keepalive(Some(true)).unwrap();
    a.set_tcp_keepalive_idle(Some(Duration::from_secs(30)))
        .unwrap();
    a.bind("tcp://127.0.0.1:*").unwrap();
    let p = push(&ctx);
    p.set_connect_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    p.set_tcp_keepalive(Some(true)).unwrap();
    p.set_tcp_keepalive_cnt(Some(3)).unwrap();
    p.set_tcp_keepalive_intvl(Some(Duration::from_secs(5)))
        .unwrap();
    p.connect(&a.last_endpoint().unwrap()).unwrap();
    p.send("kept alive").unwrap();
    assert_eq!(&a.recv().unwrap().frames()[0][..], b"kept alive");
}
