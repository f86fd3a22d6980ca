//! PUSH and PULL: the pipeline pattern (RFC 30).

use std::cell::RefCell;

use super::core::SocketCore;
use super::socket_common;
use crate::error::{Result, SendError};
use crate::message::Message;
use crate::socket_type::SocketType;

/// A PUSH socket: sends each message to one connected PULL peer, round-robin.
pub struct Push {
    core: RefCell<SocketCore>,
}

socket_common!(Push, SocketType::Push);

impl Push {
    /// Sends a whole message to the next peer that has room, blocking while every peer is at
    /// its high-water mark (or none is connected), up to SNDTIMEO.
    ///
    /// # Errors
    /// [`Error::Again`](crate::Error::Again) when SNDTIMEO expires,
    /// [`Error::Terminated`](crate::Error::Terminated) when the context is terminated; the
    /// message comes back inside the [`SendError`].
    pub fn send(&self, msg: impl Into<Message>) -> Result<(), SendError> {
        self.core.borrow_mut().send_lb(msg.into(), false)
    }

    /// Sends without blocking.
    ///
    /// # Errors
    /// [`Error::Again`](crate::Error::Again) when no peer has room now, with the message.
    pub fn try_send(&self, msg: impl Into<Message>) -> Result<(), SendError> {
        self.core.borrow_mut().send_lb(msg.into(), true)
    }
}

/// A PULL socket: receives messages from its PUSH peers, fair-queued.
pub struct Pull {
    core: RefCell<SocketCore>,
}

socket_common!(Pull, SocketType::Pull);

impl Pull {
    /// Receives the next whole message from any peer, blocking up to RCVTIMEO.
    ///
    /// # Errors
    /// [`Error::Again`](crate::Error::Again) when RCVTIMEO expires,
    /// [`Error::Terminated`](crate::Error::Terminated) when the context is terminated.
    pub fn recv(&self) -> Result<Message> {
        self.core.borrow_mut().recv_fq(false)
    }

    /// Receives without blocking.
    ///
    /// # Errors
    /// [`Error::Again`](crate::Error::Again) when no message is waiting.
    pub fn try_recv(&self) -> Result<Message> {
        self.core.borrow_mut().recv_fq(true)
    }
}
