//! The socket monitor: a socket's connection events (connected, accepted, handshake done,
//! disconnected, ...), as libzmq's zmq_socket_monitor reports them, delivered as a typed
//! stream.
//!
//! The I/O threads and the socket raise events through the socket's shared state; a
//! [`Monitor`] receives them. The C ABI's zmq_socket_monitor publishes the same events on a
//! PAIR socket in libzmq's two-frame format.

use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::error::{Error, Result};
use crate::zmtp::ProtocolError;

/// One socket event. `endpoint` is the endpoint it concerns: the one given to connect, or
/// the resolved one a listener is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorEvent {
    /// A connect completed (ZMQ_EVENT_CONNECTED); `fd` is the connection's descriptor.
    Connected {
        /// The endpoint concerned.
        endpoint: String,
        /// The descriptor concerned.
        fd: i32,
    },
    /// A connect is in progress and will complete later (ZMQ_EVENT_CONNECT_DELAYED).
    ConnectDelayed {
        /// The endpoint concerned.
        endpoint: String,
        /// The error number.
        errno: i32,
    },
    /// A new connect attempt is scheduled after `interval` (ZMQ_EVENT_CONNECT_RETRIED).
    ConnectRetried {
        /// The endpoint concerned.
        endpoint: String,
        /// The wait before the attempt.
        interval: Duration,
    },
    /// A bind succeeded and the socket listens (ZMQ_EVENT_LISTENING).
    Listening {
        /// The endpoint concerned.
        endpoint: String,
        /// The descriptor concerned.
        fd: i32,
    },
    /// A bind failed (ZMQ_EVENT_BIND_FAILED).
    BindFailed {
        /// The endpoint concerned.
        endpoint: String,
        /// The error number.
        errno: i32,
    },
    /// A listener accepted a connection (ZMQ_EVENT_ACCEPTED).
    Accepted {
        /// The endpoint concerned.
        endpoint: String,
        /// The descriptor concerned.
        fd: i32,
    },
    /// A listener failed to accept one (ZMQ_EVENT_ACCEPT_FAILED).
    AcceptFailed {
        /// The endpoint concerned.
        endpoint: String,
        /// The error number.
        errno: i32,
    },
    /// A listener, or a failed connect attempt's descriptor, was closed (ZMQ_EVENT_CLOSED).
    Closed {
        /// The endpoint concerned.
        endpoint: String,
        /// The descriptor concerned.
        fd: i32,
    },
    /// Closing a descriptor failed (ZMQ_EVENT_CLOSE_FAILED).
    CloseFailed {
        /// The endpoint concerned.
        endpoint: String,
        /// The error number.
        errno: i32,
    },
    /// An established connection ended (ZMQ_EVENT_DISCONNECTED).
    Disconnected {
        /// The endpoint concerned.
        endpoint: String,
        /// The descriptor concerned.
        fd: i32,
    },
    /// The monitor was stopped or replaced, or the socket closed (ZMQ_EVENT_MONITOR_STOPPED);
    /// the last event a monitor sees.
    MonitorStopped,
    /// A handshake failed for no reason ZMTP names (the peer left, a timeout)
    /// (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL).
    HandshakeFailedNoDetail {
        /// The endpoint concerned.
        endpoint: String,
        /// The error number.
        errno: i32,
    },
    /// A handshake completed (ZMQ_EVENT_HANDSHAKE_SUCCEEDED).
    HandshakeSucceeded {
        /// The endpoint concerned.
        endpoint: String,
    },
    /// The peer broke a ZMTP rule during the handshake; `code` is libzmq's
    /// ZMQ_PROTOCOL_ERROR_* number (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL).
    HandshakeFailedProtocol {
        /// The endpoint concerned.
        endpoint: String,
        /// The ZMQ_PROTOCOL_ERROR_* code.
        code: u32,
    },
    /// Authentication failed (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH): the ZAP handler refused the
    /// peer, or the peer's handler refused us.
    HandshakeFailedAuth {
        /// The endpoint concerned.
        endpoint: String,
        /// The ZAP status code.
        status: u32,
    },
}

