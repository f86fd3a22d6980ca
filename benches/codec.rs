//! ZMTP codec micro-benchmarks, no I/O: how fast a ready [`Engine`] encodes messages into its
//! out buffer and decodes them from received bytes.
//!
//! `cargo bench --bench codec` (`FERROZMQ_BENCH_QUICK=1` or `--quick`: fewer rounds).
//!
//! - encode: `Engine::send` of N one-frame messages into the out buffer, drained as the I/O
//!   thread would after a successful `writev`: `io_slices` (64 at a time) then `advance` by
//!   what they cover, whenever 256 KiB are queued. Bodies of `frame::ZERO_COPY_MIN` bytes or
//!   more are queued by reference, so for them this measures headers and refcounts, not
//!   copies.
//! - decode: a prepared buffer of encoded frames fed to a ready PULL engine in 64 KiB pieces
//!   with `handle_input` (a copy, as a `read` into `read_buf` would make), each followed by
//!   `poll_event` until it has nothing more; the messages are dropped as they come.
//!
//! The clock is read once per run and that `Instant` is passed to every `poll_event`.

use std::hint::black_box;
use std::io::IoSlice;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrozmq::zmtp::{Engine, EngineConfig, Event};
use ferrozmq::{Message, SocketType};

const DRAIN_AT: usize = 256 << 10;
const READ_CHUNK: usize = 64 << 10;

/// Moves everything `from` has queued into `to`'s input.
fn pump(from: &mut Engine, to: &mut Engine) {
    let bytes = from.outbuf().to_vec();
    from.outbuf().advance(bytes.len());
    to.handle_input(&bytes);
}

/// A PUSH and a PULL engine past their handshake, out buffers empty.
fn ready_pair() -> (Engine, Engine) {
    let now = Instant::now();
    let mut push = Engine::new(EngineConfig::new(SocketType::Push), now);
    let mut pull = Engine::new(EngineConfig::new(SocketType::Pull), now);
    for _ in 0..4 {
        pump(&mut push, &mut pull);
        pump(&mut pull, &mut push);
        for e in [&mut push, &mut pull] {
            while let Some(ev) = e.poll_event(now).expect("handshake") {
                assert!(matches!(ev, Event::Ready(_)), "unexpected {ev:?}");
            }
        }
        if push.is_ready() && pull.is_ready() {
            break;
        }
    }
    assert!(
        push.is_ready() && pull.is_ready(),
        "handshake did not finish"
    );
    for e in [&mut push, &mut pull] {
        let n = e.outbuf().len();
        e.outbuf().advance(n);
    }
    (push, pull)
}

/// Drains the out buffer as a `writev` that takes everything would.
fn drain(e: &mut Engine) {
    while !e.outbuf().is_empty() {
        let out = e.outbuf();
        let mut slots = [IoSlice::new(&[]); 64];
        let n = out.io_slices(&mut slots);
        let written: usize = slots[..n].iter().map(|s| s.len()).sum();
        black_box(&slots[..n]);
        out.advance(written);
    }
}

fn encode_run(engine: &mut Engine, msg: &Message, n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        engine.send(msg);
        if engine.outbuf().len() >= DRAIN_AT {
            drain(engine);
        }
    }
    drain(engine);
    start.elapsed()
}

/// `n` messages of `size` bytes as the wire carries them.
fn encoded(push: &mut Engine, size: usize, n: usize) -> Vec<u8> {
    let msg = Message::single(Bytes::from(vec![7u8; size]));
    for _ in 0..n {
        push.send(&msg);
    }
    let wire = push.outbuf().to_vec();
    push.outbuf().advance(wire.len());
    wire
}

fn decode_run(engine: &mut Engine, wire: &[u8], reps: usize) -> (Duration, usize) {
    let start = Instant::now();
    let now = start;
    let mut got = 0;
    for _ in 0..reps {
        for piece in wire.chunks(READ_CHUNK) {
            engine.handle_input(piece);
            while let Some(ev) = engine.poll_event(now).expect("decode") {
                if let Event::Message(m) = ev {
                    got += 1;
                    black_box(m);
                }
            }
        }
    }
    (start.elapsed(), got)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(op: &str, size: usize, msgs: usize, secs: f64) {
    let rate = msgs as f64 / secs;
    println!(
        "{:<7} {:>8} {:>10} {:>9.2} {:>11.2} {:>9.1}",
        op,
        size,
        msgs,
        rate * size as f64 / 1e9,
        rate / 1e6,
        1e9 / rate
    );
}

fn main() {
    let quick = std::env::var_os("FERROZMQ_BENCH_QUICK").is_some_and(|v| v != "0")
        || std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 3 } else { 7 };
    println!(
        "ZMTP codec, no I/O: one ready engine, median of {rounds} runs (GB = 10^9 payload bytes)"
    );
    println!(
        "encode: Engine::send into the out buffer, drained by io_slices+advance every 256 KiB (bodies >= 8 KiB by reference)"
    );
    println!(
        "decode: prepared wire bytes fed in 64 KiB handle_input pieces, poll_event until empty"
    );
    println!(
        "{:<7} {:>8} {:>10} {:>9} {:>11} {:>9}",
        "op", "size", "messages", "GB/s", "M msg/s", "ns/msg"
    );
    for size in [16usize, 1024, 64 << 10, 1 << 20] {
        // About 1 GB of payload or 4M messages per run, whichever is fewer.
        let n = ((1usize << 30) / size).min(4_000_000);
        let (mut push, mut pull) = ready_pair();

        let msg = Message::single(Bytes::from(vec![7u8; size]));
        encode_run(&mut push, &msg, n / 10); // warm-up: grows the buffers
        let secs = (0..rounds)
            .map(|_| encode_run(&mut push, &msg, n).as_secs_f64())
            .collect();
        report("encode", size, n, median(secs));

        // One prepared buffer of at most ~64 MiB, fed as many times as it takes to reach n.
        let per_buf = n.min((64usize << 20) / (size + 9)).max(1);
        let reps = n.div_ceil(per_buf);
        let wire = encoded(&mut push, size, per_buf);
        decode_run(&mut pull, &wire, 1); // warm-up
        let mut secs = Vec::new();
        for _ in 0..rounds {
            let (t, got) = decode_run(&mut pull, &wire, reps);
            assert_eq!(got, per_buf * reps, "decoded message count");
            secs.push(t.as_secs_f64());
        }
        report("decode", size, per_buf * reps, median(secs));
    }
}
