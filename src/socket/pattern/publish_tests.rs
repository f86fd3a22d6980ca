use super::super::peers::testing::pipe;
use super::*;

fn sub(topic: &[u8]) -> Message {
    Message::single(encode_subscription_message(true, topic))
}

fn cancel(topic: &[u8]) -> Message {
    Message::single(encode_subscription_message(false, topic))
}

fn received(p: &mut Publish, o: &Options) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| p.try_recv(o).unwrap())
        .map(|m| m.frames()[0].to_vec())
        .collect()
}

#[test]
fn pub_sends_only_to_matching_subscribers_and_inverts_on_request() {
    let mut o = Options::default();
    let mut p = Publish::new(false);
    let (a, a_far) = pipe(10);
    let (b, b_far) = pipe(10);
    p.attach(a, None, &o);
    p.attach(b, None, &o);
    a_far.push(sub(b"wx")).ok();
    assert!(matches!(
        p.try_send(Message::single("wx.rain"), &o),
        Attempt::Sent
    ));
    assert!(a_far.pull().unwrap().is_some());
    assert!(b_far.pull().unwrap().is_none());
    o.invert_matching = true;
    assert!(matches!(
        p.try_send(Message::single("wx.sun"), &o),
        Attempt::Sent
    ));
    assert!(a_far.pull().unwrap().is_none());
    assert!(b_far.pull().unwrap().is_some());
}

#[test]
fn xpub_reports_new_prefixes_and_the_last_cancel_only() {
    let o = Options::default();
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(10);
    let (b, b_far) = pipe(10);
    p.attach(a, None, &o);
    p.attach(b, None, &o);
    a_far.push(sub(b"t")).ok();
    b_far.push(sub(b"t")).ok();
    assert_eq!(received(&mut p, &o), [b"\x01t".to_vec()]);
    a_far.push(cancel(b"t")).ok();
    assert!(received(&mut p, &o).is_empty(), "b still holds t");
    b_far.push(cancel(b"t")).ok();
    assert_eq!(received(&mut p, &o), [b"\x00t".to_vec()]);
}

#[test]
fn xpub_verbose_reports_repeats_and_verboser_every_cancel() {
    let mut o = Options {
        xpub_verbose: true,
        ..Options::default()
    };
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(10);
    let (b, b_far) = pipe(10);
    p.attach(a, None, &o);
    p.attach(b, None, &o);
    a_far.push(sub(b"t")).ok();
    b_far.push(sub(b"t")).ok();
    assert_eq!(received(&mut p, &o).len(), 2);
    b_far.push(cancel(b"t")).ok();
    assert!(received(&mut p, &o).is_empty(), "a still holds t");
    o.xpub_verboser = true;
    a_far.push(sub(b"u")).ok();
    b_far.push(sub(b"u")).ok();
    b_far.push(cancel(b"u")).ok();
    assert_eq!(received(&mut p, &o).last().unwrap(), b"\x00u");
}

#[test]
fn xpub_hears_the_prefixes_of_a_subscriber_that_left() {
    let o = Options::default();
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(10);
    p.attach(a, None, &o);
    a_far.push(sub(b"gone")).ok();
    assert_eq!(received(&mut p, &o).len(), 1);
    drop(a_far);
    assert_eq!(received(&mut p, &o), [b"\x00gone".to_vec()]);
}

#[test]
fn xpub_nodrop_blocks_instead_of_dropping_at_the_hwm() {
    let o = Options {
        xpub_nodrop: true,
        ..Options::default()
    };
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(1);
    p.attach(a, None, &o);
    a_far.push(sub(b"")).ok();
    assert!(matches!(
        p.try_send(Message::single("1"), &o),
        Attempt::Sent
    ));
    assert!(matches!(
        p.try_send(Message::single("2"), &o),
        Attempt::WouldBlock(_)
    ));
    assert_eq!(p.peers.dropped, 0);
    a_far.pull().unwrap();
    assert!(matches!(
        p.try_send(Message::single("2"), &o),
        Attempt::Sent
    ));
}

#[test]
fn xpub_manual_applies_only_what_the_application_subscribes() {
    let o = Options {
        xpub_manual: true,
        ..Options::default()
    };
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(10);
    p.attach(a, None, &o);
    a_far.push(sub(b"asked")).ok();
    assert_eq!(received(&mut p, &o), [b"\x01asked".to_vec()]);
    assert!(matches!(
        p.try_send(Message::single("asked.x"), &o),
        Attempt::Sent
    ));
    assert!(a_far.pull().unwrap().is_none(), "not applied by itself");
    p.subscribe(b"granted", &o).unwrap();
    assert!(matches!(
        p.try_send(Message::single("granted.x"), &o),
        Attempt::Sent
    ));
    assert!(a_far.pull().unwrap().is_some());
}

#[test]
fn xpub_welcome_msg_greets_each_new_subscriber() {
    let o = Options {
        xpub_welcome_msg: Bytes::from_static(b"welcome"),
        ..Options::default()
    };
    let mut p = Publish::new(true);
    let (a, a_far) = pipe(10);
    p.attach(a, None, &o);
    assert_eq!(a_far.pull().unwrap().unwrap().frames()[0], &b"welcome"[..]);
}

#[test]
fn xpub_subscribe_without_manual_is_invalid_as_in_libzmq() {
    let o = Options::default();
    assert!(Publish::new(true).subscribe(b"x", &o).is_err());
}
