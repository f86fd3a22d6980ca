//! Codecs of the options that each zmq_setsockopt call adds one entry to and that NULL
//! (with length 0) clears: TCP_ACCEPT_FILTER and IPC_FILTER_UID, _GID and _PID. libzmq
//! never reads them back: the table declares them write-only, so zmq_getsockopt does not
//! reach their `encode`, which lists the entries only for debugging.

use super::{Codec, INVALID, Input, Raw};
use crate::error::Result;
use crate::options::Options;
use crate::transport::accept::TcpAcceptFilter;

/// TCP_ACCEPT_FILTER: an address with an optional `/prefix`, at most 255 bytes, read up to
/// its first NUL as libzmq reads it; an IPv6 one only on a socket with IPV6 set.
pub(crate) struct AcceptFilters;

fn filter(v: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
    if v.is_empty() || v.len() > 255 {
        return Err(INVALID);
    }
    let text = v.split(|&b| b == 0).next().unwrap_or(v);
    let text = std::str::from_utf8(text).map_err(|_| INVALID)?;
    // libzmq resolves the literal as an AF_INET address unless IPV6 is set, so an IPv6 one
    // is refused there; with IPV6 set it takes both.
    if !ipv6 && text.contains(':') {
        return Err(INVALID);
    }
    text.parse()
}

impl Codec<Vec<TcpAcceptFilter>> for AcceptFilters {
    /// The list this one value alone makes: none for NULL, else its one filter.
    fn decode(input: Input<'_>) -> Result<Vec<TcpAcceptFilter>> {
        input.map_or(Ok(Vec::new()), |v| Ok(vec![filter(v, true)?]))
    }
    fn encode(value: &Vec<TcpAcceptFilter>) -> Raw {
        let list: Vec<String> = value.iter().map(ToString::to_string).collect();
        Raw::Str(list.join(","))
    }
    fn store(slot: &mut Vec<TcpAcceptFilter>, input: Input<'_>, socket: &Options) -> Result<()> {
        match input {
            None => slot.clear(),
            Some(v) => slot.push(filter(v, socket.ipv6)?),
        }
        Ok(())
    }
}

/// IPC_FILTER_UID, _GID (a `uid_t`, `gid_t`: u32) and _PID (a `pid_t`: i32): exactly one
/// id of that size per call, kept once each, as libzmq's std::set keeps them.
pub(crate) struct Ids;

macro_rules! id_codec {
    ($t:ty) => {
        impl Codec<Vec<$t>> for Ids {
            /// The list this one value alone makes: none for NULL, else its one id.
            fn decode(input: Input<'_>) -> Result<Vec<$t>> {
                let Some(v) = input else {
                    return Ok(Vec::new());
                };
                let b: [u8; size_of::<$t>()] = v.try_into().map_err(|_| INVALID)?;
                Ok(vec![<$t>::from_ne_bytes(b)])
            }
            fn encode(value: &Vec<$t>) -> Raw {
                let list: Vec<String> = value.iter().map(ToString::to_string).collect();
                Raw::Str(list.join(","))
            }
            fn store(slot: &mut Vec<$t>, input: Input<'_>, _socket: &Options) -> Result<()> {
                let ids = <Self as Codec<Vec<$t>>>::decode(input)?;
                if ids.is_empty() {
                    slot.clear();
                }
                for id in ids {
                    if !slot.contains(&id) {
                        slot.push(id);
                    }
                }
                Ok(())
            }
        }
    };
}

id_codec!(u32);
id_codec!(i32);

#[cfg(test)]
mod tests {
    use super::*;

    fn add(list: &mut Vec<TcpAcceptFilter>, v: Option<&[u8]>, ipv6: bool) -> Result<()> {
        let o = Options {
            ipv6,
            ..Options::default()
        };
        AcceptFilters::store(list, v, &o)
    }

    #[test]
    fn each_accept_filter_adds_to_the_list_and_null_clears_it() {
        let mut list = Vec::new();
        add(&mut list, Some(b"127.0.0.1"), false).unwrap();
        add(&mut list, Some(b"10.0.0.0/8\0"), false).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].to_string(), "10.0.0.0/8");
        add(&mut list, None, false).unwrap();
        assert!(list.is_empty());
    }

    #[test]
    fn a_refused_accept_filter_leaves_the_list_as_it_was() {
        let mut list = Vec::new();
        add(&mut list, Some(b"127.0.0.1"), false).unwrap();
        assert!(add(&mut list, Some(b""), false).is_err(), "empty, not NULL");
        assert!(add(&mut list, Some(b"1.2.3.4/33"), false).is_err());
        assert!(add(&mut list, Some(&[b'1'; 256]), false).is_err());
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn ipv6_accept_filters_need_the_ipv6_option() {
        let mut list = Vec::new();
        assert!(add(&mut list, Some(b"::1"), false).is_err());
        assert!(add(&mut list, Some(b"::ffff:127.0.0.1"), false).is_err());
        add(&mut list, Some(b"::1"), true).unwrap();
        add(&mut list, Some(b"127.0.0.1"), true).unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn ids_are_exactly_their_c_size_and_kept_once() {
        let o = Options::default();
        let mut uids: Vec<u32> = Vec::new();
        let one = 1000u32.to_ne_bytes();
        Ids::store(&mut uids, Some(&one), &o).unwrap();
        Ids::store(&mut uids, Some(&one), &o).unwrap();
        assert_eq!(uids, [1000]);
        assert!(Ids::store(&mut uids, Some(&1000u64.to_ne_bytes()), &o).is_err());
        assert!(
            Ids::store(&mut uids, Some(&[]), &o).is_err(),
            "empty, not NULL"
        );
        let mut pids: Vec<i32> = Vec::new();
        Ids::store(&mut pids, Some(&(-5i32).to_ne_bytes()), &o).unwrap();
        assert_eq!(pids, [-5]);
        Ids::store(&mut uids, None, &o).unwrap();
        assert!(uids.is_empty());
    }
}
