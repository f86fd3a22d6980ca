//! `futures::Stream` and `futures::Sink` views of a socket (cargo feature `futures`, on by
//! default), for stream combinators and `forward`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedFuture, FusedStream, Stream};
use futures_sink::Sink;

use super::{RecvFuture, Registration, SendFuture, poll_attempt, poll_send};
use crate::error::{Error, Result, SendError};
use crate::message::Message;
use crate::socket::blocking::attempt_recv;
use crate::socket::core::SocketCore;
use crate::sys::lock::Lock;

/// The messages a socket receives, as a [`Stream`]: made by `recv_stream`. Each item is a
/// receive's result; the stream ends after yielding [`Error::Terminated`]. Dropping it
/// between items loses nothing.
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a> {
    core: &'a Lock<SocketCore>,
    registration: Registration,
    ended: bool,
}

impl<'a> RecvStream<'a> {
    pub(crate) fn new(core: &'a Lock<SocketCore>) -> RecvStream<'a> {
        RecvStream {
            core,
            registration: Registration::default(),
            ended: false,
        }
    }
}

impl Stream for RecvStream<'_> {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let got = poll_attempt(this.core, &mut this.registration, cx.waker(), attempt_recv);
        if let Poll::Ready(Err(Error::Terminated)) = got {
            this.ended = true;
        }
        got.map(Some)
    }
}

/// A socket as a [`Sink`] of messages: made by `send_sink`. It holds at most one message
/// (the one `start_send` gave it) until the socket takes it whole; `poll_ready` and
/// `poll_flush` push that one through. A failed send gives the message back in the
/// [`SendError`]. Dropped with a message still held, that message is not sent.
#[must_use = "sinks do nothing unless polled"]
pub struct SendSink<'a> {
    core: &'a Lock<SocketCore>,
    held: Option<Message>,
    registration: Registration,
}

impl<'a> SendSink<'a> {
    pub(crate) fn new(core: &'a Lock<SocketCore>) -> SendSink<'a> {
        SendSink {
            core,
            held: None,
            registration: Registration::default(),
        }
    }

    /// The message given to `start_send` and not yet taken by the socket, if any.
    pub fn into_message(mut self) -> Option<Message> {
        self.held.take()
    }

    fn push_held(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), SendError>> {
        if self.held.is_none() {
            return Poll::Ready(Ok(()));
        }
        poll_send(
            self.core,
            &mut self.registration,
            cx.waker(),
            &mut self.held,
        )
    }
}

/// A sink of [`Message`]s only (not of everything `Into<Message>`): one item type keeps
/// combinators such as `forward` and `sink_map_err` free of type annotations.
impl Sink<Message> for SendSink<'_> {
    type Error = SendError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.get_mut().push_held(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), SendError> {
        let this = self.get_mut();
        if let Some(held) = this.held.take() {
            // Sink's contract calls for poll_ready first; refused, not dropped.
            this.held = Some(held);
            return Err(SendError {
                error: Error::Again,
                message: item,
            });
        }
        this.held = Some(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.get_mut().push_held(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.get_mut().push_held(cx)
    }
}

impl FusedFuture for RecvFuture<'_> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// Terminated once resolved: sent, or failed with the message given back.
impl FusedFuture for SendFuture<'_> {
    fn is_terminated(&self) -> bool {
        self.message.is_none()
    }
}

impl FusedStream for RecvStream<'_> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}
