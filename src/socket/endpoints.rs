//! bind, connect, unbind and disconnect: what a socket keeps of each endpoint so it can be
//! undone later.

use bytes::Bytes;

use super::core::SocketCore;
use crate::endpoint::{Endpoint, resolve_tcp};
use crate::error::{Error, Result};
use crate::io::{Command, IoHandle};
use crate::monitor::MonitorEvent;
use crate::pipe::{Notifier, PipeEnd, pipe_with};
use crate::transport::{Listener, inproc, ipc, tcp};

/// A bound tcp or ipc listener.
struct Bound {
    /// The endpoint as LAST_ENDPOINT reports it, which is what unbind takes (libzmq keys
    /// its endpoints so).
    resolved: String,
    io: IoHandle,
    token: usize,
    /// The listening descriptor, for the monitor's CLOSED event.
    fd: i32,
}

/// A connect: to an I/O connection (tcp, ipc) or to an inproc pipe.
struct Connected {
    given: String,
    io: Option<(IoHandle, usize)>,
    pipe_id: Option<u64>,
}

/// The endpoints a socket has bound and connected.
#[derive(Default)]
pub(crate) struct Endpoints {
    bound: Vec<Bound>,
    inproc_bound: Vec<String>,
    connected: Vec<Connected>,
    last: Option<String>,
}

impl Endpoints {
    /// Each bound listener's resolved endpoint and descriptor (for its CLOSED event).
    pub(crate) fn bound_listeners(&self) -> Vec<(String, i32)> {
        self.bound
            .iter()
            .map(|b| (b.resolved.clone(), b.fd))
            .collect()
    }

    /// The I/O threads serving listeners, each once.
    pub(crate) fn listener_threads(&self) -> Vec<IoHandle> {
        let mut out: Vec<IoHandle> = Vec::new();
        for b in &self.bound {
            if !out.iter().any(|h| h.same_thread(&b.io)) {
                out.push(b.io.clone());
            }
        }
        out
    }
}

impl SocketCore {
    /// The endpoint of the last successful bind or connect, resolved.
    pub(crate) fn last_endpoint(&self) -> Option<String> {
        self.endpoints.last.clone()
    }