/// Every event number, as libzmq's ZMQ_EVENT_ALL.
pub const ALL_EVENTS: u16 = 0xFFFF;

impl MonitorEvent {
    /// libzmq's ZMQ_EVENT_* number.
    pub fn number(&self) -> u16 {
        match self {
            MonitorEvent::Connected { .. } => 0x0001,
            MonitorEvent::ConnectDelayed { .. } => 0x0002,
            MonitorEvent::ConnectRetried { .. } => 0x0004,
            MonitorEvent::Listening { .. } => 0x0008,
            MonitorEvent::BindFailed { .. } => 0x0010,
            MonitorEvent::Accepted { .. } => 0x0020,
            MonitorEvent::AcceptFailed { .. } => 0x0040,
            MonitorEvent::Closed { .. } => 0x0080,
            MonitorEvent::CloseFailed { .. } => 0x0100,
            MonitorEvent::Disconnected { .. } => 0x0200,
            MonitorEvent::MonitorStopped => 0x0400,
            MonitorEvent::HandshakeFailedNoDetail { .. } => 0x0800,
            MonitorEvent::HandshakeSucceeded { .. } => 0x1000,
            MonitorEvent::HandshakeFailedProtocol { .. } => 0x2000,
            MonitorEvent::HandshakeFailedAuth { .. } => 0x4000,
        }
    }

    /// The 32-bit value libzmq sends with the event: a descriptor, an errno, an interval in
    /// milliseconds or a protocol error code (0 when there is none).
    pub fn value(&self) -> u32 {
        let int = |v: i32| v as u32;
        match self {
            MonitorEvent::Connected { fd, .. }
            | MonitorEvent::Listening { fd, .. }
            | MonitorEvent::Accepted { fd, .. }
            | MonitorEvent::Closed { fd, .. }
            | MonitorEvent::Disconnected { fd, .. } => int(*fd),
            MonitorEvent::ConnectDelayed { errno, .. }
            | MonitorEvent::BindFailed { errno, .. }
            | MonitorEvent::AcceptFailed { errno, .. }
            | MonitorEvent::CloseFailed { errno, .. }
            | MonitorEvent::HandshakeFailedNoDetail { errno, .. } => int(*errno),
            MonitorEvent::ConnectRetried { interval, .. } => {
                u32::try_from(interval.as_millis()).unwrap_or(u32::MAX)
            }
            MonitorEvent::HandshakeFailedProtocol { code, .. } => *code,
            MonitorEvent::HandshakeFailedAuth { status, .. } => *status,
            MonitorEvent::MonitorStopped | MonitorEvent::HandshakeSucceeded { .. } => 0,
        }
    }

    /// The endpoint the event concerns ("" for MonitorStopped).
    pub fn endpoint(&self) -> &str {
        match self {
            MonitorEvent::Connected { endpoint, .. }
            | MonitorEvent::ConnectDelayed { endpoint, .. }
            | MonitorEvent::ConnectRetried { endpoint, .. }
            | MonitorEvent::Listening { endpoint, .. }
            | MonitorEvent::BindFailed { endpoint, .. }
            | MonitorEvent::Accepted { endpoint, .. }
            | MonitorEvent::AcceptFailed { endpoint, .. }
            | MonitorEvent::Closed { endpoint, .. }
            | MonitorEvent::CloseFailed { endpoint, .. }
            | MonitorEvent::Disconnected { endpoint, .. }
            | MonitorEvent::HandshakeFailedNoDetail { endpoint, .. }
            | MonitorEvent::HandshakeSucceeded { endpoint }
            | MonitorEvent::HandshakeFailedProtocol { endpoint, .. }
            | MonitorEvent::HandshakeFailedAuth { endpoint, .. } => endpoint,
            MonitorEvent::MonitorStopped => "",
        }
    }
}

