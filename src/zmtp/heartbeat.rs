//! ZMTP 3.1 heartbeats as libzmq 4.3 runs them (ZMQ_HEARTBEAT_IVL, _TTL and _TIMEOUT).
//!
//! A pure timer set driven by the engine: [`Heartbeat::on_ready`] when the handshake is done,
//! [`Heartbeat::on_input`] whenever bytes arrive, [`Heartbeat::handle_timeout`] to learn whether
//! a PING is due or the peer is dead, and [`Heartbeat::poll_timeout`] for the next deadline.
//!
//! libzmq's rules, mirrored here:
//! - every HEARTBEAT_IVL after the handshake it sends `PING` with its HEARTBEAT_TTL in tenths
//!   of a second and no context; the next PING is due one interval after this one was sent;
//! - after a PING, if nothing arrives within HEARTBEAT_TIMEOUT (default: the interval) the
//!   connection is closed; later PINGs do not push that deadline back;
//! - a peer's PING with a non-zero TTL closes the connection if nothing arrives for that long.
//!
//! Two deliberate differences: libzmq resets its timers on each decoded frame, we on any
//! received bytes (so a large frame still arriving keeps the peer alive); and libzmq forgets the
//! peer's TTL at the next frame until the next PING re-arms it, while we keep the latest PING's
//! TTL as the limit on silence (RFC 37's rule; the same for peers that PING regularly).

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::ProtocolError;
use super::command::Command;

/// The PING TTL unit: "TTL, 2 bytes BE, in tenths of a second".
const TTL_UNIT_MS: u128 = 100;

/// One connection's heartbeat timers; inert until [`on_ready`](Heartbeat::on_ready).
#[derive(Debug, Clone)]
pub struct Heartbeat {
    /// Time between our PINGs (`None` = we send none).
    ivl: Option<Duration>,
    /// How long after a PING we wait for any input (`None` = forever).
    timeout: Option<Duration>,
    /// Our TTL as sent in PINGs, in tenths of a second.
    ttl: u16,
    /// Whether the handshake is done (timers run only then).
    started: bool,
    /// When the next PING is due.
    next_ping: Option<Instant>,
    /// When the oldest PING not followed by any input was sent.
    unanswered_since: Option<Instant>,
    /// When input last arrived (or the handshake completed).
    last_input: Option<Instant>,
    /// The TTL of the peer's latest PING (`None` if it set none).
    peer_ttl: Option<Duration>,
}

impl Heartbeat {
    /// Timers for HEARTBEAT_IVL `ivl`, HEARTBEAT_TTL `ttl` and HEARTBEAT_TIMEOUT `timeout`.
    ///
    /// `None` or zero `ivl` sends no PINGs (libzmq's 0). `None` `timeout` means the interval
    /// (libzmq's default -1); a zero `timeout` never gives up (libzmq's 0). `None` `ttl` is 0.
    pub fn new(ivl: Option<Duration>, ttl: Option<Duration>, timeout: Option<Duration>) -> Self {
        let ivl = ivl.filter(|d| !d.is_zero());
        Heartbeat {
            ivl,
            timeout: timeout.or(ivl).filter(|d| !d.is_zero()),
            ttl: ttl.map_or(0, encode_ttl),
            started: false,
            next_ping: None,
            unanswered_since: None,
            last_input: None,
            peer_ttl: None,
        }
    }

    /// Whether no timer can ever fire: we send no PINGs and the peer asked for no TTL, so
    /// the per-event bookkeeping can be skipped.
    pub fn is_inert(&self) -> bool {
        self.ivl.is_none() && self.peer_ttl.is_none()
    }

    /// Whether [`on_ready`](Heartbeat::on_ready) has been called.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Starts the timers: the handshake completed at `now`. Later calls do nothing.
    pub fn on_ready(&mut self, now: Instant) {
        if self.started {
            return;
        }
        self.started = true;
        self.last_input = Some(now);
        self.next_ping = self.ivl.and_then(|ivl| now.checked_add(ivl));
    }

    /// Bytes from the peer arrived at `now`: it is alive.
    pub fn on_input(&mut self, now: Instant) {
        self.unanswered_since = None;
        self.last_input = Some(self.last_input.map_or(now, |t| t.max(now)));
    }

    /// Records the TTL of a PING from the peer (`None` = it set none).
    pub fn set_peer_ttl(&mut self, ttl: Option<Duration>) {
        self.peer_ttl = ttl;
    }

    /// The TTL of the peer's latest PING, if it set one.
    pub fn peer_ttl(&self) -> Option<Duration> {
        self.peer_ttl
    }

