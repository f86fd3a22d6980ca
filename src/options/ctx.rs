//! Every context option, declared once. Each entry gives the option's field and Rust type,
//! libzmq's default, whether the Rust API sets it (`rust`: a setter on
//! [`ContextBuilder`](crate::ContextBuilder) and a getter on [`Context`](crate::Context);
//! `rust_text` likewise, with a setter that takes anything `Into<String>`, as the socket
//! options' text setters do), only reads it (`rust_get`) or leaves it to C (`c_only`), and
//! then its zmq.h names and numbers with the codec that applies libzmq's range rule: `rw`
//! for zmq_ctx_set and zmq_ctx_get, `set` or `get` for one of them. One field may have
//! several names, and one number two meanings: in libzmq 4.3 ZMQ_THREAD_PRIORITY and
//! ZMQ_SOCKET_LIMIT are both 3, the first for zmq_ctx_set, the second for zmq_ctx_get.
//!
//! From this list come [`CtxOptions`], zmq_ctx_set/zmq_ctx_get (`set_c`, `get_c`), and the
//! typed accessors. The I/O thread options take effect when the context starts its threads
//! (ferrozmq's `build`, libzmq's first socket), IPV6 and BLOCKY for each new socket.

use super::ctx_codec::{self as codec, CtxCodec};
use crate::error::{Error, Result};

/// Calls `$cb!` with the table.
macro_rules! context_option_table {
    ($cb:ident) => {
        $cb! {
            /// ZMQ_IO_THREADS: the number of I/O threads serving tcp and ipc (default 1;
            /// 0 still starts one, as ferrozmq needs one to run).
            io_threads: usize = 1, rust;
                rw ZMQ_IO_THREADS = 1 by codec::Count<0>;
            /// ZMQ_MAX_SOCKETS: how many sockets the context may hold at once (default 1023).
            max_sockets: usize = 1023, rust;
                rw ZMQ_MAX_SOCKETS = 2 by codec::Count<1>;
            /// ZMQ_SOCKET_LIMIT: the largest MAX_SOCKETS the I/O multiplexer allows (65535,
            /// as libzmq on epoll answers).
            socket_limit: usize = 65535, rust_get;
                get ZMQ_SOCKET_LIMIT = 3 by codec::Count<0>;
            /// ZMQ_THREAD_PRIORITY: the I/O threads' priority (default `None`: unchanged). Under
            /// SCHED_FIFO and SCHED_RR it is the static priority; under the other policies
            /// any value asks for the highest nice value (-20), as libzmq does. Refused by an
            /// unprivileged process; then ignored.
            thread_priority: Option<i32> = None, rust;
                set ZMQ_THREAD_PRIORITY = 3 by codec::OrUnset;
            /// ZMQ_THREAD_SCHED_POLICY: the I/O threads' scheduling policy, a `SCHED_*` value
            /// (default `None`: unchanged).
            thread_sched_policy: Option<i32> = None, rust;
                rw ZMQ_THREAD_SCHED_POLICY = 4 by codec::OrUnset;
            /// ZMQ_MAX_MSGSZ: the largest message the context allows (default and most:
            /// INT_MAX); kept and reported, and, as in libzmq 4.3, not enforced.
            max_msgsz: usize = i32::MAX as usize, c_only;
                rw ZMQ_MAX_MSGSZ = 5 by codec::Count<0>;
            /// ZMQ_MSG_T_SIZE: the size of zmq_msg_t (64).
            msg_t_size: usize = 64, c_only;
                get ZMQ_MSG_T_SIZE = 6 by codec::Count<0>;
            /// ZMQ_THREAD_AFFINITY_CPU_ADD and _REMOVE: the CPUs the I/O threads may run on
            /// (default empty: any). Removing a CPU that is not there is EINVAL.
            thread_affinity: ::std::collections::BTreeSet<usize> =
                ::std::collections::BTreeSet::new(), rust;
                set ZMQ_THREAD_AFFINITY_CPU_ADD = 7 by codec::CpuAdd,
                set ZMQ_THREAD_AFFINITY_CPU_REMOVE = 8 by codec::CpuRemove;
            /// ZMQ_THREAD_NAME_PREFIX: put before the I/O threads' names,
            /// `"<prefix>/ZMQbg/IO/<n>"` cut to 15 bytes (default empty: `"ZMQbg/IO/<n>"`). C
            /// sets and reads it as a number; in Rust it is text of at most 16 bytes.
            thread_name_prefix: String = String::new(), rust_text;
                rw ZMQ_THREAD_NAME_PREFIX = 9 by codec::NamePrefix;
            /// ZMQ_ZERO_COPY_RECV: declared by libzmq's draft API, yet accepted by its stable
            /// builds (default 1); ferrozmq always receives without copying.
            zero_copy_recv: bool = true, c_only;
                rw ZMQ_ZERO_COPY_RECV = 10 by codec::Switch;
            /// ZMQ_IPV6: new sockets start with IPV6 on (default false).
            ipv6: bool = false, rust;
                rw ZMQ_IPV6 = 42 by codec::Switch;
            /// ZMQ_BLOCKY: new sockets start with LINGER -1, so terminating the context waits
            /// for their queues (default true); off, they start with LINGER 0.
            blocky: bool = true, rust;
                rw ZMQ_BLOCKY = 70 by codec::Switch;
        }
    };
}