/// A stream of one socket's events, from [`monitor`](crate::Pair::monitor). Events raised
/// while nobody reads queue here without bound; they are rare (one per connection change).
///
/// ```
/// use std::time::Duration;
/// use ferrozmq::{Context, MonitorEvent, Pull, Push};
///
/// let ctx = Context::new();
/// let server = Pull::new(&ctx)?;
/// let events = server.monitor();
/// server.bind("tcp://127.0.0.1:*")?;
/// let at = server.last_endpoint().unwrap();
/// let client = Push::new(&ctx)?;
/// client.connect(&at)?;
///
/// let wait = Some(Duration::from_secs(5));
/// assert!(matches!(events.recv(wait)?, MonitorEvent::Listening { .. }));
/// assert!(matches!(events.recv(wait)?, MonitorEvent::Accepted { .. }));
/// assert!(matches!(
///     events.recv(wait)?,
///     MonitorEvent::HandshakeSucceeded { endpoint } if endpoint == at
/// ));
/// # Ok::<(), ferrozmq::Error>(())
/// ```
pub struct Monitor {
    rx: Receiver<MonitorEvent>,
}

impl Monitor {
    /// The next event, waiting up to `timeout` (`None`: until one comes).
    ///
    /// # Errors
    /// [`Error::Again`] when the timeout passes; [`Error::Terminated`] once the monitor has
    /// stopped and every event was read.
    pub fn recv(&self, timeout: Option<Duration>) -> Result<MonitorEvent> {
        match timeout {
            None => self.rx.recv().map_err(|_| Error::Terminated),
            Some(t) => self.rx.recv_timeout(t).map_err(|e| match e {
                RecvTimeoutError::Timeout => Error::Again,
                RecvTimeoutError::Disconnected => Error::Terminated,
            }),
        }
    }

    /// The next event if one is waiting.
    ///
    /// # Errors
    /// As [`recv`](Self::recv), with [`Error::Again`] when none is waiting.
    pub fn try_recv(&self) -> Result<MonitorEvent> {
        self.rx.try_recv().map_err(|e| match e {
            TryRecvError::Empty => Error::Again,
            TryRecvError::Disconnected => Error::Terminated,
        })
    }
}

/// The sending side, kept in the socket's shared state while the monitor runs.
pub(crate) struct MonitorSink {
    tx: Sender<MonitorEvent>,
    mask: u16,
}

impl MonitorSink {
    /// A sink passing the events in `mask` to a new [`Monitor`].
    pub(crate) fn new(mask: u16) -> (MonitorSink, Monitor) {
        let (tx, rx) = crossbeam_channel::unbounded();
        (MonitorSink { tx, mask }, Monitor { rx })
    }

    /// Whether events numbered `number` are wanted.
    pub(crate) fn wants(&self, number: u16) -> bool {
        self.mask & number != 0
    }

    /// Passes an event on if it is wanted.
    pub(crate) fn send(&self, ev: MonitorEvent) {
        if self.wants(ev.number()) {
            let _ = self.tx.send(ev);
        }
    }
}

impl Drop for MonitorSink {
    fn drop(&mut self) {
        self.send(MonitorEvent::MonitorStopped);
    }
}

