//! Macros that give each typed socket its methods without repeating them by hand.

/// Generates what every typed socket has: construction, endpoints, readiness and options.
macro_rules! socket_common {
    ($name:ident, $kind:expr) => {
        impl $crate::socket::sealed::Sealed for $name {
            fn core(&self) -> &$crate::sys::lock::Lock<$crate::socket::core::SocketCore> {
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
                    core: $crate::sys::lock::Lock::new($crate::socket::core::SocketCore::new(
                        ctx, $kind,
                    )?),
                })
            }

            /// Binds to `endpoint` (`tcp://`, `ipc://` or `inproc://`) and accepts peers there.
            ///
            /// # Errors
            /// An invalid or unsupported endpoint, or an address already in use.
            pub fn bind(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.lock().bind(endpoint)
            }

            /// Connects to `endpoint`, reconnecting whenever the connection is lost. Messages
            /// may be queued at once (unless IMMEDIATE); they flow when the connection is made.
            ///
            /// # Errors
            /// An invalid or unsupported endpoint, or a host name that does not resolve.
            pub fn connect(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.lock().connect(endpoint)
            }

            /// Stops listening on an endpoint bound with [`bind`](Self::bind), named as
            /// [`last_endpoint`](Self::last_endpoint) reported it, and closes the connections
            /// accepted there. As in libzmq, the wildcard given to bind (`tcp://127.0.0.1:*`,
            /// `ipc://*`) does not name it.
            ///
            /// # Errors
            /// [`Error::NoSuchEndpoint`](crate::Error::NoSuchEndpoint) if it is not bound.
            pub fn unbind(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.lock().unbind(endpoint)
            }

            /// Drops a connection made by [`connect`](Self::connect), with what is queued
            /// for it.
            ///
            /// # Errors
            /// [`Error::NoSuchEndpoint`](crate::Error::NoSuchEndpoint) if it is not connected.
            pub fn disconnect(&self, endpoint: &str) -> $crate::Result<()> {
                self.core.lock().disconnect(endpoint)
            }

            /// The endpoint of the last bind or connect, with a wildcard port resolved
            /// (ZMQ_LAST_ENDPOINT).
            pub fn last_endpoint(&self) -> Option<String> {
                self.core.lock().last_endpoint()
            }

            /// Starts reporting this socket's connection events (libzmq's socket monitor):
            /// connects, accepts, handshakes, disconnects, binds. A monitor started later
            /// replaces this one; each ends with
            /// [`MonitorStopped`](crate::MonitorEvent::MonitorStopped), at the latest when
            /// the socket is dropped.
            pub fn monitor(&self) -> $crate::Monitor {
                self.core.lock().monitor($crate::ALL_EVENTS)
            }

            /// The socket's type (ZMQ_TYPE).
            pub fn socket_type(&self) -> $crate::SocketType {
                $kind
            }

            /// Whether a receive or a send would go through now (ZMQ_EVENTS). Finding the
            /// socket readable may take the next message early; the next receive returns it.
            pub fn events(&self) -> $crate::socket::Events {
                let mut core = self.core.lock();
                $crate::socket::Events {
                    readable: core.readable(),
                    writable: core.writable(),
                }
            }
        }
    };
}

/// Puts methods on the socket types an option table entry names (`*`: all of them).
macro_rules! impl_on {
    (*, $body:tt) => {
        $crate::socket::macros::impl_on!(
            [Pair, Pub, Sub, XPub, XSub, Push, Pull, Req, Rep, Dealer, Router, Stream],
            $body
        );
    };
    ([$($t:ident),*], $body:tt) => {
        $(impl $crate::socket::$t $body)*
    };
}

