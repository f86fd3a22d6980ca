//! tcp:// listeners and outgoing connections.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::endpoint::{resolve_tcp_bind, tcp_endpoint_string};
use crate::error::{Error, Result};
use crate::options::Options;

/// Binds a listener, or takes over the one ZMQ_USE_FD names; returns it with the endpoint
/// string LAST_ENDPOINT reports.
pub(crate) fn bind(host: &str, port: u16, o: &Options) -> Result<(mio::net::TcpListener, String)> {
    let std_listener: std::net::TcpListener = if o.use_fd >= 0 {
        // The application made, bound and listens on it; the address given is not used.
        crate::sys::fd::adopt_socket(o.use_fd)?.into()
    } else {
        let addr = resolve_tcp_bind(host, port, o.ipv6)?;
        let socket = open(addr, o)?;
        if addr.is_ipv6() && host == "*" {
            // `*` with IPV6 listens on both families, as libzmq does.
            socket.set_only_v6(false)?;
        }
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into()).map_err(Error::from_io)?;
        socket.listen(o.backlog)?;
        socket.into()
    };
    std_listener.set_nonblocking(true)?;
    let local = std_listener.local_addr()?;
    Ok((
        mio::net::TcpListener::from_std(std_listener),
        tcp_endpoint_string(local),
    ))
}

/// A new tcp socket with the options libzmq sets before bind or connect: TOS,
/// BINDTODEVICE, SNDBUF and RCVBUF.
fn open(addr: SocketAddr, o: &Options) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if o.tos != 0 {
        set_tos(&socket, addr.is_ipv6(), o.tos);
    }
    if !o.bindtodevice.is_empty() {
        // Unlike the others, a refused device fails the bind or connect, as in libzmq.
        socket.bind_device(Some(o.bindtodevice.as_bytes()))?;
    }
    // Best effort, as in libzmq: the kernel clamps or refuses sizes as it sees fit.
    if let Ok(n) = usize::try_from(o.sndbuf) {
        let _ = socket.set_send_buffer_size(n);
    }
    if let Ok(n) = usize::try_from(o.rcvbuf) {
        let _ = socket.set_recv_buffer_size(n);
    }
    Ok(socket)
}

fn set_tos(socket: &socket2::Socket, ipv6: bool, tos: i32) {
    let tos = tos.unsigned_abs();
    // Best effort, as in libzmq.
    if ipv6 {
        let _ = socket.set_tclass_v6(tos);
    } else {
        let _ = socket.set_tos_v4(tos);
    }
}

/// Starts a non-blocking connect; completion is signalled by writability.
pub(crate) fn connect(addr: SocketAddr, o: &Options) -> io::Result<std::net::TcpStream> {
    let socket = open(addr, o)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let s: std::net::TcpStream = socket.into();
    tune(&s, o);
    Ok(s)
}

/// Applies what libzmq sets on each connection, made or accepted: no Nagle delay, the
/// keepalive settings, TCP_MAXRT (TCP_USER_TIMEOUT), and on accepted ones the TOS.
pub(crate) fn tune(s: &std::net::TcpStream, o: &Options) {
    // Best effort: a failure leaves a slower but working connection.
    let _ = s.set_nodelay(true);
    keepalive(s, o);
    let sock = socket2::SockRef::from(s);
    if let Some(t) = o.tcp_maxrt {
        let _ = sock.set_tcp_user_timeout(Some(t));
    }
    if o.tos != 0 {
        let v6 = s.local_addr().is_ok_and(|a| a.is_ipv6());
        set_tos(&sock, v6, o.tos);
    }
}

/// Applies TCP_KEEPALIVE and its IDLE/CNT/INTVL settings where they are not left to the OS.
fn keepalive(s: &std::net::TcpStream, o: &Options) {
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
