//! tests/c/security_peer.c, compiled against libzmq 4.3.4's own zmq.h and linked to the
//! CURVE-capable libzmq of [`libzmq_curve`](super::libzmq_curve), run as one side of a
//! security interop test, and what it printed, parsed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::libzmq_curve::{include_dir, lib_dir, profile_dir};

/// The peer's own deadline for its exchange, in milliseconds (its `timeout=`).
pub const PEER_TIMEOUT_MS: u64 = 5_000;

/// How long the harness waits for any line the peer owes, beyond which it is killed: the
/// peer's own deadline plus its start-up and a loaded machine's slack.
const HARNESS_DEADLINE: Duration = Duration::from_secs(15);

/// libzmq's monitor event numbers, as the peer prints them.
pub const HANDSHAKE_FAILED_NO_DETAIL: u16 = 0x0800;
pub const HANDSHAKE_FAILED_PROTOCOL: u16 = 0x2000;
pub const HANDSHAKE_FAILED_AUTH: u16 = 0x4000;

/// How the peer's exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handshake succeeded and the message went through: what the peer received ("-"
    /// if it only sent) and the User-Id of what it received (None if absent).
    Ok {
        received: String,
        user_id: Option<String>,
    },
    /// The peer's monitor reported this handshake failure first.
    HandshakeFailed { event: u16, value: u32 },
    /// Neither within the peer's deadline.
    Timeout,
}

/// One ZAP request the peer's handler answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapSeen {
    pub mechanism: String,
    pub domain: String,
    pub address: String,
    /// PLAIN: user name and password; CURVE: the client's public key in Z85.
    pub credentials: Vec<String>,
    pub status: String,
}

/// Everything a finished peer said.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    /// The size of the message received, when the exchange went through.
    pub received_size: Option<usize>,
    pub zap: Vec<ZapSeen>,
    pub lines: Vec<String>,
    pub stderr: String,
}

/// A running peer.
pub struct Peer {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    started: Instant,
}

/// The peer program, built once per test process.
pub fn peer_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = profile_dir().join("security-peer");
        std::fs::create_dir_all(&dir).expect("security-peer dir");
        let lib = lib_dir();
        // Built under a name of this process and renamed, so another test process that
        // runs the program meanwhile never sees it half-written.
        let tmp = dir.join(format!("security_peer.{}", std::process::id()));
        let bin = dir.join("security_peer");
        let out = Command::new("gcc")
            .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-I"])
            .arg(include_dir())
            .arg("-I")
            .arg(repo.join("tests/c"))
            .arg(repo.join("tests/c/security_peer.c"))
            .arg("-o")
            .arg(&tmp)
            .arg("-L")
            .arg(&lib)
            .arg("-lzmq")
            .arg("-lpthread")
            // DT_RPATH, not RUNPATH: cargo's LD_LIBRARY_PATH must not swap the library.
            .arg(format!("-Wl,--disable-new-dtags,-rpath,{}", lib.display()))
            .output()
            .expect("gcc runs");
        assert!(
            out.status.success(),
            "security_peer.c does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::rename(&tmp, &bin).expect("publish security_peer");
        bin
    })
}

