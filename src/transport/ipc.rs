//! ipc:// (Unix domain socket) listeners and connections.

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::endpoint::IpcAddr;
use crate::error::{Error, Result};
use crate::options::Options;

/// A bound Unix socket; removes its socket file when dropped.
pub(crate) struct IpcListener {
    pub listener: mio::net::UnixListener,
    path: Option<PathBuf>,
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Binds an ipc endpoint, or takes over the listener ZMQ_USE_FD names, with the socket's
/// BACKLOG; returns the listener and the endpoint LAST_ENDPOINT reports.
pub(crate) fn bind(addr: &IpcAddr, o: &Options) -> Result<(IpcListener, String)> {
    if o.use_fd >= 0 {
        return adopt(o.use_fd);
    }
    let (listener, ep) = bind_new(addr)?;
    // Linux takes a second listen() as a change of backlog.
    socket2::SockRef::from(&listener.listener).listen(o.backlog)?;
    Ok((listener, ep))
}

/// A listener the application made and bound: its socket file is the application's to
/// remove (libzmq must not unlink it either, or the listener stops being reachable).
fn adopt(fd: i32) -> Result<(IpcListener, String)> {
    let l = std::os::unix::net::UnixListener::from(crate::sys::fd::adopt_socket(fd)?);
    l.set_nonblocking(true)?;
    let local = l.local_addr()?;
    let ep = match (local.as_pathname(), local.as_abstract_name()) {
        (Some(p), _) => format!("ipc://{}", p.display()),
        (None, Some(name)) => format!("ipc://@{}", String::from_utf8_lossy(name)),
        (None, None) => "ipc://*".to_string(),
    };
    let listener = mio::net::UnixListener::from_std(l);
    Ok((
        IpcListener {
            listener,
            path: None,
        },
        ep,
    ))
}

fn bind_new(addr: &IpcAddr) -> Result<(IpcListener, String)> {
    match addr {
        IpcAddr::Abstract(name) => {
            let sa = SocketAddr::from_abstract_name(name)?;
            let l = std::os::unix::net::UnixListener::bind_addr(&sa).map_err(Error::from_io)?;
            l.set_nonblocking(true)?;
            let ep = format!("ipc://@{}", String::from_utf8_lossy(name));
            let listener = mio::net::UnixListener::from_std(l);
            Ok((
                IpcListener {
                    listener,
                    path: None,
                },
                ep,
            ))
        }
        IpcAddr::Any => {
            let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "ferrozmq-{}-{}-{n}.ipc",
                std::process::id(),
                nanos()
            ));
            bind_new(&IpcAddr::Path(path))
        }
        IpcAddr::Path(path) => {
            remove_stale(path)?;
            let listener = mio::net::UnixListener::bind(path).map_err(Error::from_io)?;
            Ok((
                IpcListener {
                    listener,
                    path: Some(path.clone()),
                },
                format!("ipc://{}", path.display()),
            ))
        }
    }
}

/// Starts a connection to an ipc endpoint.
pub(crate) fn connect(addr: &IpcAddr) -> io::Result<std::os::unix::net::UnixStream> {
    let s = match addr {
        IpcAddr::Path(p) => mio::net::UnixStream::connect(p)?,
        IpcAddr::Abstract(name) => {
            let sa = SocketAddr::from_abstract_name(name)?;
            mio::net::UnixStream::connect_addr(&sa)?
        }
        IpcAddr::Any => return Err(io::Error::from(io::ErrorKind::InvalidInput)),
    };
    Ok(std::os::unix::net::UnixStream::from(
        std::os::fd::OwnedFd::from(s),
    ))
}

/// A socket file left by a dead process must not stop a bind, but one that a live process
/// still listens on must: probe it with a connect before removing it.
fn remove_stale(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(Error::AddrInUse),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path)?;
            Ok(())
        }
        // Not a socket, or not ours to judge: let bind report it.
        Err(_) => Ok(()),
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_socket_file_does_not_stop_a_bind() {
        let path = std::env::temp_dir().join(format!("ferrozmq-stale-{}.ipc", std::process::id()));
        let _ = std::fs::remove_file(&path);
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(
            path.exists(),
            "std leaves the file behind, like a dead process"
        );
        let (l, ep) = bind(&IpcAddr::Path(path.clone()), &Options::default()).unwrap();
        assert_eq!(ep, format!("ipc://{}", path.display()));
        drop(l);
        assert!(!path.exists(), "the file is removed on close");
    }

    #[test]
    fn live_socket_file_is_in_use() {
        let path = std::env::temp_dir().join(format!("ferrozmq-live-{}.ipc", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (_l, _) = bind(&IpcAddr::Path(path.clone()), &Options::default()).unwrap();
        assert!(matches!(
            bind(&IpcAddr::Path(path.clone()), &Options::default()),
            Err(Error::AddrInUse)
        ));
    }
}
