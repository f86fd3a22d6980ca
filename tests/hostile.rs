//! Hostile peers during the handshake: greetings and READYs that break ZMTP 3.1 (docs/zmtp.md
//! sections 1-4), old-protocol greetings that ask for a downgrade, and commands out of order.
//!
//! Each case opens a raw TCP connection to a ferrozmq PULL (or ROUTER) that also serves a
//! well-behaved ferrozmq peer, and checks that only the raw connection is lost: ferrozmq closes
//! it within a deadline while the good peer's messages keep arriving (design.md, conventions 2
//! and 5). tests/wire.rs holds the first such cases (wrong signature, HTTP, one half greeting);
//! tests/hostile_frames.rs the ones after the handshake.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::raw::{
    RAW_TIMEOUT, Rig, command, frame, greeting, greeting_with, properties, read_frame, ready,
    wait_closed,
};

/// Whether `seen` holds an ERROR command frame (zmtp.md section 3).
fn has_error_command(seen: &[u8]) -> bool {
    seen.windows(6).any(|w| w == b"\x05ERROR")
}

#[test]
fn unknown_or_mismatched_mechanism_is_closed_and_good_peer_keeps_flowing() {
    let mut rig = Rig::new();
    // zmtp.md section 1: "the peers MUST use the same mechanism". A name nobody knows, the
    // other ZMTP mechanisms, and a field of non-ASCII bytes.
    for mechanism in [&b"BOGUS"[..], b"PLAIN", b"CURVE", b"GSSAPI", &[0xff; 20]] {
        let mut g = greeting_with(3, 1, mechanism).to_vec();
        g.extend_from_slice(&ready("PUSH"));
        rig.refuses(&g);
    }
}

#[test]
fn greeting_with_a_higher_version_is_answered_as_3_1_and_its_messages_arrive() {
    let mut rig = Rig::new();
    // RFC 37 version negotiation: the peer with the higher version downgrades, so a peer
    // announcing 3.2, 4.0 or 255.255 is spoken to (and understood) as 3.1.
    for (major, minor) in [(3, 2), (4, 0), (255, 255)] {
        let mut s = rig.raw();
        s.write_all(&greeting_with(major, minor, b"NULL")).unwrap();
        s.write_all(&ready("PUSH")).unwrap();
        let mut theirs = [0u8; 64];
        s.read_exact(&mut theirs).unwrap();
        assert_eq!((theirs[10], theirs[11]), (3, 1), "ferrozmq says 3.1");
        assert_eq!(read_frame(&mut s).unwrap(), ready("PULL"));
        let body = format!("from {major}.{minor}");
        s.write_all(&frame(0, body.as_bytes())).unwrap();
        let msg = rig.pull.recv().unwrap();
        assert_eq!(&msg.frames()[0][..], body.as_bytes());
        rig.good_peer_still_flows();
    }
}

#[test]
fn two_hundred_half_greetings_held_open_do_not_stop_a_good_peer() {
    let ivl = Duration::from_millis(1000);
    let mut rig = Rig::with(ivl, None);
    let opened = Instant::now();
    let mut bad: Vec<_> = (0..200)
        .map(|_| {
            let mut s = rig.raw();
            s.write_all(&greeting()[..32]).unwrap();
            // ferrozmq's greeting says it was accepted; waiting for it keeps these connects
            // from overrunning the listen backlog (a dropped SYN costs a 1 s retry).
            s.read_exact(&mut [0u8; 64]).unwrap();
            s
        })
        .collect();
    // While all 200 wait for their HANDSHAKE_IVL, a good message still takes a round trip of
    // milliseconds, not a wait behind them.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        rig.good_peer_still_flows();
        slowest = slowest.max(t.elapsed());
    }
    // They did wait beside the good peer: HANDSHAKE_IVL had not closed them yet.
    let still_open = bad
        .iter()
        .filter(|s| {
            let mut r: &std::net::TcpStream = s;
            r.set_nonblocking(true).unwrap();
            // An end of stream or a reset would be the close.
            let open = match r.read(&mut [0u8; 64]) {
                Ok(n) => n > 0,
                Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
            };
            r.set_nonblocking(false).unwrap();
            open
        })
        .count();
    for s in &mut bad {
        wait_closed(s, opened + ivl + RAW_TIMEOUT);
    }
    eprintln!(
        "slowest good message {slowest:?} with {still_open} of 200 half greetings open; all \
         closed {:?} after the first connect",
        opened.elapsed()
    );
    assert!(slowest < Duration::from_millis(500), "{slowest:?}");
    assert!(still_open >= 150, "{still_open}");
    rig.good_peer_still_flows();
}

