//! CURVE keys (RFC 26): long-term X25519 key pairs as ferrozmq's API and options take them,
//! in binary or as the 40-character Z85 text libzmq's tools print.
//!
//! ```
//! use ferrozmq::curve::{CurveKeyPair, CurvePublicKey};
//!
//! let pair = CurveKeyPair::generate()?;
//! let text = pair.public.to_z85();
//! assert_eq!(text.len(), 40);
//! assert_eq!(CurvePublicKey::from_z85(&text)?, pair.public);
//! assert_eq!(pair.secret.public_key(), pair.public);
//! # Ok::<(), ferrozmq::Error>(())
//! ```

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::z85;

/// The size of a CURVE key in bytes.
pub const KEY_LEN: usize = 32;
/// The size of a CURVE key as Z85 text.
pub const Z85_LEN: usize = 40;

const BAD_KEY: Error = Error::Invalid("a curve key is 32 bytes or 40 z85 characters");

fn key_from_z85(text: &str) -> Result<[u8; KEY_LEN]> {
    if text.len() != Z85_LEN {
        return Err(BAD_KEY);
    }
    let mut bytes = z85::decode(text).ok_or(BAD_KEY)?;
    let key = <[u8; KEY_LEN]>::try_from(&bytes[..]).map_err(|_| BAD_KEY);
    bytes.zeroize();
    key
}

fn key_to_z85(key: &[u8; KEY_LEN]) -> String {
    // 32 is a multiple of 4, so the encoding always exists.
    z85::encode(key).unwrap_or_default()
}

/// A CURVE public key: a server's (ZMQ_CURVE_SERVERKEY, ZMQ_CURVE_PUBLICKEY) or a client's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurvePublicKey([u8; KEY_LEN]);

impl CurvePublicKey {
    /// The key with these 32 bytes.
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> CurvePublicKey {
        CurvePublicKey(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Parses the key's 40-character Z85 text.
    ///
    /// # Errors
    /// [`Error::Invalid`] for text that is not 40 Z85 characters.
    pub fn from_z85(text: &str) -> Result<CurvePublicKey> {
        key_from_z85(text).map(CurvePublicKey)
    }

    /// The key as 40 characters of Z85 text.
    pub fn to_z85(&self) -> String {
        key_to_z85(&self.0)
    }
}

impl std::fmt::Debug for CurvePublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CurvePublicKey({})", self.to_z85())
    }
}

impl std::fmt::Display for CurvePublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_z85())
    }
}

impl std::str::FromStr for CurvePublicKey {
    type Err = Error;
    fn from_str(text: &str) -> Result<CurvePublicKey> {
        CurvePublicKey::from_z85(text)
    }
}

impl From<[u8; KEY_LEN]> for CurvePublicKey {
    fn from(bytes: [u8; KEY_LEN]) -> CurvePublicKey {
        CurvePublicKey(bytes)
    }
}

/// A CURVE secret key (ZMQ_CURVE_SECRETKEY). Its bytes are wiped when it is dropped, and
/// its `Debug` output leaves them out.
#[derive(Clone, PartialEq, Eq)]
pub struct CurveSecretKey([u8; KEY_LEN]);

impl CurveSecretKey {
    /// The key with these 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> CurveSecretKey {
        CurveSecretKey(bytes)
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Parses the key's 40-character Z85 text.
    ///
    /// # Errors
    /// [`Error::Invalid`] for text that is not 40 Z85 characters.
    pub fn from_z85(text: &str) -> Result<CurveSecretKey> {
        key_from_z85(text).map(CurveSecretKey)
    }

    /// The key as 40 characters of Z85 text (secret: handle it as the key itself).
    pub fn to_z85(&self) -> String {
        key_to_z85(&self.0)
    }

    /// The public key that goes with this secret key (X25519 with the base point, as
    /// zmq_curve_public computes it; a cheap stand-in in cargo-fuzz builds only, see
    /// zmtp/mechanism/curve/nacl_fuzz.rs).
    pub fn public_key(&self) -> CurvePublicKey {
        CurvePublicKey(crate::zmtp::mechanism::curve::public_key_of(&self.0))
    }
}

impl From<[u8; KEY_LEN]> for CurveSecretKey {
    fn from(bytes: [u8; KEY_LEN]) -> CurveSecretKey {
        CurveSecretKey(bytes)
    }
}

impl Drop for CurveSecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for CurveSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CurveSecretKey(..)")
    }
}

/// A long-term CURVE key pair.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CurveKeyPair {
    /// The public half, given to peers.
    pub public: CurvePublicKey,
    /// The secret half.
    pub secret: CurveSecretKey,
}

impl CurveKeyPair {
    /// A new random key pair (zmq_curve_keypair), from the operating system's random source.
    ///
    /// # Errors
    /// [`Error::Io`] when the random source fails.
    pub fn generate() -> Result<CurveKeyPair> {
        let mut bytes = [0u8; KEY_LEN];
        random(&mut bytes)?;
        let secret = CurveSecretKey(bytes);
        bytes.zeroize();
        Ok(CurveKeyPair {
            public: secret.public_key(),
            secret,
        })
    }

    /// The pair whose secret half is `secret`.
    pub fn from_secret(secret: CurveSecretKey) -> CurveKeyPair {
        CurveKeyPair {
            public: secret.public_key(),
            secret,
        }
    }
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::getrandom(buf).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_key_of_a_known_secret_matches_libzmq() {
        // The key pair libzmq's tests/test_heartbeats.cpp uses.
        let secret = CurveSecretKey::from_z85("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6").unwrap();
        assert_eq!(
            secret.public_key().to_z85(),
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        );
    }

    #[test]
    fn generated_pairs_differ_and_round_trip_through_z85() {
        let a = CurveKeyPair::generate().unwrap();
        let b = CurveKeyPair::generate().unwrap();
        assert_ne!(a.public, b.public);
        let secret = CurveSecretKey::from_z85(&a.secret.to_z85()).unwrap();
        assert_eq!(CurveKeyPair::from_secret(secret), a);
    }

    #[test]
    fn keys_of_the_wrong_length_or_alphabet_are_refused() {
        assert!(CurvePublicKey::from_z85("HelloWorld").is_err());
        assert!(CurvePublicKey::from_z85(&"~".repeat(40)).is_err());
        assert!("0".repeat(40).parse::<CurvePublicKey>().is_ok());
    }

    #[test]
    fn a_secret_key_stays_out_of_debug_output() {
        let secret = CurveSecretKey::from_bytes([7; 32]);
        let shown = format!("{secret:?} {:?}", CurveKeyPair::from_secret(secret.clone()));
        assert!(!shown.contains(&secret.to_z85()), "{shown}");
    }
}
