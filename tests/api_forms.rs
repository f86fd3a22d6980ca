//! The shapes of the public API's parameters: every parameter that takes a byte string takes
//! the same forms (`ferrozmq::IntoBytes`), and means the same bytes whichever form it got;
//! text takes a `&str` or a `String`; every timeout and interval is a `Duration`.

use std::time::Duration;

use bytes::Bytes;
use ferrozmq::{
    Authenticator, Context, CurveKeyPair, Dealer, Message, Pair, Push, Router, SocketType, Sub,
    XPub, z85,
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `$body` with `$v` bound to the byte string `$bytes` (`$text` as a `&str`) in each
/// form `IntoBytes` lists, in turn.
macro_rules! each_form {
    ($bytes:literal / $text:literal, |$v:ident| $body:expr) => {{
        {
            let $v: &[u8] = &$bytes[..];
            $body;
        }
        {
            let $v = $bytes;
            $body;
        }
        {
            let $v = $bytes.to_vec();
            $body;
        }
        {
            let $v = Bytes::from_static($bytes);
            $body;
        }
        {
            let $v = $text;
            $body;
        }
        {
            let $v = String::from($text);
            $body;
        }
        {
            let owned = $bytes.to_vec();
            let $v = &owned;
            $body;
        }
        {
            let owned = String::from($text);
            let $v = &owned;
            $body;
        }
        {
            let owned = Bytes::from_static($bytes);
            let $v = &owned;
            $body;
        }
    }};
}

#[test]
fn every_bytes_parameter_takes_the_same_forms() {
    let ctx = Context::new();
    let id = Message::single(Bytes::from_static(b"id"));

    each_form!(b"id" / "id", |v| assert_eq!(Message::from(v), id));
    each_form!(b"id" / "id", |v| assert_eq!(Message::single(v), id));
    each_form!(b"id" / "id", |v| {
        let mut m = Message::from("x");
        m.push_back(v);
        assert_eq!(m, Message::from(["x", "id"]));
    });
    each_form!(b"id" / "id", |v| {
        let mut m = Message::from("x");
        m.push_front(v);
        assert_eq!(m, Message::from(["id", "x"]));
    });

    let dealer = Dealer::new(&ctx).unwrap();
    each_form!(b"id" / "id", |v| {
        dealer.set_routing_id(v).unwrap();
        assert_eq!(dealer.routing_id(), "id");
    });
    let router = Router::new(&ctx).unwrap();
    each_form!(b"id" / "id", |v| {
        router.set_connect_routing_id(v).unwrap();
        assert_eq!(router.connect_routing_id(), "id");
    });
    let xpub = XPub::new(&ctx).unwrap();
    each_form!(b"id" / "id", |v| {
        xpub.set_xpub_welcome_msg(v).unwrap();
        assert_eq!(xpub.xpub_welcome_msg(), "id");
    });
    let push = Push::new(&ctx).unwrap();
    each_form!(b"id" / "id", |v| {
        push.set_plain_username(v).unwrap();
        assert_eq!(push.plain_username(), "id");
    });
    each_form!(b"id" / "id", |v| {
        push.set_plain_password(v).unwrap();
        assert_eq!(push.plain_password(), "id");
    });
    each_form!(b"id" / "id", |v| {
        push.set_zap_domain(v).unwrap();
        assert_eq!(push.zap_domain(), "id");
    });

    let sub = Sub::new(&ctx).unwrap();
    each_form!(b"id" / "id", |v| sub.subscribe(v).unwrap());
    each_form!(b"id" / "id", |v| sub.unsubscribe(v).unwrap());
    xpub.set_xpub_manual(true).unwrap();
    each_form!(b"id" / "id", |v| xpub.subscribe(v).unwrap());
    each_form!(b"id" / "id", |v| xpub.unsubscribe(v).unwrap());

    let auth = Authenticator::start(&ctx).unwrap();
    let key = CurveKeyPair::generate().unwrap().public;
    // Only the domain's forms are under test: a directory that is not there will do.
    let no_keys = std::env::temp_dir().join("ferrozmq-api-forms-no-such-dir");
    each_form!(b"id" / "id", |v| auth.set_plain_passwords(v, [("u", "p")]));
    each_form!(b"id" / "id", |v| auth.set_plain_passwords("*", [(v, "p")]));
    each_form!(b"id" / "id", |v| auth.set_plain_passwords("*", [("u", v)]));
    each_form!(b"id" / "id", |v| auth.allow_any_curve_key(v));
    each_form!(b"id" / "id", |v| auth.set_curve_keys(v, [key]));
    each_form!(b"id" / "id", |v| {
        let _ = auth.load_curve_keys_from_dir(v, &no_keys);
    });

    let rfc_32 = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
    each_form!(b"HelloWorld" / "HelloWorld", |v| {
        assert_eq!(z85::decode(v).as_deref(), Some(&rfc_32[..]));
    });
    let abcd = z85::encode(b"abcd").unwrap();
    each_form!(b"abcd" / "abcd", |v| assert_eq!(
        z85::encode(v).as_ref(),
        Some(&abcd)
    ));
    assert_eq!(z85::encode(&rfc_32).as_deref(), Some("HelloWorld"));
    each_form!(b"PUB" / "PUB", |v| {
        assert_eq!(SocketType::from_wire_name(v), Some(SocketType::Pub));
    });
}

#[test]
fn every_form_sends_the_same_bytes() {
    let ctx = Context::new();
    let a = Pair::new(&ctx).unwrap();
    a.bind("inproc://api-forms-send").unwrap();
    let b = Pair::new(&ctx).unwrap();
    b.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    b.connect("inproc://api-forms-send").unwrap();
    let mut sent = 0;
    each_form!(b"id" / "id", |v| {
        a.send(v).unwrap();
        sent += 1;
    });
    for _ in 0..sent {
        assert_eq!(b.recv().unwrap(), Message::from("id"));
    }
}

#[test]
fn a_multipart_message_is_any_vec_array_or_iterator_of_those_forms() {
    let expected = Message::from(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]);
    assert_eq!(Message::from(vec!["a", "bc"]), expected);
    assert_eq!(Message::from(["a", "bc"]), expected);
    assert_eq!(Message::from([&b"a"[..], b"bc"]), expected);
    assert_eq!(Message::from(vec![b"a".to_vec(), b"bc".to_vec()]), expected);
    assert_eq!(
        Message::from(vec![String::from("a"), String::from("bc")]),
        expected
    );
    let owned = [String::from("a"), String::from("bc")];
    assert_eq!(owned.iter().collect::<Message>(), expected);
    assert_eq!(Message::from(vec!["only"]), Message::from("only"));
    assert!(Message::from(Vec::<Bytes>::new()).is_empty());
}

