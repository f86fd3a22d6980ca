//! How an option's value crosses the C ABI: the bytes zmq_setsockopt is given, parsed with
//! libzmq 4.3's size and range rules, and the value zmq_getsockopt hands back.
//!
//! Each codec is a unit type named for a rule libzmq applies to several options; an option
//! table entry names one. The Rust setters use the same codecs' `check`, so both APIs accept
//! the same values.

use std::time::Duration;

use bytes::Bytes;

use super::Options;
use crate::error::{Error, Result};

mod curve;
mod lists;
mod security;
pub(crate) use curve::{CurvePublic, CurveSecret, CurveServer, CurveServerKey};
pub(crate) use lists::{AcceptFilters, Ids};
pub use security::SecurityMechanism;
pub(crate) use security::{Chosen, PlainCredential, PlainServer, ZapDomain};

/// A value as zmq_getsockopt returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    /// A C `int`; the caller's buffer must be exactly 4 bytes (libzmq's options_t).
    Int(i32),
    /// An `int64_t`; exactly 8 bytes.
    I64(i64),
    /// A `uint64_t`; exactly 8 bytes.
    U64(u64),
    /// Binary data; the buffer must hold it all.
    Bytes(Bytes),
    /// A string, returned with its NUL.
    Str(String),
    /// Bytes returned as a C string, with a NUL after them (PLAIN_USERNAME, ZAP_DOMAIN).
    CStr(Bytes),
    /// A CURVE key: 32 binary bytes for a 32-byte buffer, Z85 text and a NUL for one of
    /// exactly 41, EINVAL for any other size (as libzmq).
    Key(zeroize::Zeroizing<[u8; 32]>),
}

/// The value zmq_setsockopt was given: `None` for a NULL pointer (libzmq tells NULL with
/// length 0 apart from a real empty value for some string options).
pub(crate) type Input<'a> = Option<&'a [u8]>;

const INVALID: Error = Error::Invalid("option value out of range or of the wrong size");

