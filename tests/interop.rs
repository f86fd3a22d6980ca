//! ferrozmq and real libzmq (the `zmq` dev-dependency) on the same wire.
//!
//! Every test runs over tcp and ipc, once with ferrozmq binding and libzmq connecting and once
//! the other way round, through [`each_link`]. Every receive has a deadline on both libraries,
//! and libzmq sockets are closed with linger 0, so a broken build fails instead of hanging.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Deadline for every send and receive, on both libraries.
const TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT_MS: i32 = 5000;
/// Messages in the ordering tests, sent in windows well under the default HWM of 1000 so one
/// thread can send and receive without either side blocking on a full pipe.
const COUNT: u32 = 10_000;
const WINDOW: u32 = 500;

#[derive(Clone, Copy, Debug)]
enum Transport {
    Tcp,
    Ipc,
}

/// An endpoint to bind for `transport`: an ephemeral tcp port, or an ipc path unique to this
/// process and call in the temp dir (returned too, so it can be removed afterwards).
fn bind_endpoint(transport: Transport) -> (String, Option<PathBuf>) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    match transport {
        Transport::Tcp => ("tcp://127.0.0.1:*".to_string(), None),
        Transport::Ipc => {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("ferrozmq-interop-{}-{n}.ipc", std::process::id()));
            let _ = std::fs::remove_file(&path);
            (format!("ipc://{}", path.display()), Some(path))
        }
    }
}

/// The calls the matrix needs from each ferrozmq socket type.
trait Ferro {
    fn bind_to(&self, endpoint: &str) -> ferrozmq::Result<()>;
    fn connect_to(&self, endpoint: &str) -> ferrozmq::Result<()>;
    fn endpoint(&self) -> Option<String>;
}

/// A ferrozmq socket that sends (Push, Pair).
trait FerroSend: Ferro {
    fn send_frames(&self, frames: Vec<Vec<u8>>) -> ferrozmq::Result<()>;
}

/// A ferrozmq socket that receives (Pull, Pair).
trait FerroRecv: Ferro {
    fn recv_frames(&self) -> ferrozmq::Result<Vec<Vec<u8>>>;
}

macro_rules! impl_ferro {
    ($($t:ty),*) => {$(
        impl Ferro for $t {
            fn bind_to(&self, endpoint: &str) -> ferrozmq::Result<()> {
                self.bind(endpoint)
            }
            fn connect_to(&self, endpoint: &str) -> ferrozmq::Result<()> {
                self.connect(endpoint)
            }
            fn endpoint(&self) -> Option<String> {
                self.last_endpoint()
            }
        }
    )*};
}

macro_rules! impl_ferro_send {
    ($($t:ty),*) => {$(
        impl FerroSend for $t {
            fn send_frames(&self, frames: Vec<Vec<u8>>) -> ferrozmq::Result<()> {
                Ok(self.send(ferrozmq::Message::from(frames))?)
            }
        }
    )*};
}

macro_rules! impl_ferro_recv {
    ($($t:ty),*) => {$(
        impl FerroRecv for $t {
            fn recv_frames(&self) -> ferrozmq::Result<Vec<Vec<u8>>> {
                let msg = self.recv()?;
                Ok(msg.frames().iter().map(|f| f.to_vec()).collect())
            }
        }
    )*};
}

impl_ferro!(ferrozmq::Push, ferrozmq::Pull, ferrozmq::Pair);
impl_ferro_send!(ferrozmq::Push, ferrozmq::Pair);
impl_ferro_recv!(ferrozmq::Pull, ferrozmq::Pair);

fn ferro_push(ctx: &ferrozmq::Context) -> ferrozmq::Push {
    let push = ferrozmq::Push::new(ctx).unwrap();
    push.set_sndtimeo(Some(TIMEOUT)).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push
}

fn ferro_pull(ctx: &ferrozmq::Context) -> ferrozmq::Pull {
    let pull = ferrozmq::Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.set_linger(Some(Duration::ZERO)).unwrap();
    pull
}

fn ferro_pair(ctx: &ferrozmq::Context) -> ferrozmq::Pair {
    let pair = ferrozmq::Pair::new(ctx).unwrap();
    pair.set_sndtimeo(Some(TIMEOUT)).unwrap();
    pair.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pair.set_linger(Some(Duration::ZERO)).unwrap();
    pair
}