/// Generates, from the option table, a getter and a setter per option on each socket type
/// that takes it; the setter checks the value as zmq_setsockopt would.
macro_rules! rust_option_accessors {
    ($($(#[$doc:meta])* $field:ident / $setter:ident : $ty:ty [$arg:ty] = $default:expr,
        $zname:ident = $num:literal, $codec:ty, on $on:tt, $effect:ident, $access:ident;)*) => {
        $($crate::socket::macros::impl_on!($on, {
            $(#[$doc])*
            #[allow(clippy::clone_on_copy)]
            pub fn $field(&self) -> $ty {
                $crate::socket::sealed::Sealed::core(self).lock().options.$field.clone()
            }

            $crate::socket::macros::option_setter!($access, $(#[$doc])* $field / $setter: $ty
                [$arg], $codec, $effect);
        });)*
    };
}

/// A typed setter for a writable option; none for a read-only one (ZMQ_MECHANISM).
macro_rules! option_setter {
    (ro, $($rest:tt)*) => {};
    ($access:ident, $(#[$doc:meta])* $field:ident / $setter:ident : $ty:ty [$arg:ty],
        $codec:ty, $effect:ident) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// [`Error::Invalid`](crate::Error::Invalid) for a value zmq_setsockopt would
        /// refuse.
        pub fn $setter(&self, value: $arg) -> $crate::Result<()> {
            let value: $ty = $crate::options::SetterArg::into_value(value);
            <$codec as $crate::options::codec::Codec<$ty>>::check(&value)?;
            let mut core = $crate::socket::sealed::Sealed::core(self).lock();
            core.options_mut().$field = value.clone();
            <$codec as $crate::options::codec::Codec<$ty>>::after_set(&value, core.options_mut());
            core.option_changed($crate::options::Effect::$effect);
            Ok(())
        }
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
                $crate::socket::blocking::send(&self.core, msg.into(), false)
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
                $crate::socket::blocking::send(&self.core, msg.into(), true)
            }

            /// Sends asynchronously: the future resolves once the whole message is queued,
            /// waiting where [`send`](Self::send) would block (SNDTIMEO does not apply;
            /// bound the wait with the executor's timer). Dropped early, it sent nothing;
            /// see [`SendFuture`]($crate::future::SendFuture).
            pub fn send_async(
                &self,
                msg: impl Into<$crate::Message>,
            ) -> $crate::future::SendFuture<'_> {
                $crate::future::SendFuture::new(&self.core, msg.into())
            }

            /// The socket as a `futures::Sink` of messages (feature `futures`).
            #[cfg(feature = "futures")]
            pub fn send_sink(&self) -> $crate::future::SendSink<'_> {
                $crate::future::SendSink::new(&self.core)
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
                $crate::socket::blocking::recv(&self.core, false)
            }

            /// Receives without blocking.
            ///
            /// # Errors
            /// As [`recv`](Self::recv), with [`Error::Again`](crate::Error::Again) when no
            /// message is waiting.
            pub fn try_recv(&self) -> $crate::Result<$crate::Message> {
                $crate::socket::blocking::recv(&self.core, true)
            }

            /// As [`recv`](Self::recv), with the properties of the connection the message
            /// came in on: the peer's handshake metadata, the ZAP handler's `"User-Id"` and
            /// metadata, and `"Peer-Address"`, as libzmq's `zmq_msg_gets` reads them. `None`
            /// for a message from an inproc peer, as in libzmq.
            ///
            /// # Errors
            /// As [`recv`](Self::recv).
            pub fn recv_with_properties(
                &self,
            ) -> $crate::Result<($crate::Message, Option<$crate::Properties>)> {
                let msg = $crate::socket::blocking::recv(&self.core, false)?;
                Ok((msg, self.core.lock().last_properties()))
            }

            /// Receives asynchronously: the future resolves to the next whole message
            /// (RCVTIMEO does not apply; bound the wait with the executor's timer). Dropped
            /// early, it loses nothing: the message stays queued for the next receive.
            pub fn recv_async(&self) -> $crate::future::RecvFuture<'_> {
                $crate::future::RecvFuture::new(&self.core)
            }

            /// The messages the socket receives, as a `futures::Stream` (feature
            /// `futures`).
            #[cfg(feature = "futures")]
            pub fn recv_stream(&self) -> $crate::future::RecvStream<'_> {
                $crate::future::RecvStream::new(&self.core)
            }
        }
    };
}

pub(crate) use impl_on;
pub(crate) use option_setter;
pub(crate) use rust_option_accessors;
pub(crate) use socket_common;
pub(crate) use socket_recv;
pub(crate) use socket_send;