pub(crate) use context_option_table;

/// One C name of a context option, for code that lists or checks them.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct CtxSpec {
    /// libzmq's name (`ZMQ_IO_THREADS`).
    pub name: &'static str,
    /// libzmq's number.
    pub number: i32,
    /// Whether zmq_ctx_set takes it.
    pub settable: bool,
    /// Whether zmq_ctx_get reads it.
    pub readable: bool,
}

macro_rules! settable {
    (rw) => {
        true
    };
    (set) => {
        true
    };
    (get) => {
        false
    };
}

macro_rules! readable {
    (rw) => {
        true
    };
    (set) => {
        false
    };
    (get) => {
        true
    };
}

macro_rules! define_ctx_options {
    ($($(#[$doc:meta])* $field:ident : $ty:ty = $default:expr, $rust:ident;
        $($access:ident $zname:ident = $num:literal by $codec:ty),+ ;)*) => {
        /// A context's options, with libzmq 4.3's defaults (see the table).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct CtxOptions {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl Default for CtxOptions {
            fn default() -> Self {
                CtxOptions { $($field: $default,)* }
            }
        }

        /// Every C name in the table.
        #[cfg_attr(not(test), allow(dead_code))]
        pub(crate) const CONTEXT_OPTIONS: &[CtxSpec] = &[$($(CtxSpec {
            name: stringify!($zname),
            number: $num,
            settable: settable!($access),
            readable: readable!($access),
        },)+)*];

        impl CtxOptions {
            /// Applies zmq_ctx_set(`number`, `value`).
            ///
            /// # Errors
            /// [`Error::Invalid`] for an unknown or get-only option or a value out of range.
            pub(crate) fn set_c(&mut self, number: i32, value: i32) -> Result<()> {
                $($(if number == $num && settable!($access) {
                    return <$codec as CtxCodec<$ty>>::set(&mut self.$field, value);
                })+)*
                Err(UNKNOWN)
            }

            /// zmq_ctx_get(`number`).
            ///
            /// # Errors
            /// [`Error::Invalid`] for an unknown or set-only option.
            pub(crate) fn get_c(&self, number: i32) -> Result<i32> {
                $($(if number == $num && readable!($access) {
                    if let Some(v) = <$codec as CtxCodec<$ty>>::get(&self.$field) {
                        return Ok(v);
                    }
                })+)*
                Err(UNKNOWN)
            }

            /// Whether every value is one zmq_ctx_set could have made (the Rust setters take
            /// any value of their type; `build` checks them here).
            ///
            /// # Errors
            /// [`Error::Invalid`] naming nothing more precise, as zmq_ctx_set's EINVAL.
            pub(crate) fn check(&self) -> Result<()> {
                $($(<$codec as CtxCodec<$ty>>::check(&self.$field)?;)+)*
                Ok(())
            }
        }
    };
}

const UNKNOWN: Error = Error::Invalid("no such context option");

