//! Endpoints: `tcp://`, `ipc://` and `inproc://` strings, parsed and resolved.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// A parsed endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `tcp://host:port`; host may be `*`, an IP literal (IPv6 in brackets) or a name; port 0
    /// stands for `*` (ephemeral).
    Tcp { host: String, port: u16 },
    /// `ipc://path`; `ipc://*` becomes a fresh path in the temp directory at bind time.
    Ipc(IpcAddr),
    /// `inproc://name`.
    Inproc(String),
}

/// Where an ipc endpoint lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IpcAddr {
    /// A socket file.
    Path(PathBuf),
    /// `ipc://@name`: Linux's abstract namespace.
    Abstract(Vec<u8>),
    /// `ipc://*`: a unique temporary path, chosen at bind.
    Any,
}

impl Endpoint {
    /// Parses `transport://address`.
    pub fn parse(s: &str) -> Result<Endpoint> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| Error::InvalidEndpoint(s.to_string()))?;
        match scheme {
            "tcp" => parse_tcp(s, rest),
            "ipc" => Ok(Endpoint::Ipc(parse_ipc(s, rest)?)),
            "inproc" if !rest.is_empty() => Ok(Endpoint::Inproc(rest.to_string())),
            "inproc" => Err(Error::InvalidEndpoint(s.to_string())),
            // libzmq 4.3 builds udp:// in, for the draft RADIO/DISH/DGRAM types only: the
            // stable types get ENOCOMPATPROTO for it, not EPROTONOSUPPORT.
            "udp" => Err(Error::NoCompatProto),
            other => Err(Error::ProtocolNotSupported(other.to_string())),
        }
    }
}

fn parse_tcp(whole: &str, rest: &str) -> Result<Endpoint> {
    let invalid = || Error::InvalidEndpoint(whole.to_string());
    // libzmq's `tcp://source;destination` form names the local address on connect: we keep the
    // destination only, as the source is an optimisation we do not need to reach the peer.
    let rest = rest.rsplit(';').next().unwrap_or(rest);
    let (host, port) = rest.rsplit_once(':').ok_or_else(invalid)?;
    let port = match port {
        "*" | "0" => 0,
        p => p.parse::<u16>().map_err(|_| invalid())?,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid());
    }
    Ok(Endpoint::Tcp {
        host: host.to_string(),
        port,
    })
}

/// The bytes of a Unix socket address's path, its terminating NUL included (108 on Linux).
const SUN_PATH: usize =
    std::mem::size_of::<libc::sockaddr_un>() - std::mem::size_of::<libc::sa_family_t>();

fn parse_ipc(whole: &str, rest: &str) -> Result<IpcAddr> {
    // libzmq checks the length first, counting an abstract name's '@' as the byte that
    // becomes its leading NUL, and refuses an empty abstract name.
    if rest.len() >= SUN_PATH {
        return Err(Error::NameTooLong);
    }
    match rest {
        "" | "@" => Err(Error::InvalidEndpoint(whole.to_string())),
        "*" => Ok(IpcAddr::Any),
        r if r.starts_with('@') => Ok(IpcAddr::Abstract(r.as_bytes()[1..].to_vec())),
        r => Ok(IpcAddr::Path(PathBuf::from(r))),
    }
}

/// The address a tcp bind listens on: `*` means every interface (IPv6 too when `ipv6`).
pub(crate) fn resolve_tcp_bind(host: &str, port: u16, ipv6: bool) -> Result<SocketAddr> {
    if host == "*" {
        let ip = if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        return Ok(SocketAddr::new(ip, port));
    }
    resolve_tcp(host, port, ipv6)
}

/// Resolves a tcp host to one address, preferring IPv4 unless `ipv6` is set, as libzmq does.
pub(crate) fn resolve_tcp(host: &str, port: u16, ipv6: bool) -> Result<SocketAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if host == "*" {
        return Err(Error::InvalidEndpoint(format!("tcp://{host}:{port}")));
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|_| Error::InvalidEndpoint(format!("tcp://{host}:{port}")))?
        .collect();
    let pick = if ipv6 {
        addrs.iter().find(|a| a.is_ipv6()).or(addrs.first())
    } else {
        addrs.iter().find(|a| a.is_ipv4())
    };
    pick.copied()
        .ok_or_else(|| Error::InvalidEndpoint(format!("tcp://{host}:{port}")))
}

