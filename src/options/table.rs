//! Every socket option, declared once. Each entry gives the option's Rust field and setter,
//! its type, libzmq's default, its zmq.h name and number, the codec that parses and produces
//! its C form (size and range rules), the socket types that accept it (`*` for all), when a
//! change takes effect, and whether zmq_getsockopt can read it back (libzmq's socket-type
//! switches are write-only).
//!
//! From this one list come the `Options` struct and its defaults, the C ABI's
//! zmq_setsockopt/zmq_getsockopt, the typed Rust setters and getters on each socket type,
//! and the snapshot the I/O threads take at bind and connect. Adding an option is one entry
//! here plus the code that acts on it.
//!
//! Effects: `Now` is read by the socket on each call; `Attach` is copied into each new
//! connection or pipe (so it applies from the next bind or connect); `Pipes` reaches the
//! pipes that already exist too; `Rules` changes the socket's rules (ROUTER_RAW), for a
//! socket that has no peers yet.

/// Calls `$cb!` with the table.
macro_rules! socket_option_table {
    ($cb:ident) => {
        $cb! {
            /// ZMQ_SNDHWM: messages queued per peer before sends block or drop (default 1000;
            /// 0 = no limit).
            sndhwm / set_sndhwm: usize [usize] = 1000,
                ZMQ_SNDHWM = 23, codec::Count, on *, Pipes, rw;
            /// ZMQ_RCVHWM: messages queued per peer on the receiving side (default 1000;
            /// 0 = no limit).
            rcvhwm / set_rcvhwm: usize [usize] = 1000,
                ZMQ_RCVHWM = 24, codec::Count, on *, Pipes, rw;
            /// ZMQ_AFFINITY: which I/O threads new connections may use, as a bit mask
            /// (default 0: any).
            affinity / set_affinity: u64 [u64] = 0,
                ZMQ_AFFINITY = 4, codec::Mask, on *, Attach, rw;
            /// ZMQ_ROUTING_ID: the id peers' ROUTER sockets address this socket by; set it
            /// before bind or connect (1 to 255 bytes, not starting with a zero byte).
            routing_id / set_routing_id: ::bytes::Bytes [impl crate::IntoBytes] =
                ::bytes::Bytes::new(),
                ZMQ_ROUTING_ID = 5, codec::RoutingId, on *, Attach, rw;
            /// ZMQ_RATE: multicast data rate in kbit/s (default 100); kept for PGM, which
            /// ferrozmq does not build, as libzmq built without it keeps it.
            rate / set_rate: i32 [i32] = 100,
                ZMQ_RATE = 8, codec::IntMin<1>, on *, Attach, rw;
            /// ZMQ_RECOVERY_IVL: multicast recovery interval (default 10 s); kept for PGM,
            /// as libzmq built without it keeps it.
            recovery_ivl / set_recovery_ivl: ::std::time::Duration [::std::time::Duration] =
                ::std::time::Duration::from_secs(10),
                ZMQ_RECOVERY_IVL = 9, codec::Ms, on *, Attach, rw;
            /// ZMQ_SNDBUF: the kernel send buffer of each tcp or ipc connection, in bytes
            /// (default -1: the OS's).
            sndbuf / set_sndbuf: i32 [i32] = -1,
                ZMQ_SNDBUF = 11, codec::IntMin<-1>, on *, Attach, rw;
            /// ZMQ_RCVBUF: the kernel receive buffer of each tcp or ipc connection, in bytes
            /// (default -1: the OS's).
            rcvbuf / set_rcvbuf: i32 [i32] = -1,
                ZMQ_RCVBUF = 12, codec::IntMin<-1>, on *, Attach, rw;
            /// ZMQ_LINGER: how long queued messages may keep the I/O thread busy after the
            /// socket is closed (default `None`: until sent).
            linger / set_linger: Option<::std::time::Duration> [Option<::std::time::Duration>] =
                None,
                ZMQ_LINGER = 17, codec::MsOrInfinite, on *, Now, rw;
            /// ZMQ_RECONNECT_IVL: the wait before reconnecting (default 100 ms; `None` never
            /// reconnects).
            reconnect_ivl / set_reconnect_ivl:
                Option<::std::time::Duration> [Option<::std::time::Duration>] =
                Some(::std::time::Duration::from_millis(100)),
                ZMQ_RECONNECT_IVL = 18, codec::MsOrInfinite, on *, Attach, rw;
            /// ZMQ_BACKLOG: the listen queue of a tcp or ipc bind (default 100).
            backlog / set_backlog: i32 [i32] = 100,
                ZMQ_BACKLOG = 19, codec::IntMin<0>, on *, Attach, rw;
            /// ZMQ_RECONNECT_IVL_MAX: the cap of the doubling reconnect backoff (default
            /// zero: no backoff).
            reconnect_ivl_max / set_reconnect_ivl_max: ::std::time::Duration
                [::std::time::Duration] = ::std::time::Duration::ZERO,
                ZMQ_RECONNECT_IVL_MAX = 21, codec::Ms, on *, Attach, rw;
            /// ZMQ_MAXMSGSIZE: the largest inbound frame accepted; a peer sending a larger
            /// one is disconnected (default `None`: no limit).
            maxmsgsize / set_maxmsgsize: Option<u64> [Option<u64>] = None,
                ZMQ_MAXMSGSIZE = 22, codec::SizeLimit, on *, Attach, rw;
            /// ZMQ_MULTICAST_HOPS: multicast time-to-live (default 1); kept for PGM, as
            /// libzmq built without it keeps it.
            multicast_hops / set_multicast_hops: i32 [i32] = 1,
                ZMQ_MULTICAST_HOPS = 25, codec::IntMin<1>, on *, Attach, rw;
            /// ZMQ_RCVTIMEO: how long a receive blocks (default `None`: forever).
            rcvtimeo / set_rcvtimeo: Option<::std::time::Duration> [Option<::std::time::Duration>] =
                None,
                ZMQ_RCVTIMEO = 27, codec::MsOrInfinite, on *, Now, rw;
            /// ZMQ_SNDTIMEO: how long a send blocks (default `None`: forever).
            sndtimeo / set_sndtimeo: Option<::std::time::Duration> [Option<::std::time::Duration>] =
                None,
                ZMQ_SNDTIMEO = 28, codec::MsOrInfinite, on *, Now, rw;
            /// ZMQ_TCP_KEEPALIVE: turn TCP keepalives on or off (`None`, the default, leaves
            /// the OS setting).
            tcp_keepalive / set_tcp_keepalive: Option<bool> [Option<bool>] = None,
                ZMQ_TCP_KEEPALIVE = 34, codec::Keepalive, on *, Attach, rw;
            /// ZMQ_TCP_KEEPALIVE_CNT: probes before the connection is dropped (default: the
            /// OS's).
            tcp_keepalive_cnt / set_tcp_keepalive_cnt: Option<u32> [Option<u32>] = None,
                ZMQ_TCP_KEEPALIVE_CNT = 35, codec::CountOrOs, on *, Attach, rw;
            /// ZMQ_TCP_KEEPALIVE_IDLE: idle time before keepalive probes (default: the OS's).
            tcp_keepalive_idle / set_tcp_keepalive_idle:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_TCP_KEEPALIVE_IDLE = 36, codec::SecsOrOs, on *, Attach, rw;
            /// ZMQ_TCP_KEEPALIVE_INTVL: time between keepalive probes (default: the OS's).
            tcp_keepalive_intvl / set_tcp_keepalive_intvl:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_TCP_KEEPALIVE_INTVL = 37, codec::SecsOrOs, on *, Attach, rw;
            /// ZMQ_IMMEDIATE: queue messages only for completed connections (default false:
            /// a connect queues at once).
            immediate / set_immediate: bool [bool] = false,
                ZMQ_IMMEDIATE = 39, codec::Flag, on *, Attach, rw;
            /// ZMQ_IPV6: use IPv6 for `*` binds and host names (default false).
            ipv6 / set_ipv6: bool [bool] = false,
                ZMQ_IPV6 = 42, codec::Flag, on *, Attach, rw;
            /// ZMQ_CONFLATE: keep only the newest message in each queue (default false).
            conflate / set_conflate: bool [bool] = false,
                ZMQ_CONFLATE = 54, codec::Flag, on *, Attach, rw;
            /// ZMQ_TOS: the IP type-of-service byte of tcp connections (default 0).
            tos / set_tos: i32 [i32] = 0,
                ZMQ_TOS = 57, codec::IntMin<0>, on *, Attach, rw;
            /// ZMQ_HANDSHAKE_IVL: time allowed for a peer's handshake (default 30 s; `None`:
            /// no limit).
            handshake_ivl / set_handshake_ivl:
                Option<::std::time::Duration> [Option<::std::time::Duration>] =
                Some(::std::time::Duration::from_secs(30)),
                ZMQ_HANDSHAKE_IVL = 66, codec::MsOrOff, on *, Attach, rw;
            /// ZMQ_INVERT_MATCHING: PUB and SUB deliver the messages that do NOT match the
            /// subscriptions (default false).
            invert_matching / set_invert_matching: bool [bool] = false,
                ZMQ_INVERT_MATCHING = 74, codec::FlagAny, on *, Now, rw;
            /// ZMQ_HEARTBEAT_IVL: send a ZMTP PING this often (default `None`: never).
            heartbeat_ivl / set_heartbeat_ivl:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_HEARTBEAT_IVL = 75, codec::MsOrOff, on *, Attach, rw;
            /// ZMQ_HEARTBEAT_TTL: how long the peer may go without hearing from us before it
            /// drops us, sent in our PINGs in whole tenths of a second (default `None`: no
            /// limit; at most 6553.5 s).
            heartbeat_ttl / set_heartbeat_ttl:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_HEARTBEAT_TTL = 76, codec::HeartbeatTtl, on *, Attach, rw;
            /// ZMQ_HEARTBEAT_TIMEOUT: silence after a PING that ends the connection (default
            /// `None`: the heartbeat interval).
            heartbeat_timeout / set_heartbeat_timeout:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_HEARTBEAT_TIMEOUT = 77, codec::MsOrUnset, on *, Attach, rw;
            /// ZMQ_CONNECT_TIMEOUT: how long a tcp connect may take before it is retried
            /// (default `None`: the OS's limit).
            connect_timeout / set_connect_timeout:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_CONNECT_TIMEOUT = 79, codec::MsOrOff, on *, Attach, rw;
            /// ZMQ_TCP_MAXRT: how long unacknowledged tcp data may wait before the
            /// connection is dropped (TCP_USER_TIMEOUT; default `None`: the OS's).
            tcp_maxrt / set_tcp_maxrt:
                Option<::std::time::Duration> [Option<::std::time::Duration>] = None,
                ZMQ_TCP_MAXRT = 80, codec::MsOrOff, on *, Attach, rw;
            /// ZMQ_MULTICAST_MAXTPDU: largest multicast packet (default 1500); kept for PGM,
            /// as libzmq built without it keeps it.
            multicast_maxtpdu / set_multicast_maxtpdu: i32 [i32] = 1500,
                ZMQ_MULTICAST_MAXTPDU = 84, codec::IntMin<1>, on *, Attach, rw;
            /// ZMQ_USE_FD: the next bind listens on this already bound socket descriptor
            /// instead of making one (default -1: make one).
            use_fd / set_use_fd: i32 [i32] = -1,
                ZMQ_USE_FD = 89, codec::IntMin<-1>, on *, Attach, rw;
            /// ZMQ_BINDTODEVICE: bind tcp sockets to this network interface (SO_BINDTODEVICE,
            /// at most 16 bytes; default empty: any).
            bindtodevice / set_bindtodevice: String [impl Into<String>] = String::new(),
                ZMQ_BINDTODEVICE = 92, codec::Text<16>, on *, Attach, rw;
            /// ZMQ_SOCKS_PROXY: reach tcp peers through the SOCKS5 proxy at this `host:port`,
            /// which resolves their host names; the proxy's part of the connect counts
            /// against HANDSHAKE_IVL (default empty: connect directly).
            socks_proxy / set_socks_proxy: String [impl Into<String>] = String::new(),
                ZMQ_SOCKS_PROXY = 68, codec::Text<{ usize::MAX }>, on *, Attach, rw;
            /// ZMQ_TCP_ACCEPT_FILTER: the addresses and networks a tcp bind accepts peers
            /// from; any other peer is closed as soon as it is accepted (default empty:
            /// every peer). From C each call adds one filter and NULL clears the list.
            tcp_accept_filters / set_tcp_accept_filters:
                ::std::vec::Vec<crate::TcpAcceptFilter> [::std::vec::Vec<crate::TcpAcceptFilter>] =
                ::std::vec::Vec::new(),
                ZMQ_TCP_ACCEPT_FILTER = 38, codec::AcceptFilters, on *, Attach, wo;
            /// ZMQ_IPC_FILTER_UID: the user ids an ipc bind accepts peers of (SO_PEERCRED);
            /// with any of the IPC filters set, a peer matching none of them is closed as
            /// soon as it is accepted (default empty). From C each call adds one `uid_t`
            /// and NULL clears the list.
            ipc_filter_uids / set_ipc_filter_uids: ::std::vec::Vec<u32> [::std::vec::Vec<u32>] =
                ::std::vec::Vec::new(),
                ZMQ_IPC_FILTER_UID = 59, codec::Ids, on *, Attach, wo;
            /// ZMQ_IPC_FILTER_GID: the group ids an ipc bind accepts peers of, as their
            /// group or as a group that lists their user as a member (default empty). From
            /// C each call adds one `gid_t` and NULL clears the list.
            ipc_filter_gids / set_ipc_filter_gids: ::std::vec::Vec<u32> [::std::vec::Vec<u32>] =
                ::std::vec::Vec::new(),
                ZMQ_IPC_FILTER_GID = 60, codec::Ids, on *, Attach, wo;
            /// ZMQ_IPC_FILTER_PID: the process ids an ipc bind accepts peers from (default
            /// empty). From C each call adds one `pid_t` and NULL clears the list.
            ipc_filter_pids / set_ipc_filter_pids: ::std::vec::Vec<i32> [::std::vec::Vec<i32>] =
                ::std::vec::Vec::new(),
                ZMQ_IPC_FILTER_PID = 58, codec::Ids, on *, Attach, wo;
            /// ZMQ_ROUTER_MANDATORY: a message to an unknown peer fails with HostUnreachable,
            /// and one to a full peer blocks, instead of being dropped (default false).
            router_mandatory / set_router_mandatory: bool [bool] = false,
                ZMQ_ROUTER_MANDATORY = 33, codec::FlagPositive, on [Router], Now, wo;
            /// ZMQ_ROUTER_RAW (deprecated in libzmq for ZMQ_STREAM): the ROUTER talks raw TCP
            /// and behaves as a STREAM socket; set it before bind or connect.
            router_raw / set_router_raw: bool [bool] = false,
                ZMQ_ROUTER_RAW = 41, codec::FlagPositive, on [Router], Rules, wo;
            /// ZMQ_ROUTER_HANDOVER: a new peer with a routing id already in use takes it
            /// over (default false: the newcomer is refused).
            router_handover / set_router_handover: bool [bool] = false,
                ZMQ_ROUTER_HANDOVER = 56, codec::FlagPositive, on [Router], Now, wo;
            /// ZMQ_PROBE_ROUTER: send an empty message to each new peer (default false).
            probe_router / set_probe_router: bool [bool] = false,
                ZMQ_PROBE_ROUTER = 51, codec::FlagPositive, on [Router, Dealer, Req], Now, wo;
            /// ZMQ_CONNECT_ROUTING_ID: the routing id the next connect's peer gets, instead
            /// of the one it announces or a generated one.
            connect_routing_id / set_connect_routing_id:
                ::bytes::Bytes [impl crate::IntoBytes] = ::bytes::Bytes::new(),
                ZMQ_CONNECT_ROUTING_ID = 61, codec::ConnectId, on [Router, Stream], Now, wo;
            /// ZMQ_STREAM_NOTIFY: a STREAM socket receives an empty message from a peer when
            /// it connects and when it disconnects (default true).
            stream_notify / set_stream_notify: bool [bool] = true,
                ZMQ_STREAM_NOTIFY = 73, codec::Flag, on [Stream], Attach, wo;
            /// ZMQ_REQ_CORRELATE: tag each request and accept only the matching reply
            /// (default false).
            req_correlate / set_req_correlate: bool [bool] = false,
                ZMQ_REQ_CORRELATE = 52, codec::FlagPositive, on [Req], Now, wo;
            /// ZMQ_REQ_RELAXED: allow a new request before the last one's reply (default
            /// false).
            req_relaxed / set_req_relaxed: bool [bool] = false,
                ZMQ_REQ_RELAXED = 53, codec::FlagPositive, on [Req], Now, wo;
            /// ZMQ_XPUB_VERBOSE: pass every subscribe message to the application, not only
            /// new prefixes (default false).
            xpub_verbose / set_xpub_verbose: bool [bool] = false,
                ZMQ_XPUB_VERBOSE = 40, codec::FlagPositive, on [XPub], Now, wo;
            /// ZMQ_XPUB_VERBOSER: pass every subscribe and unsubscribe message to the
            /// application (default false).
            xpub_verboser / set_xpub_verboser: bool [bool] = false,
                ZMQ_XPUB_VERBOSER = 78, codec::FlagPositive, on [XPub], Now, wo;
            /// ZMQ_XPUB_NODROP: a send to a subscriber at its high-water mark fails with
            /// `Again` instead of dropping the message (default false).
            xpub_nodrop / set_xpub_nodrop: bool [bool] = false,
                ZMQ_XPUB_NODROP = 69, codec::NoDrop, on [XPub], Now, wo;
            /// ZMQ_XPUB_MANUAL: subscriptions take effect only when the application passes
            /// them on with [`XPub::subscribe`](crate::XPub::subscribe) (default false).
            xpub_manual / set_xpub_manual: bool [bool] = false,
                ZMQ_XPUB_MANUAL = 71, codec::FlagPositive, on [XPub], Now, wo;
            /// ZMQ_XPUB_WELCOME_MSG: a message sent to each new subscriber (default empty:
            /// none).
            xpub_welcome_msg / set_xpub_welcome_msg:
                ::bytes::Bytes [impl crate::IntoBytes] = ::bytes::Bytes::new(),
                ZMQ_XPUB_WELCOME_MSG = 72, codec::AnyBytes, on [XPub], Now, wo;
            /// ZMQ_MECHANISM: the security mechanism the options below chose, the last set
            /// winning as in libzmq (read-only).
            mechanism / set_mechanism: codec::SecurityMechanism [codec::SecurityMechanism] =
                codec::SecurityMechanism::Null,
                ZMQ_MECHANISM = 43, codec::Chosen, on *, Attach, ro;
            /// ZMQ_PLAIN_SERVER: act as the PLAIN server, checking clients' user names and
            /// passwords through the ZAP handler (default false; false returns to NULL).
            plain_server / set_plain_server: bool [bool] = false,
                ZMQ_PLAIN_SERVER = 44, codec::PlainServer, on *, Attach, rw;
            /// ZMQ_PLAIN_USERNAME: act as a PLAIN client with this user name (at most 255
            /// bytes; empty returns to NULL).
            plain_username / set_plain_username:
                ::bytes::Bytes [impl crate::IntoBytes] = ::bytes::Bytes::new(),
                ZMQ_PLAIN_USERNAME = 45, codec::PlainCredential, on *, Attach, rw;
            /// ZMQ_PLAIN_PASSWORD: act as a PLAIN client with this password (at most 255
            /// bytes; empty returns to NULL).
            plain_password / set_plain_password:
                ::bytes::Bytes [impl crate::IntoBytes] = ::bytes::Bytes::new(),
                ZMQ_PLAIN_PASSWORD = 46, codec::PlainCredential, on *, Attach, rw;
            /// ZMQ_CURVE_SERVER: act as the CURVE server, holding the server's key pair
            /// (default false; false returns to NULL).
            curve_server / set_curve_server: bool [bool] = false,
                ZMQ_CURVE_SERVER = 47, codec::CurveServer, on *, Attach, rw;
            /// ZMQ_CURVE_PUBLICKEY: this side's long-term CURVE public key (default all
            /// zeros: unset); setting it picks CURVE.
            curve_public_key / set_curve_public_key:
                crate::curve::CurvePublicKey [impl Into<crate::curve::CurvePublicKey>] =
                crate::curve::CurvePublicKey::from_bytes([0; 32]),
                ZMQ_CURVE_PUBLICKEY = 48, codec::CurvePublic, on *, Attach, rw;
            /// ZMQ_CURVE_SECRETKEY: this side's long-term CURVE secret key (default all
            /// zeros: unset); setting it picks CURVE.
            curve_secret_key / set_curve_secret_key:
                crate::curve::CurveSecretKey [impl Into<crate::curve::CurveSecretKey>] =
                crate::curve::CurveSecretKey::from_bytes([0; 32]),
                ZMQ_CURVE_SECRETKEY = 49, codec::CurveSecret, on *, Attach, rw;
            /// ZMQ_CURVE_SERVERKEY: the server's long-term public key, which makes this side
            /// a CURVE client (default all zeros: unset).
            curve_server_key / set_curve_server_key:
                crate::curve::CurvePublicKey [impl Into<crate::curve::CurvePublicKey>] =
                crate::curve::CurvePublicKey::from_bytes([0; 32]),
                ZMQ_CURVE_SERVERKEY = 50, codec::CurveServerKey, on *, Attach, rw;
            /// ZMQ_ZAP_DOMAIN: the domain this socket's ZAP requests name; with NULL, setting
            /// it turns ZAP on (at most 255 bytes; default empty).
            zap_domain / set_zap_domain:
                ::bytes::Bytes [impl crate::IntoBytes] = ::bytes::Bytes::new(),
                ZMQ_ZAP_DOMAIN = 55, codec::ZapDomain, on *, Attach, rw;
            /// ZMQ_ZAP_ENFORCE_DOMAIN: with no ZAP handler bound, refuse peers instead of
            /// letting them in (default false; DRAFT in libzmq 4.3).
            zap_enforce_domain / set_zap_enforce_domain: bool [bool] = false,
                ZMQ_ZAP_ENFORCE_DOMAIN = 93, codec::Flag, on *, Attach, rw;
        }
    };
}

pub(crate) use socket_option_table;
