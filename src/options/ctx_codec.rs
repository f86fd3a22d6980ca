//! How a context option's int crosses zmq_ctx_set and zmq_ctx_get, with libzmq 4.3's range
//! rules (ctx.cpp): every option refuses a negative value except the numeric thread name
//! prefix. The Rust setters take the option's own type; `check` says whether C could have
//! set that value.

use std::collections::BTreeSet;

use crate::error::{Error, Result};

const INVALID: Error = Error::Invalid("context option value out of range");

/// Applies and produces one context option's C int.
pub(crate) trait CtxCodec<T> {
    /// Applies the value zmq_ctx_set was given.
    fn set(field: &mut T, value: i32) -> Result<()>;
    /// The value zmq_ctx_get returns; `None` for an option that cannot be read.
    fn get(_field: &T) -> Option<i32> {
        None
    }
    /// Whether a value set through the Rust API is one C could have set.
    fn check(_field: &T) -> Result<()> {
        Ok(())
    }
}

fn at_least(v: i32, min: i32) -> Result<i32> {
    if v >= min { Ok(v) } else { Err(INVALID) }
}

/// A count of at least `MIN` (IO_THREADS, MAX_SOCKETS, MAX_MSGSZ).
pub(crate) struct Count<const MIN: i32>;

impl<const MIN: i32> CtxCodec<usize> for Count<MIN> {
    fn set(field: &mut usize, value: i32) -> Result<()> {
        *field = usize::try_from(at_least(value, MIN)?).map_err(|_| INVALID)?;
        Ok(())
    }
    fn get(field: &usize) -> Option<i32> {
        Some(i32::try_from(*field).unwrap_or(i32::MAX))
    }
    fn check(field: &usize) -> Result<()> {
        at_least(i32::try_from(*field).map_err(|_| INVALID)?, MIN).map(drop)
    }
}

/// Any non-negative int, non-zero is on (IPV6, BLOCKY, ZERO_COPY_RECV).
pub(crate) struct Switch;

impl CtxCodec<bool> for Switch {
    fn set(field: &mut bool, value: i32) -> Result<()> {
        *field = at_least(value, 0)? != 0;
        Ok(())
    }
    fn get(field: &bool) -> Option<i32> {
        Some(i32::from(*field))
    }
}

/// A non-negative int; -1 (libzmq's `_DFLT`) reads back while unset and cannot be set
/// (THREAD_SCHED_POLICY, THREAD_PRIORITY).
pub(crate) struct OrUnset;

impl CtxCodec<Option<i32>> for OrUnset {
    fn set(field: &mut Option<i32>, value: i32) -> Result<()> {
        *field = Some(at_least(value, 0)?);
        Ok(())
    }
    fn get(field: &Option<i32>) -> Option<i32> {
        Some(field.unwrap_or(-1))
    }
    fn check(field: &Option<i32>) -> Result<()> {
        field.map_or(Ok(()), |v| at_least(v, 0).map(drop))
    }
}

/// THREAD_AFFINITY_CPU_ADD: a CPU number of 0 or more joins the set.
pub(crate) struct CpuAdd;

impl CtxCodec<BTreeSet<usize>> for CpuAdd {
    fn set(field: &mut BTreeSet<usize>, value: i32) -> Result<()> {
        field.insert(usize::try_from(value).map_err(|_| INVALID)?);
        Ok(())
    }
}

/// THREAD_AFFINITY_CPU_REMOVE: a CPU number leaves the set; one not in it is EINVAL.
pub(crate) struct CpuRemove;

impl CtxCodec<BTreeSet<usize>> for CpuRemove {
    fn set(field: &mut BTreeSet<usize>, value: i32) -> Result<()> {
        let cpu = usize::try_from(value).map_err(|_| INVALID)?;
        if field.remove(&cpu) {
            Ok(())
        } else {
            Err(INVALID)
        }
    }
}

/// THREAD_NAME_PREFIX: C sets it as an int, written out in decimal, and reads back what
/// C's `atoi` makes of the prefix (0 for one that does not start with a number).
pub(crate) struct NamePrefix;

/// The longest prefix libzmq takes (zmq_ctx_set_ext's 16 bytes).
const MAX_PREFIX: usize = 16;

impl CtxCodec<String> for NamePrefix {
    fn set(field: &mut String, value: i32) -> Result<()> {
        *field = value.to_string();
        Ok(())
    }
    fn get(field: &String) -> Option<i32> {
        Some(atoi(field))
    }
    fn check(field: &String) -> Result<()> {
        if field.len() > MAX_PREFIX || field.contains('\0') {
            return Err(INVALID);
        }
        Ok(())
    }
}

/// C's `atoi`: optional blanks, an optional sign, then digits up to the first non-digit.
fn atoi(s: &str) -> i32 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        n = (n * 10 + i64::from(d - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let n = if negative { -n } else { n };
    i32::try_from(n).unwrap_or(if negative { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_a_leading_number_as_c_does() {
        assert_eq!(atoi("1234"), 1234);
        assert_eq!(atoi("-17"), -17);
        assert_eq!(atoi("  +5x"), 5);
        assert_eq!(atoi("app"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }

    #[test]
    fn counts_refuse_values_below_their_minimum() {
        let mut n = 5;
        assert!(Count::<1>::set(&mut n, 0).is_err());
        assert_eq!(n, 5);
        Count::<0>::set(&mut n, 0).unwrap();
        assert_eq!(n, 0);
        assert!(Count::<0>::check(&(u32::MAX as usize + 1)).is_err());
    }
}
