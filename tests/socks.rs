//! tcp connects through a SOCKS5 proxy (ZMQ_SOCKS_PROXY), against a small proxy written
//! here: loopback only, threads and std sockets, every wait bounded by a deadline.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::TIMEOUT;
use ferrozmq::{Context, Error, MonitorEvent, Pull, Push};

/// How the test proxy answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// As a proxy should.
    Relay,
    /// Replies "connection refused" (REP 5) to the first `n` requests, then relays.
    RefuseFirst(usize),
    /// Accepts none of the methods offered.
    WantAuth,
    /// Relays, sending the peer's first bytes in the same write as the reply.
    Coalesce,
}

/// The CONNECT requests a proxy received: the address type and the address as text.
type Seen = Arc<Mutex<Vec<(u8, String)>>>;

struct Proxy {
    addr: SocketAddr,
    seen: Seen,
}

impl Proxy {
    /// Starts a proxy listening now.
    fn start(mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Proxy::serve(listener, mode)
    }

    /// Starts a proxy whose port refuses connections until `after` has passed.
    fn start_late(mode: Mode, after: Duration) -> Proxy {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        s.bind(&any.into()).unwrap();
        let addr = s.local_addr().unwrap().as_socket().unwrap();
        let seen = Seen::default();
        let seen2 = seen.clone();
        thread::spawn(move || {
            thread::sleep(after);
            s.listen(16).unwrap();
            accept_loop(TcpListener::from(s), mode, seen2);
        });
        Proxy { addr, seen }
    }

    fn serve(listener: TcpListener, mode: Mode) -> Proxy {
        let addr = listener.local_addr().unwrap();
        let seen = Seen::default();
        let seen2 = seen.clone();
        thread::spawn(move || accept_loop(listener, mode, seen2));
        Proxy { addr, seen }
    }

    fn requests(&self) -> Vec<(u8, String)> {
        self.seen.lock().unwrap().clone()
    }
}

fn accept_loop(listener: TcpListener, mode: Mode, seen: Seen) {
    for (n, client) in listener.incoming().enumerate() {
        let Ok(client) = client else { return };
        let seen = seen.clone();
        let mode = match mode {
            Mode::RefuseFirst(k) if n >= k => Mode::Relay,
            m => m,
        };
        thread::spawn(move || {
            let _ = client.set_read_timeout(Some(TIMEOUT));
            let _ = serve_one(client, mode, &seen);
        });
    }
}

fn read_n(s: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

/// One client of the proxy, as RFC 1928 has it; names resolve by a fixed table.
fn serve_one(mut client: TcpStream, mode: Mode, seen: &Seen) -> std::io::Result<()> {
    let head = read_n(&mut client, 2)?;
    assert_eq!(head[0], 5, "greeting version");
    let methods = read_n(&mut client, usize::from(head[1]))?;
    if mode == Mode::WantAuth {
        return client.write_all(&[5, 0xff]);
    }
    assert!(methods.contains(&0), "no authentication offered");
    client.write_all(&[5, 0])?;
    let req = read_n(&mut client, 4)?;
    assert_eq!(req[..3], [5, 1, 0], "CONNECT request");
    let host = match req[3] {
        1 => Ipv4Addr::from(<[u8; 4]>::try_from(read_n(&mut client, 4)?).unwrap()).to_string(),
        4 => Ipv6Addr::from(<[u8; 16]>::try_from(read_n(&mut client, 16)?).unwrap()).to_string(),
        3 => {
            let len = read_n(&mut client, 1)?[0];
            String::from_utf8(read_n(&mut client, usize::from(len))?).unwrap()
        }
        other => panic!("address type {other}"),
    };
    let port = u16::from_be_bytes(read_n(&mut client, 2)?.try_into().unwrap());
    seen.lock().unwrap().push((req[3], host.clone()));
    let reply_ok = [5, 0, 0, 1, 127, 0, 0, 1, 0, 0];
    if let Mode::RefuseFirst(_) = mode {
        return client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    }
    // Every name and address the tests use is this machine.
    let target = match host.as_str() {
        "peer.invalid" | "127.0.0.1" | "::1" => SocketAddr::from(([127, 0, 0, 1], port)),
        _ => return client.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]),
    };
    let mut remote = TcpStream::connect_timeout(&target, TIMEOUT)?;
    remote.set_read_timeout(Some(TIMEOUT))?;
    if mode == Mode::Coalesce {
        // The peer greets at once: wait for its first bytes and send them with the reply.
        let mut early = [0u8; 64];
        let n = remote.read(&mut early)?;
        let mut out = reply_ok.to_vec();
        out.extend_from_slice(&early[..n]);
        client.write_all(&out)?;
    } else {
        client.write_all(&reply_ok)?;
    }
    relay(client, remote)
}

