//! Who a listener lets in: ZMQ_TCP_ACCEPT_FILTER's address masks for tcp, and
//! ZMQ_IPC_FILTER_UID/GID/PID's credential sets for ipc. A peer that matches none of a
//! non-empty filter list is closed as soon as it is accepted, before any byte is read from
//! it or any pipe is made for it, as libzmq's listeners do.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::options::Options;
use crate::sys::peercred::{self, PeerCred};

const BAD_FILTER: Error =
    Error::Invalid("accept filters are an IP address with an optional /prefix");

/// An address or network a tcp listener accepts peers from (ZMQ_TCP_ACCEPT_FILTER): an IPv4
/// or IPv6 address and how many of its leading bits a peer's address must share.
///
/// Parsed from libzmq's syntax: `10.0.0.7` (the one address), `10.0.0.0/8`, `0.0.0.0/0`
/// (every IPv4 peer), `fe80::/10`, `[::1]`.
///
/// ```
/// use ferrozmq::TcpAcceptFilter;
/// let lan: TcpAcceptFilter = "192.168.1.0/24".parse()?;
/// assert!(lan.matches("192.168.1.20".parse().unwrap()));
/// assert!(!lan.matches("192.168.2.20".parse().unwrap()));
/// # Ok::<(), ferrozmq::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpAcceptFilter {
    addr: IpAddr,
    prefix: u8,
}

impl TcpAcceptFilter {
    /// The network of `addr`'s first `prefix` bits (at most 32 for IPv4, 128 for IPv6).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a prefix longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<TcpAcceptFilter> {
        if u32::from(prefix) > bits(addr) {
            return Err(BAD_FILTER);
        }
        // An IPv4-mapped IPv6 network is the IPv4 network it maps: a dual-stack listener
        // sees IPv4 peers in that form, and a filter should not depend on which it was.
        if let IpAddr::V6(v6) = addr
            && let Some(v4) = v6.to_ipv4_mapped()
            && prefix >= 96
        {
            return Ok(TcpAcceptFilter {
                addr: IpAddr::V4(v4),
                prefix: prefix - 96,
            });
        }
        Ok(TcpAcceptFilter { addr, prefix })
    }

    /// The address given.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// How many leading bits a peer's address must share with [`addr`](Self::addr).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether a peer at `peer` is let in. IPv4 filters also match IPv4 peers a dual-stack
    /// listener reports as IPv4-mapped IPv6 addresses.
    pub fn matches(&self, peer: IpAddr) -> bool {
        let unmapped = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.matches_exactly(peer) || unmapped.is_some_and(|p| self.matches_exactly(p))
    }

    fn matches_exactly(&self, peer: IpAddr) -> bool {
        let shift = |len: u32| len - u32::from(self.prefix);
        match (self.addr, peer) {
            (IpAddr::V4(ours), IpAddr::V4(theirs)) => {
                let mask = u32::MAX.checked_shl(shift(32)).unwrap_or(0);
                u32::from(ours) & mask == u32::from(theirs) & mask
            }
            (IpAddr::V6(ours), IpAddr::V6(theirs)) => {
                let mask = u128::MAX.checked_shl(shift(128)).unwrap_or(0);
                u128::from(ours) & mask == u128::from(theirs) & mask
            }
            _ => false,
        }
    }
}

fn bits(addr: IpAddr) -> u32 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl FromStr for TcpAcceptFilter {
    type Err = Error;

    /// libzmq's rules (tcp_address_mask_t): an IP literal, without host names or interface
    /// names; an optional `/N` where N is read as C's strtol reads it, and must be 1 to the
    /// address's length, or exactly `0`; no `/N` means the whole address.
    fn from_str(s: &str) -> Result<TcpAcceptFilter> {
        let (addr, mask) = match s.rsplit_once('/') {
            Some((_, "")) => return Err(BAD_FILTER),
            Some((addr, mask)) => (addr, Some(mask)),
            None => (s, None),
        };
        let addr = parse_ip(addr).ok_or(BAD_FILTER)?;
        let prefix = match mask {
            None => bits(addr),
            Some("0") => 0,
            Some(m) => match strtol(m) {
                n @ 1.. if n <= i64::from(bits(addr)) => n.unsigned_abs() as u32,
                _ => return Err(BAD_FILTER),
            },
        };
        TcpAcceptFilter::new(addr, u8::try_from(prefix).map_err(|_| BAD_FILTER)?)
    }
}

impl fmt::Display for TcpAcceptFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An IP literal as libzmq's resolver takes it without DNS: IPv6 may be in brackets and
/// carry a zone (`%eth0`, `%2`), which matching ignores, as libzmq's does.
fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let s = match s.rsplit_once('%') {
        Some((_, "")) => return None,
        Some((addr, _zone)) => {
            addr.parse::<Ipv6Addr>().ok()?;
            addr
        }
        None => s,
    };
    s.parse().ok()
}

/// The number C's `strtol(s, NULL, 10)` reads: leading white space, a sign, then as many
/// digits as there are; anything after them is ignored, and no digits read as 0.
fn strtol(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.bytes().take_while(u8::is_ascii_digit);
    let n = digits.fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    if negative { -n } else { n }
}

