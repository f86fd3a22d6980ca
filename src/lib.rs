//! ferrozmq: brokerless messaging in pure Rust, wire-compatible with libzmq (ZMTP 3.1).
//!
//! ```text
//!  app thread                         I/O thread (mio Poll, one of N per Context)
//!  ──────────                         ───────────────────────────────────────────
//!  Push::send(msg)                     Connection (one per peer)
//!    └ routing::lb picks a pipe  ──▶     pipe ─▶ zmtp::Engine::send(msg)
//!        pipe = bounded queue            engine.outbuf()  (many msgs, one write)
//!        (capacity = SNDHWM)             stream.write_vectored(..)
//!                                      ◀── stream.read(64 KiB) ─▶ engine.read_buf()
//!  Pull::recv()  ◀─ routing::fq   ◀──    engine.poll_event() ─▶ Message (Bytes slices)
//!    blocks on the socket's signal       pushed into the socket's inbound pipe (RCVHWM)
//! ```
//!
//! Sockets route whole messages, on the caller's thread; the I/O threads only move bytes,
//! encode and decode. inproc joins two sockets' pipes directly. Wake-ups happen on edges only.
//!
//! ```
//! let ctx = ferrozmq::Context::new();
//! let push = ferrozmq::Push::new(&ctx)?;
//! push.bind("tcp://127.0.0.1:*")?;
//! let pull = ferrozmq::Pull::new(&ctx)?;
//! pull.connect(&push.last_endpoint().unwrap())?;
//! push.send("hello")?;
//! assert_eq!(&pull.recv()?.frames()[0][..], b"hello");
//! # Ok::<(), ferrozmq::Error>(())
//! ```
//!
//! # Parameters
//!
//! Wherever bytes go in (a message frame, a routing id, a subscription prefix, a PLAIN
//! credential) the same forms are taken: see [`IntoBytes`]. Timeouts and intervals are
//! [`Duration`](std::time::Duration)s, `None` where libzmq says -1 ("forever") or 0
//! ("off"), as each option's doc tells. Socket options are typed setters and getters, named
//! after libzmq's, on the socket types that take them; a setter refuses what
//! `zmq_setsockopt` would refuse.
//!
//! ```
//! use std::time::Duration;
//!
//! let ctx = ferrozmq::Context::new();
//! let dealer = ferrozmq::Dealer::new(&ctx)?;
//! dealer.set_routing_id("worker-1")?;
//! dealer.set_rcvtimeo(Some(Duration::from_millis(100)))?;
//! dealer.set_sndhwm(10_000)?;
//! assert_eq!(dealer.rcvtimeo(), Some(Duration::from_millis(100)));
//! // Routing ids starting with a zero byte are libzmq's own.
//! assert!(dealer.set_routing_id(b"\0worker").is_err());
//! # Ok::<(), ferrozmq::Error>(())
//! ```
//!
//! # Several sockets at once
//!
//! [`poll`] waits until any of several sockets can receive (or send):
//!
//! ```
//! use std::time::Duration;
//! use ferrozmq::{Context, Message, PollItem, Pull, Push, poll};
//!
//! let ctx = Context::new();
//! let jobs = Pull::new(&ctx)?;
//! jobs.bind("inproc://jobs")?;
//! let control = Pull::new(&ctx)?;
//! control.bind("inproc://control")?;
//! let boss = Push::new(&ctx)?;
//! boss.connect("inproc://control")?;
//! boss.send("stop")?;
//!
//! let mut items = [PollItem::readable(&jobs), PollItem::readable(&control)];
//! assert_eq!(poll(&mut items, Some(Duration::from_secs(5)))?, 1);
//! assert!(!items[0].is_readable() && items[1].is_readable());
//! assert_eq!(control.try_recv()?, Message::from("stop"));
//! # Ok::<(), ferrozmq::Error>(())
//! ```
//!
//! [`proxy`] moves messages between two sockets until the context is shut down:
//!
//! ```
//! use std::time::Duration;
//! use ferrozmq::{Context, Error, Message, Pull, Push};
//!
//! let ctx = Context::new();
//! let proxy_ctx = ctx.clone();
//! let (ready, bound) = std::sync::mpsc::channel();
//! let proxy = std::thread::spawn(move || -> ferrozmq::Result<()> {
//!     let frontend = Pull::new(&proxy_ctx)?;
//!     frontend.bind("inproc://requests")?;
//!     let backend = Push::new(&proxy_ctx)?;
//!     backend.bind("inproc://workers")?;
//!     let _ = ready.send(());
//!     ferrozmq::proxy(&frontend, &backend, None)
//! });
//! bound.recv().expect("the proxy thread binds");
//!
//! let client = Push::new(&ctx)?;
//! client.connect("inproc://requests")?;
//! let worker = Pull::new(&ctx)?;
//! worker.set_rcvtimeo(Some(Duration::from_secs(5)))?;
//! worker.connect("inproc://workers")?;
//! client.send("job 1")?;
//! assert_eq!(worker.recv()?, Message::from("job 1"));
//!
//! ctx.shutdown();
//! assert!(matches!(proxy.join().unwrap(), Err(Error::Terminated)));
//! # Ok::<(), ferrozmq::Error>(())
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
mod context;
pub mod curve;
mod endpoint;
pub mod error;
#[allow(unsafe_code)]
mod ffi;
mod frame_arena;
pub mod future;
mod io;
pub mod message;
mod monitor;
mod options;
mod pipe;
mod poll;
pub mod routing;
mod signal;
mod socket;
pub mod socket_type;
mod sys;
mod transport;
pub mod z85;
pub mod zmtp;

/// The base instant the sans-IO modules' tests offset their times from: those modules never
/// read the clock themselves, so their tests borrow one reading from here.
#[cfg(test)]
pub(crate) fn test_epoch() -> std::time::Instant {
    std::time::Instant::now()
}

pub use auth::Authenticator;
pub use context::{Context, ContextBuilder};
pub use curve::{CurveKeyPair, CurvePublicKey, CurveSecretKey};
pub use error::{Error, Result, SendError};
pub use message::{IntoBytes, Message, Properties};
pub use monitor::{ALL_EVENTS, Monitor, MonitorEvent};
pub use options::codec::SecurityMechanism;
pub use poll::{PollItem, poll, proxy};
pub use socket::{
    Dealer, Events, Pair, Pub, Pull, Push, Rep, Req, Router, Socket, Stream, Sub, XPub, XSub,
};
pub use socket_type::SocketType;
pub use transport::accept::TcpAcceptFilter;