/// The `tcp://` endpoint string libzmq's LAST_ENDPOINT reports for a bound address.
pub(crate) fn tcp_endpoint_string(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_with_wildcard_port_parses_to_port_zero() {
        let e = Endpoint::parse("tcp://127.0.0.1:*").unwrap();
        assert_eq!(
            e,
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 0
            }
        );
    }

    #[test]
    fn tcp_ipv6_literal_loses_its_brackets() {
        let Endpoint::Tcp { host, port } = Endpoint::parse("tcp://[::1]:5555").unwrap() else {
            panic!("not tcp")
        };
        assert_eq!((host.as_str(), port), ("::1", 5555));
        let addr = resolve_tcp(&host, port, false).unwrap();
        assert_eq!(tcp_endpoint_string(addr), "tcp://[::1]:5555");
    }

    #[test]
    fn tcp_without_port_is_invalid() {
        assert!(matches!(
            Endpoint::parse("tcp://127.0.0.1"),
            Err(Error::InvalidEndpoint(_))
        ));
        assert!(Endpoint::parse("tcp://127.0.0.1:99999").is_err());
    }

    #[test]
    fn unknown_transport_is_not_supported() {
        let e = Endpoint::parse("pgm://eth0;239.1.1.1:5555").unwrap_err();
        assert_eq!(e.errno(), libc::EPROTONOSUPPORT);
        assert_eq!(
            Endpoint::parse("nothing").unwrap_err().errno(),
            libc::EINVAL
        );
    }

    #[test]
    fn ipc_forms_parse() {
        assert_eq!(
            Endpoint::parse("ipc:///tmp/x.sock").unwrap(),
            Endpoint::Ipc(IpcAddr::Path("/tmp/x.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("ipc://*").unwrap(),
            Endpoint::Ipc(IpcAddr::Any)
        );
        assert_eq!(
            Endpoint::parse("ipc://@abc").unwrap(),
            Endpoint::Ipc(IpcAddr::Abstract(b"abc".to_vec()))
        );
    }

    #[test]
    fn ipc_path_that_fills_sun_path_is_name_too_long() {
        let longest = format!("ipc://{}", "a".repeat(SUN_PATH - 1));
        assert!(Endpoint::parse(&longest).is_ok());
        let too_long = format!("ipc://{}", "a".repeat(SUN_PATH));
        assert_eq!(
            Endpoint::parse(&too_long).unwrap_err().errno(),
            libc::ENAMETOOLONG
        );
        let abstract_too_long = format!("ipc://@{}", "a".repeat(SUN_PATH - 1));
        assert!(matches!(
            Endpoint::parse(&abstract_too_long),
            Err(Error::NameTooLong)
        ));
    }

    #[test]
    fn empty_abstract_ipc_name_is_invalid() {
        assert_eq!(
            Endpoint::parse("ipc://@").unwrap_err().errno(),
            libc::EINVAL
        );
        assert!(Endpoint::parse("ipc://@x").is_ok());
    }

    #[test]
    fn star_binds_every_interface_but_cannot_be_connected() {
        let a = resolve_tcp_bind("*", 0, false).unwrap();
        assert!(a.ip().is_unspecified());
        assert!(resolve_tcp("*", 1, false).is_err());
    }

    #[test]
    fn localhost_resolves_to_ipv4_by_default() {
        let a = resolve_tcp("localhost", 80, false).unwrap();
        assert!(a.is_ipv4());
    }

    #[test]
    fn transports_ferrozmq_does_not_build_answer_as_a_libzmq_without_them() {
        for ep in [
            "pgm://eth0;239.192.1.1:5555",
            "epgm://x",
            "norm://x",
            "tipc://{5560,0,0}",
            "vmci://0:1",
            "ws://127.0.0.1:1",
        ] {
            assert!(
                matches!(Endpoint::parse(ep), Err(Error::ProtocolNotSupported(_))),
                "{ep}"
            );
        }
        assert!(matches!(
            Endpoint::parse("udp://127.0.0.1:5555"),
            Err(Error::NoCompatProto)
        ));
    }
}
