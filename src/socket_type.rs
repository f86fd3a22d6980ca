//! Socket types: their zmq.h numbers, their ZMTP wire names, and which peers they may talk to.

/// The kind of a socket, numbered as in libzmq's zmq.h.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketType {
    /// Exclusive pair (ZMQ_PAIR, 0).
    Pair,
    /// Publisher (ZMQ_PUB, 1).
    Pub,
    /// Subscriber (ZMQ_SUB, 2).
    Sub,
    /// Requester (ZMQ_REQ, 3).
    Req,
    /// Replier (ZMQ_REP, 4).
    Rep,
    /// Asynchronous requester (ZMQ_DEALER, 5).
    Dealer,
    /// Asynchronous replier (ZMQ_ROUTER, 6).
    Router,
    /// Pipeline sink (ZMQ_PULL, 7).
    Pull,
    /// Pipeline source (ZMQ_PUSH, 8).
    Push,
    /// Raw publisher (ZMQ_XPUB, 9).
    XPub,
    /// Raw subscriber (ZMQ_XSUB, 10).
    XSub,
    /// Raw TCP, no ZMTP (ZMQ_STREAM, 11).
    Stream,
}

impl SocketType {
    /// Every socket type, in zmq.h order.
    pub const ALL: [SocketType; 12] = [
        SocketType::Pair,
        SocketType::Pub,
        SocketType::Sub,
        SocketType::Req,
        SocketType::Rep,
        SocketType::Dealer,
        SocketType::Router,
        SocketType::Pull,
        SocketType::Push,
        SocketType::XPub,
        SocketType::XSub,
        SocketType::Stream,
    ];

    /// The number zmq.h gives this type (ZMQ_PAIR = 0 ... ZMQ_XSUB = 10).
    pub fn number(self) -> i32 {
        match self {
            SocketType::Pair => 0,
            SocketType::Pub => 1,
            SocketType::Sub => 2,
            SocketType::Req => 3,
            SocketType::Rep => 4,
            SocketType::Dealer => 5,
            SocketType::Router => 6,
            SocketType::Pull => 7,
            SocketType::Push => 8,
            SocketType::XPub => 9,
            SocketType::XSub => 10,
            SocketType::Stream => 11,
        }
    }

    /// The type with zmq.h number `n`, if there is one.
    pub fn from_number(n: i32) -> Option<SocketType> {
        Self::ALL.iter().copied().find(|t| t.number() == n)
    }

    /// The name sent in the READY command's Socket-Type property (ZMTP 3.x, section 4).
    pub fn wire_name(self) -> &'static str {
        match self {
            SocketType::Pair => "PAIR",
            SocketType::Pub => "PUB",
            SocketType::Sub => "SUB",
            SocketType::Req => "REQ",
            SocketType::Rep => "REP",
            SocketType::Dealer => "DEALER",
            SocketType::Router => "ROUTER",
            SocketType::Pull => "PULL",
            SocketType::Push => "PUSH",
            SocketType::XPub => "XPUB",
            SocketType::XSub => "XSUB",
            // Never sent: a STREAM socket speaks no ZMTP.
            SocketType::Stream => "STREAM",
        }
    }

    /// Parses a Socket-Type property value. Libzmq compares these exactly (upper case).
    pub fn from_wire_name(name: impl crate::IntoBytes) -> Option<SocketType> {
        let name = name.as_slice();
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.wire_name().as_bytes() == name)
    }

    /// Whether a socket of this type may exchange messages with a peer of type `peer`
    /// (ZMTP 3.x socket compatibility table).
    pub fn is_compatible(self, peer: SocketType) -> bool {
        use SocketType::*;
        match self {
            Pair => peer == Pair,
            Pub | XPub => matches!(peer, Sub | XSub),
            Sub | XSub => matches!(peer, Pub | XPub),
            Req => matches!(peer, Rep | Router),
            Rep => matches!(peer, Req | Dealer),
            Dealer => matches!(peer, Rep | Dealer | Router),
            Router => matches!(peer, Req | Dealer | Router),
            Push => peer == Pull,
            Pull => peer == Push,
            Stream => false,
        }
    }

    /// Whether this type's connections are raw bytes with no ZMTP (STREAM).
    pub fn is_raw(self) -> bool {
        self == SocketType::Stream
    }

    /// Whether READY from this type carries an Identity property (libzmq sends it for the
    /// types that a ROUTER may address: REQ, DEALER and ROUTER).
    pub fn sends_identity(self) -> bool {
        matches!(
            self,
            SocketType::Req | SocketType::Dealer | SocketType::Router
        )
    }
}

impl std::fmt::Display for SocketType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_wire_names_round_trip() {
        for t in SocketType::ALL {
            assert_eq!(SocketType::from_number(t.number()), Some(t));
            assert_eq!(
                SocketType::from_wire_name(t.wire_name().as_bytes()),
                Some(t)
            );
        }
        assert_eq!(SocketType::from_number(12), None);
        assert_eq!(SocketType::from_wire_name(b"push"), None);
    }

    #[test]
    fn compatibility_is_symmetric() {
        for a in SocketType::ALL {
            for b in SocketType::ALL {
                assert_eq!(a.is_compatible(b), b.is_compatible(a), "{a} {b}");
            }
        }
    }

    #[test]
    fn push_talks_only_to_pull() {
        assert!(SocketType::Push.is_compatible(SocketType::Pull));
        assert!(!SocketType::Push.is_compatible(SocketType::Push));
        assert!(!SocketType::Pair.is_compatible(SocketType::Pull));
    }
}
