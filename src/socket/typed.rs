//! The socket types, one struct each; their methods come from the macros in `macros`.

use super::core::SocketCore;
use super::{rust_option_accessors, socket_common, socket_recv, socket_send};
use crate::options::codec;
use crate::socket_type::SocketType;

macro_rules! socket_struct {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            core: crate::sys::lock::Lock<SocketCore>,
        }
    };
}

socket_struct!(
    /// A PAIR socket: talks to exactly one PAIR peer; a second is turned away (RFC 31).
    Pair
);
socket_common!(Pair, SocketType::Pair);
socket_send!(Pair);
socket_recv!(Pair);

socket_struct!(
    /// A PUSH socket: each message goes to one PULL peer, round-robin; blocks at SNDHWM
    /// (RFC 30).
    Push
);
socket_common!(Push, SocketType::Push);
socket_send!(Push);

socket_struct!(
    /// A PULL socket: receives from its PUSH peers, fair-queued (RFC 30).
    Pull
);
socket_common!(Pull, SocketType::Pull);
socket_recv!(Pull);

socket_struct!(
    /// A PUB socket: each message goes to every subscriber whose subscription prefixes its
    /// first frame; never blocks, drops for subscribers at their high-water mark (RFC 29).
    Pub
);
socket_common!(Pub, SocketType::Pub);
socket_send!(Pub);

socket_struct!(
    /// A SUB socket: receives what its publishers send on the prefixes it subscribed to.
    Sub
);
socket_common!(Sub, SocketType::Sub);
socket_recv!(Sub);

socket_struct!(
    /// An XPUB socket: a PUB that also hands the application its subscribers'
    /// subscription messages (first byte 1 = subscribe, 0 = unsubscribe, then the prefix).
    XPub
);
socket_common!(XPub, SocketType::XPub);
socket_send!(XPub);
socket_recv!(XPub);

socket_struct!(
    /// An XSUB socket: a SUB whose subscriptions are messages the application sends
    /// (first byte 1 = subscribe, 0 = unsubscribe, then the prefix).
    XSub
);
socket_common!(XSub, SocketType::XSub);
socket_send!(XSub);
socket_recv!(XSub);

socket_struct!(
    /// A REQ socket: sends a request, then receives its reply, strictly in turn (RFC 28).
    Req
);
socket_common!(Req, SocketType::Req);
socket_send!(Req);
socket_recv!(Req);

socket_struct!(
    /// A REP socket: receives a request, then sends the reply back to its requester.
    Rep
);
socket_common!(Rep, SocketType::Rep);
socket_send!(Rep);
socket_recv!(Rep);

socket_struct!(
    /// A DEALER socket: round-robin out, fair-queued in, no envelope of its own.
    Dealer
);
socket_common!(Dealer, SocketType::Dealer);
socket_send!(Dealer);
socket_recv!(Dealer);

socket_struct!(
    /// A ROUTER socket: received messages start with the sender's routing id; sent ones
    /// go to the peer named by their first frame.
    Router
);
socket_common!(Router, SocketType::Router);
socket_send!(Router);
socket_recv!(Router);

socket_struct!(
    /// A STREAM socket: raw TCP, no ZMTP. A received message is `[peer id, bytes]`; an
    /// empty body announces a peer's connection and its disconnection (STREAM_NOTIFY). A
    /// sent `[peer id, bytes]` writes the bytes to that peer; an empty body closes it.
    Stream
);
socket_common!(Stream, SocketType::Stream);
socket_send!(Stream);
socket_recv!(Stream);

crate::options::socket_option_table!(rust_option_accessors);

impl Sub {
    /// Subscribes to messages whose first frame starts with `prefix` (ZMQ_SUBSCRIBE); the
    /// empty prefix matches everything. Subscriptions are counted: each needs its own
    /// unsubscribe.
    ///
    /// # Errors
    /// None today; the `Result` matches zmq_setsockopt.
    pub fn subscribe(&self, prefix: impl crate::IntoBytes) -> crate::Result<()> {
        self.core.lock().subscribe(prefix.as_slice())
    }

    /// Drops one subscription to `prefix` (ZMQ_UNSUBSCRIBE).
    ///
    /// # Errors
    /// None today; the `Result` matches zmq_setsockopt.
    pub fn unsubscribe(&self, prefix: impl crate::IntoBytes) -> crate::Result<()> {
        self.core.lock().unsubscribe(prefix.as_slice())
    }
}

impl Pub {
    /// How many messages were dropped because a subscriber was at its high-water mark
    /// (libzmq drops them silently; this counter makes the loss visible).
    pub fn dropped(&self) -> u64 {
        self.core.lock().dropped()
    }
}

impl XPub {
    /// How many messages were dropped because a subscriber was at its high-water mark.
    pub fn dropped(&self) -> u64 {
        self.core.lock().dropped()
    }

    /// Under XPUB_MANUAL, subscribes the subscriber whose subscription message was received
    /// last to `prefix` (ZMQ_SUBSCRIBE on an XPUB); the prefix need not be the one it asked
    /// for.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) without XPUB_MANUAL, as in libzmq.
    pub fn subscribe(&self, prefix: impl crate::IntoBytes) -> crate::Result<()> {
        self.core.lock().subscribe(prefix.as_slice())
    }

    /// Under XPUB_MANUAL, drops the subscription to `prefix` of the subscriber whose
    /// subscription message was received last (ZMQ_UNSUBSCRIBE on an XPUB).
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) without XPUB_MANUAL, as in libzmq.
    pub fn unsubscribe(&self, prefix: impl crate::IntoBytes) -> crate::Result<()> {
        self.core.lock().unsubscribe(prefix.as_slice())
    }
}

impl Router {
    /// How many messages were dropped: unknown routing ids, or peers at their high-water
    /// mark, without ROUTER_MANDATORY.
    pub fn dropped(&self) -> u64 {
        self.core.lock().dropped()
    }
}
