//! Socket options: the table that declares each one (`table`), how each crosses the C ABI
//! (`codec`), and the `Options` struct both generate, with libzmq 4.3's defaults; context
//! options likewise (`ctx`, `ctx_codec`, the `CtxOptions` struct).

use std::time::Duration;

use bytes::Bytes;

use self::codec::{Codec, Input, Raw};
use crate::error::{Error, Result};
use crate::message::{Form, IntoBytes};
use crate::pipe::PipeConfig;
use crate::socket_type::SocketType;

pub(crate) mod codec;
pub(crate) mod ctx;
mod ctx_codec;
mod table;

pub(crate) use ctx::{CtxOptions, context_option_table};
pub(crate) use table::socket_option_table;

/// When a changed option takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Read by the socket on every call.
    Now,
    /// Copied into each new connection or pipe: applies from the next bind or connect.
    Attach,
    /// Reaches the pipes that already exist too (the high-water marks, as in libzmq).
    Pipes,
    /// Changes the socket's rules (ROUTER_RAW makes a ROUTER a STREAM socket).
    Rules,
}

/// One option as the table declares it, for code that lists or checks options (the tests
/// check the table against zmq.h with it).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Spec {
    /// libzmq's name (`ZMQ_SNDHWM`).
    pub name: &'static str,
    /// libzmq's number.
    pub number: i32,
    /// Whether a socket of this type takes it.
    pub accepts: fn(SocketType) -> bool,
    /// When a change takes effect.
    pub effect: Effect,
    /// Whether zmq_getsockopt reads it (libzmq's socket-type switches are write-only).
    pub readable: bool,
}

/// Whether a socket of type `$kind` takes an option declared `on $on`.
macro_rules! accepts {
    (*, $kind:expr) => {{
        let _ = $kind;
        true
    }};
    ([$($t:ident),*], $kind:expr) => {
        matches!($kind, $(SocketType::$t)|*)
    };
}

macro_rules! readable {
    (rw) => {
        true
    };
    (ro) => {
        true
    };
    (wo) => {
        false
    };
}

macro_rules! writable {
    (ro) => {
        false
    };
    ($other:ident) => {
        true
    };
}

