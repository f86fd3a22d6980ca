//! The SOCKS5 step of a tcp connect made through ZMQ_SOCKS_PROXY: after the connection to
//! the proxy completes and before the ZMTP engine starts, the exchange in
//! [`crate::transport::socks`] asks the proxy to connect to the peer.

use std::io::{self, IoSlice};

use super::{Connection, Cx, Phase};
use crate::endpoint::Endpoint;
use crate::options::Options;
use crate::transport::socks::{Socks5Connect, SocksError};

/// Bytes read from the proxy at a time during the exchange. Its replies are at most 262
/// bytes; what comes after one in the same read is the peer's greeting, handed on whole.
const SOCKS_READ: usize = 4096;

/// The proxy's host and port when SOCKS_PROXY is set. libzmq's form `source;host:port`
/// names a local address too, which ferrozmq's connects do not bind (as for peers).
pub(super) fn proxy_endpoint(o: &Options) -> Option<(String, u16)> {
    if o.socks_proxy.is_empty() {
        return None;
    }
    match Endpoint::parse(&format!("tcp://{}", o.socks_proxy)) {
        Ok(Endpoint::Tcp { host, port }) => Some((host, port)),
        // Unparseable: connecting to it fails each attempt, and each is retried, as libzmq
        // does with a proxy address it cannot resolve.
        _ => Some((o.socks_proxy.clone(), 0)),
    }
}

fn socks_error(e: SocksError) -> io::Error {
    let kind = match e {
        SocksError::Protocol(_) => io::ErrorKind::InvalidData,
        SocksError::BadTarget => io::ErrorKind::InvalidInput,
        SocksError::NoAcceptableMethod(_) | SocksError::Refused(_) => {
            io::ErrorKind::ConnectionRefused
        }
    };
    io::Error::new(kind, e)
}

impl Connection {
    /// Whether this connection reaches its peer through SOCKS_PROXY (tcp only, as libzmq).
    pub(super) fn via_socks(&self) -> bool {
        matches!(self.endpoint, Some(Endpoint::Tcp { .. }))
            && !self.link.options.socks_proxy.is_empty()
    }

    /// The proxy accepted the tcp connection: asks it for the peer. The exchange may take
    /// up to HANDSHAKE_IVL (libzmq's has no limit, so a silent proxy stalls it for good).
    pub(super) fn start_socks(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        let Some(Endpoint::Tcp { host, port }) = &self.endpoint else {
            return Err(io::ErrorKind::InvalidInput.into());
        };
        self.socks = Some(Socks5Connect::new(host, *port).map_err(socks_error)?);
        self.phase = Phase::Proxying;
        self.readable = true;
        self.writable = true;
        self.connect_deadline = self.link.options.handshake_ivl.map(|t| cx.now + t);
        self.pump_socks(cx)
    }

    /// Sends and reads the exchange's bytes until it waits for the proxy; once the proxy
    /// has reached the peer, starts ZMTP with whatever of the peer's bytes came along.
    pub(super) fn pump_socks(&mut self, cx: &mut Cx<'_>) -> io::Result<()> {
        loop {
            let (Some(stream), Some(socks)) = (&self.stream, &mut self.socks) else {
                return Err(io::ErrorKind::NotConnected.into());
            };
            let mut progressed = false;
            if self.writable && !socks.transmit().is_empty() {
                match stream.write_vectored(&[IoSlice::new(socks.transmit())]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        socks.advance(n);
                        progressed = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => progressed = true,
                    Err(e) => return Err(e),
                }
            }
            if self.readable {
                let buf = &mut cx.scratch[..SOCKS_READ];
                match stream.read(buf) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(n) => {
                        let used = socks.handle_input(&buf[..n]).map_err(socks_error)?;
                        progressed = true;
                        if socks.is_done() {
                            let early = buf[used..n].to_vec();
                            self.socks = None;
                            self.connect_deadline = None;
                            return self.start_engine(cx, &early);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => progressed = true,
                    Err(e) => return Err(e),
                }
            }
            if !progressed {
                break;
            }
        }
        match self.connect_deadline {
            Some(d) if cx.now >= d => Err(io::ErrorKind::TimedOut.into()),
            Some(d) => {
                self.schedule(cx, d);
                Ok(())
            }
            None => Ok(()),
        }
    }
}