#[test]
fn plain_credentials_match_byte_for_byte_whichever_form_each_side_used() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.set_plain_passwords(b"*", [(b"admin".to_vec(), String::from("secret"))]);
    let server = Pair::new(&ctx).unwrap();
    server.set_plain_server(true).unwrap();
    server.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let client = Pair::new(&ctx).unwrap();
    client.set_plain_username(String::from("admin")).unwrap();
    client.set_plain_password(&b"secret"[..]).unwrap();
    client.connect(&server.last_endpoint().unwrap()).unwrap();
    client.send("hello").unwrap();
    let (msg, props) = server.recv_with_properties().unwrap();
    assert_eq!(msg, Message::from("hello"));
    assert_eq!(props.as_ref().and_then(|p| p.get("User-Id")), Some("admin"));
}

#[test]
fn an_xpub_under_xpub_manual_grants_the_subscriptions_its_application_chooses() {
    let ctx = Context::new();
    let xpub = XPub::new(&ctx).unwrap();
    xpub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    xpub.set_xpub_manual(true).unwrap();
    assert!(
        XPub::new(&ctx).unwrap().subscribe("x").is_err(),
        "only under XPUB_MANUAL"
    );
    xpub.bind("inproc://api-forms-xpub-manual").unwrap();
    let sub = Sub::new(&ctx).unwrap();
    sub.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    sub.connect("inproc://api-forms-xpub-manual").unwrap();
    // The SUB asks for everything (it filters what it receives by its own subscriptions
    // too); the XPUB sends it only what its application grants.
    sub.subscribe("").unwrap();
    assert_eq!(xpub.recv().unwrap(), Message::from(b"\x01"));
    xpub.subscribe("granted").unwrap();
    xpub.send("other.1").unwrap();
    xpub.send("granted.1").unwrap();
    assert_eq!(sub.recv().unwrap(), Message::from("granted.1"));
    xpub.unsubscribe("granted").unwrap();
    xpub.subscribe("other").unwrap();
    xpub.send("granted.2").unwrap();
    xpub.send("other.2").unwrap();
    assert_eq!(sub.recv().unwrap(), Message::from("other.2"));
}

