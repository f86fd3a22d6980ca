//! Raw CURVE peers (RFC 26) for the hostile tests, written from the RFC with the crypto
//! crates directly rather than with ferrozmq's mechanism: every byte they put on the wire
//! is the test's to choose, and they check ferrozmq's bytes independently.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use crypto_secretbox::aead::generic_array::GenericArray;
use crypto_secretbox::{AeadInPlace, KeyInit, XSalsa20Poly1305};
use curve25519_dalek::montgomery::MontgomeryPoint;
use ferrozmq::{CurveKeyPair, CurvePublicKey};

use super::raw::{RAW_TIMEOUT, command, connect, frame, greeting_with, properties, read_frame};

/// crypto_box_beforenm: X25519, then HSalsa20.
pub fn box_key(theirs: &[u8; 32], ours: &[u8; 32]) -> XSalsa20Poly1305 {
    let shared = MontgomeryPoint(*theirs).mul_clamped(*ours).to_bytes();
    let key = salsa20::hsalsa::<crypto_secretbox::consts::U10>(
        GenericArray::from_slice(&shared),
        &GenericArray::default(),
    );
    XSalsa20Poly1305::new(&key)
}

fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

/// A box as CURVE sends it: tag, then ciphertext.
pub fn seal(key: &XSalsa20Poly1305, prefix: &[u8], tail: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut text = plain.to_vec();
    let n = nonce(prefix, tail);
    let tag = key
        .encrypt_in_place_detached(GenericArray::from_slice(&n), b"", &mut text)
        .unwrap();
    let mut boxed = tag.to_vec();
    boxed.extend_from_slice(&text);
    boxed
}

/// Opens a box; `None` if it does not open.
pub fn open(key: &XSalsa20Poly1305, prefix: &[u8], tail: &[u8], boxed: &[u8]) -> Option<Vec<u8>> {
    let (tag, text) = boxed.split_at(16);
    let mut plain = text.to_vec();
    let n = nonce(prefix, tail);
    key.decrypt_in_place_detached(
        GenericArray::from_slice(&n),
        b"",
        &mut plain,
        GenericArray::from_slice(tag),
    )
    .ok()?;
    Some(plain)
}

fn transient() -> ([u8; 32], [u8; 32]) {
    let pair = CurveKeyPair::generate().unwrap();
    (*pair.public.as_bytes(), *pair.secret.as_bytes())
}

/// Metadata with only Socket-Type.
pub fn socket_type(name: &str) -> Vec<u8> {
    properties(&[(b"Socket-Type", name.as_bytes())])
}

/// A MESSAGE as libzmq sends it: a data frame holding name, short nonce and the box of
/// flags byte and body, under `prefix` ("CurveZMQMESSAGEC" or "...S").
pub fn message(key: &XSalsa20Poly1305, prefix: &[u8], n: u64, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut plain = vec![flags];
    plain.extend_from_slice(body);
    let mut m = b"\x07MESSAGE".to_vec();
    m.extend_from_slice(&n.to_be_bytes());
    m.extend_from_slice(&seal(key, prefix, &n.to_be_bytes(), &plain));
    frame(0x00, &m)
}

/// A raw CURVE client: each step returns the bytes to send, so a test may alter them.
pub struct RawClient {
    pub stream: TcpStream,
    server: [u8; 32],
    long_term: CurveKeyPair,
    cn: ([u8; 32], [u8; 32]),
    server_transient: [u8; 32],
    cookie: Vec<u8>,
    pub session: Option<XSalsa20Poly1305>,
}

impl RawClient {
    /// Connects to `addr` and exchanges ZMTP 3.0 CURVE greetings.
    pub fn connect(addr: SocketAddr, server: CurvePublicKey, long_term: CurveKeyPair) -> RawClient {
        let mut stream = connect(addr);
        stream.write_all(&greeting_with(3, 0, b"CURVE")).unwrap();
        let mut theirs = [0u8; 64];
        stream.read_exact(&mut theirs).unwrap();
        assert_eq!(&theirs[12..17], b"CURVE");
        RawClient {
            stream,
            server: *server.as_bytes(),
            long_term,
            cn: transient(),
            server_transient: [0; 32],
            cookie: Vec::new(),
            session: None,
        }
    }

    /// HELLO: version, padding, C', short nonce 1, Box [64 zeros](C'->S).
    pub fn hello(&self) -> Vec<u8> {
        let key = box_key(&self.server, &self.cn.1);
        let mut data = vec![1, 0];
        data.extend_from_slice(&[0; 72]);
        data.extend_from_slice(&self.cn.0);
        data.extend_from_slice(&1u64.to_be_bytes());
        data.extend_from_slice(&seal(
            &key,
            b"CurveZMQHELLO---",
            &1u64.to_be_bytes(),
            &[0; 64],
        ));
        command(b"HELLO", &data)
    }

    /// Reads and opens WELCOME, keeping S' and the cookie.
    pub fn read_welcome(&mut self) {
        let f = read_frame(&mut self.stream).expect("WELCOME");
        let body = &f[2..];
        assert_eq!((&body[..8], body.len()), (&b"\x07WELCOME"[..], 168));
        let key = box_key(&self.server, &self.cn.1);
        let plain = open(&key, b"WELCOME-", &body[8..24], &body[24..]).expect("WELCOME opens");
        self.server_transient.copy_from_slice(&plain[..32]);
        self.cookie = plain[32..].to_vec();
        self.session = Some(box_key(&self.server_transient, &self.cn.1));
    }

