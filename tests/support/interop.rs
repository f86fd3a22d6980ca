//! What the security interop matrices share (tests/security_interop.rs and, once ferrozmq
//! has CURVE, tests/pending/security_interop_curve.rs): the transports, a test per
//! transport, libzmq's numbers, and reading a ferrozmq socket's handshake outcome.

use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ferrozmq::{Monitor, MonitorEvent};

pub use super::security_peer::{
    HANDSHAKE_FAILED_AUTH, HANDSHAKE_FAILED_NO_DETAIL, HANDSHAKE_FAILED_PROTOCOL,
};

/// Every blocking ferrozmq call and monitor wait ends by this deadline.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// errno values libzmq reports with HANDSHAKE_FAILED_NO_DETAIL: a PLAIN server without a
/// ZAP handler says EFAULT, its client, whose connection was closed, EPIPE.
pub const EFAULT: u32 = 14;
pub const EPIPE: u32 = 32;
pub const ECONNRESET: u32 = 104;

/// libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_* values.
pub const UNEXPECTED_COMMAND: u32 = 0x1000_0001;
pub const CRYPTOGRAPHIC: u32 = 0x1100_0001;
pub const MECHANISM_MISMATCH: u32 = 0x1100_0002;

/// The transports between two processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Ipc,
}

/// Generates one test per transport from a body taking the transport, so each case of the
/// matrix passes or fails under its own name (`<case>::over_tcp`, `<case>::over_ipc`).
/// `ignore: "why"` after the body ignores both, `ignore_ipc: "why"` the ipc one: a case
/// that shows a known ferrozmq bug stays written as it should behave.
macro_rules! over_tcp_and_ipc {
    (
        $(#[$meta:meta])*
        fn $name:ident($t:ident: Transport) $body:block
        $(ignore: $why:literal)?
        $(ignore_ipc: $why_ipc:literal)?
    ) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::support::interop::Transport;

            fn case($t: Transport) $body

            #[test]
            $(#[ignore = $why])?
            fn over_tcp() {
                case(Transport::Tcp)
            }

            #[test]
            $(#[ignore = $why])?
            $(#[ignore = $why_ipc])?
            fn over_ipc() {
                case(Transport::Ipc)
            }
        }
    };
}
pub(crate) use over_tcp_and_ipc;

/// Where a server binds: an ephemeral tcp port, or a fresh path in a directory of this
/// process under the temp dir.
pub fn bind_at(t: Transport) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    match t {
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
        Transport::Ipc => {
            let dir = std::env::temp_dir().join(format!("ferrozmq-interop-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("ipc dir");
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            format!("ipc://{}/s{n}.ipc", dir.display())
        }
    }
}

/// The ZAP address libzmq gives a peer: its IP for tcp; for ipc, with SO_PEERCRED (which
/// libzmq's Linux builds have), "localhost" (getnameinfo's name for a Unix socket) followed
/// by the peer process's ":uid:gid:pid".
pub fn libzmq_zap_address(t: Transport, pid: u32) -> String {
    match t {
        Transport::Tcp => "127.0.0.1".to_string(),
        Transport::Ipc => {
            let me = std::fs::metadata("/proc/self").expect("/proc/self");
            format!("localhost:{}:{}:{pid}", me.uid(), me.gid())
        }
    }
}

/// How a peer may learn that the other has another mechanism: from the other's greeting
/// (MECHANISM_MISMATCH), or, when the other read this one's greeting first and closed, as a
/// closed connection (EPIPE, or ECONNRESET over tcp). Which happens is a race: libzmq sends
/// its greeting in steps and ferrozmq all at once; either is ZMTP.
pub fn is_mismatch_or_closed(event: u16, value: u32) -> bool {
    (event, value) == (HANDSHAKE_FAILED_PROTOCOL, MECHANISM_MISMATCH)
        || (event == HANDSHAKE_FAILED_NO_DETAIL && (value == EPIPE || value == ECONNRESET))
}

/// The first handshake outcome a ferrozmq socket's monitor reports.
pub fn first_handshake(events: &Monitor) -> MonitorEvent {
    loop {
        let event = events
            .recv(Some(TIMEOUT))
            .expect("a handshake outcome in time");
        if matches!(
            event,
            MonitorEvent::HandshakeSucceeded { .. }
                | MonitorEvent::HandshakeFailedNoDetail { .. }
                | MonitorEvent::HandshakeFailedProtocol { .. }
                | MonitorEvent::HandshakeFailedAuth { .. }
        ) {
            return event;
        }
    }
}

/// A ferrozmq monitor event as libzmq numbers it: (event, value).
pub fn numbers(event: &MonitorEvent) -> (u16, u32) {
    (event.number(), event.value())
}