    /// Binds to an endpoint and starts accepting peers there.
    pub(crate) fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        let bound = match Endpoint::parse(endpoint)? {
            Endpoint::Tcp { host, port } => {
                tcp::bind(&host, port, &self.options).map(|(l, ep)| (Listener::Tcp(l), ep))
            }
            Endpoint::Ipc(addr) => {
                ipc::bind(&addr, &self.options).map(|(l, ep)| (Listener::Ipc(l), ep))
            }
            Endpoint::Inproc(name) => {
                let waiting = inproc::bind(&self.ctx.inner, &name, self.inproc_peer())?;
                for (end, peer_id) in waiting {
                    self.attach(end, peer_id, true);
                }
                self.endpoints.inproc_bound.push(endpoint.to_string());
                self.endpoints.last = Some(endpoint.to_string());
                return Ok(());
            }
        };
        let (listener, resolved) = bound.inspect_err(|e| {
            self.state.emit(|| {
                Some(MonitorEvent::BindFailed {
                    endpoint: endpoint.to_string(),
                    errno: e.errno(),
                })
            });
        })?;
        let fd = listener.fd();
        let io = self.ctx.inner.pick_io().clone();
        let token = io.token();
        io.send(Command::Listen {
            token,
            listener,
            link: self.link(),
            label: resolved.as_str().into(),
        });
        self.state.emit(|| {
            Some(MonitorEvent::Listening {
                endpoint: resolved.clone(),
                fd,
            })
        });
        self.endpoints.bound.push(Bound {
            resolved: resolved.clone(),
            io,
            token,
            fd,
        });
        self.endpoints.last = Some(resolved);
        Ok(())
    }

    /// Connects to an endpoint. Unless IMMEDIATE is set the pipe exists at once, so
    /// messages queue (up to the high-water mark) before the connection is made, and
    /// across reconnects.
    pub(crate) fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        let parsed = Endpoint::parse(endpoint)?;
        // CONNECT_ROUTING_ID names the peer of this connect only (libzmq clears it).
        let connect_id = (!self.options.connect_routing_id.is_empty())
            .then(|| std::mem::take(&mut self.options_mut().connect_routing_id));
        let (pipe_end, io) = match &parsed {
            Endpoint::Inproc(name) => {
                let (end, peer_id) = inproc::connect(&self.ctx.inner, name, &self.inproc_peer())?;
                let id = end.id();
                self.attach(end, connect_id.unwrap_or(peer_id), true);
                (Some(id), None)
            }
            Endpoint::Tcp { host, port } => {
                // Resolve now so a bad name fails here; each attempt resolves again. Through
                // a SOCKS proxy the name is the proxy's to resolve, on each attempt.
                if self.options.socks_proxy.is_empty() {
                    resolve_tcp(host, *port, self.options.ipv6)?;
                }
                self.start_connect(parsed, endpoint, connect_id)
            }
            Endpoint::Ipc(_) => self.start_connect(parsed, endpoint, connect_id),
        };
        self.endpoints.connected.push(Connected {
            given: endpoint.to_string(),
            io,
            pipe_id: pipe_end,
        });
        self.endpoints.last = Some(endpoint.to_string());
        Ok(())
    }

    fn start_connect(
        &mut self,
        endpoint: Endpoint,
        given: &str,
        connect_id: Option<Bytes>,
    ) -> (Option<u64>, Option<(IoHandle, usize)>) {
        let io = self.ctx.inner.pick_io().clone();
        let token = io.token();
        let (mine, theirs): (Option<PipeEnd>, Option<PipeEnd>) = if self.options.immediate {
            (None, None)
        } else {
            let (a, b) = pipe_with(
                [
                    Notifier::socket(self.signal.clone()),
                    Notifier::io(io.clone(), token),
                ],
                self.options.pipe_config(),
            );
            (Some(a), Some(b))
        };
        io.send(Command::Connect {
            token,
            endpoint,
            link: self.link(),
            pipe: theirs,
            label: given.into(),
        });
        let pipe_id = mine.map(|end| {
            let id = end.id();
            match connect_id {
                Some(rid) => self.attach(end, rid, true),
                // Not identified: the peer's routing id arrives with its handshake.
                None => self.attach(end, Bytes::new(), false),
            }
            id
        });
        (pipe_id, Some((io, token)))
    }

    /// Stops listening on a bound endpoint, named as LAST_ENDPOINT reported it (or by a tcp
    /// address that resolves to that), and closes the connections accepted there. The
    /// wildcard given to bind (`tcp://127.0.0.1:*`, `ipc://*`) names no endpoint: ENOENT,
    /// as in libzmq.
    pub(crate) fn unbind(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        if let Some(i) = self
            .endpoints
            .inproc_bound
            .iter()
            .position(|e| e == endpoint)
        {
            self.endpoints.inproc_bound.remove(i);
            let name = endpoint.trim_start_matches("inproc://");
            inproc::unbind(&self.ctx.inner, name, self.id);
            return Ok(());
        }
        let key = bound_key(endpoint, self.options.ipv6);
        let i = self
            .endpoints
            .bound
            .iter()
            .position(|b| b.resolved == endpoint || Some(&b.resolved) == key.as_ref())
            .ok_or(Error::NoSuchEndpoint)?;
        let b = self.endpoints.bound.remove(i);
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        b.io.send(Command::Unlisten {
            token: b.token,
            ack: ack_tx,
        });
        let _ = ack_rx.recv_timeout(std::time::Duration::from_secs(1));
        self.state.emit(|| {
            Some(MonitorEvent::Closed {
                endpoint: b.resolved.clone(),
                fd: b.fd,
            })
        });
        Ok(())
    }

    /// Drops a connection made by connect, discarding what is queued for it; the endpoint
    /// is named as it was given to connect, as libzmq keys connects.
    pub(crate) fn disconnect(&mut self, endpoint: &str) -> Result<()> {
        self.check_open()?;
        let i = self
            .endpoints
            .connected
            .iter()
            .position(|c| c.given == endpoint)
            .ok_or(Error::NoSuchEndpoint)?;
        let c = self.endpoints.connected.remove(i);
        if let Some((io, token)) = c.io {
            io.send(Command::Disconnect(token));
        }
        if let Some(id) = c.pipe_id {
            self.pattern.pipes().close_pipe(id);
        }
        Ok(())
    }
}

/// The string a tcp endpoint given to unbind stands for: its host resolved as a connect
/// would resolve it (libzmq tries this when the string itself names nothing). A wildcard
/// port stays 0 and a `*` host does not resolve, so neither matches a bound listener.
fn bound_key(endpoint: &str, ipv6: bool) -> Option<String> {
    match Endpoint::parse(endpoint).ok()? {
        Endpoint::Tcp { host, port } => resolve_tcp(&host, port, ipv6)
            .ok()
            .map(crate::endpoint::tcp_endpoint_string),
        _ => None,
    }
}