/// Whether a tcp peer at `peer` gets past `filters` (an empty list lets everyone in).
pub(crate) fn tcp_allows(filters: &[TcpAcceptFilter], peer: IpAddr) -> bool {
    filters.is_empty() || filters.iter().any(|f| f.matches(peer))
}

/// Whether an accepted ipc peer gets past the socket's IPC_FILTER_UID, _GID and _PID sets:
/// it must have one of the user ids, one of the process ids, or one of the group ids as its
/// group or as a group that lists its user as a member (libzmq's rule). With every set
/// empty, everyone gets in; a peer whose credentials cannot be read does not.
pub(crate) fn ipc_allows(o: &Options, fd: std::os::fd::BorrowedFd<'_>) -> bool {
    if o.ipc_filter_uids.is_empty() && o.ipc_filter_gids.is_empty() && o.ipc_filter_pids.is_empty()
    {
        return true;
    }
    match peercred::peer_cred(fd) {
        Ok(cred) => credentials_allowed(o, &cred, peercred::user_in_group),
        Err(_) => false,
    }
}

/// The rule of [`ipc_allows`] with the group lookup passed in, so tests need no real groups.
fn credentials_allowed(o: &Options, cred: &PeerCred, in_group: impl Fn(u32, u32) -> bool) -> bool {
    o.ipc_filter_uids.contains(&cred.uid)
        || o.ipc_filter_gids.contains(&cred.gid)
        || o.ipc_filter_pids.contains(&cred.pid)
        || o.ipc_filter_gids.iter().any(|&g| in_group(cred.uid, g))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Result<TcpAcceptFilter> {
        s.parse()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn filters_refused_by_libzmq_are_invalid() {
        for bad in [
            "foo",
            "0.0.0.0foo",
            "0.0.0.0/foo",
            "0.0.0.0/",
            "0.0.0.0/-1",
            "0.0.0.0/33",
            "::1/129",
            "localhost",
            "",
            "fe80::1%",
        ] {
            assert!(f(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_bare_address_matches_only_itself() {
        let one = f("127.0.0.1").unwrap();
        assert_eq!(one.prefix(), 32);
        assert!(one.matches(ip("127.0.0.1")));
        assert!(!one.matches(ip("127.0.0.2")));
        assert_eq!(f("::1").unwrap().prefix(), 128);
    }

    #[test]
    fn prefix_zero_matches_every_peer_of_its_family() {
        let all4 = f("0.0.0.0/0").unwrap();
        assert!(all4.matches(ip("203.0.113.9")));
        assert!(!all4.matches(ip("2001:db8::1")));
        let all6 = f("::/0").unwrap();
        assert!(all6.matches(ip("2001:db8::1")));
    }

    #[test]
    fn a_prefix_compares_only_its_leading_bits() {
        let net = f("10.1.128.0/17").unwrap();
        assert!(net.matches(ip("10.1.255.255")));
        assert!(!net.matches(ip("10.1.127.255")));
        let net6 = f("[2001:db8::]/33").unwrap();
        assert!(net6.matches(ip("2001:db8:7fff::1")));
        assert!(!net6.matches(ip("2001:db8:8000::1")));
    }

    #[test]
    fn the_mask_is_read_as_strtol_reads_it() {
        assert_eq!(f("10.0.0.0/8x").unwrap().prefix(), 8);
        assert_eq!(f("10.0.0.0/ +8").unwrap().prefix(), 8);
        assert!(f("10.0.0.0/00").is_err(), "only a lone 0 means zero");
    }

    #[test]
    fn ipv4_filters_match_ipv4_mapped_peers_of_dual_stack_listeners() {
        let one = f("127.0.0.1").unwrap();
        assert!(one.matches(ip("::ffff:127.0.0.1")));
        let mapped = f("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(mapped, f("10.0.0.0/8").unwrap());
        assert!(f("::/0").unwrap().matches(ip("::ffff:10.0.0.1")));
    }

    #[test]
    fn an_empty_filter_list_lets_everyone_in() {
        assert!(tcp_allows(&[], ip("198.51.100.1")));
        let only = [f("127.0.0.255/32").unwrap()];
        assert!(!tcp_allows(&only, ip("127.0.0.1")));
    }

    #[test]
    fn display_gives_address_and_prefix() {
        assert_eq!(f("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(f("[::1]").unwrap().to_string(), "::1/128");
    }

    fn cred() -> PeerCred {
        PeerCred {
            pid: 4242,
            uid: 1000,
            gid: 100,
        }
    }

    #[test]
    fn a_peer_matching_any_one_credential_set_is_allowed() {
        let no_groups = |_, _| false;
        let mut o = Options {
            ipc_filter_uids: vec![1],
            ..Options::default()
        };
        assert!(!credentials_allowed(&o, &cred(), no_groups));
        o.ipc_filter_pids = vec![4242];
        assert!(credentials_allowed(&o, &cred(), no_groups));
        let o = Options {
            ipc_filter_gids: vec![100],
            ..Options::default()
        };
        assert!(credentials_allowed(&o, &cred(), no_groups));
    }

    #[test]
    fn a_member_of_a_listed_group_is_allowed() {
        let o = Options {
            ipc_filter_gids: vec![7, 27],
            ..Options::default()
        };
        assert!(!credentials_allowed(&o, &cred(), |_, _| false));
        assert!(credentials_allowed(&o, &cred(), |uid, gid| uid == 1000 && gid == 27));
    }
}
