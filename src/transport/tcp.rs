//! tcp:// listeners and outgoing connections.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::endpoint::{resolve_tcp_bind, tcp_endpoint_string};
use crate::error::{Error, Result};
use crate::options::Options;

/// libzmq's default listen backlog (ZMQ_BACKLOG).
const BACKLOG: i32 = 100;

/// Binds a listener; returns it with the endpoint string LAST_ENDPOINT reports.
pub(crate) fn bind(host: &str, port: u16, ipv6: bool) -> Result<(mio::net::TcpListener, String)> {
    let addr = resolve_tcp_bind(host, port, ipv6)?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() && host == "*" {
        // `*` with IPV6 listens on both families, as libzmq does.
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into()).map_err(Error::from_io)?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    let std_listener: std::net::TcpListener = socket.into();
    let local = std_listener.local_addr()?;
    Ok((
        mio::net::TcpListener::from_std(std_listener),
        tcp_endpoint_string(local),
    ))
}

/// Starts a non-blocking connect; completion is signalled by writability.
pub(crate) fn connect(addr: SocketAddr) -> io::Result<std::net::TcpStream> {
    let s = mio::net::TcpStream::connect(addr)?;
    let s = std::net::TcpStream::from(std::os::fd::OwnedFd::from(s));
    tune(&s);
    Ok(s)
}

/// Applies TCP_KEEPALIVE and its IDLE/CNT/INTVL settings where they are not left to the OS.
pub(crate) fn keepalive(s: &std::net::TcpStream, o: &Options) {
    let Some(on) = o.tcp_keepalive else {
        return;
    };
    let sock = socket2::SockRef::from(s);
    // Best effort, as in libzmq: a refused setting leaves the OS default in place.
    let _ = sock.set_keepalive(on);
    if on {
        let mut ka = socket2::TcpKeepalive::new();
        if let Some(idle) = o.tcp_keepalive_idle {
            ka = ka.with_time(idle);
        }
        if let Some(intvl) = o.tcp_keepalive_intvl {
            ka = ka.with_interval(intvl);
        }
        if let Some(cnt) = o.tcp_keepalive_cnt {
            ka = ka.with_retries(cnt);
        }
        let _ = sock.set_tcp_keepalive(&ka);
    }
}

/// Applies the per-connection settings libzmq uses: no Nagle delay.
pub(crate) fn tune(s: &std::net::TcpStream) {
    // Best effort: a failure leaves a slower but working connection.
    let _ = s.set_nodelay(true);
}
