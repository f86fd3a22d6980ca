//! Futures for sending and receiving, driven by any executor: no runtime inside.
//!
//! Every socket that receives has [`recv_async`](crate::Pull::recv_async), every socket
//! that sends has [`send_async`](crate::Push::send_async), beside the blocking calls. A
//! future that finds nothing to do registers its task's [`Waker`] with the socket's signal,
//! the same one a blocking call sleeps on: the I/O thread (or an inproc peer) that queues a
//! message, or frees room at the high-water mark, wakes the task. No thread per socket, no
//! polling.
//!
//! Cancellation: dropping a [`RecvFuture`] never loses a message (one not yet taken stays
//! queued for the next receive); dropping a [`SendFuture`] either sent the whole message or
//! sent none of it, and [`SendFuture::into_message`] gives it back. SNDTIMEO and RCVTIMEO
//! do not apply: an async caller bounds a wait with its executor's timer and drops the
//! future.
//!
//! ```
//! # fn main() -> ferrozmq::Result<()> {
//! let ctx = ferrozmq::Context::new();
//! let push = ferrozmq::Push::new(&ctx)?;
//! push.bind("inproc://future-doc")?;
//! let pull = ferrozmq::Pull::new(&ctx)?;
//! pull.connect("inproc://future-doc")?;
//! // Any executor drives these; this one is a minimal thread-parking loop.
//! let msg = block_on(async {
//!     push.send_async("hi").await.map_err(|e| e.error)?;
//!     pull.recv_async().await
//! })?;
//! assert_eq!(&msg.frames()[0][..], b"hi");
//! # Ok(())
//! # }
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     struct T(std::thread::Thread);
//! #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
//! #     let waker = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut f = std::pin::pin!(f);
//! #     loop {
//! #         if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
//! #         std::thread::park();
//! #     }
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::error::{Result, SendError};
use crate::message::Message;
use crate::signal::{Blocked, Signal};
use crate::socket::blocking::{attempt_recv, attempt_send, refuse_empty};
use crate::socket::core::SocketCore;
use crate::sys::lock::Lock;

#[cfg(feature = "futures")]
mod stream;
#[cfg(feature = "futures")]
pub use stream::{RecvStream, SendSink};

/// A task's registration with a socket's signal, withdrawn when the wait ends or the
/// future is dropped. Kept out of line: a future that finds its message at once (the
/// usual case while messages stream) is then two words to build and move, where an inline
/// registration made each `recv_async` write and copy six, and the copies stalled on
/// store forwarding: 15% of an async 1-byte receiver's time.
#[derive(Default)]
struct Registration(Option<Box<Waiting>>);

struct Waiting {
    signal: Arc<Signal>,
    id: Option<u64>,
    /// The signal's epoch when the waker was last registered.
    epoch: u64,
    /// A task waiting in a future counts as a thread blocked in a call: the I/O threads
    /// busy-poll for a moment after activity while one waits, so a reply is picked up at
    /// once rather than after an epoll wake-up, then passed on to the task's waker.
    /// Without it an async REQ/REP round trip over tcp took about twice the blocking one.
    _blocked: Blocked,
}

impl Registration {
    fn register(&mut self, core: &SocketCore, waker: &Waker) {
        let waiting = self.0.get_or_insert_with(|| {
            Box::new(Waiting {
                signal: core.signal().clone(),
                id: None,
                epoch: 0,
                _blocked: Blocked::new(),
            })
        });
        waiting.epoch = waiting.signal.register_waker(&mut waiting.id, waker);
    }

    fn withdraw(&mut self) {
        if let Some(waiting) = self.0.take()
            && let Some(id) = waiting.id
        {
            waiting.signal.forget_waker(id, waiting.epoch);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// Polls `attempt` once, and if it must wait, registers the task and looks once more (a
/// message that came between the look and the registration would wake nobody).
#[inline(always)]
fn poll_attempt<T>(
    core: &Lock<SocketCore>,
    registration: &mut Registration,
    waker: &Waker,
    mut attempt: impl FnMut(&mut SocketCore) -> Result<Option<T>>,
) -> Poll<Result<T>> {
    let mut core = core.lock();
    let mut look = || -> Result<Option<T>> {
        core.check_open()?;
        core.process_events();
        if let Some(v) = attempt(&mut core)? {
            return Ok(Some(v));
        }
        registration.register(&core, waker);
        core.process_events();
        let got = attempt(&mut core)?;
        if got.is_none() {
            // Terminating the context notifies every socket: a task registered before it
            // finds out here.
            core.check_open()?;
        }
        Ok(got)
    };
    let got = look();
    match got {
        Ok(None) => Poll::Pending,
        Ok(Some(v)) => {
            registration.withdraw();
            Poll::Ready(Ok(v))
        }
        Err(e) => {
            registration.withdraw();
            Poll::Ready(Err(e))
        }
    }
}

/// A receive in progress: resolves to the next whole message, by the socket type's rules.
/// Made by `recv_async`; dropping it loses nothing.
#[must_use = "a future does nothing unless awaited"]
pub struct RecvFuture<'a> {
    core: &'a Lock<SocketCore>,
    registration: Registration,
    /// It resolved (futures' `select!` asks, through `FusedFuture`).
    done: bool,
}

impl<'a> RecvFuture<'a> {
    pub(crate) fn new(core: &'a Lock<SocketCore>) -> RecvFuture<'a> {
        RecvFuture {
            core,
            registration: Registration::default(),
            done: false,
        }
    }
}

impl Future for RecvFuture<'_> {
    type Output = Result<Message>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Message>> {
        let this = self.get_mut();
        let got = poll_attempt(this.core, &mut this.registration, cx.waker(), attempt_recv);
        this.done = got.is_ready();
        got
    }
}

/// A send in progress: resolves once the whole message is queued, by the socket type's
/// rules (waiting where a blocking send would block). Made by `send_async`.
///
/// Dropped before it resolves, it sent nothing; [`into_message`](Self::into_message) takes
/// the message back instead.
#[must_use = "a future does nothing unless awaited"]
pub struct SendFuture<'a> {
    core: &'a Lock<SocketCore>,
    message: Option<Message>,
    registration: Registration,
}

impl<'a> SendFuture<'a> {
    pub(crate) fn new(core: &'a Lock<SocketCore>, message: Message) -> SendFuture<'a> {
        SendFuture {
            core,
            message: Some(message),
            registration: Registration::default(),
        }
    }

    /// The message, if it has not been sent: what a caller that gives up on a send (a
    /// `select!` that took another branch) gets back.
    pub fn into_message(mut self) -> Option<Message> {
        self.message.take()
    }
}

impl Future for SendFuture<'_> {
    type Output = std::result::Result<(), SendError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_send(
            this.core,
            &mut this.registration,
            cx.waker(),
            &mut this.message,
        )
    }
}

/// Sends the message in `slot`, whole, or waits; on an error the message comes back in
/// the [`SendError`].
fn poll_send(
    core: &Lock<SocketCore>,
    registration: &mut Registration,
    waker: &Waker,
    slot: &mut Option<Message>,
) -> Poll<std::result::Result<(), SendError>> {
    if let Err(e) = refuse_empty(slot) {
        return Poll::Ready(Err(e));
    }
    match poll_attempt(core, registration, waker, |core| attempt_send(core, slot)) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
        Poll::Ready(Err(error)) => Poll::Ready(Err(SendError {
            error,
            message: slot.take().unwrap_or_default(),
        })),
    }
}
