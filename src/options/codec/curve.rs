//! The CURVE options: CURVE_SERVER, CURVE_PUBLICKEY, CURVE_SECRETKEY and CURVE_SERVERKEY.
//! As with PLAIN, setting any of them picks CURVE as the socket's mechanism (libzmq's
//! rule: the last security option set wins), and the server key makes this side a client.

use zeroize::Zeroizing;

use super::security::SecurityMechanism;
use super::{Codec, Flag, INVALID, Input, Raw};
use crate::curve::{CurvePublicKey, CurveSecretKey, KEY_LEN, Z85_LEN};
use crate::error::Result;
use crate::options::Options;

/// A key as zmq_setsockopt takes it: 32 binary bytes, 40 Z85 characters, or those 40
/// and a NUL.
fn key(input: Input<'_>) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let v = input.ok_or(INVALID)?;
    let text = match v.len() {
        KEY_LEN => return Ok(Zeroizing::new(v.try_into().map_err(|_| INVALID)?)),
        Z85_LEN => v,
        n if n == Z85_LEN + 1 && v[Z85_LEN] == 0 => &v[..Z85_LEN],
        _ => return Err(INVALID),
    };
    let bytes = Zeroizing::new(crate::z85::decode(text).ok_or(INVALID)?);
    Ok(Zeroizing::new(bytes[..].try_into().map_err(|_| INVALID)?))
}

/// Setting a key chooses CURVE; a PLAIN server flag no longer applies (libzmq reads
/// PLAIN_SERVER back as 0 once the mechanism is not PLAIN).
fn choose_curve(socket: &mut Options) {
    socket.mechanism = SecurityMechanism::Curve;
    socket.plain_server = false;
}

/// CURVE_SERVER: 0 or 1. 1 makes this side the CURVE server; 0 goes back to NULL.
pub(crate) struct CurveServer;

impl Codec<bool> for CurveServer {
    fn decode(input: Input<'_>) -> Result<bool> {
        Flag::decode(input)
    }
    fn encode(value: &bool) -> Raw {
        Flag::encode(value)
    }
    fn after_set(value: &bool, socket: &mut Options) {
        super::security::server_switch(*value, SecurityMechanism::Curve, socket);
    }
}

/// CURVE_PUBLICKEY: our long-term public key.
pub(crate) struct CurvePublic;

impl Codec<CurvePublicKey> for CurvePublic {
    fn decode(input: Input<'_>) -> Result<CurvePublicKey> {
        key(input).map(|k| CurvePublicKey::from_bytes(*k))
    }
    fn encode(value: &CurvePublicKey) -> Raw {
        Raw::Key(Zeroizing::new(*value.as_bytes()))
    }
    fn after_set(_: &CurvePublicKey, socket: &mut Options) {
        choose_curve(socket);
    }
}

/// CURVE_SERVERKEY: the server's long-term public key; setting it makes this side the
/// CURVE client.
pub(crate) struct CurveServerKey;

impl Codec<CurvePublicKey> for CurveServerKey {
    fn decode(input: Input<'_>) -> Result<CurvePublicKey> {
        CurvePublic::decode(input)
    }
    fn encode(value: &CurvePublicKey) -> Raw {
        CurvePublic::encode(value)
    }
    fn after_set(_: &CurvePublicKey, socket: &mut Options) {
        choose_curve(socket);
        socket.curve_server = false;
    }
}

/// CURVE_SECRETKEY: our long-term secret key (readable back, as libzmq's is).
pub(crate) struct CurveSecret;

impl Codec<CurveSecretKey> for CurveSecret {
    fn decode(input: Input<'_>) -> Result<CurveSecretKey> {
        key(input).map(|k| CurveSecretKey::from_bytes(*k))
    }
    fn encode(value: &CurveSecretKey) -> Raw {
        Raw::Key(Zeroizing::new(*value.as_bytes()))
    }
    fn after_set(_: &CurveSecretKey, socket: &mut Options) {
        choose_curve(socket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket_type::SocketType;

    const PUBLICKEY: i32 = 48;
    const SERVERKEY: i32 = 50;
    const SERVER: i32 = 47;
    const MECHANISM: i32 = 43;
    // RFC 32's test vector stretched to a key: "HelloWorld" is 86 4F D2 6F B5 59 F7 5B.
    const Z85: &[u8; 40] = b"HelloWorldHelloWorldHelloWorldHelloWorld";

    fn key_bytes() -> [u8; 32] {
        let mut k = [0u8; 32];
        for chunk in k.chunks_mut(8) {
            chunk.copy_from_slice(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
        }
        k
    }

    #[test]
    fn a_key_is_taken_as_32_bytes_40_z85_characters_or_those_and_a_nul() {
        let mut z85_nul = Z85.to_vec();
        z85_nul.push(0);
        for input in [&key_bytes()[..], &Z85[..], &z85_nul] {
            let mut o = Options::default();
            o.set_c(SocketType::Dealer, PUBLICKEY, Some(input)).unwrap();
            assert_eq!(o.curve_public_key.as_bytes(), &key_bytes());
            assert_eq!(o.mechanism, SecurityMechanism::Curve);
        }
    }

    #[test]
    fn other_sizes_and_bad_z85_are_einval_and_change_nothing() {
        let mut o = Options::default();
        let mut bad_nul = Z85.to_vec();
        bad_nul.push(b'x');
        for input in [&b"short"[..], &[0u8; 123], &bad_nul, &[b'~'; 40]] {
            assert!(o.set_c(SocketType::Dealer, SERVERKEY, Some(input)).is_err());
        }
        assert!(o.set_c(SocketType::Dealer, SERVERKEY, None).is_err());
        assert_eq!(o.mechanism, SecurityMechanism::Null);
    }

    #[test]
    fn the_server_flag_and_the_server_key_pick_the_role_and_mechanism_reads_2() {
        let mut o = Options::default();
        o.set_c(SocketType::Rep, SERVER, Some(&1i32.to_ne_bytes()))
            .unwrap();
        assert!(o.curve_server);
        assert_eq!(o.get_c(SocketType::Rep, MECHANISM).unwrap(), Raw::Int(2));
        o.set_c(SocketType::Rep, SERVERKEY, Some(Z85)).unwrap();
        assert!(!o.curve_server);
        assert_eq!(o.get_c(SocketType::Rep, SERVER).unwrap(), Raw::Int(0));
        o.set_c(SocketType::Rep, SERVER, Some(&0i32.to_ne_bytes()))
            .unwrap();
        assert_eq!(o.mechanism, SecurityMechanism::Null);
        assert!(
            o.set_c(SocketType::Rep, SERVER, Some(&2i32.to_ne_bytes()))
                .is_err()
        );
    }

    #[test]
    fn keys_read_back_as_the_raw_key() {
        let mut o = Options::default();
        o.set_c(SocketType::Dealer, PUBLICKEY, Some(Z85)).unwrap();
        assert_eq!(
            o.get_c(SocketType::Dealer, PUBLICKEY).unwrap(),
            Raw::Key(Zeroizing::new(key_bytes()))
        );
    }
}
