//! The 64-byte ZMTP 3.x greeting: signature, version, mechanism, as-server flag.

use super::ProtocolError;

/// Length of a ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;
/// The version we speak: 3.1.
pub const MAJOR: u8 = 3;
/// The minor version we speak (libzmq 4.2+ sends 1).
pub const MINOR: u8 = 1;
/// Length of the zero-padded mechanism name field.
pub const MECHANISM_LEN: usize = 20;

const SIGNATURE_START: u8 = 0xFF;
const SIGNATURE_END: u8 = 0x7F;
const SIGNATURE_END_AT: usize = 9;
const MAJOR_AT: usize = 10;
const MINOR_AT: usize = 11;
const MECHANISM_AT: usize = 12;
const AS_SERVER_AT: usize = 32;

/// A peer's greeting, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting {
    /// Major version (3 or more; older ones are refused by [`decode`]).
    pub major: u8,
    /// Minor version as sent.
    pub minor: u8,
    /// The mechanism name, zero-padded as on the wire.
    pub mechanism: [u8; MECHANISM_LEN],
    /// Whether the peer acts as the PLAIN/CURVE server.
    pub as_server: bool,
}

impl Greeting {
    /// The mechanism name without its zero padding.
    pub fn mechanism_name(&self) -> &[u8] {
        let end = self
            .mechanism
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        self.mechanism.get(..end).unwrap_or_default()
    }

    /// Whether the mechanism field is exactly `name` zero-padded, as libzmq compares it.
    pub fn mechanism_is(&self, name: &str) -> bool {
        self.mechanism == pad_mechanism(name)
    }

    /// The minor version whose rules apply: a higher major is treated as 3.1, because
    /// "the peer with the higher version downgrades" (RFC 37).
    pub fn effective_minor(&self) -> u8 {
        if self.major > MAJOR {
            MINOR
        } else {
            self.minor
        }
    }
}

/// Our greeting for `mechanism` (`"NULL"`, `"PLAIN"`, `"CURVE"`), version 3.1.
///
/// The padding holds 1 as a 64-bit big-endian number, the length libzmq sends when it has no
/// routing id, so a ZMTP 1.0 peer reads a valid empty identity frame and fails cleanly.
pub fn encode(mechanism: &str, as_server: bool) -> [u8; GREETING_LEN] {
    let mut g = [0u8; GREETING_LEN];
    g[0] = SIGNATURE_START;
    g[8] = 1;
    g[SIGNATURE_END_AT] = SIGNATURE_END;
    g[MAJOR_AT] = MAJOR;
    g[MINOR_AT] = MINOR;
    g[MECHANISM_AT..AS_SERVER_AT].copy_from_slice(&pad_mechanism(mechanism));
    g[AS_SERVER_AT] = u8::from(as_server);
    g
}

/// How much of our greeting to have sent once `received` bytes of the peer's have arrived,
/// as libzmq stages it: the 10-byte signature at once; the major version once the peer's
/// signature is in; the rest once the peer's major version is in. A peer of another
/// protocol version learns ours before it sees anything it could misread, and a raw TCP
/// peer (a STREAM socket) sees the signature alone first, as libzmq's tests expect.
pub fn staged(received: usize) -> usize {
    match received {
        0..=SIGNATURE_END_AT => MAJOR_AT,
        MAJOR_AT => MINOR_AT,
        _ => GREETING_LEN,
    }
}

fn pad_mechanism(name: &str) -> [u8; MECHANISM_LEN] {
    let mut padded = [0u8; MECHANISM_LEN];
    for (dst, src) in padded.iter_mut().zip(name.bytes()) {
        *dst = src;
    }
    padded
}

