//! The typed sockets. Each offers only the operations its pattern allows (a `Pull` has no
//! `send`); the shared machinery is in `core`, each type's rules in `pattern`.

pub(crate) mod blocking;
mod capi;
pub(crate) mod core;
mod endpoints;
pub(crate) mod macros;
mod pattern;
mod typed;

pub(crate) use macros::{rust_option_accessors, socket_common, socket_recv, socket_send};
pub use typed::{Dealer, Pair, Pub, Pull, Push, Rep, Req, Router, Stream, Sub, XPub, XSub};

use self::core::SocketCore;

/// Readiness of a socket, as libzmq's ZMQ_EVENTS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Events {
    /// A receive would return a message now (ZMQ_POLLIN).
    pub readable: bool,
    /// A send would not block now (ZMQ_POLLOUT).
    pub writable: bool,
}

pub(crate) mod sealed {
    use super::*;

    /// Keeps [`Socket`](super::Socket) implemented by ferrozmq's types only, and gives the
    /// crate their cores.
    pub trait Sealed {
        /// The socket's shared machinery.
        fn core(&self) -> &crate::sys::lock::Lock<SocketCore>;
    }
}

/// What every socket type has in common, for code that handles any socket: [`poll`] and
/// [`proxy`]. Implemented by all ferrozmq socket types; not implementable outside.
///
/// [`poll`]: crate::poll
/// [`proxy`]: crate::proxy
pub trait Socket: sealed::Sealed {
    /// The socket's type.
    fn kind(&self) -> crate::SocketType;
}