#[test]
fn command_before_the_greeting_completes_is_closed() {
    let mut rig = Rig::new();
    // A READY with no greeting at all: its first byte (0x04) is not the signature's 0xFF.
    rig.refuses(&ready("PUSH"));
    // The signature, then a READY where the version and mechanism belong: major 4 is fine,
    // "\x05READY\x0bSocket-Type" is no mechanism.
    let mut early = greeting()[..10].to_vec();
    early.extend_from_slice(&ready("PUSH"));
    early.extend_from_slice(&[0; 40]);
    rig.refuses(&early);
    // A whole greeting, then commands that are only valid after READY (zmtp.md section 4).
    for cmd in [
        command(b"PING", b"\x00\x0a"),
        command(b"SUBSCRIBE", b"topic"),
        command(b"PONG", b""),
    ] {
        let mut g = greeting().to_vec();
        g.extend_from_slice(&cmd);
        rig.refuses(&g);
    }
}

#[test]
fn message_frame_before_ready_is_refused_from_its_header() {
    // A long HANDSHAKE_IVL, so a close within the deadline is the refusal, not the timer.
    let mut rig = Rig::with(Duration::from_secs(60), None);
    for early in [frame(0, b"early"), frame(0x01, b"first of two")] {
        let mut g = greeting().to_vec();
        g.extend_from_slice(&early);
        rig.refuses(&g);
    }
    // Only the header of a 1 GiB message: refused before any of its body arrives.
    let mut g = greeting().to_vec();
    g.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x40, 0, 0, 0]);
    rig.refuses(&g);
}

#[test]
fn ready_sent_twice_is_closed() {
    let mut rig = Rig::with(Duration::from_secs(60), None);
    let mut g = greeting().to_vec();
    g.extend_from_slice(&ready("PUSH"));
    g.extend_from_slice(&ready("PUSH"));
    rig.refuses(&g);
    // The second READY after a message has gone through is just as wrong.
    let mut s = rig.raw_push();
    s.write_all(&frame(0, b"between")).unwrap();
    assert_eq!(&rig.pull.recv().unwrap().frames()[0][..], b"between");
    s.write_all(&ready("PUSH")).unwrap();
    wait_closed(&mut s, Instant::now() + RAW_TIMEOUT);
    rig.good_peer_still_flows();
}

#[test]
fn incompatible_or_missing_socket_type_is_refused_with_error() {
    let mut rig = Rig::with(Duration::from_secs(60), None);
    // A PULL talks only to PUSH (zmtp.md section 3); names are case-sensitive as in libzmq.
    for theirs in ["PULL", "PUB", "push", "NOT-A-TYPE", ""] {
        let mut g = greeting().to_vec();
        g.extend_from_slice(&ready(theirs));
        let seen = rig.refuses(&g);
        assert!(has_error_command(&seen), "no ERROR for {theirs:?}");
    }
    let mut g = greeting().to_vec();
    g.extend_from_slice(&command(
        b"READY",
        &properties(&[(b"Identity", b"who am i")]),
    ));
    rig.refuses(&g);
}

#[test]
fn ready_with_truncated_or_overrunning_properties_is_closed() {
    let mut rig = Rig::with(Duration::from_secs(60), None);
    let valid = properties(&[(b"Socket-Type", b"PUSH")]);
    let mut cases: Vec<Vec<u8>> = vec![
        // The name length (11) runs past the end of the frame.
        b"\x0bSocket".to_vec(),
        // The name is whole, the 4-byte value length is not.
        b"\x0bSocket-Type\x00\x00".to_vec(),
        // A value length past the end of the frame, near u32::MAX (no wrap of the position),
        // and just one byte too long.
        [&b"\x0bSocket-Type\xff\xff\xff\xffPUSH"[..]].concat(),
        [&b"\x0bSocket-Type\xff\xff\xff\xf0PUSH"[..]].concat(),
        [&b"\x0bSocket-Type\x00\x00\x00\x05PUSH"[..]].concat(),
    ];
    // A valid Socket-Type followed by a property cut off in each of those ways.
    for tail in [&b"\x05X-Foo"[..], b"\x05X-Foo\x00\x00\x00\x09abc", b"\xff"] {
        cases.push([&valid[..], tail].concat());
    }
    for data in cases {
        let mut g = greeting().to_vec();
        g.extend_from_slice(&command(b"READY", &data));
        rig.refuses(&g);
    }
}

