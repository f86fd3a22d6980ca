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
