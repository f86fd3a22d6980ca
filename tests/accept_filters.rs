//! Who a listener lets in: TCP_ACCEPT_FILTER over tcp, IPC_FILTER_UID/GID/PID over ipc. A
//! refused peer is closed as soon as it is accepted, before the greeting, and the peers
//! that were let in go on undisturbed.
//!
//! A peer counts as let in when it hears the server's ZMTP greeting (libzmq and ferrozmq
//! send it at once on accept), and as refused when its stream ends without a byte.

mod common;

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::{TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, MonitorEvent, Pull, Push, TcpAcceptFilter};

/// What a raw peer hears first: the greeting's first byte if it was let in, `None` if its
/// stream was closed.
fn first_byte(mut s: impl Read) -> Option<u8> {
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Ok(1) => Some(b[0]),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
        Err(e) => panic!("read: {e}"),
    }
}

/// A raw tcp peer connecting from `source` (any 127/8 address is loopback on Linux).
fn tcp_from(source: &str, to: &str) -> TcpStream {
    let to: SocketAddr = to.trim_start_matches("tcp://").parse().unwrap();
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let from: SocketAddr = format!("{source}:0").parse().unwrap();
    s.bind(&from.into()).unwrap();
    s.connect(&to.into()).unwrap();
    let s = TcpStream::from(s);
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn pull(ctx: &Context) -> Pull {
    let p = Pull::new(ctx).unwrap();
    p.set_rcvtimeo(Some(TIMEOUT)).unwrap();
    p
}

fn push(ctx: &Context) -> Push {
    let p = Push::new(ctx).unwrap();
    p.set_sndtimeo(Some(TIMEOUT)).unwrap();
    p.set_linger(Some(Duration::ZERO)).unwrap();
    p
}

fn filters(list: &[&str]) -> Vec<TcpAcceptFilter> {
    list.iter().map(|f| f.parse().unwrap()).collect()
}

#[test]
fn tcp_peer_outside_the_accept_filters_is_closed_before_the_greeting() {
    let ctx = Context::new();
    let server = pull(&ctx);
    server
        .set_tcp_accept_filters(filters(&["127.0.0.1"]))
        .unwrap();
    let events = server.monitor();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().unwrap();
    assert_eq!(first_byte(tcp_from("127.0.0.2", &ep)), None);
    let refused = std::iter::from_fn(|| events.recv(Some(TIMEOUT)).ok())
        .find(|e| !matches!(e, MonitorEvent::Listening { .. }));
    assert!(
        matches!(refused, Some(MonitorEvent::AcceptFailed { .. })),
        "{refused:?}"
    );
}

#[test]
fn tcp_peer_inside_an_accept_filter_network_is_let_in() {
    let ctx = Context::new();
    let server = pull(&ctx);
    server
        .set_tcp_accept_filters(filters(&["10.0.0.0/8", "127.0.0.0/8"]))
        .unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().unwrap();
    assert_eq!(first_byte(tcp_from("127.0.0.2", &ep)), Some(0xff));
}

#[test]
fn a_refused_tcp_peer_does_not_disturb_an_accepted_one() {
    let ctx = Context::new();
    let server = pull(&ctx);
    server
        .set_tcp_accept_filters(filters(&["127.0.0.1/32"]))
        .unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().unwrap();
    let client = push(&ctx);
    client.connect(&ep).unwrap();
    client.send("before").unwrap();
    assert_eq!(&server.recv().unwrap().frames()[0][..], b"before");
    for _ in 0..3 {
        assert_eq!(first_byte(tcp_from("127.0.0.3", &ep)), None);
    }
    client.send("after").unwrap();
    assert_eq!(&server.recv().unwrap().frames()[0][..], b"after");
}

#[test]
fn emptying_the_accept_filters_lets_every_peer_in_from_the_next_bind() {
    let ctx = Context::new();
    let server = pull(&ctx);
    server
        .set_tcp_accept_filters(filters(&["127.0.0.1"]))
        .unwrap();
    assert_eq!(server.tcp_accept_filters(), filters(&["127.0.0.1/32"]));
    server.set_tcp_accept_filters(Vec::new()).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().unwrap();
    assert_eq!(first_byte(tcp_from("127.0.0.2", &ep)), Some(0xff));
}

/// This process's user and group, as the kernel reports them for its peers: those of a
/// file it creates (the temp dir is not set-group-id).
fn own_ids() -> (u32, u32) {
    let path = std::env::temp_dir().join(format!("ferrozmq-ids-{}", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    (meta.uid(), meta.gid())
}

fn pid() -> i32 {
    i32::try_from(std::process::id()).unwrap()
}

fn ipc_server(ctx: &Context, set: impl FnOnce(&Pull)) -> (Pull, String) {
    let server = pull(ctx);
    set(&server);
    server.bind(&endpoint(Transport::Ipc)).unwrap();
    let ep = server.last_endpoint().unwrap();
    (server, ep)
}

fn ipc_peer(ep: &str) -> UnixStream {
    let s = UnixStream::connect(ep.trim_start_matches("ipc://")).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

#[test]
fn ipc_peer_whose_credentials_match_a_filter_is_let_in() {
    let (uid, gid) = own_ids();
    let ctx = Context::new();
    let by_uid = ipc_server(&ctx, |s| s.set_ipc_filter_uids(vec![uid + 1, uid]).unwrap());
    let by_gid = ipc_server(&ctx, |s| s.set_ipc_filter_gids(vec![gid]).unwrap());
    let by_pid = ipc_server(&ctx, |s| s.set_ipc_filter_pids(vec![pid()]).unwrap());
    for (_, ep) in [by_uid, by_gid, by_pid] {
        assert_eq!(first_byte(ipc_peer(&ep)), Some(0xff), "{ep}");
    }
}

#[test]
fn ipc_peer_matching_none_of_the_filters_is_closed() {
    let (uid, gid) = own_ids();
    let ctx = Context::new();
    let (_server, ep) = ipc_server(&ctx, |s| {
        s.set_ipc_filter_uids(vec![uid.wrapping_add(1)]).unwrap();
        s.set_ipc_filter_gids(vec![gid.wrapping_add(1)]).unwrap();
        s.set_ipc_filter_pids(vec![pid() + 1]).unwrap();
    });
    assert_eq!(first_byte(ipc_peer(&ep)), None);
}

#[test]
fn a_refused_ipc_peer_does_not_disturb_an_accepted_one() {
    let ctx = Context::new();
    // Only this process is let in; a child process is refused.
    let (server, ep) = ipc_server(&ctx, |s| s.set_ipc_filter_pids(vec![pid()]).unwrap());
    let client = push(&ctx);
    client.connect(&ep).unwrap();
    client.send("before").unwrap();
    assert_eq!(&server.recv().unwrap().frames()[0][..], b"before");
    let path = ep.trim_start_matches("ipc://");
    let script = "import socket,sys\n\
        s=socket.socket(socket.AF_UNIX);s.settimeout(10);s.connect(sys.argv[1])\n\
        print(len(s.recv(1)))";
    let out = std::process::Command::new("python3")
        .args(["-c", script, path])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    client.send("after").unwrap();
    assert_eq!(&server.recv().unwrap().frames()[0][..], b"after");
}