/// Runs `body` on a ferrozmq socket made by `make` joined to a libzmq socket of `zmq_type`, for
/// each transport (tcp, ipc) and each direction (ferrozmq binds, libzmq binds).
fn each_link<F: Ferro>(
    make: fn(&ferrozmq::Context) -> F,
    zmq_type: zmq::SocketType,
    body: impl Fn(&F, &zmq::Socket),
) {
    for transport in [Transport::Tcp, Transport::Ipc] {
        for ferro_binds in [true, false] {
            let who = if ferro_binds { "ferrozmq" } else { "libzmq" };
            eprintln!("case: {transport:?}, {who} binds");
            let ctx = ferrozmq::Context::new();
            let zctx = zmq::Context::new();
            let ferro = make(&ctx);
            let libzmq = zctx.socket(zmq_type).unwrap();
            libzmq.set_rcvtimeo(TIMEOUT_MS).unwrap();
            libzmq.set_sndtimeo(TIMEOUT_MS).unwrap();
            libzmq.set_linger(0).unwrap();
            let (endpoint, ipc_path) = bind_endpoint(transport);
            if ferro_binds {
                ferro.bind_to(&endpoint).unwrap();
                let bound = ferro.endpoint().expect("ferrozmq reports its endpoint");
                libzmq.connect(&bound).unwrap();
            } else {
                libzmq.bind(&endpoint).unwrap();
                let bound = libzmq.get_last_endpoint().unwrap().unwrap();
                ferro.connect_to(&bound).unwrap();
            }
            body(&ferro, &libzmq);
            drop(libzmq);
            drop(ferro);
            if let Some(path) = ipc_path {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Messages of 0 B, 1 B, 255 B (largest short frame), 256 B (smallest long frame) and 1 MiB,
/// then a 3-frame message with an empty middle frame and a long last frame.
fn messages() -> Vec<Vec<Vec<u8>>> {
    let mut all: Vec<Vec<Vec<u8>>> = [0usize, 1, 255, 256, 1 << 20]
        .iter()
        .map(|&n| vec![(0..n).map(|i| (i % 251) as u8).collect()])
        .collect();
    all.push(vec![b"first".to_vec(), Vec::new(), vec![0xab; 300]]);
    all
}

/// Compares frames without printing megabytes when they differ.
fn assert_frames(got: &[Vec<u8>], want: &[Vec<u8>]) {
    assert_eq!(got.len(), want.len(), "frame count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "length of frame {i}");
        let first_diff = g.iter().zip(w).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "first differing byte of frame {i}");
    }
}

fn ferro_to_libzmq_sizes(ferro: &impl FerroSend, libzmq: &zmq::Socket) {
    for frames in messages() {
        ferro.send_frames(frames.clone()).unwrap();
        assert_frames(&libzmq.recv_multipart(0).unwrap(), &frames);
    }
}

fn libzmq_to_ferro_sizes(ferro: &impl FerroRecv, libzmq: &zmq::Socket) {
    for frames in messages() {
        libzmq.send_multipart(frames.clone(), 0).unwrap();
        assert_frames(&ferro.recv_frames().unwrap(), &frames);
    }
}

fn ferro_to_libzmq_in_order(ferro: &impl FerroSend, libzmq: &zmq::Socket) {
    for start in (0..COUNT).step_by(WINDOW as usize) {
        for i in start..start + WINDOW {
            ferro.send_frames(vec![i.to_be_bytes().to_vec()]).unwrap();
        }
        for i in start..start + WINDOW {
            assert_eq!(
                libzmq.recv_bytes(0).unwrap(),
                i.to_be_bytes(),
                "message {i}"
            );
        }
    }
}

fn libzmq_to_ferro_in_order(ferro: &impl FerroRecv, libzmq: &zmq::Socket) {
    for start in (0..COUNT).step_by(WINDOW as usize) {
        for i in start..start + WINDOW {
            libzmq.send(&i.to_be_bytes()[..], 0).unwrap();
        }
        for i in start..start + WINDOW {
            assert_eq!(
                ferro.recv_frames().unwrap(),
                [i.to_be_bytes().to_vec()],
                "message {i}"
            );
        }
    }
}

#[test]
fn ferrozmq_push_to_libzmq_pull_carries_every_size_and_multipart() {
    each_link(ferro_push, zmq::PULL, ferro_to_libzmq_sizes);
}

#[test]
fn libzmq_push_to_ferrozmq_pull_carries_every_size_and_multipart() {
    each_link(ferro_pull, zmq::PUSH, libzmq_to_ferro_sizes);
}

#[test]
fn ferrozmq_push_to_libzmq_pull_keeps_ten_thousand_messages_in_order() {
    each_link(ferro_push, zmq::PULL, ferro_to_libzmq_in_order);
}

#[test]
fn libzmq_push_to_ferrozmq_pull_keeps_ten_thousand_messages_in_order() {
    each_link(ferro_pull, zmq::PUSH, libzmq_to_ferro_in_order);
}

#[test]
fn pair_with_libzmq_carries_every_size_and_multipart_both_ways() {
    each_link(ferro_pair, zmq::PAIR, |ferro, libzmq| {
        ferro_to_libzmq_sizes(ferro, libzmq);
        libzmq_to_ferro_sizes(ferro, libzmq);
    });
}

#[test]
fn pair_with_libzmq_keeps_ten_thousand_messages_in_order_both_ways() {
    each_link(ferro_pair, zmq::PAIR, |ferro, libzmq| {
        ferro_to_libzmq_in_order(ferro, libzmq);
        libzmq_to_ferro_in_order(ferro, libzmq);
    });
}
