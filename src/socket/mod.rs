//! The typed sockets. Each offers only the operations its pattern allows (a `Pull` has no
//! `send`); the shared machinery is in `core`.

pub(crate) mod core;
mod pair;
mod pushpull;

pub use pair::Pair;
pub use pushpull::{Pull, Push};

/// Generates what every typed socket has: construction, endpoints and options.
macro_rules! socket_common {
    ($name:ident, $kind:expr) => {
        impl $name {
            /// Creates a socket in `ctx`.
            ///
            /// # Errors
            /// [`Error::Terminated`](crate::Error::Terminated) if the context was terminated,
            /// [`Error::TooManySockets`](crate::Error::TooManySockets) past its socket limit.
            pub fn new(ctx: &$crate::Context) -> $crate::Result<$name> {
                Ok($name {
                    core: ::std::cell::RefCell::new($crate::socket::core::SocketCore::new(
                        ctx, $kind,
                    )?),
                })
            }

            /// Binds to `endpoint` (`tcp://`, `ipc://` or `inproc://`) and accepts peers there.
            ///
            /// # Errors
            /// An invalid or unsupported endpoint, or an address already in use.
            pub fn bind(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.borrow_mut().bind(endpoint)
            }

            /// Connects to `endpoint`, reconnecting whenever the connection is lost. Messages
            /// may be queued at once; they flow when the connection is made.
            ///
            /// # Errors
            /// An invalid or unsupported endpoint, or a host name that does not resolve.
            pub fn connect(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.borrow_mut().connect(endpoint)
            }

            /// The endpoint of the last bind or connect, with a wildcard port resolved
            /// (ZMQ_LAST_ENDPOINT).
            pub fn last_endpoint(&self) -> Option<String> {
                self.core.borrow().last_endpoint()
            }

            /// The socket's type (ZMQ_TYPE).
            pub fn socket_type(&self) -> $crate::SocketType {
                self.core.borrow().kind()
            }

            $crate::socket::socket_options! {
                /// ZMQ_SNDHWM: messages queued per peer before sends block or drop
                /// (default 1000; 0 = no limit). Applies to peers attached afterwards.
                sndhwm, set_sndhwm: usize;
                /// ZMQ_RCVHWM: messages queued per peer on the receiving side (default 1000;
                /// 0 = no limit). Applies to peers attached afterwards.
                rcvhwm, set_rcvhwm: usize;
                /// ZMQ_LINGER: how long queued messages may keep the I/O thread busy after
                /// the socket is dropped (default `None`: until sent).
                linger, set_linger: Option<::std::time::Duration>;
                /// ZMQ_SNDTIMEO: how long a send blocks (default `None`: forever).
                sndtimeo, set_sndtimeo: Option<::std::time::Duration>;
                /// ZMQ_RCVTIMEO: how long a receive blocks (default `None`: forever).
                rcvtimeo, set_rcvtimeo: Option<::std::time::Duration>;
                /// ZMQ_RECONNECT_IVL: the wait before reconnecting (default 100 ms; `None`
                /// never reconnects).
                reconnect_ivl, set_reconnect_ivl: Option<::std::time::Duration>;
                /// ZMQ_RECONNECT_IVL_MAX: the cap of the doubling reconnect backoff (default
                /// zero: no backoff).
                reconnect_ivl_max, set_reconnect_ivl_max: ::std::time::Duration;
                /// ZMQ_MAXMSGSIZE: the largest inbound frame accepted; a peer sending a larger
                /// one is disconnected (default `None`: no limit).
                maxmsgsize, set_maxmsgsize: Option<u64>;
                /// ZMQ_HANDSHAKE_IVL: time allowed for a peer's handshake (default 30 s;
                /// `None`: no limit).
                handshake_ivl, set_handshake_ivl: Option<::std::time::Duration>;
                /// ZMQ_IPV6: use IPv6 for `*` binds and host names (default false).
                ipv6, set_ipv6: bool;
            }
        }
    };
}

/// Generates a getter and a setter per option field.
macro_rules! socket_options {
    ($($(#[$doc:meta])* $field:ident, $setter:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $field(&self) -> $ty {
                self.core.borrow().options.$field.clone()
            }

            $(#[$doc])*
            ///
            /// # Errors
            /// None today; the `Result` leaves room for validation, as in zmq_setsockopt.
            pub fn $setter(&self, value: $ty) -> $crate::Result<()> {
                self.core.borrow_mut().options.$field = value;
                Ok(())
            }
        )*
    };
}

pub(crate) use socket_common;
pub(crate) use socket_options;
