//! Macros that give each typed socket its methods without repeating them by hand.

/// Generates what every typed socket has: construction, endpoints, readiness and options.
macro_rules! socket_common {
    ($name:ident, $kind:expr) => {
        impl $crate::socket::sealed::Sealed for $name {
            fn core(&self) -> &::std::cell::RefCell<$crate::socket::core::SocketCore> {
                &self.core
            }
        }

        impl $crate::socket::Socket for $name {
            fn kind(&self) -> $crate::SocketType {
                $kind
            }
        }

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
            /// may be queued at once (unless IMMEDIATE); they flow when the connection is made.
            ///
            /// # Errors
            /// An invalid or unsupported endpoint, or a host name that does not resolve.
            pub fn connect(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.borrow_mut().connect(endpoint)
            }

            /// Stops listening on an endpoint given to [`bind`](Self::bind) (as given, or as
            /// [`last_endpoint`](Self::last_endpoint) reported it) and closes the connections
            /// accepted there.
            ///
            /// # Errors
            /// [`Error::NoSuchEndpoint`](crate::Error::NoSuchEndpoint) if it is not bound.
            pub fn unbind(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.borrow_mut().unbind(endpoint)
            }

            /// Drops a connection made by [`connect`](Self::connect), with what is queued
            /// for it.
            ///
            /// # Errors
            /// [`Error::NoSuchEndpoint`](crate::Error::NoSuchEndpoint) if it is not connected.
            pub fn disconnect(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.borrow_mut().disconnect(endpoint)
            }

            /// The endpoint of the last bind or connect, with a wildcard port resolved
            /// (ZMQ_LAST_ENDPOINT).
            pub fn last_endpoint(&self) -> Option<String> {
                self.core.borrow().last_endpoint()
            }

            /// Starts reporting this socket's connection events (libzmq's socket monitor):
            /// connects, accepts, handshakes, disconnects, binds. A monitor started later
            /// replaces this one; each ends with
            /// [`MonitorStopped`](crate::MonitorEvent::MonitorStopped), at the latest when
            /// the socket is dropped.
            pub fn monitor(&self) -> $crate::Monitor {
                self.core.borrow_mut().monitor($crate::ALL_EVENTS)
            }

            /// The socket's type (ZMQ_TYPE).
            pub fn socket_type(&self) -> $crate::SocketType {
                $kind
            }

            /// Whether a receive or a send would go through now (ZMQ_EVENTS). Finding the
            /// socket readable may take the next message early; the next receive returns it.
            pub fn events(&self) -> $crate::socket::Events {
                let mut core = self.core.borrow_mut();
                $crate::socket::Events {
                    readable: core.readable(),
                    writable: core.writable(),
                }
            }

            /// ZMQ_ROUTING_ID: the id peers' ROUTER sockets address this socket by; set it
            /// before bind or connect (1 to 255 bytes, not starting with a zero byte).
            ///
            /// # Errors
            /// [`Error::Invalid`](crate::Error::Invalid) for an empty, too long or reserved id.
            pub fn set_routing_id(&self, id: impl Into<::bytes::Bytes>) -> $crate::Result<()> {
                let id = id.into();
                if id.is_empty() || id.len() > 255 || id[0] == 0 {
                    return Err($crate::Error::Invalid(
                        "routing ids are 1-255 bytes, not starting with 0",
                    ));
                }
                self.core.borrow_mut().options.routing_id = id;
                Ok(())
            }

            /// ZMQ_ROUTING_ID: the id set with [`set_routing_id`](Self::set_routing_id).
            pub fn routing_id(&self) -> ::bytes::Bytes {
                self.core.borrow().options.routing_id.clone()
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
                /// ZMQ_IMMEDIATE: queue messages only for completed connections (default
                /// false: a connect queues at once).
                immediate, set_immediate: bool;
                /// ZMQ_CONFLATE: keep only the newest message in each queue (default false).
                conflate, set_conflate: bool;
                /// ZMQ_HEARTBEAT_IVL: send a ZMTP PING this often (default `None`: never).
                heartbeat_ivl, set_heartbeat_ivl: Option<::std::time::Duration>;
                /// ZMQ_HEARTBEAT_TTL: how long the peer may go without hearing from us before
                /// it drops us, sent in our PINGs (default `None`: no limit).
                heartbeat_ttl, set_heartbeat_ttl: Option<::std::time::Duration>;
                /// ZMQ_HEARTBEAT_TIMEOUT: silence after a PING that ends the connection
                /// (default `None`: the heartbeat interval).
                heartbeat_timeout, set_heartbeat_timeout: Option<::std::time::Duration>;
                /// ZMQ_TCP_KEEPALIVE: turn TCP keepalives on or off (`None`, the default,
                /// leaves the OS setting).
                tcp_keepalive, set_tcp_keepalive: Option<bool>;
                /// ZMQ_TCP_KEEPALIVE_IDLE: idle time before keepalive probes (default: OS).
                tcp_keepalive_idle, set_tcp_keepalive_idle: Option<::std::time::Duration>;
                /// ZMQ_TCP_KEEPALIVE_CNT: probes before the connection is dropped (default: OS).
                tcp_keepalive_cnt, set_tcp_keepalive_cnt: Option<u32>;
                /// ZMQ_TCP_KEEPALIVE_INTVL: time between keepalive probes (default: OS).
                tcp_keepalive_intvl, set_tcp_keepalive_intvl: Option<::std::time::Duration>;
                /// ZMQ_CONNECT_TIMEOUT: how long a tcp connect may take before it is retried
                /// (default `None`: the OS's limit).
                connect_timeout, set_connect_timeout: Option<::std::time::Duration>;
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

/// Generates `send` and `try_send`.
macro_rules! socket_send {
    ($name:ident) => {
        impl $name {
            /// Sends a whole message by the socket type's rules, blocking (where the pattern
            /// blocks) up to SNDTIMEO.
            ///
            /// # Errors
            /// [`Error::Again`](crate::Error::Again) when SNDTIMEO expires,
            /// [`Error::State`](crate::Error::State) out of turn (REQ, REP),
            /// [`Error::HostUnreachable`](crate::Error::HostUnreachable) for an unknown
            /// peer under ROUTER_MANDATORY, [`Error::Terminated`](crate::Error::Terminated)
            /// when the context is terminated; the message comes back in the
            /// [`SendError`](crate::SendError).
            pub fn send(
                &self,
                msg: impl Into<$crate::Message>,
            ) -> $crate::Result<(), $crate::SendError> {
                self.core.borrow_mut().send(msg.into(), false)
            }

            /// Sends without blocking.
            ///
            /// # Errors
            /// As [`send`](Self::send), with [`Error::Again`](crate::Error::Again) when the
            /// message cannot go now.
            pub fn try_send(
                &self,
                msg: impl Into<$crate::Message>,
            ) -> $crate::Result<(), $crate::SendError> {
                self.core.borrow_mut().send(msg.into(), true)
            }
        }
    };
}

/// Generates `recv` and `try_recv`.
macro_rules! socket_recv {
    ($name:ident) => {
        impl $name {
            /// Receives the next whole message by the socket type's rules, blocking up to
            /// RCVTIMEO.
            ///
            /// # Errors
            /// [`Error::Again`](crate::Error::Again) when RCVTIMEO expires,
            /// [`Error::State`](crate::Error::State) out of turn (REQ, REP),
            /// [`Error::Terminated`](crate::Error::Terminated) when the context is terminated.
            pub fn recv(&self) -> $crate::Result<$crate::Message> {
                self.core.borrow_mut().recv(false)
            }

            /// Receives without blocking.
            ///
            /// # Errors
            /// As [`recv`](Self::recv), with [`Error::Again`](crate::Error::Again) when no
            /// message is waiting.
            pub fn try_recv(&self) -> $crate::Result<$crate::Message> {
                self.core.borrow_mut().recv(true)
            }
        }
    };
}

pub(crate) use socket_common;
pub(crate) use socket_options;
pub(crate) use socket_recv;
pub(crate) use socket_send;