/// What losing a connection's stream means to a monitor, in libzmq's order: a failed
/// connect attempt's descriptor closed; or a handshake that failed (with ZMTP's reason when
/// there is one; for CURVE also a MESSAGE that fails to open later) and then, as for an
/// established connection, DISCONNECTED (libzmq's stream engine raises DISCONNECTED for
/// every stream it ran, handshaken or not).
pub(crate) fn loss_events(
    endpoint: &str,
    fd: i32,
    connecting: bool,
    handshaken: bool,
    reason: &std::io::Error,
) -> Vec<MonitorEvent> {
    let endpoint = endpoint.to_string();
    if connecting {
        return if fd >= 0 {
            vec![MonitorEvent::Closed { endpoint, fd }]
        } else {
            Vec::new()
        };
    }
    let mut events = Vec::with_capacity(2);
    if !handshaken {
        let fault = reason
            .get_ref()
            .and_then(|e| e.downcast_ref::<ProtocolError>());
        events.push(match fault {
            Some(ProtocolError::AuthFailed(status)) => MonitorEvent::HandshakeFailedAuth {
                endpoint: endpoint.clone(),
                status: u32::from(*status),
            },
            // libzmq reports a missing handler it needed as EFAULT, with no detail.
            Some(ProtocolError::ZapUnavailable) => MonitorEvent::HandshakeFailedNoDetail {
                endpoint: endpoint.clone(),
                errno: libc::EFAULT,
            },
            Some(ProtocolError::HandshakeTimeout) | Some(ProtocolError::PeerError(_)) | None => {
                let errno = reason.raw_os_error().unwrap_or(match reason.kind() {
                    std::io::ErrorKind::TimedOut => libc::ETIMEDOUT,
                    // libzmq reads the end of the stream as EPIPE.
                    std::io::ErrorKind::UnexpectedEof => libc::EPIPE,
                    _ => libc::ECONNRESET,
                });
                MonitorEvent::HandshakeFailedNoDetail {
                    endpoint: endpoint.clone(),
                    errno,
                }
            }
            Some(p) => MonitorEvent::HandshakeFailedProtocol {
                endpoint: endpoint.clone(),
                code: protocol_code(p),
            },
        });
    } else if let Some(p @ (ProtocolError::Handshake { .. } | ProtocolError::Cryptographic)) =
        reason
            .get_ref()
            .and_then(|e| e.downcast_ref::<ProtocolError>())
    {
        // Only a sealing mechanism (CURVE) fails this way after its handshake, on a MESSAGE
        // that does not open; libzmq reports that as a failed handshake too.
        events.push(MonitorEvent::HandshakeFailedProtocol {
            endpoint: endpoint.clone(),
            code: protocol_code(p),
        });
    }
    events.push(MonitorEvent::Disconnected { endpoint, fd });
    events
}

/// libzmq's ZMQ_PROTOCOL_ERROR_* code for a peer's protocol fault.
pub(crate) fn protocol_code(e: &ProtocolError) -> u32 {
    match e {
        ProtocolError::UnexpectedCommand(_) => 0x1000_0001,
        ProtocolError::UnexpectedMessage
        | ProtocolError::CommandInMessage
        | ProtocolError::CommandWithMore => 0x1000_0002,
        ProtocolError::MalformedCommand(_) => 0x1000_0011,
        ProtocolError::MissingSocketType | ProtocolError::IncompatibleSocketType(_) => 0x1000_0018,
        ProtocolError::MechanismMismatch | ProtocolError::UnknownMechanism => 0x1100_0002,
        ProtocolError::Handshake { code, .. } | ProtocolError::Zap(code) => *code,
        ProtocolError::Cryptographic => 0x1100_0001,
        // What a libzmq peer of the same role reports: the other's first command, unexpected.
        ProtocolError::RoleClash(_) => 0x1000_0001,
        _ => 0x1000_0000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_libzmq_numbers_and_values() {
        let e = MonitorEvent::ConnectRetried {
            endpoint: "tcp://a:1".into(),
            interval: Duration::from_millis(200),
        };
        assert_eq!((e.number(), e.value(), e.endpoint()), (4, 200, "tcp://a:1"));
        assert_eq!(MonitorEvent::MonitorStopped.number(), 0x400);
    }

    #[test]
    fn a_sink_filters_by_mask_and_says_stopped_when_dropped() {
        let (sink, monitor) = MonitorSink::new(0x0001 | 0x0400);
        sink.send(MonitorEvent::Listening {
            endpoint: "x".into(),
            fd: 3,
        });
        sink.send(MonitorEvent::Connected {
            endpoint: "x".into(),
            fd: 4,
        });
        drop(sink);
        assert_eq!(monitor.try_recv().unwrap().number(), 0x0001);
        assert!(matches!(
            monitor.try_recv(),
            Ok(MonitorEvent::MonitorStopped)
        ));
        assert!(matches!(monitor.try_recv(), Err(Error::Terminated)));
    }

    #[test]
    fn socket_type_faults_are_invalid_metadata() {
        let e = ProtocolError::IncompatibleSocketType("PUB".into());
        assert_eq!(protocol_code(&e), 0x1000_0018);
    }
}