    /// The earliest instant at which [`handle_timeout`](Heartbeat::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.started {
            return None;
        }
        [self.next_ping, self.timeout_deadline(), self.ttl_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Does what is due at `now`: `Err(HeartbeatTimeout)` if the peer has gone quiet for too
    /// long, otherwise the PING to send if one is due (at most one per interval).
    ///
    /// Cheap and idempotent: calling it early or again at the same `now` changes nothing.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<Option<Command>, ProtocolError> {
        if !self.started {
            return Ok(None);
        }
        let expired = |deadline: Option<Instant>| deadline.is_some_and(|d| now >= d);
        if expired(self.timeout_deadline()) || expired(self.ttl_deadline()) {
            return Err(ProtocolError::HeartbeatTimeout);
        }
        let (Some(due), Some(ivl)) = (self.next_ping, self.ivl) else {
            return Ok(None);
        };
        if now < due {
            return Ok(None);
        }
        // libzmq re-arms the interval timer when it fires, so a late call does not bunch up
        // PINGs to catch up.
        self.next_ping = now.checked_add(ivl);
        // libzmq arms the timeout timer only if it is not already running.
        self.unanswered_since.get_or_insert(now);
        Ok(Some(self.ping()))
    }

    /// The PING we send: our TTL and no context, exactly as libzmq 4.3 encodes it.
    pub fn ping(&self) -> Command {
        Command::Ping {
            ttl: self.ttl,
            context: Bytes::new(),
        }
    }

    fn timeout_deadline(&self) -> Option<Instant> {
        self.unanswered_since?.checked_add(self.timeout?)
    }

    fn ttl_deadline(&self) -> Option<Instant> {
        self.last_input?.checked_add(self.peer_ttl?)
    }
}

