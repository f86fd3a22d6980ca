//! Raw TCP peers for the hostile-peer tests: hand-made ZMTP bytes (docs/zmtp.md sections 1-4),
//! and a PULL with a well-behaved PUSH beside it whose traffic must keep flowing.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Deadline for raw reads and writes, and for ferrozmq to close a bad connection.
pub const RAW_TIMEOUT: Duration = Duration::from_secs(5);

/// A greeting for ZMTP `major`.`minor` naming `mechanism`, not server (zmtp.md section 1).
pub fn greeting_with(major: u8, minor: u8, mechanism: &[u8]) -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xff;
    g[8] = 0x01;
    g[9] = 0x7f;
    g[10] = major;
    g[11] = minor;
    g[12..12 + mechanism.len()].copy_from_slice(mechanism);
    g
}

/// The NULL greeting for ZMTP 3.1.
pub fn greeting() -> [u8; 64] {
    greeting_with(3, 1, b"NULL")
}

/// A whole command frame: `name length | name | data`, short or long header (zmtp.md 2-3).
pub fn command(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name);
    body.extend_from_slice(data);
    frame(0x04, &body)
}

/// A whole frame with `flags` (MORE/COMMAND) and `body`, choosing the short form when it fits.
pub fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = match u8::try_from(body.len()) {
        Ok(n) => vec![flags, n],
        Err(_) => {
            let mut f = vec![flags | 0x02];
            f.extend_from_slice(&(body.len() as u64).to_be_bytes());
            f
        }
    };
    f.extend_from_slice(body);
    f
}

/// READY metadata: `name length | name | value length (4, BE) | value` per property.
pub fn properties(props: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (name, value) in props {
        data.push(name.len() as u8);
        data.extend_from_slice(name);
        data.extend_from_slice(&(value.len() as u32).to_be_bytes());
        data.extend_from_slice(value);
    }
    data
}

/// READY with only Socket-Type.
pub fn ready(socket_type: &str) -> Vec<u8> {
    command(
        b"READY",
        &properties(&[(b"Socket-Type", socket_type.as_bytes())]),
    )
}

/// Reads one whole frame (header and body) from a raw stream.
pub fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut f = vec![0u8; 2];
    stream.read_exact(&mut f)?;
    let size = if f[0] & 0x02 != 0 {
        f.resize(9, 0);
        stream.read_exact(&mut f[2..])?;
        u64::from_be_bytes(f[1..9].try_into().unwrap()) as usize
    } else {
        f[1] as usize
    };
    let start = f.len();
    f.resize(start + size, 0);
    stream.read_exact(&mut f[start..])?;
    Ok(f)
}

/// Opens a raw connection to `addr` with deadlines on reads and writes.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, RAW_TIMEOUT).unwrap();
    s.set_read_timeout(Some(RAW_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(RAW_TIMEOUT)).unwrap();
    s
}

/// Completes a NULL handshake on `stream` as `socket_type` and reads ferrozmq's greeting and
/// READY, which it returns.
pub fn handshake(stream: &mut TcpStream, socket_type: &str) -> Vec<u8> {
    stream.write_all(&greeting()).unwrap();
    stream.write_all(&ready(socket_type)).unwrap();
    let mut theirs = [0u8; 64];
    stream.read_exact(&mut theirs).unwrap();
    assert_eq!(theirs[..12], greeting()[..12], "ferrozmq's greeting");
    read_frame(stream).expect("ferrozmq's READY")
}

/// Reads until ferrozmq closes the connection (EOF or reset), keeping what it sent first;
/// panics if it is still open at `deadline`.
pub fn wait_closed(stream: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "ferrozmq did not close the connection");
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("ferrozmq did not close the connection")
            }
            // A reset: ferrozmq closed with our bytes unread.
            Err(_) => return seen,
        }
    }
}

/// Asserts the connection is still open: nothing but a timeout within `wait`.
pub fn assert_open(stream: &mut TcpStream, wait: Duration) {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 256];
    match stream.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("expected an open, silent connection, got {other:?}"),
    }
}

/// A ferrozmq PULL bound on tcp with a well-behaved ferrozmq PUSH connected to it.
pub struct Rig {
    pub ctx: ferrozmq::Context,
    pub pull: ferrozmq::Pull,
    pub push: ferrozmq::Push,
    pub addr: SocketAddr,
    sent: usize,
}

impl Rig {
    /// A rig whose PULL has HANDSHAKE_IVL `handshake` and MAXMSGSIZE `max`.
    pub fn with(handshake: Duration, max: Option<u64>) -> Rig {
        let ctx = ferrozmq::Context::new();
        let pull = ferrozmq::Pull::new(&ctx).unwrap();
        pull.set_rcvtimeo(Some(RAW_TIMEOUT)).unwrap();
        pull.set_linger(Some(Duration::ZERO)).unwrap();
        pull.set_handshake_ivl(Some(handshake)).unwrap();
        pull.set_maxmsgsize(max).unwrap();
        pull.bind("tcp://127.0.0.1:*").unwrap();
        let endpoint = pull.last_endpoint().unwrap();
        let addr = endpoint.trim_start_matches("tcp://").parse().unwrap();
        let push = ferrozmq::Push::new(&ctx).unwrap();
        push.set_sndtimeo(Some(RAW_TIMEOUT)).unwrap();
        push.set_linger(Some(Duration::ZERO)).unwrap();
        push.connect(&endpoint).unwrap();
        let mut rig = Rig {
            ctx,
            pull,
            push,
            addr,
            sent: 0,
        };
        rig.good_peer_still_flows();
        rig
    }

    /// A rig with a 300 ms HANDSHAKE_IVL and no MAXMSGSIZE.
    pub fn new() -> Rig {
        Rig::with(Duration::from_millis(300), None)
    }

    /// Sends one message from the good PUSH and asserts it is the next the PULL receives.
    pub fn good_peer_still_flows(&mut self) {
        self.sent += 1;
        let body = format!("good {}", self.sent);
        self.push.send(body.as_str()).unwrap();
        let msg = self.pull.recv().expect("the good peer's message arrives");
        assert_eq!(msg.frames().len(), 1);
        assert_eq!(&msg.frames()[0][..], body.as_bytes());
    }

    /// A raw connection to the PULL.
    pub fn raw(&self) -> TcpStream {
        connect(self.addr)
    }

    /// A raw connection that has completed the handshake as a PUSH.
    pub fn raw_push(&self) -> TcpStream {
        let mut s = self.raw();
        handshake(&mut s, "PUSH");
        s
    }

    /// Opens a raw connection, sends `bytes`, and asserts ferrozmq closes it while the good
    /// peer keeps flowing; returns what ferrozmq sent before closing.
    pub fn refuses(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut bad = self.raw();
        // The peer may close before it has read everything: a reset here is the answer.
        let _ = bad.write_all(bytes);
        self.good_peer_still_flows();
        let seen = wait_closed(&mut bad, Instant::now() + RAW_TIMEOUT);
        self.good_peer_still_flows();
        seen
    }
}