macro_rules! define_options {
    ($($(#[$doc:meta])* $field:ident / $setter:ident : $ty:ty [$arg:ty] = $default:expr,
        $zname:ident = $num:literal, $codec:ty, on $on:tt, $effect:ident, $access:ident;)*) => {
        /// The options a socket carries, with libzmq 4.3's defaults (see `table`). `None`
        /// stands for libzmq's -1 ("infinite", "the OS's") or 0 ("off") as each option's
        /// doc says; a high-water mark of 0 means no limit.
        #[derive(Debug, Clone)]
        pub(crate) struct Options {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl Default for Options {
            fn default() -> Self {
                Options { $($field: $default,)* }
            }
        }

        /// Every option in the table.
        #[cfg_attr(not(test), allow(dead_code))]
        pub(crate) const SOCKET_OPTIONS: &[Spec] = &[$(Spec {
            name: stringify!($zname),
            number: $num,
            accepts: |kind| accepts!($on, kind),
            effect: Effect::$effect,
            readable: readable!($access),
        },)*];

        impl Options {
            /// Sets option `number` from the value C passed, as zmq_setsockopt does for a
            /// socket of type `kind`.
            ///
            /// # Errors
            /// [`Error::Invalid`] for an option this socket type does not take, a value of
            /// the wrong size or out of range.
            #[allow(clippy::clone_on_copy)]
            pub(crate) fn set_c(&mut self, kind: SocketType, number: i32, input: Input<'_>)
                -> Result<Effect>
            {
                match number {
                    $($num if accepts!($on, kind) && writable!($access) => {
                        // Stored into a copy so the codec may read the other options.
                        let mut value = self.$field.clone();
                        <$codec as Codec<$ty>>::store(&mut value, input, self)?;
                        self.$field = value.clone();
                        <$codec as Codec<$ty>>::after_set(&value, self);
                        Ok(Effect::$effect)
                    })*
                    _ => Err(UNKNOWN),
                }
            }

            /// Option `number` as zmq_getsockopt returns it.
            ///
            /// # Errors
            /// [`Error::Invalid`] for an option this socket type does not have or that
            /// cannot be read.
            pub(crate) fn get_c(&self, kind: SocketType, number: i32) -> Result<Raw> {
                match number {
                    $($num if accepts!($on, kind) && readable!($access) => {
                        Ok(<$codec as Codec<$ty>>::encode(&self.$field))
                    })*
                    _ => Err(UNKNOWN),
                }
            }
        }
    };
}

const UNKNOWN: Error = Error::Invalid("no such option for this socket type");

/// How a typed setter's argument (the table's `[...]` column) becomes the option's value.
/// `Into` would do for every option but the byte strings: their setters take any
/// [`IntoBytes`] form, and `Bytes` has no `From` for a borrowed `&[u8]` or `&String`.
pub(crate) trait SetterArg<T> {
    fn into_value(self) -> T;
}

impl<A: IntoBytes> SetterArg<Bytes> for A {
    fn into_value(self) -> Bytes {
        Form::into_bytes(self)
    }
}

/// Options whose setters take their own type or anything `Into` it.
macro_rules! into_args {
    ($($ty:ty),* $(,)?) => {$(
        impl<A: Into<$ty>> SetterArg<$ty> for A {
            fn into_value(self) -> $ty {
                self.into()
            }
        }
    )*};
}

into_args!(
    usize,
    u64,
    i32,
    bool,
    Duration,
    Option<Duration>,
    Option<u64>,
    Option<u32>,
    Option<bool>,
    String,
    Vec<u32>,
    Vec<i32>,
    Vec<crate::TcpAcceptFilter>,
    crate::curve::CurvePublicKey,
    crate::curve::CurveSecretKey,
);

socket_option_table!(define_options);

impl Options {
    /// How a pipe between this socket and an I/O connection queues: side 0 is the socket.
    pub fn pipe_config(&self) -> PipeConfig {
        PipeConfig {
            hwm: [self.sndhwm, self.rcvhwm],
            conflate: [self.conflate; 2],
            peer_hwms: None,
        }
    }

    /// The wait before reconnect attempt number `attempt` (0 = first): RECONNECT_IVL, doubled
    /// each attempt up to RECONNECT_IVL_MAX when that is larger than RECONNECT_IVL.
    pub fn reconnect_delay(&self, attempt: u32) -> Option<Duration> {
        let ivl = self.reconnect_ivl?;
        if self.reconnect_ivl_max <= ivl {
            return Some(ivl);
        }
        let doubled = ivl.saturating_mul(1u32 << attempt.min(20));
        Some(doubled.min(self.reconnect_ivl_max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_libzmq() {
        let o = Options::default();
        assert_eq!(o.sndhwm, 1000);
        assert_eq!(o.rcvhwm, 1000);
        assert_eq!(o.linger, None);
        assert_eq!(o.reconnect_ivl, Some(Duration::from_millis(100)));
        assert_eq!(o.reconnect_ivl_max, Duration::ZERO);
        assert_eq!(o.handshake_ivl, Some(Duration::from_secs(30)));
        assert_eq!(o.maxmsgsize, None);
    }

    #[test]
    fn reconnect_without_max_keeps_the_interval() {
        let o = Options::default();
        assert_eq!(o.reconnect_delay(5), Some(Duration::from_millis(100)));
    }

    #[test]
    fn reconnect_backoff_doubles_up_to_the_max() {
        let o = Options {
            reconnect_ivl_max: Duration::from_millis(500),
            ..Options::default()
        };
        let delays: Vec<_> = (0..5).map(|a| o.reconnect_delay(a).unwrap()).collect();
        let ms: Vec<_> = delays.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn every_option_number_is_declared_once() {
        let mut seen = std::collections::HashSet::new();
        for spec in SOCKET_OPTIONS {
            assert!(seen.insert(spec.number), "{} declared twice", spec.name);
        }
    }

    #[test]
    fn table_names_and_numbers_match_the_c_header() {
        let header = include_str!("../../include/zmq.h");
        for spec in SOCKET_OPTIONS {
            let defined = header.lines().any(|l| {
                let mut w = l.split_whitespace();
                w.next() == Some("#define")
                    && w.next() == Some(spec.name)
                    && w.next() == Some(&spec.number.to_string())
            });
            assert!(defined, "zmq.h lacks #define {} {}", spec.name, spec.number);
        }
    }

    #[test]
    fn every_option_reads_back_on_the_types_that_take_it_unless_write_only() {
        let o = Options::default();
        for spec in SOCKET_OPTIONS {
            for kind in SocketType::ALL {
                let read = o.get_c(kind, spec.number).is_ok();
                assert_eq!(read, (spec.accepts)(kind) && spec.readable, "{}", spec.name);
            }
        }
    }

    #[test]
    fn only_the_high_water_marks_reach_existing_pipes() {
        let pipes: Vec<_> = SOCKET_OPTIONS
            .iter()
            .filter(|s| s.effect == Effect::Pipes)
            .map(|s| s.name)
            .collect();
        assert_eq!(pipes, ["ZMQ_SNDHWM", "ZMQ_RCVHWM"]);
    }

    #[test]
    fn socket_type_switches_are_refused_by_other_types_and_write_only() {
        let mut o = Options::default();
        let one = 1i32.to_ne_bytes();
        assert!(o.set_c(SocketType::Dealer, 33, Some(&one)).is_err());
        assert_eq!(
            o.set_c(SocketType::Router, 33, Some(&one)).unwrap(),
            Effect::Now
        );
        assert!(o.router_mandatory);
        assert!(o.get_c(SocketType::Router, 33).is_err());
    }

    #[test]
    fn list_options_grow_by_one_per_c_call_clear_on_null_and_are_write_only() {
        let mut o = Options::default();
        for filter in [&b"127.0.0.1"[..], b"10.0.0.0/8"] {
            o.set_c(SocketType::Pull, 38, Some(filter)).unwrap();
        }
        assert_eq!(o.tcp_accept_filters.len(), 2);
        assert!(o.get_c(SocketType::Pull, 38).is_err());
        o.set_c(SocketType::Pull, 38, None).unwrap();
        assert!(o.tcp_accept_filters.is_empty());
        o.set_c(SocketType::Pull, 59, Some(&7u32.to_ne_bytes()))
            .unwrap();
        o.set_c(SocketType::Pull, 59, Some(&8u32.to_ne_bytes()))
            .unwrap();
        assert_eq!(o.ipc_filter_uids, [7, 8]);
    }

    #[test]
    fn the_accept_filter_reads_the_ipv6_option_as_it_stands() {
        let mut o = Options::default();
        assert!(o.set_c(SocketType::Pull, 38, Some(b"::1")).is_err());
        o.set_c(SocketType::Pull, 42, Some(&1i32.to_ne_bytes()))
            .unwrap();
        o.set_c(SocketType::Pull, 38, Some(b"::1")).unwrap();
    }

    #[test]
    fn a_set_value_reads_back_in_its_c_form() {
        let mut o = Options::default();
        o.set_c(SocketType::Push, 11, Some(&4096i32.to_ne_bytes()))
            .unwrap();
        assert_eq!(o.get_c(SocketType::Push, 11).unwrap(), Raw::Int(4096));
        assert_eq!(o.get_c(SocketType::Push, 4).unwrap(), Raw::U64(0));
        assert_eq!(o.get_c(SocketType::Push, 17).unwrap(), Raw::Int(-1));
    }

    #[test]
    fn recovery_ivl_is_a_duration_that_c_sets_and_reads_in_milliseconds() {
        let mut o = Options::default();
        assert_eq!(o.recovery_ivl, Duration::from_secs(10));
        assert_eq!(o.get_c(SocketType::Pub, 9).unwrap(), Raw::Int(10_000));
        o.set_c(SocketType::Pub, 9, Some(&250i32.to_ne_bytes()))
            .unwrap();
        assert_eq!(o.recovery_ivl, Duration::from_millis(250));
        assert!(
            o.set_c(SocketType::Pub, 9, Some(&(-1i32).to_ne_bytes()))
                .is_err()
        );
    }
}
