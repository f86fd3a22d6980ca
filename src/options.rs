//! Socket options, with libzmq 4.3's defaults.

use std::time::Duration;

use bytes::Bytes;

use crate::pipe::PipeConfig;

/// The options a socket carries. Values follow libzmq's meaning; `None` stands for libzmq's -1
/// ("infinite" or "no limit"), and a high-water mark of 0 means no limit.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// ZMQ_SNDHWM: messages queued per outgoing pipe (default 1000; 0 = unlimited).
    pub sndhwm: usize,
    /// ZMQ_RCVHWM: messages queued per incoming pipe (default 1000; 0 = unlimited).
    pub rcvhwm: usize,
    /// ZMQ_LINGER: how long close waits for queued messages (default -1 = forever).
    pub linger: Option<Duration>,
    /// ZMQ_SNDTIMEO: how long a send blocks (default -1 = forever).
    pub sndtimeo: Option<Duration>,
    /// ZMQ_RCVTIMEO: how long a receive blocks (default -1 = forever).
    pub rcvtimeo: Option<Duration>,
    /// ZMQ_RECONNECT_IVL: first wait before reconnecting (default 100 ms); None disables
    /// reconnection (libzmq's -1).
    pub reconnect_ivl: Option<Duration>,
    /// ZMQ_RECONNECT_IVL_MAX: cap of the doubling backoff (default 0 = no backoff).
    pub reconnect_ivl_max: Duration,
    /// ZMQ_MAXMSGSIZE: largest accepted inbound frame (default -1 = no limit).
    pub maxmsgsize: Option<u64>,
    /// ZMQ_HANDSHAKE_IVL: time allowed for the ZMTP handshake (default 30 s; 0 = no limit).
    pub handshake_ivl: Option<Duration>,
    /// ZMQ_ROUTING_ID: sent to peers in READY (default empty).
    pub routing_id: Bytes,
    /// ZMQ_IPV6: resolve and bind IPv6 too (default off).
    pub ipv6: bool,
    /// ZMQ_IMMEDIATE: queue messages only to completed connections (default off).
    pub immediate: bool,
    /// ZMQ_CONFLATE: keep only the newest message in each queue (default off).
    pub conflate: bool,
    /// ZMQ_ROUTER_MANDATORY: unroutable messages fail instead of vanishing (default off).
    pub router_mandatory: bool,
    /// ZMQ_ROUTER_HANDOVER: a new peer with a taken routing id takes it over (default off).
    pub router_handover: bool,
    /// ZMQ_PROBE_ROUTER: send an empty message to each new peer (default off).
    pub probe_router: bool,
    /// ZMQ_REQ_RELAXED: allow a new request before the reply to the last (default off).
    pub req_relaxed: bool,
    /// ZMQ_REQ_CORRELATE: tag requests and accept only the matching reply (default off).
    pub req_correlate: bool,
    /// ZMQ_XPUB_VERBOSE: pass every subscription up, not only new ones (default off).
    pub xpub_verbose: bool,
    /// ZMQ_HEARTBEAT_IVL: send a PING this often (default 0 = never).
    pub heartbeat_ivl: Option<Duration>,
    /// ZMQ_HEARTBEAT_TTL: how long the peer may wait for our traffic (default 0 = no limit).
    pub heartbeat_ttl: Option<Duration>,
    /// ZMQ_HEARTBEAT_TIMEOUT: silence after a PING that ends the connection (default: the
    /// interval).
    pub heartbeat_timeout: Option<Duration>,
    /// ZMQ_TCP_KEEPALIVE: `None` leaves the OS default (libzmq's -1).
    pub tcp_keepalive: Option<bool>,
    /// ZMQ_TCP_KEEPALIVE_IDLE: idle time before probes (default: the OS's).
    pub tcp_keepalive_idle: Option<Duration>,
    /// ZMQ_TCP_KEEPALIVE_CNT: probes before giving up (default: the OS's).
    pub tcp_keepalive_cnt: Option<u32>,
    /// ZMQ_TCP_KEEPALIVE_INTVL: time between probes (default: the OS's).
    pub tcp_keepalive_intvl: Option<Duration>,
    /// ZMQ_CONNECT_TIMEOUT: how long a tcp connect may take (default 0 = the OS's).
    pub connect_timeout: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sndhwm: 1000,
            rcvhwm: 1000,
            linger: None,
            sndtimeo: None,
            rcvtimeo: None,
            reconnect_ivl: Some(Duration::from_millis(100)),
            reconnect_ivl_max: Duration::ZERO,
            maxmsgsize: None,
            handshake_ivl: Some(Duration::from_secs(30)),
            routing_id: Bytes::new(),
            ipv6: false,
            immediate: false,
            conflate: false,
            router_mandatory: false,
            router_handover: false,
            probe_router: false,
            req_relaxed: false,
            req_correlate: false,
            xpub_verbose: false,
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            tcp_keepalive: None,
            tcp_keepalive_idle: None,
            tcp_keepalive_cnt: None,
            tcp_keepalive_intvl: None,
            connect_timeout: None,
        }
    }
}

impl Options {
    /// How a pipe between this socket and an I/O connection queues: side 0 is the socket.
    pub fn pipe_config(&self) -> PipeConfig {
        PipeConfig {
            hwm: [self.sndhwm, self.rcvhwm],
            conflate: [self.conflate; 2],
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
}