/// Checks as much of a greeting as has arrived, so a non-ZMTP-3 peer is refused at the first
/// wrong byte instead of after 64.
pub fn check_partial(buf: &[u8]) -> Result<(), ProtocolError> {
    if buf.first().is_some_and(|&b| b != SIGNATURE_START) {
        return Err(ProtocolError::BadSignature);
    }
    if buf
        .get(SIGNATURE_END_AT)
        .is_some_and(|&b| b != SIGNATURE_END)
    {
        return Err(ProtocolError::BadSignature);
    }
    match buf.get(MAJOR_AT) {
        // ZMTP 1.0 and 2.0 peers are not supported.
        Some(&major) if major < MAJOR => Err(ProtocolError::UnsupportedVersion { major }),
        _ => Ok(()),
    }
}

/// Parses a complete greeting; any major version from 3 up is accepted.
pub fn decode(buf: &[u8; GREETING_LEN]) -> Result<Greeting, ProtocolError> {
    check_partial(buf)?;
    let mut mechanism = [0u8; MECHANISM_LEN];
    mechanism.copy_from_slice(&buf[MECHANISM_AT..AS_SERVER_AT]);
    Ok(Greeting {
        major: buf[MAJOR_AT],
        minor: buf[MINOR_AT],
        mechanism,
        as_server: buf[AS_SERVER_AT] != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ZMTP section 8: NULL greeting, 3.1, not server.
    fn null_vector() -> Vec<u8> {
        let mut v = vec![
            0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x03, 0x01, 0x4e, 0x55,
            0x4c, 0x4c,
        ];
        v.extend_from_slice(&[0; 16]);
        v.push(0x00);
        v.extend_from_slice(&[0; 31]);
        v
    }

    #[test]
    fn null_greeting_matches_vector() {
        assert_eq!(encode("NULL", false).to_vec(), null_vector());
    }

    #[test]
    fn null_greeting_vector_decodes() {
        let raw: [u8; GREETING_LEN] = null_vector().try_into().unwrap();
        let g = decode(&raw).unwrap();
        assert_eq!((g.major, g.minor, g.as_server), (3, 1, false));
        assert_eq!(g.mechanism_name(), b"NULL");
        assert!(g.mechanism_is("NULL"));
        assert!(!g.mechanism_is("NUL"));
    }

    #[test]
    fn as_server_flag_round_trips() {
        let g = decode(&encode("PLAIN", true)).unwrap();
        assert!(g.as_server);
        assert_eq!(g.mechanism_name(), b"PLAIN");
    }

    #[test]
    fn wrong_first_byte_is_rejected_at_once() {
        assert_eq!(check_partial(b"G"), Err(ProtocolError::BadSignature));
        assert_eq!(check_partial(&[]), Ok(()));
        assert_eq!(check_partial(&[0xff]), Ok(()));
    }

    #[test]
    fn wrong_signature_end_is_rejected() {
        let mut g = encode("NULL", false);
        g[9] = 0x7e;
        assert_eq!(check_partial(&g[..10]), Err(ProtocolError::BadSignature));
        assert_eq!(decode(&g), Err(ProtocolError::BadSignature));
    }

    #[test]
    fn greeting_with_major_2_is_rejected() {
        let mut g = encode("NULL", false);
        g[10] = 2;
        let expected = ProtocolError::UnsupportedVersion { major: 2 };
        assert_eq!(check_partial(&g[..11]), Err(expected.clone()));
        assert_eq!(decode(&g), Err(expected));
    }

    #[test]
    fn greeting_with_major_4_is_treated_as_3_1() {
        let mut g = encode("NULL", false);
        g[10] = 4;
        g[11] = 7;
        let g = decode(&g).unwrap();
        assert_eq!(g.major, 4);
        assert_eq!(g.effective_minor(), 1);
    }

    #[test]
    fn minor_0_is_kept_for_3_0_rules() {
        let mut g = encode("NULL", false);
        g[11] = 0;
        assert_eq!(decode(&g).unwrap().effective_minor(), 0);
    }

    #[test]
    fn overlong_mechanism_name_is_cut_to_field() {
        let g = decode(&encode("ABCDEFGHIJKLMNOPQRSTUVWXYZ", false)).unwrap();
        assert_eq!(g.mechanism_name(), b"ABCDEFGHIJKLMNOPQRST");
    }
}