/// Parses and produces one option's C form.
pub(crate) trait Codec<T> {
    /// The value C passed, checked as libzmq checks it.
    fn decode(input: Input<'_>) -> Result<T>;
    /// The value C reads back.
    fn encode(value: &T) -> Raw;
    /// Whether a value set through the Rust API is one C could have set.
    fn check(_value: &T) -> Result<()> {
        Ok(())
    }
    /// Puts the value C passed into the option: the decoded value replaces the old one,
    /// except for the options each call adds to (the accept filters), which override this.
    /// `socket` is the socket's options as they stand, for the few rules that read another
    /// option (TCP_ACCEPT_FILTER reads IPV6).
    fn store(slot: &mut T, input: Input<'_>, _socket: &Options) -> Result<()> {
        *slot = Self::decode(input)?;
        Ok(())
    }
    /// What setting the option does to the others, through C and Rust alike (a security
    /// option picks the mechanism).
    fn after_set(_value: &T, _socket: &mut Options) {}
}

/// A C int of exactly 4 bytes.
fn int(input: Input<'_>) -> Result<i32> {
    let b: [u8; 4] = input.unwrap_or(&[]).try_into().map_err(|_| INVALID)?;
    Ok(i32::from_ne_bytes(b))
}

fn at_least(v: i32, min: i32) -> Result<i32> {
    if v >= min { Ok(v) } else { Err(INVALID) }
}

fn ms(v: i32) -> Duration {
    Duration::from_millis(u64::from(v.unsigned_abs()))
}

fn to_ms(d: &Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

fn check_ms(d: &Duration) -> Result<()> {
    if d.as_millis() > i32::MAX as u128 {
        return Err(INVALID);
    }
    Ok(())
}

/// An int of at least `MIN`, kept as libzmq keeps it (SNDBUF, BACKLOG, TOS, RATE, ...).
pub(crate) struct IntMin<const MIN: i32>;

impl<const MIN: i32> Codec<i32> for IntMin<MIN> {
    fn decode(input: Input<'_>) -> Result<i32> {
        at_least(int(input)?, MIN)
    }
    fn encode(value: &i32) -> Raw {
        Raw::Int(*value)
    }
    fn check(value: &i32) -> Result<()> {
        at_least(*value, MIN).map(drop)
    }
}

/// A count of 0 or more (the high-water marks; 0 = no limit).
pub(crate) struct Count;

impl Codec<usize> for Count {
    fn decode(input: Input<'_>) -> Result<usize> {
        usize::try_from(at_least(int(input)?, 0)?).map_err(|_| INVALID)
    }
    fn encode(value: &usize) -> Raw {
        Raw::Int(i32::try_from(*value).unwrap_or(i32::MAX))
    }
    fn check(value: &usize) -> Result<()> {
        i32::try_from(*value).map(drop).map_err(|_| INVALID)
    }
}

/// 0 or 1 only (libzmq's "int as bool, strict": IPV6, CONFLATE, IMMEDIATE, STREAM_NOTIFY).
pub(crate) struct Flag;

impl Codec<bool> for Flag {
    fn decode(input: Input<'_>) -> Result<bool> {
        match int(input)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(INVALID),
        }
    }
    fn encode(value: &bool) -> Raw {
        Raw::Int(i32::from(*value))
    }
}

/// Any int, non-zero is on (libzmq's "relaxed" bools: INVERT_MATCHING).
pub(crate) struct FlagAny;

impl Codec<bool> for FlagAny {
    fn decode(input: Input<'_>) -> Result<bool> {
        Ok(int(input)? != 0)
    }
    fn encode(value: &bool) -> Raw {
        Raw::Int(i32::from(*value))
    }
}

/// A non-negative int, non-zero is on (the socket types' own switches: ROUTER_MANDATORY,
/// XPUB_VERBOSE, REQ_RELAXED, ...).
pub(crate) struct FlagPositive;

impl Codec<bool> for FlagPositive {
    fn decode(input: Input<'_>) -> Result<bool> {
        Ok(at_least(int(input)?, 0)? != 0)
    }
    fn encode(value: &bool) -> Raw {
        Raw::Int(i32::from(*value))
    }
}

/// XPUB_NODROP: the switch is the inverse of "lossy"; same rule as [`FlagPositive`].
pub(crate) type NoDrop = FlagPositive;

/// Milliseconds, -1 = `None` (infinite): LINGER, SNDTIMEO, RCVTIMEO, RECONNECT_IVL.
pub(crate) struct MsOrInfinite;

impl Codec<Option<Duration>> for MsOrInfinite {
    fn decode(input: Input<'_>) -> Result<Option<Duration>> {
        Ok(match at_least(int(input)?, -1)? {
            -1 => None,
            v => Some(ms(v)),
        })
    }
    fn encode(value: &Option<Duration>) -> Raw {
        Raw::Int(value.as_ref().map_or(-1, to_ms))
    }
    fn check(value: &Option<Duration>) -> Result<()> {
        value.as_ref().map_or(Ok(()), check_ms)
    }
}

/// Milliseconds of 0 or more; 0 = `None` (off): HANDSHAKE_IVL, HEARTBEAT_IVL,
/// CONNECT_TIMEOUT, TCP_MAXRT.
pub(crate) struct MsOrOff;

impl Codec<Option<Duration>> for MsOrOff {
    fn decode(input: Input<'_>) -> Result<Option<Duration>> {
        Ok(match at_least(int(input)?, 0)? {
            0 => None,
            v => Some(ms(v)),
        })
    }
    fn encode(value: &Option<Duration>) -> Raw {
        Raw::Int(value.as_ref().map_or(0, to_ms))
    }
    fn check(value: &Option<Duration>) -> Result<()> {
        value.as_ref().map_or(Ok(()), check_ms)
    }
}

/// HEARTBEAT_TIMEOUT: milliseconds of 0 or more; reads back -1 until set (`None`: the
/// heartbeat interval is used).
pub(crate) struct MsOrUnset;

impl Codec<Option<Duration>> for MsOrUnset {
    fn decode(input: Input<'_>) -> Result<Option<Duration>> {
        Ok(Some(ms(at_least(int(input)?, 0)?)))
    }
    fn encode(value: &Option<Duration>) -> Raw {
        Raw::Int(value.as_ref().map_or(-1, to_ms))
    }
    fn check(value: &Option<Duration>) -> Result<()> {
        value.as_ref().map_or(Ok(()), check_ms)
    }
}

/// Milliseconds of 0 or more (RECONNECT_IVL_MAX, RECOVERY_IVL).
pub(crate) struct Ms;

impl Codec<Duration> for Ms {
    fn decode(input: Input<'_>) -> Result<Duration> {
        Ok(ms(at_least(int(input)?, 0)?))
    }
    fn encode(value: &Duration) -> Raw {
        Raw::Int(to_ms(value))
    }
    fn check(value: &Duration) -> Result<()> {
        check_ms(value)
    }
}

/// HEARTBEAT_TTL: ZMTP carries it in deciseconds in 16 bits, so libzmq divides the
/// milliseconds by 100 (truncating toward zero) and takes 0 to 65535 tenths.
pub(crate) struct HeartbeatTtl;

impl Codec<Option<Duration>> for HeartbeatTtl {
    fn decode(input: Input<'_>) -> Result<Option<Duration>> {
        let tenths = int(input)? / 100;
        if !(0..=i32::from(u16::MAX)).contains(&tenths) {
            return Err(INVALID);
        }
        Ok((tenths > 0).then(|| ms(tenths * 100)))
    }
    fn encode(value: &Option<Duration>) -> Raw {
        Raw::Int(value.as_ref().map_or(0, to_ms))
    }
    fn check(value: &Option<Duration>) -> Result<()> {
        match value {
            Some(d) if d.as_millis() / 100 > u128::from(u16::MAX) => Err(INVALID),
            _ => Ok(()),
        }
    }
}

/// TCP_KEEPALIVE: -1 leaves the OS setting, 0 off, 1 on.
pub(crate) struct Keepalive;

impl Codec<Option<bool>> for Keepalive {
    fn decode(input: Input<'_>) -> Result<Option<bool>> {
        match int(input)? {
            -1 => Ok(None),
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(INVALID),
        }
    }
    fn encode(value: &Option<bool>) -> Raw {
        Raw::Int(value.map_or(-1, i32::from))
    }
}

/// TCP_KEEPALIVE_IDLE and _INTVL: seconds, -1 leaves the OS setting.
pub(crate) struct SecsOrOs;

impl Codec<Option<Duration>> for SecsOrOs {
    fn decode(input: Input<'_>) -> Result<Option<Duration>> {
        Ok(match at_least(int(input)?, -1)? {
            -1 => None,
            v => Some(Duration::from_secs(u64::from(v.unsigned_abs()))),
        })
    }
    fn encode(value: &Option<Duration>) -> Raw {
        Raw::Int(value.map_or(-1, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX)))
    }
}

