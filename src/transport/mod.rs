//! Byte transports: tcp and ipc streams and listeners as enums (no trait objects on the hot
//! path), and the inproc registry that joins sockets directly.

pub(crate) mod accept;
pub(crate) mod inproc;
pub(crate) mod ipc;
pub(crate) mod socks;
pub(crate) mod tcp;

use std::io::{self, IoSlice, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

/// A connected, non-blocking byte stream. The std types (not mio's) are kept because their
/// reads fill uninitialised memory (`read_to_end` without zeroing); mio only watches the fd.
pub(crate) enum Stream {
    Tcp(std::net::TcpStream),
    Ipc(std::os::unix::net::UnixStream),
}

impl Stream {
    /// Wraps a stream mio created (non-blocking already).
    pub fn tcp(s: mio::net::TcpStream) -> Stream {
        Stream::Tcp(std::net::TcpStream::from(OwnedFd::from(s)))
    }

    /// Wraps a Unix stream mio created (non-blocking already).
    pub fn ipc(s: mio::net::UnixStream) -> Stream {
        Stream::Ipc(std::os::unix::net::UnixStream::from(OwnedFd::from(s)))
    }

    /// Reads into `buf`.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).read(buf),
            Stream::Ipc(s) => (&*s).read(buf),
        }
    }

    /// Appends up to `max` bytes to `buf` without zero-filling them first. `Ok(0)` is the
    /// end of the stream; `WouldBlock` may come after some bytes were appended.
    pub fn read_append(&self, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        let limit = u64::try_from(max).unwrap_or(u64::MAX);
        match self {
            Stream::Tcp(s) => s.take(limit).read_to_end(buf),
            Stream::Ipc(s) => s.take(limit).read_to_end(buf),
        }
    }

    /// Writes as much of `bufs` as the kernel takes in one call. Any thread may write, one
    /// at a time (the connection's [`Direct`](crate::io::direct::Direct) lock orders them).
    ///
    /// MSG_NOSIGNAL: a peer that has gone away must give an error, not a SIGPIPE that would
    /// kill a host process which never asked to ignore it (a C program, say).
    pub fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let sock = match self {
            Stream::Tcp(s) => socket2::SockRef::from(s),
            Stream::Ipc(s) => socket2::SockRef::from(s),
        };
        sock.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
    }

    /// The pending error of a non-blocking connect, if it failed.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Ipc(s) => s.take_error(),
        }
    }

    /// Whether a non-blocking connect has completed (the peer address is known).
    pub fn is_connected(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.peer_addr().is_ok(),
            Stream::Ipc(s) => s.peer_addr().is_ok(),
        }
    }

    /// The peer's address as libzmq names it, for the ZAP request and the Peer-Address
    /// message property: the IP address for tcp; for ipc, `localhost:<uid>:<gid>:<pid>`
    /// from the peer's credentials (what libzmq's getnameinfo and SO_PEERCRED give).
    pub fn peer_ip(&self) -> Option<String> {
        match self {
            Stream::Tcp(s) => s.peer_addr().ok().map(|a| a.ip().to_string()),
            Stream::Ipc(s) => crate::sys::peercred::peer_cred(s.as_fd())
                .ok()
                .map(|c| format!("localhost:{}:{}:{}", c.uid, c.gid, c.pid)),
        }
    }

    /// The file descriptor, for registration with the poll.
    pub fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Ipc(s) => s.as_raw_fd(),
        }
    }
}

impl Source for Stream {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.fd()).register(r, t, i)
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.fd()).reregister(r, t, i)
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        SourceFd(&self.fd()).deregister(r)
    }
}

/// A listening socket.
pub(crate) enum Listener {
    Tcp(mio::net::TcpListener),
    Ipc(ipc::IpcListener),
}

impl Listener {
    /// The listening descriptor (monitor events report it).
    pub fn fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Ipc(l) => l.listener.as_raw_fd(),
        }
    }

    /// Accepts one pending connection, tuned by the socket's options; `None` when the
    /// accept filters refused it, and it is already closed.
    pub fn accept(&self, o: &crate::options::Options) -> io::Result<Option<Stream>> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                if !accept::tcp_allows(&o.tcp_accept_filters, peer.ip()) {
                    return Ok(None);
                }
                let s = Stream::tcp(s);
                if let Stream::Tcp(t) = &s {
                    tcp::tune(t, o);
                }
                Ok(Some(s))
            }
            Listener::Ipc(l) => {
                let (s, _) = l.listener.accept()?;
                if !accept::ipc_allows(o, s.as_fd()) {
                    return Ok(None);
                }
                Ok(Some(Stream::ipc(s)))
            }
        }
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.register(r, t, i),
            Listener::Ipc(l) => l.listener.register(r, t, i),
        }
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.reregister(r, t, i),
            Listener::Ipc(l) => l.listener.reregister(r, t, i),
        }
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.deregister(r),
            Listener::Ipc(l) => l.listener.deregister(r),
        }
    }
}
