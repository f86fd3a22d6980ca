//! PAIR: an exclusive connection between two sockets (RFC 31).

use std::cell::RefCell;

use super::core::SocketCore;
use super::socket_common;
use crate::error::{Result, SendError};
use crate::message::Message;
use crate::socket_type::SocketType;

/// A PAIR socket: talks to exactly one PAIR peer; a second peer is turned away.
pub struct Pair {
    core: RefCell<SocketCore>,
}

socket_common!(Pair, SocketType::Pair);

impl Pair {
    /// Sends a whole message to the peer, blocking while its queue is full or no peer is
    /// connected, up to SNDTIMEO.
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
    /// [`Error::Again`](crate::Error::Again) when the peer has no room now, with the message.
    pub fn try_send(&self, msg: impl Into<Message>) -> Result<(), SendError> {
        self.core.borrow_mut().send_lb(msg.into(), true)
    }

    /// Receives the next whole message, blocking up to RCVTIMEO.
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
