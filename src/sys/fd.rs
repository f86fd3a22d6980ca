//! Taking ownership of a socket descriptor an application made (ZMQ_USE_FD).

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Takes ownership of `fd`, an open socket the application handed over with ZMQ_USE_FD:
/// ferrozmq closes it when the listener goes, as libzmq does.
///
/// # Errors
/// `EBADF` if `fd` is not an open descriptor, `ENOTSOCK` if it is not a socket.
pub(crate) fn adopt_socket(fd: RawFd) -> io::Result<OwnedFd> {
    let mut kind: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `kind`, a live c_int; an invalid
    // descriptor makes it fail with EBADF, not touch memory.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&raw mut kind).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor is open (getsockopt succeeded) and the application gave it to
    // this socket with ZMQ_USE_FD, which hands over ownership in libzmq's contract.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::IntoRawFd;

    #[test]
    fn a_closed_descriptor_is_refused() {
        let err = adopt_socket(-1).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    }

    #[test]
    fn a_file_that_is_not_a_socket_is_refused() {
        let f = std::fs::File::open("/dev/null").unwrap();
        let fd = f.into_raw_fd();
        let err = adopt_socket(fd).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTSOCK));
        // SAFETY (test): `fd` came from into_raw_fd above and was not adopted.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
    }

    #[test]
    fn a_listening_socket_is_adopted() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let owned = adopt_socket(l.into_raw_fd()).unwrap();
        let back = std::net::TcpListener::from(owned);
        assert_eq!(back.local_addr().unwrap(), addr);
    }
}
