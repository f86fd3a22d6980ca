//! The client side of a SOCKS5 CONNECT (RFC 1928), sans-IO: bytes in, bytes out. A tcp
//! connect made through ZMQ_SOCKS_PROXY runs it on the proxy connection before ZMTP
//! starts; whatever follows the proxy's reply in the same read is the peer's and goes to
//! the ZMTP engine.
//!
//! The exchange, as libzmq 4.3's socks_connecter makes it: a greeting offering only "no
//! authentication" (username/password is a DRAFT option there); once the proxy has chosen,
//! a CONNECT request naming the peer by IPv4 or IPv6 address when its host is a literal and
//! by domain name otherwise, so the proxy resolves it; then the proxy's reply. Any error
//! ends this attempt, and the connection retries as after a failed connect.

use std::fmt;
use std::net::IpAddr;

/// RFC 1928 §3: protocol version 5.
const VERSION: u8 = 5;
/// RFC 1928 §3: "X'00' NO AUTHENTICATION REQUIRED".
const NO_AUTH: u8 = 0;
/// RFC 1928 §3: "X'FF' NO ACCEPTABLE METHODS".
const NO_ACCEPTABLE: u8 = 0xff;
/// RFC 1928 §4: CMD "CONNECT X'01'".
const CONNECT: u8 = 1;
/// RFC 1928 §5: ATYP "IP V4 address: X'01'", "DOMAINNAME: X'03'", "IP V6 address: X'04'".
const ATYP_V4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_V6: u8 = 4;
/// RFC 1928 §6: the highest REP code defined ("X'08' Address type not supported").
const LAST_REPLY_CODE: u8 = 8;

/// Why a SOCKS exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SocksError {
    /// The peer cannot be named in a request: port 0, or a host name over 255 bytes.
    BadTarget,
    /// The proxy accepts none of the methods offered (or chose one not offered).
    NoAcceptableMethod(u8),
    /// The proxy's bytes are not SOCKS5.
    Protocol(&'static str),
    /// The proxy could not connect to the peer: RFC 1928 §6's REP code.
    Refused(u8),
}

impl fmt::Display for SocksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocksError::BadTarget => write!(f, "socks: the peer's address cannot be requested"),
            SocksError::NoAcceptableMethod(NO_ACCEPTABLE) => {
                write!(f, "socks: the proxy wants authentication")
            }
            SocksError::NoAcceptableMethod(m) => {
                write!(f, "socks: the proxy chose a method not offered ({m:#04x})")
            }
            SocksError::Protocol(what) => write!(f, "socks: {what}"),
            SocksError::Refused(code) => write!(f, "socks: proxy refused the connect ({code})"),
        }
    }
}

impl std::error::Error for SocksError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The greeting is out (or going); waiting for the method the proxy chose.
    Choice,
    /// The CONNECT request is out (or going); waiting for the reply.
    Reply,
    /// The proxy relays from now on.
    Done,
}

/// One SOCKS5 CONNECT exchange, from the greeting to the proxy's reply.
#[derive(Debug)]
pub(crate) struct Socks5Connect {
    state: State,
    /// Bytes to send, from `sent` on.
    out: Vec<u8>,
    sent: usize,
    /// The CONNECT request, queued once the proxy has chosen a method.
    request: Vec<u8>,
    /// A reply (or method choice) received in part.
    partial: Vec<u8>,
}

impl Socks5Connect {
    /// Starts an exchange asking the proxy to connect to `host` (an IP literal or a name
    /// the proxy resolves) at `port`; the greeting is ready to send.
    ///
    /// # Errors
    /// [`SocksError::BadTarget`] for port 0 or a host name longer than 255 bytes.
    pub fn new(host: &str, port: u16) -> Result<Socks5Connect, SocksError> {
        Ok(Socks5Connect {
            state: State::Choice,
            out: vec![VERSION, 1, NO_AUTH],
            sent: 0,
            request: connect_request(host, port)?,
            partial: Vec::new(),
        })
    }

