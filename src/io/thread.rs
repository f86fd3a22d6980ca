//! The I/O thread's loop: poll, dispatch readiness to listeners and connections, run
//! commands from sockets, fire deadlines.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use mio::{Events, Interest, Poll, Token, Waker};

use super::connection::{Connection, Cx, Verdict};
use super::timers::Timers;
use super::{Command, IoHandle, IoHandleInner, SocketLink, WAKER_TOKEN};
use crate::monitor::MonitorEvent;
use crate::sys::thread::Scheduling;
use crate::transport::Listener;

/// How long a listener waits to accept again after the process ran out of descriptors (or
/// the kernel out of socket memory); the connections meanwhile wait in the listen backlog.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// How long an I/O thread keeps polling without sleeping after its last event. It costs at
/// most this much CPU after each burst of traffic; it halves a request-reply round trip on
/// an otherwise idle machine (REQ/REP over tcp, 2-core VM: p50 78-87 us -> 39-44 us).
const BUSY_POLL: Duration = Duration::from_micros(50);

/// Closed connections after which the heap is trimmed.
const TRIM_AFTER_CLOSED: usize = 32;

/// Starts an I/O thread called `name`, scheduled as `scheduling` says.
pub(crate) fn spawn(
    name: String,
    scheduling: Scheduling,
) -> io::Result<(IoHandle, JoinHandle<()>)> {
    let poll = Poll::new()?;
    let waker = Waker::new(poll.registry(), Token(WAKER_TOKEN))?;
    let (tx, rx) = crossbeam_channel::unbounded();
    let handle = IoHandle {
        inner: Arc::new(IoHandleInner {
            commands: tx,
            waker,
            next_token: AtomicUsize::new(WAKER_TOKEN + 1),
            bodies: super::bodies::BodyPool::new(),
        }),
    };
    let thread = IoThread {
        poll,
        commands: rx,
        handle: handle.clone(),
        listeners: HashMap::new(),
        conns: HashMap::new(),
        timers: Timers::default(),
        shutting_down: false,
        scratch: vec![0; super::connection::MAX_READ].into_boxed_slice(),
        closed_since_trim: 0,
    };
    let join = std::thread::Builder::new().name(name).spawn(move || {
        scheduling.apply();
        thread.run()
    })?;
    Ok((handle, join))
}

struct ListenerEntry {
    listener: Listener,
    link: SocketLink,
    label: Arc<str>,
    /// An accept retry is on the timer heap (at most one per listener).
    retry_pending: bool,
}

struct IoThread {
    poll: Poll,
    commands: Receiver<Command>,
    handle: IoHandle,
    listeners: HashMap<usize, ListenerEntry>,
    // std's map: with the multiply hasher of routing::ids the connections' table held
    // 0.8 KiB more per idle connection pair (tests/memory.rs). Boxed: inline, a thousand
    // 1.5 KiB connections made a 3 MiB table, which glibc maps on its own the first time
    // and, having raised its mmap threshold when that was freed, carves from the heap the
    // next, leaving the heap 1.5 KiB per connection larger (tests/load.rs, second round).
    conns: HashMap<usize, Box<Connection>>,
    timers: Timers,
    shutting_down: bool,
    /// Read buffer shared by this thread's connections (one is serviced at a time).
    scratch: Box<[u8]>,
    /// Connections closed since the heap was last trimmed.
    closed_since_trim: usize,
}