impl Peer {
    fn spawn(args: &[String]) -> Peer {
        let mut child = Command::new(peer_bin())
            .args(args)
            .env_remove("LD_LIBRARY_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("security_peer starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut peer = Peer {
            child,
            lines,
            seen: Vec::new(),
            started: Instant::now(),
        };
        let version = peer.line_starting("version ");
        assert_eq!(
            version, "version 4.3.4 curve 1",
            "the peer must run on libzmq 4.3.4 with CURVE"
        );
        peer
    }

    /// Starts a server: binds `endpoint` with `options` (the program's key=value words) and
    /// returns the peer and the endpoint it bound.
    pub fn server(
        socket_type: &str,
        endpoint: &str,
        options: &[impl AsRef<str>],
    ) -> (Peer, String) {
        let mut peer = Peer::spawn(&arguments("server", socket_type, endpoint, options));
        let bound = peer.line_starting("endpoint ");
        let bound = bound["endpoint ".len()..].to_string();
        (peer, bound)
    }

    /// Starts a client connecting to `endpoint` with `options`.
    pub fn client(socket_type: &str, endpoint: &str, options: &[impl AsRef<str>]) -> Peer {
        Peer::spawn(&arguments("client", socket_type, endpoint, options))
    }

    /// The peer's process id (libzmq reports it in an ipc peer's address).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line that starts with `prefix`, keeping every line; the peer is killed and
    /// the test fails if none comes by the deadline.
    fn line_starting(&mut self, prefix: &str) -> String {
        loop {
            let left = HARNESS_DEADLINE.saturating_sub(self.started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(why) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let stderr = read_all(self.child.stderr.take());
                    let how = match why {
                        RecvTimeoutError::Timeout => "not in time",
                        RecvTimeoutError::Disconnected => "the peer ended first",
                    };
                    panic!(
                        "no '{prefix}' line from security_peer ({how}); it said {:?}, \
                         stderr: {stderr}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Waits for the outcome and for the program to exit.
    pub fn finish(mut self) -> Report {
        let line = self.line_starting("outcome ");
        let outcome = parse_outcome(&line);
        let received_size = field(&line, "size").and_then(|n| n.parse().ok());
        // The program exits after the outcome once its context has ended; the rest of its
        // output (nothing, normally) is read to the end.
        while let Ok(line) = self
            .lines
            .recv_timeout(HARNESS_DEADLINE.saturating_sub(self.started.elapsed()))
        {
            self.seen.push(line);
        }
        let status = self.child.try_wait().ok().flatten();
        if status.is_none() {
            let _ = self.child.kill();
        }
        let status = self.child.wait().expect("wait for security_peer");
        let stderr = read_all(self.child.stderr.take());
        assert!(
            status.success(),
            "security_peer exited with {status}: {stderr}\n{:?}",
            self.seen
        );
        let zap = self.seen.iter().filter_map(|l| parse_zap(l)).collect();
        Report {
            outcome,
            received_size,
            zap,
            lines: std::mem::take(&mut self.seen),
            stderr,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // A test that panicked midway leaves no peer process behind.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh CURVE key pair (public, secret) in Z85, made by libzmq.
pub fn libzmq_keypair() -> (String, String) {
    let out = Command::new(peer_bin())
        .arg("keypair")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("security_peer keypair");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("keypair "))
        .expect("a keypair line");
    let (public, secret) = line.split_once(' ').expect("two keys");
    (public.to_string(), secret.to_string())
}

fn arguments(
    role: &str,
    socket_type: &str,
    endpoint: &str,
    options: &[impl AsRef<str>],
) -> Vec<String> {
    let mut args = vec![role.to_string(), socket_type.into(), endpoint.into()];
    args.extend(options.iter().map(|o| o.as_ref().to_string()));
    args.push(format!("timeout={PEER_TIMEOUT_MS}"));
    args
}

fn read_all(pipe: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut p) = pipe {
        let _ = p.read_to_string(&mut text);
    }
    text
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ')
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
}

fn parse_outcome(line: &str) -> Outcome {
    let number = |key| field(line, key).and_then(|v| v.parse::<u32>().ok());
    match line.split(' ').nth(1) {
        Some("ok") => Outcome::Ok {
            received: field(line, "received").unwrap_or("-").to_string(),
            user_id: field(line, "user-id")
                .filter(|u| *u != "-")
                .map(str::to_string),
        },
        Some("handshake-failed") => Outcome::HandshakeFailed {
            event: number("event")
                .and_then(|e| u16::try_from(e).ok())
                .unwrap_or(0),
            value: number("value").unwrap_or(0),
        },
        Some("timeout") => Outcome::Timeout,
        _ => panic!("unknown outcome line {line:?}"),
    }
}

fn parse_zap(line: &str) -> Option<ZapSeen> {
    let rest = line.strip_prefix("zap ")?;
    let get = |key| field(line, key).unwrap_or("").to_string();
    let credentials = get("credentials");
    Some(ZapSeen {
        mechanism: rest.split(' ').next()?.to_string(),
        domain: get("domain"),
        address: get("address"),
        credentials: credentials
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        status: get("status"),
    })
}