/// TCP_KEEPALIVE_CNT: a count, -1 leaves the OS setting.
pub(crate) struct CountOrOs;

impl Codec<Option<u32>> for CountOrOs {
    fn decode(input: Input<'_>) -> Result<Option<u32>> {
        Ok(match at_least(int(input)?, -1)? {
            -1 => None,
            v => Some(v.unsigned_abs()),
        })
    }
    fn encode(value: &Option<u32>) -> Raw {
        Raw::Int(value.map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX)))
    }
}

/// MAXMSGSIZE: an int64_t; any negative value is no limit.
pub(crate) struct SizeLimit;

impl Codec<Option<u64>> for SizeLimit {
    fn decode(input: Input<'_>) -> Result<Option<u64>> {
        let b: [u8; 8] = input.unwrap_or(&[]).try_into().map_err(|_| INVALID)?;
        Ok(u64::try_from(i64::from_ne_bytes(b)).ok())
    }
    fn encode(value: &Option<u64>) -> Raw {
        Raw::I64(value.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)))
    }
    fn check(value: &Option<u64>) -> Result<()> {
        match value {
            Some(n) if i64::try_from(*n).is_err() => Err(INVALID),
            _ => Ok(()),
        }
    }
}

/// AFFINITY: a uint64_t bit mask.
pub(crate) struct Mask;

impl Codec<u64> for Mask {
    fn decode(input: Input<'_>) -> Result<u64> {
        let b: [u8; 8] = input.unwrap_or(&[]).try_into().map_err(|_| INVALID)?;
        Ok(u64::from_ne_bytes(b))
    }
    fn encode(value: &u64) -> Raw {
        Raw::U64(*value)
    }
}

/// ROUTING_ID: 1 to 255 bytes; ids starting with a zero byte are reserved for the ones a
/// ROUTER generates.
pub(crate) struct RoutingId;

impl Codec<Bytes> for RoutingId {
    fn decode(input: Input<'_>) -> Result<Bytes> {
        let v = input.unwrap_or(&[]);
        let id = Bytes::copy_from_slice(v);
        Self::check(&id)?;
        Ok(id)
    }
    fn encode(value: &Bytes) -> Raw {
        Raw::Bytes(value.clone())
    }
    fn check(value: &Bytes) -> Result<()> {
        if value.is_empty() || value.len() > 255 || value[0] == 0 {
            return Err(Error::Invalid(
                "routing ids are 1-255 bytes, not starting with 0",
            ));
        }
        Ok(())
    }
}