/// Copies both ways until either side ends.
fn relay(client: TcpStream, remote: TcpStream) -> std::io::Result<()> {
    let (mut c2, mut r2) = (client.try_clone()?, remote.try_clone()?);
    let up = thread::spawn(move || {
        let mut client = client;
        let mut remote = remote;
        let _ = std::io::copy(&mut client, &mut remote);
        let _ = remote.shutdown(std::net::Shutdown::Both);
    });
    let _ = std::io::copy(&mut r2, &mut c2);
    let _ = c2.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
    Ok(())
}

fn server(ctx: &Context) -> (Push, u16) {
    let push = Push::new(ctx).unwrap();
    push.set_sndtimeo(Some(TIMEOUT)).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.bind("tcp://127.0.0.1:*").unwrap();
    let ep = push.last_endpoint().unwrap();
    let port = ep.rsplit(':').next().unwrap().parse().unwrap();
    (push, port)
}

fn client(ctx: &Context, proxy: &Proxy) -> Pull {
    let pull = Pull::new(ctx).unwrap();
    pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    pull.set_linger(Some(Duration::ZERO)).unwrap();
    pull.set_socks_proxy(proxy.addr.to_string()).unwrap();
    pull
}

fn exchange(push: &Push, pull: &Pull) {
    push.send("ABC").unwrap();
    push.send(vec!["DE", "F"]).unwrap();
    assert_eq!(&pull.recv().unwrap().frames()[0][..], b"ABC");
    let two = pull.recv().unwrap();
    assert_eq!(
        (&two.frames()[0][..], &two.frames()[1][..]),
        (&b"DE"[..], &b"F"[..])
    );
}

#[test]
fn a_connect_through_a_socks5_proxy_reaches_the_peer() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::Relay);
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    assert_eq!(pull.socks_proxy(), proxy.addr.to_string());
    pull.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    exchange(&push, &pull);
    assert_eq!(proxy.requests(), [(1, "127.0.0.1".to_string())]);
}

#[test]
fn host_names_go_to_the_proxy_unresolved() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::Relay);
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    // .invalid never resolves (RFC 2606): only the proxy knows this name.
    pull.connect(&format!("tcp://peer.invalid:{port}")).unwrap();
    exchange(&push, &pull);
    assert_eq!(proxy.requests(), [(3, "peer.invalid".to_string())]);
}

#[test]
fn ipv6_literals_go_to_the_proxy_as_addresses() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::Relay);
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    pull.connect(&format!("tcp://[::1]:{port}")).unwrap();
    exchange(&push, &pull);
    assert_eq!(proxy.requests(), [(4, "::1".to_string())]);
}

#[test]
fn the_peers_bytes_that_come_with_the_proxys_reply_reach_zmtp() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::Coalesce);
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    pull.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    exchange(&push, &pull);
}

#[test]
fn a_refusing_proxy_is_retried_like_a_failed_connect() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::RefuseFirst(2));
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    pull.set_reconnect_ivl(Some(Duration::from_millis(20)))
        .unwrap();
    let events = pull.monitor();
    pull.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    exchange(&push, &pull);
    assert_eq!(proxy.requests().len(), 3);
    let retried = std::iter::from_fn(|| events.try_recv().ok())
        .filter(|e| matches!(e, MonitorEvent::ConnectRetried { .. }))
        .count();
    assert_eq!(retried, 2);
}

#[test]
fn a_proxy_not_yet_listening_is_retried_until_it_is() {
    let ctx = Context::new();
    let proxy = Proxy::start_late(Mode::Relay, Duration::from_millis(300));
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    pull.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    exchange(&push, &pull);
}

#[test]
fn a_proxy_that_wants_authentication_is_never_used() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::WantAuth);
    let (push, port) = server(&ctx);
    let pull = client(&ctx, &proxy);
    pull.set_rcvtimeo(Some(Duration::from_millis(300))).unwrap();
    pull.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    push.try_send("lost").unwrap_err();
    assert!(matches!(pull.recv(), Err(Error::Again)));
    assert!(proxy.requests().is_empty(), "no request without a method");
}

#[test]
fn ipc_connects_ignore_the_socks_proxy() {
    let ctx = Context::new();
    let proxy = Proxy::start(Mode::Relay);
    let push = Push::new(&ctx).unwrap();
    push.set_linger(Some(Duration::ZERO)).unwrap();
    push.bind(&common::endpoint(common::Transport::Ipc))
        .unwrap();
    let pull = client(&ctx, &proxy);
    pull.connect(&push.last_endpoint().unwrap()).unwrap();
    exchange(&push, &pull);
    assert!(proxy.requests().is_empty());
}