#[test]
fn ready_with_oversize_or_duplicate_properties_is_judged_by_its_socket_type() {
    let mut rig = Rig::with(Duration::from_secs(60), None);
    // Accepted: a 1 MiB property value (metadata costs what was sent), a 255-byte name, a
    // repeated Socket-Type that agrees, a repeated Identity (the first one counts).
    let big = vec![b'v'; 1 << 20];
    let long_name = [b'X'; 255];
    let accepted: [&[(&[u8], &[u8])]; 3] = [
        &[
            (b"Socket-Type", b"PUSH"),
            (b"X-Big", &big),
            (&long_name, b"1"),
        ],
        &[(b"Socket-Type", b"PUSH"), (b"socket-type", b"PUSH")],
        &[
            (b"Socket-Type", b"PUSH"),
            (b"Identity", b"a"),
            (b"Identity", b"b"),
        ],
    ];
    for props in accepted {
        let mut s = rig.raw();
        s.write_all(&greeting()).unwrap();
        s.write_all(&command(b"READY", &properties(props))).unwrap();
        s.write_all(&frame(0, b"accepted")).unwrap();
        assert_eq!(&rig.pull.recv().unwrap().frames()[0][..], b"accepted");
        rig.good_peer_still_flows();
    }
    // Refused: a second Socket-Type that disagrees with the first, in either order (libzmq
    // checks every occurrence).
    for props in [
        [
            (&b"Socket-Type"[..], &b"PUSH"[..]),
            (b"Socket-Type", b"PULL"),
        ],
        [(b"Socket-Type", b"PULL"), (b"Socket-Type", b"PUSH")],
    ] {
        let mut g = greeting().to_vec();
        g.extend_from_slice(&command(b"READY", &properties(&props)));
        let seen = rig.refuses(&g);
        assert!(has_error_command(&seen));
    }
}

#[test]
fn old_protocol_greetings_asking_for_a_downgrade_are_closed() {
    let mut rig = Rig::with(Duration::from_secs(60), None);
    // ZMTP 2.0 (RFC 15): signature, revision 1, socket type 8 (PUSH), then an identity frame
    // in 2.0 framing. libzmq would speak 2.0; ferrozmq speaks only 3.x.
    let mut v2 = greeting()[..10].to_vec();
    v2.extend_from_slice(&[
        0x01, 0x08, 0x00, 0x00, 0x00, 0x05, b'h', b'e', b'l', b'l', b'o',
    ]);
    // ZMTP 1.0 (RFC 13): an identity frame with a 1-byte length, and one with the 0xFF
    // escape and an 8-byte length (the form behind libzmq's v1 decoder overflow), whose
    // byte 9 is a flags byte, not 0x7F.
    let v1_short = b"\x01\x00\x06\x00hello".to_vec();
    let mut v1_long = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0, 0x00];
    v1_long.extend_from_slice(&[0xaa; 64]);
    // Version 0 and 1 behind a ZMTP 3 signature.
    for bytes in [v2, v1_short, v1_long, greeting_with(0, 0, b"NULL").to_vec()] {
        rig.refuses(&bytes);
    }
    let mut g = greeting_with(1, 0, b"NULL").to_vec();
    g.extend_from_slice(&ready("PUSH"));
    rig.refuses(&g);
}

#[test]
fn a_peer_claiming_a_taken_routing_id_is_turned_away_and_the_owner_keeps_its_traffic() {
    let ctx = ferrozmq::Context::new();
    let router = ferrozmq::Router::new(&ctx).unwrap();
    router.set_rcvtimeo(Some(RAW_TIMEOUT)).unwrap();
    router.set_router_mandatory(true).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.last_endpoint().unwrap();
    let owner = ferrozmq::Dealer::new(&ctx).unwrap();
    owner.set_rcvtimeo(Some(RAW_TIMEOUT)).unwrap();
    owner.set_linger(Some(Duration::ZERO)).unwrap();
    owner.set_routing_id(&b"alice"[..]).unwrap();
    owner.connect(&ep).unwrap();
    let round_trip = |n: u32| {
        owner.send(format!("ping {n}").as_str()).unwrap();
        let req = router.recv().unwrap();
        assert_eq!(&req.frames()[0][..], b"alice");
        router.send(req).unwrap();
        let reply = owner.recv().unwrap();
        assert_eq!(&reply.frames()[0][..], format!("ping {n}").as_bytes());
    };
    round_trip(0);
    let addr = ep.trim_start_matches("tcp://").parse().unwrap();
    let mut thief = common::raw::connect(addr);
    thief.write_all(&greeting()).unwrap();
    let props = properties(&[(b"Socket-Type", b"DEALER"), (b"Identity", b"alice")]);
    thief.write_all(&command(b"READY", &props)).unwrap();
    // Without ROUTER_HANDOVER the first holder keeps the id, as in libzmq. (The ROUTER
    // hears of the thief when it next looks at its peers, as libzmq does in its calls.)
    let mut theirs = [0u8; 64];
    thief.read_exact(&mut theirs).unwrap();
    read_frame(&mut thief).expect("the ROUTER's READY");
    let deadline = Instant::now() + RAW_TIMEOUT;
    for n in 1.. {
        round_trip(n);
        thief
            .set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        match thief.read(&mut theirs) {
            Ok(0) => break,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            other => assert!(Instant::now() < deadline, "thief kept: {other:?}"),
        }
    }
    round_trip(0);
}