    /// The bytes to send next (empty while waiting for the proxy).
    pub fn transmit(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// Records that the first `n` bytes of [`transmit`](Self::transmit) were sent.
    pub fn advance(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }

    /// Whether the proxy has connected to the peer: the stream is the peer's from here.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes bytes from the proxy. Returns how many of them were SOCKS; once the exchange
    /// is done, the rest of `data` is the peer's.
    ///
    /// # Errors
    /// A [`SocksError`] ends the exchange.
    pub fn handle_input(&mut self, data: &[u8]) -> Result<usize, SocksError> {
        let mut used = 0;
        while self.state != State::Done && used < data.len() {
            let want = match self.state {
                State::Choice => 2,
                State::Reply => reply_len(&self.partial)?,
                State::Done => break,
            };
            let take = want
                .saturating_sub(self.partial.len())
                .min(data.len() - used);
            self.partial.extend_from_slice(&data[used..used + take]);
            used += take;
            // A reply's length is known only after its first bytes: check what has come.
            let want = match self.state {
                State::Reply => reply_len(&self.partial)?,
                _ => want,
            };
            if self.partial.len() < want {
                continue;
            }
            match self.state {
                State::Choice => self.on_choice()?,
                State::Reply => self.on_reply()?,
                State::Done => {}
            }
            self.partial.clear();
        }
        Ok(used)
    }

    /// RFC 1928 §3: "The server selects from one of the methods given in METHODS, and sends
    /// a METHOD selection message": VER, METHOD.
    fn on_choice(&mut self) -> Result<(), SocksError> {
        if self.partial[0] != VERSION {
            return Err(SocksError::Protocol("method choice is not version 5"));
        }
        match self.partial[1] {
            NO_AUTH => {
                self.out.extend_from_slice(&self.request);
                self.state = State::Reply;
                Ok(())
            }
            m => Err(SocksError::NoAcceptableMethod(m)),
        }
    }

    /// RFC 1928 §6: VER, REP, RSV, ATYP, BND.ADDR, BND.PORT; REP "X'00' succeeded".
    fn on_reply(&mut self) -> Result<(), SocksError> {
        match self.partial[1] {
            0 => {
                self.state = State::Done;
                Ok(())
            }
            code => Err(SocksError::Refused(code)),
        }
    }
}

/// RFC 1928 §4: VER, CMD, RSV (X'00'), ATYP, DST.ADDR, DST.PORT in network order.
fn connect_request(host: &str, port: u16) -> Result<Vec<u8>, SocksError> {
    if port == 0 {
        return Err(SocksError::BadTarget);
    }
    let mut req = vec![VERSION, CONNECT, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            req.push(ATYP_V4);
            req.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            req.push(ATYP_V6);
            req.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            // "the first octet of the address field contains the number of octets of name
            // that follow": one byte, so at most 255, and a name of none names nothing.
            let len = u8::try_from(host.len()).map_err(|_| SocksError::BadTarget)?;
            if len == 0 {
                return Err(SocksError::BadTarget);
            }
            req.push(ATYP_DOMAIN);
            req.push(len);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    Ok(req)
}

/// The length of the reply whose first bytes are `head`, as far as they tell: 5 until the
/// address type and a domain name's length are known. Checks each field as it arrives, as
/// libzmq does, so a proxy speaking something else is dropped at its first bad byte.
fn reply_len(head: &[u8]) -> Result<usize, SocksError> {
    if head.first().is_some_and(|&v| v != VERSION) {
        return Err(SocksError::Protocol("reply is not version 5"));
    }
    if head.get(1).is_some_and(|&rep| rep > LAST_REPLY_CODE) {
        return Err(SocksError::Protocol("reply code undefined"));
    }
    if head.get(2).is_some_and(|&rsv| rsv != 0) {
        return Err(SocksError::Protocol("reply's reserved byte is not 0"));
    }
    // Each: the 4 fixed bytes, the address, the 2 of the port.
    Ok(match head.get(3) {
        None => 5,
        Some(&ATYP_V4) => 4 + 4 + 2,
        Some(&ATYP_V6) => 4 + 16 + 2,
        Some(&ATYP_DOMAIN) => match head.get(4) {
            None => 5,
            Some(&len) => 4 + 1 + usize::from(len) + 2,
        },
        Some(_) => return Err(SocksError::Protocol("reply's address type undefined")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: &[u8] = &[5, 1, 0];
    const CHOSE_NO_AUTH: &[u8] = &[5, 0];
    const IPV4_OK: &[u8] = &[5, 0, 0, 1, 127, 0, 0, 1, 0x9c, 0x40];

    /// Runs the exchange to the point where the request is out.
    fn requested(host: &str, port: u16) -> (Socks5Connect, Vec<u8>) {
        let mut c = Socks5Connect::new(host, port).unwrap();
        assert_eq!(c.transmit(), GREETING);
        c.advance(GREETING.len());
        assert_eq!(c.handle_input(CHOSE_NO_AUTH).unwrap(), 2);
        let req = c.transmit().to_vec();
        c.advance(req.len());
        (c, req)
    }

    #[test]
    fn greeting_offers_only_no_authentication() {
        let c = Socks5Connect::new("peer", 1).unwrap();
        assert_eq!(c.transmit(), [5, 1, 0]);
    }

    #[test]
    fn request_waits_for_the_method_choice() {
        let mut c = Socks5Connect::new("127.0.0.1", 80).unwrap();
        c.advance(3);
        assert!(c.transmit().is_empty());
        assert_eq!(c.handle_input(&[5]).unwrap(), 1);
        assert!(c.transmit().is_empty(), "half a choice");
        c.handle_input(&[0]).unwrap();
        assert_eq!(c.transmit(), [5, 1, 0, 1, 127, 0, 0, 1, 0, 80]);
    }

    #[test]
    fn ipv6_literals_are_requested_by_address() {
        let (_, req) = requested("::1", 5555);
        let mut want = vec![5, 1, 0, 4];
        want.extend_from_slice(&[0; 15]);
        want.extend_from_slice(&[1, 0x15, 0xb3]);
        assert_eq!(req, want);
    }

    #[test]
    fn host_names_are_requested_as_domain_names_for_the_proxy_to_resolve() {
        let (_, req) = requested("somedomainname.org", 0x1234);
        let mut want = vec![5, 1, 0, 3, 18];
        want.extend_from_slice(b"somedomainname.org");
        want.extend_from_slice(&[0x12, 0x34]);
        assert_eq!(req, want);
    }

    #[test]
    fn unnameable_targets_are_refused_before_any_byte() {
        assert_eq!(
            Socks5Connect::new("a", 0).unwrap_err(),
            SocksError::BadTarget
        );
        let long = "x".repeat(256);
        assert_eq!(
            Socks5Connect::new(&long, 1).unwrap_err(),
            SocksError::BadTarget
        );
        assert!(Socks5Connect::new(&"x".repeat(255), 1).is_ok());
    }

    #[test]
    fn a_successful_reply_completes_and_leaves_the_rest_to_zmtp() {
        let (mut c, _) = requested("127.0.0.1", 40000);
        let mut input = IPV4_OK.to_vec();
        input.extend_from_slice(&[0xff, 0, 0]);
        assert_eq!(c.handle_input(&input).unwrap(), IPV4_OK.len());
        assert!(c.is_done());
    }

    #[test]
    fn replies_of_every_address_type_are_read_byte_by_byte() {
        let mut v6 = vec![5, 0, 0, 4];
        v6.extend_from_slice(&[0; 16]);
        v6.extend_from_slice(&[0, 1]);
        let mut domain = vec![5, 0, 0, 3, 9];
        domain.extend_from_slice(b"localhost");
        domain.extend_from_slice(&[0, 1]);
        for reply in [IPV4_OK.to_vec(), v6, domain] {
            let (mut c, _) = requested("h", 1);
            for (i, b) in reply.iter().enumerate() {
                assert!(!c.is_done(), "done after {i} of {} bytes", reply.len());
                assert_eq!(c.handle_input(&[*b]).unwrap(), 1);
            }
            assert!(c.is_done());
        }
    }

    #[test]
    fn a_refusal_reply_ends_the_attempt_with_its_code() {
        let (mut c, _) = requested("somewhere", 1);
        let err = c.handle_input(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(err, Err(SocksError::Refused(4)));
    }

    #[test]
    fn a_proxy_wanting_authentication_ends_the_attempt() {
        let mut c = Socks5Connect::new("h", 1).unwrap();
        c.advance(3);
        assert_eq!(
            c.handle_input(&[5, 0xff]),
            Err(SocksError::NoAcceptableMethod(NO_ACCEPTABLE))
        );
        let mut c = Socks5Connect::new("h", 1).unwrap();
        assert_eq!(
            c.handle_input(&[5, 2]),
            Err(SocksError::NoAcceptableMethod(2))
        );
    }

    #[test]
    fn bytes_that_are_not_socks5_are_a_protocol_error_at_once() {
        let mut c = Socks5Connect::new("h", 1).unwrap();
        assert!(matches!(
            c.handle_input(&[4, 0]),
            Err(SocksError::Protocol(_))
        ));
        for bad in [&[4u8][..], &[5, 9], &[5, 0, 1], &[5, 0, 0, 2]] {
            let (mut c, _) = requested("h", 1);
            assert!(
                matches!(c.handle_input(bad), Err(SocksError::Protocol(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_partly_sent_greeting_is_resumed() {
        let mut c = Socks5Connect::new("h", 1).unwrap();
        c.advance(1);
        assert_eq!(c.transmit(), [1, 0]);
        c.advance(2);
        assert!(c.transmit().is_empty());
    }
}