/// HEARTBEAT_TTL in the PING's unit: whole tenths of a second, truncated, saturating.
pub fn encode_ttl(ttl: Duration) -> u16 {
    u16::try_from(ttl.as_millis() / TTL_UNIT_MS).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket_type::SocketType;
    use crate::zmtp::engine::{Engine, EngineConfig, Event};
    use crate::zmtp::fuzz::peer_preamble;

    /// PING, TTL 100 (10 s), no context: what libzmq 4.3.4 sends for HEARTBEAT_TTL 10000.
    const PING_TTL_10S: &[u8] = &[0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x64];
    /// PING, TTL 0, no context.
    const PING_NO_TTL: &[u8] = &[0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x00];
    const PONG_EMPTY: &[u8] = &[0x04, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47];

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn config(ivl: Option<u64>, ttl: Option<u64>, timeout: Option<u64>) -> EngineConfig {
        EngineConfig {
            heartbeat_ivl: ivl.map(ms),
            heartbeat_ttl: ttl.map(ms),
            heartbeat_timeout: timeout.map(ms),
            ..EngineConfig::new(SocketType::Pull)
        }
    }

    /// A PULL engine that finished its handshake with a scripted PUSH peer at `now`, its
    /// greeting and READY already written.
    fn ready_pull(config: EngineConfig, now: Instant) -> Engine {
        let mut e = Engine::new(config, now);
        e.handle_input(&peer_preamble(SocketType::Push));
        assert!(matches!(e.poll_event(now), Ok(Some(Event::Ready(_)))));
        take(&mut e);
        e
    }

    /// Everything the engine has queued for the peer, removed from its out buffer.
    fn take(e: &mut Engine) -> Vec<u8> {
        let bytes = e.outbuf().to_vec();
        e.outbuf().advance(bytes.len());
        bytes
    }

    #[test]
    fn no_ping_without_heartbeat_ivl() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(EngineConfig::new(SocketType::Pull), t0);
        assert_eq!(e.poll_timeout(), None);
        for s in [1, 10, 100, 3600] {
            assert_eq!(e.handle_timeout(t0 + Duration::from_secs(s)), Ok(()));
        }
        assert_eq!(e.outbuf().len(), 0);
        assert!(!e.is_closed());
    }

    #[test]
    fn ping_is_sent_every_interval_with_libzmq_ttl_encoding() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), Some(10_000), Some(5000)), t0);
        assert_eq!(e.handle_timeout(t0 + ms(999)), Ok(()));
        assert_eq!(take(&mut e), []);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(take(&mut e), PING_TTL_10S);
        // Called again at once (every I/O service does): nothing more for this interval.
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(e.handle_timeout(t0 + ms(1500)), Ok(()));
        assert_eq!(take(&mut e), []);
        e.handle_input(PONG_EMPTY);
        assert_eq!(e.poll_event(t0 + ms(1500)), Ok(None));
        assert_eq!(e.handle_timeout(t0 + ms(2000)), Ok(()));
        assert_eq!(take(&mut e), PING_TTL_10S);
    }

    #[test]
    fn ttl_is_truncated_to_tenths_and_saturates() {
        assert_eq!(encode_ttl(ms(10_000)), 0x0064);
        assert_eq!(encode_ttl(ms(1099)), 0x000a);
        assert_eq!(encode_ttl(ms(99)), 0);
        assert_eq!(encode_ttl(ms(6_553_500)), 0xffff);
        assert_eq!(encode_ttl(Duration::MAX), 0xffff);
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(100), Some(1099), None), t0);
        assert_eq!(e.handle_timeout(t0 + ms(100)), Ok(()));
        assert_eq!(take(&mut e)[7..], [0x00, 0x0a]);
        let mut e = ready_pull(config(Some(100), None, None), t0);
        assert_eq!(e.handle_timeout(t0 + ms(100)), Ok(()));
        assert_eq!(take(&mut e), PING_NO_TTL);
    }

    #[test]
    fn silent_peer_times_out_after_ping() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(300)), t0);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(take(&mut e), PING_NO_TTL);
        assert_eq!(e.poll_timeout(), Some(t0 + ms(1300)));
        assert_eq!(e.handle_timeout(t0 + ms(1299)), Ok(()));
        let dead = Err(ProtocolError::HeartbeatTimeout);
        assert_eq!(e.handle_timeout(t0 + ms(1300)), dead);
        assert!(e.is_closed());
        assert_eq!(e.poll_timeout(), None);
        let err = ProtocolError::HeartbeatTimeout;
        assert_eq!(e.poll_event(t0 + ms(1300)), Err(err));
    }

    #[test]
    fn timeout_defaults_to_the_interval_and_is_not_pushed_back_by_later_pings() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(2500)), t0);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(e.handle_timeout(t0 + ms(2000)), Ok(()));
        assert_eq!(take(&mut e), [PING_NO_TTL, PING_NO_TTL].concat());
        // Measured from the first unanswered PING, as libzmq's timer is armed only once.
        assert_eq!(e.poll_timeout(), Some(t0 + ms(3000)));
        let dead = Err(ProtocolError::HeartbeatTimeout);
        assert_eq!(e.handle_timeout(t0 + ms(3500)), dead);

        let mut e = ready_pull(config(Some(1000), None, None), t0);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(e.poll_timeout(), Some(t0 + ms(2000)));
        assert_eq!(e.handle_timeout(t0 + ms(2000)), dead);
    }

    #[test]
    fn zero_timeout_never_gives_up() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(0)), t0);
        for s in 1..=10 {
            assert_eq!(e.handle_timeout(t0 + Duration::from_secs(s)), Ok(()));
        }
        assert_eq!(take(&mut e), PING_NO_TTL.repeat(10));
    }

    #[test]
    fn any_input_keeps_the_connection_alive() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(500)), t0);
        for i in 1..=5u64 {
            let ping_at = t0 + ms(1000 * i);
            assert_eq!(e.handle_timeout(ping_at), Ok(()));
            assert_eq!(take(&mut e), PING_NO_TTL);
            // Half a message arrives: raw bytes, appended directly as the I/O layer does.
            e.read_buf().extend_from_slice(b"\x00\x05he");
            assert_eq!(e.poll_event(ping_at + ms(400)), Ok(None));
            assert_eq!(e.handle_timeout(ping_at + ms(900)), Ok(()));
            e.read_buf().extend_from_slice(b"llo");
            let Ok(Some(Event::Message(m))) = e.poll_event(ping_at + ms(950)) else {
                panic!("message lost")
            };
            assert_eq!(&m.frames()[0][..], b"hello");
        }
        assert!(!e.is_closed());
    }

    #[test]
    fn input_seen_by_handle_timeout_counts_as_life() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(500)), t0);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        e.read_buf().extend_from_slice(PONG_EMPTY);
        assert_eq!(e.handle_timeout(t0 + ms(1200)), Ok(()));
        assert_eq!(e.handle_timeout(t0 + ms(1600)), Ok(()));
        assert_eq!(e.poll_event(t0 + ms(1700)), Ok(None));
        assert!(!e.is_closed());
    }

    #[test]
    fn peer_ttl_expiry_closes() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(EngineConfig::new(SocketType::Pull), t0);
        e.handle_input(PING_TTL_10S);
        assert_eq!(e.poll_event(t0 + ms(100)), Ok(None));
        assert_eq!(take(&mut e), PONG_EMPTY);
        assert_eq!(e.peer_heartbeat_ttl(), Some(Duration::from_secs(10)));
        assert_eq!(e.poll_timeout(), Some(t0 + ms(10_100)));
        // Traffic pushes the deadline back.
        e.handle_input(b"\x00\x01x");
        assert!(matches!(e.poll_event(t0 + ms(5000)), Ok(Some(_))));
        assert_eq!(e.poll_timeout(), Some(t0 + ms(15_000)));
        assert_eq!(e.handle_timeout(t0 + ms(14_999)), Ok(()));
        let dead = Err(ProtocolError::HeartbeatTimeout);
        assert_eq!(e.handle_timeout(t0 + ms(15_000)), dead);
        assert!(e.is_closed());
    }

    #[test]
    fn peer_ping_without_ttl_sets_no_deadline() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(EngineConfig::new(SocketType::Pull), t0);
        e.handle_input(PING_TTL_10S);
        assert_eq!(e.poll_event(t0), Ok(None));
        e.handle_input(PING_NO_TTL);
        assert_eq!(e.poll_event(t0 + ms(1)), Ok(None));
        assert_eq!(e.peer_heartbeat_ttl(), None);
        assert_eq!(e.poll_timeout(), None);
        assert_eq!(e.handle_timeout(t0 + Duration::from_secs(3600)), Ok(()));
    }

    #[test]
    fn poll_timeout_reports_next_heartbeat_deadline() {
        let t0 = crate::test_epoch();
        let mut e = Engine::new(config(Some(1000), Some(10_000), Some(400)), t0);
        // Before the handshake only the handshake deadline counts.
        assert_eq!(e.poll_timeout(), Some(t0 + Duration::from_secs(30)));
        e.handle_input(&peer_preamble(SocketType::Push));
        assert!(matches!(
            e.poll_event(t0 + ms(10)),
            Ok(Some(Event::Ready(_)))
        ));
        assert_eq!(e.poll_timeout(), Some(t0 + ms(1010)));
        assert_eq!(e.handle_timeout(t0 + ms(1010)), Ok(()));
        // A PING is outstanding: the timeout comes before the next PING.
        assert_eq!(e.poll_timeout(), Some(t0 + ms(1410)));
        // The peer answers, and its own PING asks for traffic within 0.3 s.
        e.handle_input(PONG_EMPTY);
        e.handle_input(&[0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x03]);
        assert_eq!(e.poll_event(t0 + ms(1100)), Ok(None));
        assert_eq!(e.poll_timeout(), Some(t0 + ms(1400)));
        for (at, next) in [(1300, 1600), (1550, 1850), (1800, 2010)] {
            e.handle_input(b"\x00\x00");
            assert!(matches!(e.poll_event(t0 + ms(at)), Ok(Some(_))));
            assert_eq!(e.poll_timeout(), Some(t0 + ms(next)), "after input at {at}");
        }
    }

    #[test]
    fn pong_resets_the_timeout() {
        let t0 = crate::test_epoch();
        let mut e = ready_pull(config(Some(1000), None, Some(600)), t0);
        assert_eq!(e.handle_timeout(t0 + ms(1000)), Ok(()));
        assert_eq!(take(&mut e), PING_NO_TTL);
        e.handle_input(PONG_EMPTY);
        assert_eq!(e.poll_event(t0 + ms(1500)), Ok(None));
        // PONG is not answered.
        assert_eq!(take(&mut e), []);
        assert_eq!(e.poll_timeout(), Some(t0 + ms(2000)));
        assert_eq!(e.handle_timeout(t0 + ms(1700)), Ok(()));
        assert_eq!(e.handle_timeout(t0 + ms(2000)), Ok(()));
        assert_eq!(take(&mut e), PING_NO_TTL);
        assert_eq!(e.poll_timeout(), Some(t0 + ms(2600)));
        assert_eq!(
            e.handle_timeout(t0 + ms(2600)),
            Err(ProtocolError::HeartbeatTimeout)
        );
    }

    #[test]
    fn timers_are_inert_until_ready_and_late_calls_send_one_ping() {
        let t0 = crate::test_epoch();
        let mut hb = Heartbeat::new(Some(ms(100)), None, Some(ms(0)));
        assert_eq!(hb.poll_timeout(), None);
        assert_eq!(hb.handle_timeout(t0 + ms(1000)), Ok(None));
        hb.on_ready(t0);
        hb.on_ready(t0 + ms(50));
        assert_eq!(hb.poll_timeout(), Some(t0 + ms(100)));
        assert_eq!(hb.handle_timeout(t0 + ms(1000)), Ok(Some(hb.ping())));
        assert_eq!(hb.handle_timeout(t0 + ms(1000)), Ok(None));
        assert_eq!(hb.poll_timeout(), Some(t0 + ms(1100)));
    }
}
