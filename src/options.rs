//! Socket options, with libzmq 4.3's defaults.

use std::time::Duration;

use bytes::Bytes;

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
        }
    }
}

impl Options {
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