    /// INITIATE: cookie, short nonce 2, Box [C + vouch + `metadata`](C'->S').
    pub fn initiate(&self, metadata: &[u8]) -> Vec<u8> {
        let vouch_key = box_key(&self.server_transient, self.long_term.secret.as_bytes());
        let mut vouch_plain = self.cn.0.to_vec();
        vouch_plain.extend_from_slice(&self.server);
        let vouch_tail = [7u8; 16];
        let mut plain = self.long_term.public.as_bytes().to_vec();
        plain.extend_from_slice(&vouch_tail);
        plain.extend_from_slice(&seal(&vouch_key, b"VOUCH---", &vouch_tail, &vouch_plain));
        plain.extend_from_slice(metadata);
        let mut data = self.cookie.clone();
        data.extend_from_slice(&2u64.to_be_bytes());
        let session = self.session.as_ref().unwrap();
        data.extend_from_slice(&seal(
            session,
            b"CurveZMQINITIATE",
            &2u64.to_be_bytes(),
            &plain,
        ));
        command(b"INITIATE", &data)
    }

    /// Reads and opens READY; returns its metadata.
    pub fn read_ready(&mut self) -> Vec<u8> {
        let f = read_frame(&mut self.stream).expect("READY");
        let body = &f[2..];
        assert_eq!(&body[..6], b"\x05READY");
        let session = self.session.as_ref().unwrap();
        open(session, b"CurveZMQREADY---", &body[6..14], &body[14..]).expect("READY opens")
    }

    /// The whole handshake as a socket of type `kind`.
    pub fn handshake(&mut self, kind: &str) {
        let hello = self.hello();
        self.stream.write_all(&hello).unwrap();
        self.read_welcome();
        let initiate = self.initiate(&socket_type(kind));
        self.stream.write_all(&initiate).unwrap();
        self.read_ready();
    }

    /// A MESSAGE with short nonce `n`.
    pub fn message(&self, n: u64, flags: u8, body: &[u8]) -> Vec<u8> {
        message(
            self.session.as_ref().unwrap(),
            b"CurveZMQMESSAGEC",
            n,
            flags,
            body,
        )
    }
}

/// A raw CURVE server on a tcp port of its own, for one ferrozmq client.
pub struct RawServer {
    pub listener: TcpListener,
    pub keys: CurveKeyPair,
    pub stream: Option<TcpStream>,
    cn: ([u8; 32], [u8; 32]),
    client_transient: [u8; 32],
    pub session: Option<XSalsa20Poly1305>,
}

impl RawServer {
    pub fn bind() -> RawServer {
        RawServer {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
            keys: CurveKeyPair::generate().unwrap(),
            stream: None,
            cn: transient(),
            client_transient: [0; 32],
            session: None,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("tcp://{}", self.listener.local_addr().unwrap())
    }

    fn stream(&mut self) -> &mut TcpStream {
        self.stream.as_mut().unwrap()
    }

    /// Accepts the client, exchanges greetings and opens its HELLO.
    pub fn accept_hello(&mut self) {
        let (mut s, _) = self.listener.accept().unwrap();
        s.set_read_timeout(Some(RAW_TIMEOUT)).unwrap();
        s.write_all(&greeting_with(3, 0, b"CURVE")).unwrap();
        let mut theirs = [0u8; 64];
        s.read_exact(&mut theirs).unwrap();
        self.stream = Some(s);
        let f = read_frame(self.stream()).expect("HELLO");
        let body = &f[2..];
        assert_eq!((&body[..8], body.len()), (&b"\x05HELLO\x01\x00"[..], 200));
        self.client_transient.copy_from_slice(&body[80..112]);
        let key = box_key(&self.client_transient, self.keys.secret.as_bytes());
        let zeros = open(&key, b"CurveZMQHELLO---", &body[112..120], &body[120..]);
        assert_eq!(zeros.expect("HELLO opens"), [0; 64]);
    }

    /// WELCOME with S' and a cookie (not checked later, so any 96 bytes do).
    pub fn welcome(&mut self) -> Vec<u8> {
        let key = box_key(&self.client_transient, self.keys.secret.as_bytes());
        let mut plain = self.cn.0.to_vec();
        plain.extend_from_slice(&[0x5a; 96]);
        let tail = [3u8; 16];
        let mut data = tail.to_vec();
        data.extend_from_slice(&seal(&key, b"WELCOME-", &tail, &plain));
        self.session = Some(box_key(&self.client_transient, &self.cn.1));
        command(b"WELCOME", &data)
    }

    /// Reads INITIATE and answers READY (short nonce 1) as a socket of type `kind`.
    pub fn initiate_ready(&mut self, kind: &str) {
        let f = read_frame(self.stream()).expect("INITIATE");
        let header = if f[0] & 0x02 != 0 { 9 } else { 2 };
        let body = f[header..].to_vec();
        assert!(body.starts_with(b"\x08INITIATE"));
        let session = self.session.as_ref().unwrap();
        open(session, b"CurveZMQINITIATE", &body[105..113], &body[113..]).expect("INITIATE opens");
        let mut data = 1u64.to_be_bytes().to_vec();
        data.extend_from_slice(&seal(
            session,
            b"CurveZMQREADY---",
            &1u64.to_be_bytes(),
            &socket_type(kind),
        ));
        let ready = command(b"READY", &data);
        self.stream().write_all(&ready).unwrap();
    }

    /// A MESSAGE to the client with short nonce `n`.
    pub fn message(&self, n: u64, flags: u8, body: &[u8]) -> Vec<u8> {
        message(
            self.session.as_ref().unwrap(),
            b"CurveZMQMESSAGES",
            n,
            flags,
            body,
        )
    }
}