impl IoThread {
    fn run(mut self) {
        let mut events = Events::with_capacity(1024);
        let mut busy_until = Instant::now();
        // Confined to one CPU (`taskset -c 1`, THREAD_AFFINITY_CPU_ADD), the thread shares
        // it with the sockets' threads: it yields between polls, so one that has work runs.
        let one_cpu = crate::sys::thread::affinity().len() == 1;
        loop {
            let now = Instant::now();
            let mut timeout = self.timers.timeout(now);
            if now < busy_until && crate::signal::someone_blocked() {
                // Busy-polling for a moment after activity, while a thread waits for what
                // the I/O brings: the reply to what just went out usually comes within tens
                // of microseconds, and waking from epoll_wait on an idle core costs about as
                // much again (20-40 us on this kind of VM).
                timeout = Some(Duration::ZERO);
                if one_cpu {
                    std::thread::yield_now();
                }
            }
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                // A broken poll instance cannot recover; the sockets see their pipes close.
                break;
            }
            if !events.is_empty() {
                busy_until = Instant::now() + BUSY_POLL;
            }
            for ev in events.iter() {
                let token = ev.token().0;
                if token == WAKER_TOKEN {
                    continue;
                }
                if self.listeners.contains_key(&token) {
                    self.accept_all(token);
                } else if let Some(conn) = self.conns.get_mut(&token) {
                    let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                    let writable = ev.is_writable() || ev.is_write_closed() || ev.is_error();
                    conn.on_readiness(readable, writable);
                    self.service(token);
                }
            }
            while let Ok(cmd) = self.commands.try_recv() {
                self.command(cmd);
            }
            let now = Instant::now();
            while let Some(token) = self.timers.pop_due(now) {
                if let Some(entry) = self.listeners.get_mut(&token) {
                    entry.retry_pending = false;
                    self.accept_all(token);
                } else {
                    self.service(token);
                }
            }
            if self.closed_since_trim >= TRIM_AFTER_CLOSED {
                // Many connections' buffers were freed: give the pages back, the table's
                // too once it is mostly empty.
                if self.conns.capacity() > 4 * self.conns.len() + 64 {
                    self.conns.shrink_to_fit();
                }
                crate::sys::heap::trim();
                self.closed_since_trim = 0;
            }
            if self.shutting_down && self.conns.is_empty() {
                break;
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Listen {
                token,
                mut listener,
                link,
                label,
            } => {
                if self
                    .poll
                    .registry()
                    .register(&mut listener, Token(token), Interest::READABLE)
                    .is_ok()
                {
                    let entry = ListenerEntry {
                        listener,
                        link,
                        label,
                        retry_pending: false,
                    };
                    self.listeners.insert(token, entry);
                    self.accept_all(token);
                }
            }
            Command::Connect {
                token,
                endpoint,
                link,
                pipe,
                label,
            } => {
                let conn =
                    Connection::connecting(token, endpoint, link, pipe, label, Instant::now());
                self.conns.insert(token, Box::new(conn));
                self.service(token);
            }
            Command::Wake(token) => self.service(token),
            Command::Unlisten { token, ack } => {
                self.listeners.remove(&token);
                let accepted: Vec<usize> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.listener() == Some(token))
                    .map(|(t, _)| *t)
                    .collect();
                for t in accepted {
                    self.remove(t);
                }
                let _ = ack.send(());
            }
            Command::Disconnect(token) => self.remove(token),
            Command::SocketClosed(id, ack) => {
                self.listeners.retain(|_, l| l.link.socket_id != id);
                if let Some(ack) = ack {
                    let _ = ack.send(());
                }
                let tokens: Vec<usize> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| c.socket_id() == id)
                    .map(|(t, _)| *t)
                    .collect();
                for t in tokens {
                    self.service(t);
                }
            }
            Command::Shutdown => self.shutting_down = true,
        }
    }

    fn accept_all(&mut self, token: usize) {
        loop {
            let Some(entry) = self.listeners.get(&token) else {
                return;
            };
            match entry.listener.accept(&entry.link.options) {
                Ok(None) => {
                    // Refused by the accept filters and closed: libzmq reports it as a
                    // failed accept, and the listener goes on with the next peer.
                    entry.link.state.emit(|| {
                        Some(MonitorEvent::AcceptFailed {
                            endpoint: entry.label.to_string(),
                            errno: libc::EACCES,
                        })
                    });
                }
                Ok(Some(stream)) => {
                    let link = entry.link.clone();
                    let label = entry.label.clone();
                    let t = self.handle.token();
                    let now = Instant::now();
                    let fd = stream.fd();
                    link.state.emit(|| {
                        Some(MonitorEvent::Accepted {
                            endpoint: label.to_string(),
                            fd,
                        })
                    });
                    let mut conn = Connection::accepted(t, token, stream, link, label, now);
                    conn.use_bodies(self.handle.bodies());
                    if conn.register(self.poll.registry()).is_ok() {
                        self.conns.insert(t, Box::new(conn));
                        self.service(t);
                    }
                }
                // A peer that hung up before we accepted it costs only itself: the queue may
                // hold more, and with edge-triggered readiness no new edge would come for
                // them, so the backlog would fill and new peers' SYNs be dropped.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    continue;
                }
                // WouldBlock ends the batch.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    entry.link.state.emit(|| {
                        Some(MonitorEvent::AcceptFailed {
                            endpoint: entry.label.to_string(),
                            errno: e.raw_os_error().unwrap_or(libc::EIO),
                        })
                    });
                    // Out of descriptors (EMFILE, ENFILE) or socket memory: the connection
                    // stays in the backlog. Readiness is edge-triggered, so closing other
                    // descriptors brings no new event for it; retrying at once would spin.
                    // Try again later.
                    if out_of_resources(&e)
                        && let Some(entry) = self.listeners.get_mut(&token)
                        && !entry.retry_pending
                    {
                        entry.retry_pending = true;
                        self.timers.add(Instant::now() + ACCEPT_RETRY, token);
                    }
                    return;
                }
            }
        }
    }

    fn remove(&mut self, token: usize) {
        if let Some(mut conn) = self.conns.remove(&token) {
            conn.deregister(self.poll.registry());
            self.closed_since_trim += 1;
        }
    }

    fn service(&mut self, token: usize) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let mut cx = Cx {
            registry: self.poll.registry(),
            timers: &mut self.timers,
            io: &self.handle,
            now: Instant::now(),
            scratch: &mut self.scratch,
        };
        if let Verdict::Remove = conn.service(&mut cx)
            && let Some(mut conn) = self.conns.remove(&token)
        {
            conn.deregister(self.poll.registry());
            self.closed_since_trim += 1;
        }
    }
}

/// Whether accept failed for want of descriptors or kernel memory, which only time cures.
fn out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}