context_option_table!(define_ctx_options);

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn defaults_match_libzmq() {
        let o = CtxOptions::default();
        assert_eq!(o.get_c(1).unwrap(), 1, "IO_THREADS");
        assert_eq!(o.get_c(2).unwrap(), 1023, "MAX_SOCKETS");
        assert_eq!(o.get_c(3).unwrap(), 65535, "SOCKET_LIMIT");
        assert_eq!(o.get_c(4).unwrap(), -1, "THREAD_SCHED_POLICY");
        assert_eq!(o.get_c(5).unwrap(), i32::MAX, "MAX_MSGSZ");
        assert_eq!(o.get_c(6).unwrap(), 64, "MSG_T_SIZE");
        assert_eq!(o.get_c(9).unwrap(), 0, "THREAD_NAME_PREFIX");
        assert_eq!(o.get_c(10).unwrap(), 1, "ZERO_COPY_RECV");
        assert_eq!(o.get_c(42).unwrap(), 0, "IPV6");
        assert_eq!(o.get_c(70).unwrap(), 1, "BLOCKY");
        assert!(o.check().is_ok());
    }

    #[test]
    fn number_3_sets_the_thread_priority_and_reads_the_socket_limit() {
        let mut o = CtxOptions::default();
        o.set_c(3, 7).unwrap();
        assert_eq!(o.thread_priority, Some(7));
        assert_eq!(o.get_c(3).unwrap(), 65535);
        assert_eq!(o.socket_limit, 65535);
    }

    #[test]
    fn set_only_and_get_only_names_refuse_the_other_call() {
        let mut o = CtxOptions::default();
        for spec in CONTEXT_OPTIONS {
            if !spec.settable {
                let shared = CONTEXT_OPTIONS
                    .iter()
                    .any(|s| s.number == spec.number && s.settable);
                assert_eq!(o.set_c(spec.number, 1).is_ok(), shared, "{}", spec.name);
            }
            if !spec.readable {
                let shared = CONTEXT_OPTIONS
                    .iter()
                    .any(|s| s.number == spec.number && s.readable);
                assert_eq!(o.get_c(spec.number).is_ok(), shared, "{}", spec.name);
            }
        }
    }

    #[test]
    fn negative_values_are_refused_as_libzmq_refuses_them() {
        let mut o = CtxOptions::default();
        // A numeric name prefix is any int, "-1" included, as in libzmq.
        let ranged = CONTEXT_OPTIONS
            .iter()
            .filter(|s| s.settable && s.name != "ZMQ_THREAD_NAME_PREFIX");
        for spec in ranged {
            assert!(o.set_c(spec.number, -1).is_err(), "{}", spec.name);
        }
        assert_eq!(o, CtxOptions::default());
        assert!(o.set_c(2, 0).is_err(), "MAX_SOCKETS 0");
    }

    #[test]
    fn switches_take_any_non_negative_value_as_libzmq_does() {
        let mut o = CtxOptions::default();
        o.set_c(42, 2).unwrap();
        assert!(o.ipv6);
        o.set_c(70, 0).unwrap();
        assert!(!o.blocky);
        assert_eq!(o.get_c(42).unwrap(), 1);
    }

    #[test]
    fn cpus_are_added_and_removed_and_removing_an_absent_one_is_invalid() {
        let mut o = CtxOptions::default();
        o.set_c(7, 0).unwrap();
        o.set_c(7, 1).unwrap();
        o.set_c(8, 1).unwrap();
        assert_eq!(o.thread_affinity, BTreeSet::from([0]));
        assert!(o.set_c(8, 1).is_err());
        assert!(o.get_c(7).is_err() && o.get_c(8).is_err());
    }

    #[test]
    fn a_numeric_name_prefix_reads_back_as_its_number() {
        let mut o = CtxOptions::default();
        o.set_c(9, 1234).unwrap();
        assert_eq!(o.thread_name_prefix, "1234");
        assert_eq!(o.get_c(9).unwrap(), 1234);
        o.thread_name_prefix = "app".into();
        assert_eq!(o.get_c(9).unwrap(), 0);
    }

    #[test]
    fn rust_values_c_could_not_set_fail_the_check() {
        let bad = [
            CtxOptions {
                max_sockets: 0,
                ..CtxOptions::default()
            },
            CtxOptions {
                thread_priority: Some(-2),
                ..CtxOptions::default()
            },
            CtxOptions {
                thread_name_prefix: "a".repeat(17),
                ..CtxOptions::default()
            },
            CtxOptions {
                thread_name_prefix: "nul\0".into(),
                ..CtxOptions::default()
            },
        ];
        for o in bad {
            assert!(o.check().is_err(), "{o:?}");
        }
    }

    #[test]
    fn every_name_matches_the_c_header_and_number_is_declared_once_per_direction() {
        let header = include_str!("../../include/zmq.h");
        let mut set = std::collections::HashSet::new();
        let mut get = std::collections::HashSet::new();
        for spec in CONTEXT_OPTIONS {
            let defined = header.lines().any(|l| {
                let mut w = l.split_whitespace();
                w.next() == Some("#define")
                    && w.next() == Some(spec.name)
                    && w.next() == Some(&spec.number.to_string())
            });
            assert!(defined, "zmq.h lacks #define {} {}", spec.name, spec.number);
            assert!(!spec.settable || set.insert(spec.number), "{}", spec.name);
            assert!(!spec.readable || get.insert(spec.number), "{}", spec.name);
        }
    }
}
