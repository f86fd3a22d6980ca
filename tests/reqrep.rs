//! REQ/REP, and each with its raw counterpart (ROUTER, DEALER), over inproc, ipc and tcp.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{ALL, TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Dealer, Error, Message, Rep, Req, Router};

/// Runs `body` over each transport, with a fresh context each time.
fn each_transport(body: impl Fn(&Context, Transport)) {
    for t in ALL {
        eprintln!("case: {t:?}");
        let ctx = Context::new();
        body(&ctx, t);
    }
}

fn rep_bound(ctx: &Context, t: Transport) -> (Rep, String) {
    let rep = Rep::new(ctx).unwrap();
    rep.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    rep.set_sndtimeo(Some(TIMEOUT)).unwrap();
    rep.set_linger(Some(Duration::ZERO)).unwrap();
    rep.bind(&endpoint(t)).unwrap();
    let ep = rep.last_endpoint().unwrap();
    (rep, ep)
}

/// A REQ with deadlines, not yet connected, so options can still be set.
fn req(ctx: &Context) -> Req {
    let req = Req::new(ctx).unwrap();
    req.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    req.set_sndtimeo(Some(TIMEOUT)).unwrap();
    req.set_linger(Some(Duration::ZERO)).unwrap();
    req
}

fn req_to(ctx: &Context, ep: &str) -> Req {
    let req = req(ctx);
    req.connect(ep).unwrap();
    req
}

fn msg(parts: &[&str]) -> Message {
    Message::from(parts.to_vec())
}

fn strs(m: &Message) -> Vec<String> {
    let lossy = |f: &bytes::Bytes| String::from_utf8_lossy(f).into_owned();
    m.frames().iter().map(lossy).collect()
}

#[test]
fn req_and_rep_exchange_multipart_requests_and_replies() {
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let req = req_to(ctx, &ep);
        for i in 0..10 {
            let body = format!("request {i}");
            req.send(msg(&[&body, "", "last"])).unwrap();
            assert_eq!(
                strs(&rep.recv().unwrap()),
                [body.as_str(), "", "last"],
                "{t:?}"
            );
            rep.send(msg(&["reply", &body])).unwrap();
            assert_eq!(
                strs(&req.recv().unwrap()),
                ["reply", body.as_str()],
                "{t:?}"
            );
        }
    });
}

#[test]
fn req_second_send_before_the_reply_is_a_state_error() {
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let req = req_to(ctx, &ep);
        assert!(
            matches!(req.recv(), Err(Error::State)),
            "{t:?}: nothing asked yet"
        );
        req.send("first").unwrap();
        let err = req.send("second").unwrap_err();
        assert!(matches!(err.error, Error::State), "{t:?}: {}", err.error);
        assert_eq!(strs(&err.message), ["second"]);
        // The first request is still answered.
        assert_eq!(strs(&rep.recv().unwrap()), ["first"], "{t:?}");
        rep.send("answer").unwrap();
        assert_eq!(strs(&req.recv().unwrap()), ["answer"], "{t:?}");
    });
}

#[test]
fn rep_send_before_recv_is_a_state_error() {
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let err = rep.send("unasked").unwrap_err();
        assert!(matches!(err.error, Error::State), "{t:?}: {}", err.error);
        let req = req_to(ctx, &ep);
        req.send("question").unwrap();
        rep.recv().unwrap();
        rep.send("answer").unwrap();
        let err = rep.send("second answer").unwrap_err();
        assert!(matches!(err.error, Error::State), "{t:?}: {}", err.error);
        assert_eq!(strs(&req.recv().unwrap()), ["answer"], "{t:?}");
    });
}

#[test]
fn req_round_robins_requests_over_two_reps() {
    each_transport(|ctx, t| {
        let (rep_a, ep_a) = rep_bound(ctx, t);
        let (rep_b, ep_b) = rep_bound(ctx, t);
        let req = req_to(ctx, &ep_a);
        req.connect(&ep_b).unwrap();
        for i in 0..6u8 {
            let rep = if i % 2 == 0 { &rep_a } else { &rep_b };
            req.send(vec![i]).unwrap();
            assert_eq!(&rep.recv().unwrap().frames()[0][..], &[i], "{t:?}");
            rep.send(vec![i, i]).unwrap();
            assert_eq!(&req.recv().unwrap().frames()[0][..], &[i, i], "{t:?}");
        }
    });
}