#[test]
fn every_text_setter_takes_a_str_or_a_string() {
    let push = Push::new(&Context::new()).unwrap();
    push.set_socks_proxy("127.0.0.1:1080").unwrap();
    push.set_socks_proxy(String::from("127.0.0.1:1081"))
        .unwrap();
    assert_eq!(push.socks_proxy(), "127.0.0.1:1081");
    push.set_bindtodevice("lo").unwrap();
    assert_eq!(push.bindtodevice(), "lo");
    let ctx = Context::builder()
        .thread_name_prefix("forms")
        .build()
        .unwrap();
    assert_eq!(ctx.thread_name_prefix(), "forms");
}

#[test]
fn every_timeout_and_interval_is_a_duration() {
    let ctx = Context::new();
    let s = Dealer::new(&ctx).unwrap();
    let d = Duration::from_millis(1500);
    macro_rules! round_trip {
        ($($set:ident / $get:ident: $value:expr),* $(,)?) => {$(
            s.$set($value).unwrap();
            assert_eq!(s.$get(), $value, stringify!($get));
        )*};
    }
    round_trip!(
        set_linger / linger: Some(d),
        set_rcvtimeo / rcvtimeo: Some(d),
        set_sndtimeo / sndtimeo: Some(d),
        set_reconnect_ivl / reconnect_ivl: Some(d),
        set_reconnect_ivl_max / reconnect_ivl_max: d,
        set_recovery_ivl / recovery_ivl: d,
        set_handshake_ivl / handshake_ivl: Some(d),
        set_heartbeat_ivl / heartbeat_ivl: Some(d),
        set_heartbeat_ttl / heartbeat_ttl: Some(d),
        set_heartbeat_timeout / heartbeat_timeout: Some(d),
        set_connect_timeout / connect_timeout: Some(d),
        set_tcp_maxrt / tcp_maxrt: Some(d),
        set_tcp_keepalive_idle / tcp_keepalive_idle: Some(Duration::from_secs(2)),
        set_tcp_keepalive_intvl / tcp_keepalive_intvl: Some(Duration::from_secs(3)),
    );
    // What C could not say (more than INT_MAX milliseconds) is refused here too.
    assert!(s.set_recovery_ivl(Duration::from_secs(1 << 40)).is_err());
    assert_eq!(s.recovery_ivl(), d);

    s.set_rcvtimeo(Some(Duration::ZERO)).unwrap();
    let mut items = [ferrozmq::PollItem::readable(&s)];
    assert_eq!(ferrozmq::poll(&mut items, Some(Duration::ZERO)).unwrap(), 0);
    let events = s.monitor();
    assert!(events.recv(Some(Duration::ZERO)).is_err());
}
