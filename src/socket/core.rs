//! The machinery every socket type shares: endpoints, pipes, blocking with timeouts, close.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};

use crate::context::Context;
use crate::endpoint::{Endpoint, resolve_tcp};
use crate::error::{Error, Result, SendError};
use crate::io::{Command, IoHandle, SocketEvent, SocketLink, SocketState};
use crate::message::Message;
use crate::options::Options;
use crate::pipe::{Notifier, PipeEnd, PushError, pipe};
use crate::routing::{FairQueue, LoadBalancer};
use crate::signal::Signal;
use crate::socket_type::SocketType;
use crate::transport::inproc::{self, InprocPeer};
use crate::transport::{Listener, ipc, tcp};

/// A pipe to one peer, with what the socket knows of that peer.
pub(crate) struct Peer {
    pub pipe: PipeEnd,
    #[allow(dead_code)]
    pub routing_id: Bytes,
}

/// The state behind every typed socket; lives in a `RefCell` (sockets are `Send`, not
/// `Sync`, as libzmq sockets are not thread-safe).
pub(crate) struct SocketCore {
    ctx: Context,
    id: u64,
    kind: SocketType,
    pub options: Options,
    signal: Arc<Signal>,
    events_tx: Sender<SocketEvent>,
    events_rx: Receiver<SocketEvent>,
    state: Arc<SocketState>,
    pub peers: Vec<Peer>,
    lb: LoadBalancer,
    fq: FairQueue,
    last_endpoint: Option<String>,
    /// The I/O threads serving this socket's listeners.
    listener_io: Vec<IoHandle>,
}

impl SocketCore {
    /// A socket of `kind` in `ctx`.
    pub fn new(ctx: &Context, kind: SocketType) -> Result<SocketCore> {
        let signal = Arc::new(Signal::new());
        let id = ctx.inner.add_socket(&signal)?;
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        Ok(SocketCore {
            ctx: ctx.clone(),
            id,
            kind,
            options: Options::default(),
            signal,
            events_tx,
            events_rx,
            state: Arc::new(SocketState::default()),
            peers: Vec::new(),
            lb: LoadBalancer::new(),
            fq: FairQueue::new(),
            last_endpoint: None,
            listener_io: Vec::new(),
        })
    }

    /// The socket's type.
    pub fn kind(&self) -> SocketType {
        self.kind
    }

    /// The endpoint of the last successful bind or connect, resolved.
    pub fn last_endpoint(&self) -> Option<String> {
        self.last_endpoint.clone()
    }

    fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.id,
            socket_type: self.kind,
            options: Arc::new(self.options.clone()),
            signal: self.signal.clone(),
            events: self.events_tx.clone(),
            state: self.state.clone(),
        }
    }

    fn inproc_peer(&self) -> InprocPeer {
        InprocPeer {
            socket_id: self.id,
            socket_type: self.kind,
            signal: self.signal.clone(),
            events: self.events_tx.clone(),
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            routing_id: self.options.routing_id.clone(),
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.ctx.inner.is_terminated() {
            return Err(Error::Terminated);
        }
        Ok(())
    }

    /// Binds to an endpoint and starts accepting peers there.
    pub fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        let (listener, resolved) = match Endpoint::parse(endpoint)? {
            Endpoint::Tcp { host, port } => {
                let (l, ep) = tcp::bind(&host, port, self.options.ipv6)?;
                (Listener::Tcp(l), ep)
            }
            Endpoint::Ipc(addr) => {
                let (l, ep) = ipc::bind(&addr)?;
                (Listener::Ipc(l), ep)
            }
            Endpoint::Inproc(name) => {
                inproc::bind(&self.ctx.inner, &name, self.inproc_peer())?;
                self.last_endpoint = Some(endpoint.to_string());
                return Ok(());
            }
        };
        let io = self.ctx.inner.pick_io().clone();
        io.send(Command::Listen {
            token: io.token(),
            listener,
            link: self.link(),
        });
        if !self.listener_io.iter().any(|h| h.same_thread(&io)) {
            self.listener_io.push(io);
        }
        self.last_endpoint = Some(resolved);
        Ok(())
    }

    /// Connects to an endpoint. The pipe exists at once, so messages queue (up to the
    /// high-water mark) before the connection is made, and across reconnects.
    pub fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        let parsed = Endpoint::parse(endpoint)?;
        let pipe_end = match &parsed {
            Endpoint::Inproc(name) => inproc::connect(&self.ctx.inner, name, &self.inproc_peer())?,
            Endpoint::Tcp { host, port } => {
                // Resolve now so a bad name fails here, as in libzmq; each attempt resolves again.
                resolve_tcp(host, *port, self.options.ipv6)?;
                self.start_connect(parsed)
            }
            Endpoint::Ipc(_) => self.start_connect(parsed),
        };
        self.attach(pipe_end, Bytes::new());
        self.last_endpoint = Some(endpoint.to_string());
        Ok(())
    }

    fn start_connect(&self, endpoint: Endpoint) -> PipeEnd {
        let io = self.ctx.inner.pick_io();
        let token = io.token();
        let (mine, theirs) = pipe(
            [
                Notifier::socket(self.signal.clone()),
                Notifier::io(io.clone(), token),
            ],
            [self.options.sndhwm, self.options.rcvhwm],
        );
        io.send(Command::Connect {
            token,
            endpoint,
            link: self.link(),
            pipe: theirs,
        });
        mine
    }

    fn attach(&mut self, pipe: PipeEnd, routing_id: Bytes) {
        self.reap();
        // ZMTP PAIR: one peer at a time; a second is turned away.
        if self.kind == SocketType::Pair && !self.peers.is_empty() {
            return;
        }
        self.peers.push(Peer { pipe, routing_id });
    }

    /// Takes in pipes the I/O threads and inproc peers handed over.
    fn process_events(&mut self) {
        while let Ok(ev) = self.events_rx.try_recv() {
            match ev {
                SocketEvent::Attach {
                    pipe,
                    peer_routing_id,
                } => self.attach(pipe, peer_routing_id),
            }
        }
    }

    /// Drops pipes whose peer is gone and who have nothing left to read.
    fn reap(&mut self) {
        let mut i = 0;
        while i < self.peers.len() {
            let p = &self.peers[i].pipe;
            if p.is_peer_gone() && !p.has_input() {
                self.peers.swap_remove(i);
                self.lb.pipe_removed(i, self.peers.len());
                self.fq.pipe_removed(i, self.peers.len());
            } else {
                i += 1;
            }
        }
    }

    /// Runs `attempt` until it succeeds, blocking on the socket's signal up to `timeout`
    /// (`None` blocks forever, zero never blocks).
    fn block_on<T>(
        &mut self,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(&mut SocketCore) -> Option<T>,
    ) -> Result<T> {
        self.check_open()?;
        self.process_events();
        if let Some(v) = attempt(self) {
            return Ok(v);
        }
        if timeout == Some(Duration::ZERO) {
            return Err(Error::Again);
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let key = self.signal.prepare();
            self.process_events();
            if let Some(v) = attempt(self) {
                self.signal.cancel(key);
                return Ok(v);
            }
            if let Err(e) = self.check_open() {
                self.signal.cancel(key);
                return Err(e);
            }
            if !self.signal.wait(key, deadline) {
                self.process_events();
                return attempt(self).ok_or(Error::Again);
            }
        }
    }

    /// Sends to one peer in round-robin order, skipping full ones (PUSH, DEALER, PAIR).
    pub fn send_lb(&mut self, msg: Message, nonblocking: bool) -> Result<(), SendError> {
        if msg.is_empty() {
            return Err(SendError {
                error: Error::Invalid("a message needs at least one frame"),
                message: msg,
            });
        }
        let timeout = if nonblocking {
            Some(Duration::ZERO)
        } else {
            self.options.sndtimeo
        };
        let mut slot = Some(msg);
        let result = self.block_on(timeout, |core| {
            let msg = slot.take()?;
            match core.try_lb(msg) {
                Ok(()) => Some(()),
                Err(m) => {
                    slot = Some(m);
                    None
                }
            }
        });
        result.map_err(|error| SendError {
            error,
            message: slot.take().unwrap_or_default(),
        })
    }

    fn try_lb(&mut self, msg: Message) -> Result<(), Message> {
        let peers = &self.peers;
        let mut dead = false;
        let r = self
            .lb
            .send(peers.len(), msg, |i, m| match peers[i].pipe.push(m) {
                Ok(()) => Ok(()),
                Err(PushError::Full(m)) => Err(m),
                Err(PushError::Closed(m)) => {
                    dead = true;
                    Err(m)
                }
            });
        if dead {
            self.reap();
        }
        r.map(|_| ())
    }

    /// Receives from the peers in fair-queued order (PULL, DEALER, PAIR).
    pub fn recv_fq(&mut self, nonblocking: bool) -> Result<Message> {
        let timeout = if nonblocking {
            Some(Duration::ZERO)
        } else {
            self.options.rcvtimeo
        };
        self.block_on(timeout, SocketCore::try_fq)
    }

    fn try_fq(&mut self) -> Option<Message> {
        let peers = &self.peers;
        let mut dead = false;
        let r = self.fq.recv(peers.len(), |i| match peers[i].pipe.pull() {
            Ok(m) => m,
            Err(()) => {
                dead = true;
                None
            }
        });
        if dead {
            self.reap();
        }
        r.map(|(_, m)| m)
    }
}

impl Drop for SocketCore {
    fn drop(&mut self) {
        // Order matters: the I/O threads read the linger from `state` when they see the
        // pipes go, and SocketClosed reaches connections that have no pipe yet.
        self.state.close(self.options.linger);
        inproc::unbind_all(&self.ctx.inner, self.id);
        let (ack_tx, ack_rx) = crossbeam_channel::unbounded();
        for io in self.ctx.inner.io_threads() {
            let hosts_listener = self.listener_io.iter().any(|h| h.same_thread(io));
            let ack = hosts_listener.then(|| ack_tx.clone());
            io.send(Command::SocketClosed(self.id, ack));
        }
        // Wait (briefly) for the listeners to close, so the endpoints can be bound again as
        // soon as the socket is gone.
        for _ in &self.listener_io {
            let _ = ack_rx.recv_timeout(Duration::from_secs(1));
        }
        self.peers.clear();
        self.ctx.inner.remove_socket(self.id);
    }
}