#[test]
fn rep_answers_concurrent_reqs_each_with_its_own_reply() {
    const CLIENTS: usize = 4;
    const ROUNDS: usize = 25;
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let (done_tx, done_rx) = mpsc::channel();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (ctx, ep, done_tx) = (ctx.clone(), ep.clone(), done_tx.clone());
                std::thread::spawn(move || {
                    let req = req_to(&ctx, &ep);
                    for r in 0..ROUNDS {
                        let body = format!("client {c} round {r}");
                        req.send(body.as_str()).unwrap();
                        assert_eq!(strs(&req.recv().unwrap()), [format!("re: {body}")]);
                    }
                    done_tx.send(c).unwrap();
                })
            })
            .collect();
        for _ in 0..CLIENTS * ROUNDS {
            let body = strs(&rep.recv().unwrap()).concat();
            rep.send(format!("re: {body}")).unwrap();
        }
        for _ in 0..CLIENTS {
            done_rx
                .recv_timeout(TIMEOUT)
                .expect("every client gets all its replies");
        }
        for client in clients {
            client.join().unwrap();
        }
    });
}

#[test]
fn req_relaxed_sends_a_new_request_after_a_lost_reply_and_drops_the_late_one() {
    each_transport(|ctx, t| {
        let (silent, ep_silent) = rep_bound(ctx, t);
        let (rep, ep) = rep_bound(ctx, t);
        let req = req(ctx);
        req.set_req_relaxed(true).unwrap();
        req.connect(&ep_silent).unwrap();
        req.connect(&ep).unwrap();
        req.send("one").unwrap();
        assert_eq!(strs(&silent.recv().unwrap()), ["one"], "{t:?}");
        // No reply comes; relaxed, the REQ may ask again, and round-robin picks the other REP.
        req.send("two").unwrap();
        assert_eq!(strs(&rep.recv().unwrap()), ["two"], "{t:?}");
        // The late reply comes from a peer the REQ no longer waits on, and is discarded.
        silent.send("late reply to one").unwrap();
        rep.send("reply to two").unwrap();
        assert_eq!(strs(&req.recv().unwrap()), ["reply to two"], "{t:?}");
    });
}

#[test]
fn req_correlate_with_relaxed_ignores_a_stale_reply_from_the_same_rep() {
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let req = req(ctx);
        req.set_req_relaxed(true).unwrap();
        req.set_req_correlate(true).unwrap();
        req.connect(&ep).unwrap();
        req.send("one").unwrap();
        assert_eq!(strs(&rep.recv().unwrap()), ["one"], "{t:?}");
        req.send("two").unwrap();
        // The stale reply travels on the same pipe, ahead of the real one; only its request
        // id tells them apart.
        rep.send("stale reply to one").unwrap();
        assert_eq!(strs(&rep.recv().unwrap()), ["two"], "{t:?}");
        rep.send("reply to two").unwrap();
        assert_eq!(strs(&req.recv().unwrap()), ["reply to two"], "{t:?}");
    });
}

#[test]
fn router_sees_a_reqs_envelope_and_answers_along_it() {
    each_transport(|ctx, t| {
        let router = Router::new(ctx).unwrap();
        router.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        router.set_linger(Some(Duration::ZERO)).unwrap();
        router.bind(&endpoint(t)).unwrap();
        let req = req(ctx);
        req.set_routing_id("client-1").unwrap();
        req.connect(&router.last_endpoint().unwrap()).unwrap();
        for i in 0..3 {
            let body = format!("hello {i}");
            req.send(msg(&[&body, "world"])).unwrap();
            let request = router.recv().unwrap();
            assert_eq!(
                strs(&request),
                ["client-1", "", body.as_str(), "world"],
                "{t:?}"
            );
            let mut reply: Message = request.frames()[..2].iter().cloned().collect();
            reply.push_back(format!("reply {i}"));
            router.send(reply).unwrap();
            assert_eq!(strs(&req.recv().unwrap()), [format!("reply {i}")], "{t:?}");
        }
    });
}

#[test]
fn dealer_talks_to_rep_by_adding_the_empty_delimiter_itself() {
    each_transport(|ctx, t| {
        let (rep, ep) = rep_bound(ctx, t);
        let dealer = Dealer::new(ctx).unwrap();
        dealer.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        dealer.set_linger(Some(Duration::ZERO)).unwrap();
        dealer.connect(&ep).unwrap();
        for i in 0..3 {
            let body = format!("body {i}");
            dealer.send(msg(&["", &body, "more"])).unwrap();
            assert_eq!(strs(&rep.recv().unwrap()), [body.as_str(), "more"], "{t:?}");
            rep.send(msg(&["reply", &body])).unwrap();
            assert_eq!(
                strs(&dealer.recv().unwrap()),
                ["", "reply", body.as_str()],
                "{t:?}"
            );
        }
    });
}
