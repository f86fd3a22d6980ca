//! The one error type, and its mapping to libzmq's errno numbers.

use crate::message::Message;

/// libzmq's base for its own error numbers (ZMQ_HAUSNUMERO).
const HAUSNUMERO: i32 = 156_384_712;

/// An error from a ferrozmq call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operation would block (EAGAIN): a non-blocking call, or a timeout expired.
    #[error("resource temporarily unavailable")]
    Again,
    /// The operation is not valid in the socket's current state (EFSM).
    #[error("operation cannot be accomplished in current state")]
    State,
    /// The context was terminated (ETERM).
    #[error("context was terminated")]
    Terminated,
    /// No route to the addressed peer (EHOSTUNREACH).
    #[error("host unreachable")]
    HostUnreachable,
    /// The endpoint string could not be parsed or resolved (EINVAL).
    #[error("invalid endpoint: {0}")]
    InvalidEndpoint(String),
    /// The endpoint's transport is unknown (EPROTONOSUPPORT).
    #[error("protocol not supported: {0}")]
    ProtocolNotSupported(String),
    /// The endpoint's transport cannot be used by this socket type (ENOCOMPATPROTO).
    #[error("protocol not compatible with the socket type")]
    NoCompatProto,
    /// The address is already bound (EADDRINUSE).
    #[error("address already in use")]
    AddrInUse,
    /// The address is not local (EADDRNOTAVAIL), or an unbind/disconnect named an endpoint
    /// this socket does not have (ENOENT in libzmq).
    #[error("address not available")]
    AddrNotAvailable,
    /// No such endpoint on this socket (ENOENT).
    #[error("no such endpoint")]
    NoSuchEndpoint,
    /// An argument was invalid (EINVAL).
    #[error("invalid argument: {0}")]
    Invalid(&'static str),
    /// Not supported by this socket type or by ferrozmq (ENOTSUP).
    #[error("operation not supported")]
    NotSupported,
    /// The message is too large (EMSGSIZE).
    #[error("message too long")]
    MessageTooLarge,
    /// An ipc path longer than a Unix socket address holds (ENAMETOOLONG).
    #[error("file name too long")]
    NameTooLong,
    /// Too many open sockets in the context (EMFILE).
    #[error("too many open sockets")]
    TooManySockets,
    /// An operating-system error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A failed send: the error, and the message given back to the caller.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SendError {
    /// Why the send failed.
    pub error: Error,
    /// The message that was not sent.
    pub message: Message,
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        e.error
    }
}

/// The result type of ferrozmq calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The errno value libzmq reports for this condition.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Again => libc::EAGAIN,
            Error::State => HAUSNUMERO + 51,
            Error::Terminated => HAUSNUMERO + 53,
            Error::HostUnreachable => libc::EHOSTUNREACH,
            Error::InvalidEndpoint(_) | Error::Invalid(_) => libc::EINVAL,
            Error::ProtocolNotSupported(_) => libc::EPROTONOSUPPORT,
            Error::NoCompatProto => HAUSNUMERO + 52,
            Error::AddrInUse => libc::EADDRINUSE,
            Error::AddrNotAvailable => libc::EADDRNOTAVAIL,
            Error::NoSuchEndpoint => libc::ENOENT,
            Error::NotSupported => libc::ENOTSUP,
            Error::MessageTooLarge => libc::EMSGSIZE,
            Error::NameTooLong => libc::ENAMETOOLONG,
            Error::TooManySockets => libc::EMFILE,
            Error::Io(e) => e.raw_os_error().unwrap_or(libc::EIO),
        }
    }

    /// Converts an OS error from bind or connect into the specific variant libzmq reports.
    pub(crate) fn from_io(e: std::io::Error) -> Error {
        match e.raw_os_error() {
            Some(libc::EADDRINUSE) => Error::AddrInUse,
            Some(libc::EADDRNOTAVAIL) => Error::AddrNotAvailable,
            _ => Error::Io(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libzmq_specific_errnos_match_zmq_h() {
        assert_eq!(Error::State.errno(), 156_384_763);
        assert_eq!(Error::NoCompatProto.errno(), 156_384_764);
        assert_eq!(Error::Terminated.errno(), 156_384_765);
        assert_eq!(Error::Again.errno(), 11);
    }

    #[test]
    fn send_error_converts_to_its_error() {
        let e = SendError {
            error: Error::Again,
            message: Message::from("x"),
        };
        assert_eq!(Error::from(e).errno(), libc::EAGAIN);
    }
}
