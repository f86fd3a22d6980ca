//! The Authenticator as its users meet it: a ZAP handler on its own thread deciding who
//! connects to the sockets of one context.

use std::time::Duration;

use ferrozmq::auth::Verdict;
use ferrozmq::{Authenticator, Context, Monitor, MonitorEvent, Pull, Push};

const TIMEOUT: Duration = Duration::from_secs(5);

fn server(ctx: &Context, configure: impl FnOnce(&Pull)) -> (Pull, String) {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    configure(&pull);
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let at = pull.last_endpoint().unwrap();
    (pull, at)
}

/// A connected client, and its monitor (started before the connect, so no event is missed).
fn client(ctx: &Context, at: &str, configure: impl FnOnce(&Push)) -> (Push, Monitor) {
    let push = Push::new(ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    configure(&push);
    let events = push.monitor();
    push.connect(at).unwrap();
    (push, events)
}

/// Whether the client's handshake succeeds (true) or is refused (false), by its monitor.
fn handshake_succeeds(events: &Monitor) -> bool {
    loop {
        match events
            .recv(Some(TIMEOUT))
            .expect("a handshake outcome in time")
        {
            MonitorEvent::HandshakeSucceeded { .. } => return true,
            MonitorEvent::HandshakeFailedAuth { .. }
            | MonitorEvent::HandshakeFailedNoDetail { .. } => return false,
            _ => {}
        }
    }
}

#[test]
fn plain_clients_get_in_with_a_listed_password_and_no_other() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_plain_passwords("*", [("admin", "secret")]);
    let (pull, at) = server(&ctx, |s| s.set_plain_server(true).unwrap());
    let (good, _) = client(&ctx, &at, |c| {
        c.set_plain_username("admin").unwrap();
        c.set_plain_password("secret").unwrap();
    });
    good.send("in").unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"in");
    let (_bad, events) = client(&ctx, &at, |c| {
        c.set_plain_username("admin").unwrap();
        c.set_plain_password("guess").unwrap();
    });
    assert!(!handshake_succeeds(&events));
}

#[test]
fn a_denied_address_is_refused_even_with_null_security() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.deny("127.0.0.1");
    let (_pull, at) = server(&ctx, |s| s.set_zap_domain("global").unwrap());
    let (_push, events) = client(&ctx, &at, |_| {});
    assert!(!handshake_succeeds(&events));
}

#[test]
fn a_handler_callback_decides_and_names_the_user() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_handler(|req| {
        if req.domain == "vip" {
            Verdict::Allow {
                user_id: "guest".into(),
            }
        } else {
            Verdict::Deny
        }
    });
    let (pull, at) = server(&ctx, |s| s.set_zap_domain("vip").unwrap());
    let (push, _) = client(&ctx, &at, |_| {});
    push.send("welcome").unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"welcome");
}

#[test]
fn a_stopped_authenticator_frees_the_zap_endpoint_for_another() {
    let ctx = Context::new();
    let mut first = Authenticator::start(&ctx).unwrap();
    assert!(
        Authenticator::start(&ctx).is_err(),
        "one handler per context"
    );
    first.stop();
    let second = Authenticator::start(&ctx).unwrap();
    drop(second);
}