/// CONNECT_ROUTING_ID: 1 to 255 bytes; it names the next connection made.
pub(crate) struct ConnectId;

impl Codec<Bytes> for ConnectId {
    fn decode(input: Input<'_>) -> Result<Bytes> {
        let id = Bytes::copy_from_slice(input.unwrap_or(&[]));
        Self::check(&id)?;
        Ok(id)
    }
    fn encode(value: &Bytes) -> Raw {
        Raw::Bytes(value.clone())
    }
    fn check(value: &Bytes) -> Result<()> {
        if value.is_empty() || value.len() > 255 {
            return Err(INVALID);
        }
        Ok(())
    }
}

/// XPUB_WELCOME_MSG: any bytes; empty means none.
pub(crate) struct AnyBytes;

impl Codec<Bytes> for AnyBytes {
    fn decode(input: Input<'_>) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(input.unwrap_or(&[])))
    }
    fn encode(value: &Bytes) -> Raw {
        Raw::Bytes(value.clone())
    }
}

/// A string of at most `MAX` bytes; NULL with length 0 clears it, a non-NULL empty value
/// is refused (libzmq's "allow empty, strict": BINDTODEVICE, SOCKS_PROXY).
pub(crate) struct Text<const MAX: usize>;

impl<const MAX: usize> Codec<String> for Text<MAX> {
    fn decode(input: Input<'_>) -> Result<String> {
        match input {
            None => Ok(String::new()),
            Some(v) if !v.is_empty() && v.len() <= MAX => {
                // A C caller may count the NUL in the length.
                let v = v.strip_suffix(&[0]).unwrap_or(v);
                String::from_utf8(v.to_vec()).map_err(|_| INVALID)
            }
            Some(_) => Err(INVALID),
        }
    }
    fn encode(value: &String) -> Raw {
        Raw::Str(value.clone())
    }
    fn check(value: &String) -> Result<()> {
        if value.len() > MAX || value.contains('\0') {
            return Err(INVALID);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(v: i32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    #[test]
    fn ints_must_be_exactly_four_bytes() {
        assert!(Count::decode(Some(&[1, 0, 0])).is_err());
        assert!(Count::decode(Some(&5i64.to_ne_bytes())).is_err());
        assert_eq!(Count::decode(Some(&i(7))).unwrap(), 7);
        assert!(Count::decode(None).is_err());
    }

    #[test]
    fn heartbeat_ttl_takes_whole_tenths_up_to_65535() {
        let d = |v| HeartbeatTtl::decode(Some(&i(v)));
        assert_eq!(
            d(6_553_599).unwrap(),
            Some(Duration::from_millis(6_553_500))
        );
        assert!(d(6_553_600).is_err());
        assert_eq!(d(1450).unwrap(), Some(Duration::from_millis(1400)));
        assert_eq!(d(-99).unwrap(), None, "truncates toward zero, as C does");
        assert!(d(-100).is_err());
    }

    #[test]
    fn strict_flags_take_zero_or_one_and_relaxed_ones_anything() {
        assert!(Flag::decode(Some(&i(2))).is_err());
        assert!(FlagAny::decode(Some(&i(-5))).unwrap());
        assert!(FlagPositive::decode(Some(&i(-1))).is_err());
        assert!(FlagPositive::decode(Some(&i(7))).unwrap());
    }

    #[test]
    fn strict_strings_clear_on_null_and_refuse_empty_or_long() {
        type Dev = Text<16>;
        assert_eq!(Dev::decode(None).unwrap(), "");
        assert!(Dev::decode(Some(b"")).is_err());
        assert!(Dev::decode(Some(&[b'x'; 17])).is_err());
        assert_eq!(Dev::decode(Some(b"lo\0")).unwrap(), "lo");
    }

    #[test]
    fn maxmsgsize_is_eight_bytes_and_negative_means_no_limit() {
        assert_eq!(
            SizeLimit::decode(Some(&(-2i64).to_ne_bytes())).unwrap(),
            None
        );
        assert_eq!(
            SizeLimit::decode(Some(&9i64.to_ne_bytes())).unwrap(),
            Some(9)
        );
        assert!(SizeLimit::decode(Some(&i(9))).is_err());
        assert_eq!(SizeLimit::encode(&None), Raw::I64(-1));
    }
}
