//! NaCl's crypto_box as CURVE uses it, byte-compatible with libsodium's (libzmq's CURVE
//! library): X25519, HSalsa20 and XSalsa20-Poly1305, with libsodium's refusal of a
//! low-order public key. Wire form of a box, as libzmq sends it: the 16-byte Poly1305 tag,
//! then the ciphertext (crypto_box's output without its 16 leading zero bytes).

use zeroize::{Zeroize, Zeroizing};

use super::salsa::hsalsa20;
use super::{code, fail};
use crate::curve::{CurvePublicKey, CurveSecretKey, KEY_LEN};
use crate::zmtp::ProtocolError;

// cargo-fuzz builds (and only they: `cfg(fuzzing)`) swap X25519 and the secretbox for cheap
// stand-ins, so the `curve` target runs thousands of handshakes a second; see nacl_fuzz.rs.
// Everything else here (HSalsa20, the low-order check, the wire layout) is shared by both.
#[cfg(fuzzing)]
use super::nacl_fuzz::{public_key as x25519_base, secretbox, shared as x25519};
#[cfg(not(fuzzing))]
use super::secretbox;

#[cfg(not(fuzzing))]
fn x25519_base(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    curve25519_dalek::montgomery::MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
}

#[cfg(not(fuzzing))]
fn x25519(theirs: &[u8; KEY_LEN], ours: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    curve25519_dalek::montgomery::MontgomeryPoint(*theirs)
        .mul_clamped(*ours)
        .to_bytes()
}

/// X25519 with the base point: the public key of `secret` (zmq_curve_public).
pub(crate) fn public_key_of(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    x25519_base(secret)
}

/// The Poly1305 tag before every box's ciphertext.
pub const TAG_LEN: usize = secretbox::TAG_LEN;

/// A 24-byte nonce: a fixed prefix (8 or 16 bytes) and its variable tail.
pub(crate) fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..prefix.len() + tail.len()].copy_from_slice(tail);
    n
}

/// Fills `buf` with random bytes; a random source that fails ends the handshake rather
/// than the process.
pub(crate) fn random(buf: &mut [u8]) -> Result<(), ProtocolError> {
    crate::curve::random(buf).map_err(|_| fail(code::UNSPECIFIED, "no random source"))
}

/// A transient key pair (C' and c', or S' and s'), new for each connection.
pub(crate) fn transient_pair() -> Result<(CurvePublicKey, CurveSecretKey), ProtocolError> {
    let mut bytes = [0u8; KEY_LEN];
    random(&mut bytes)?;
    let secret = CurveSecretKey::from_bytes(bytes);
    bytes.zeroize();
    Ok((secret.public_key(), secret))
}

/// A box key: crypto_box_beforenm's result for a key pair, or a secretbox key.
pub(crate) struct BoxKey([u8; KEY_LEN]);

impl Drop for BoxKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl BoxKey {
    /// crypto_box_beforenm: X25519 of `theirs` and `ours`, then HSalsa20. As libsodium, a
    /// low-order public key (one whose shared secret is all zeros) is refused.
    pub fn between(
        theirs: &CurvePublicKey,
        ours: &CurveSecretKey,
    ) -> Result<BoxKey, ProtocolError> {
        let shared = Zeroizing::new(x25519(theirs.as_bytes(), ours.as_bytes()));
        if shared.iter().all(|&b| b == 0) {
            return Err(ProtocolError::Cryptographic);
        }
        Ok(BoxKey(hsalsa20(&shared, &[0; 16])))
    }

    /// A secretbox key (the cookie's).
    pub fn secret(key: &[u8; KEY_LEN]) -> BoxKey {
        BoxKey(*key)
    }

    /// Boxes `plaintext`: tag, then ciphertext.
    pub fn seal(&self, nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; TAG_LEN + plaintext.len()];
        out[TAG_LEN..].copy_from_slice(plaintext);
        self.seal_in_place(nonce, &mut out);
        out
    }

    /// Boxes `buf[TAG_LEN..]` in place and writes the tag before it.
    pub fn seal_in_place(&self, nonce: &[u8; 24], buf: &mut [u8]) {
        let (tag_slot, text) = buf.split_at_mut(TAG_LEN);
        tag_slot.copy_from_slice(&secretbox::seal(&self.0, nonce, text));
    }

    /// Opens `text` in place, checking it against `tag`; `Cryptographic` if it was not
    /// made with this key and nonce or was altered.
    pub fn open_in_place(
        &self,
        nonce: &[u8; 24],
        tag: &[u8],
        text: &mut [u8],
    ) -> Result<(), ProtocolError> {
        match tag.try_into() {
            Ok(tag) if secretbox::open(&self.0, nonce, tag, text) => Ok(()),
            _ => Err(ProtocolError::Cryptographic),
        }
    }

    /// This key for the boxes whose nonces start with `prefix`.
    pub fn with_prefix(&self, prefix: &[u8; 16]) -> PrefixedKey {
        PrefixedKey(secretbox::Prefixed::new(&self.0, prefix))
    }

    /// Opens a box (tag, then ciphertext); `Cryptographic` if it was not made with this
    /// key and nonce or was altered.
    pub fn open(
        &self,
        nonce: &[u8; 24],
        boxed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
        if boxed.len() < TAG_LEN {
            return Err(ProtocolError::Cryptographic);
        }
        let (tag, text) = boxed.split_at(TAG_LEN);
        let mut plain = Zeroizing::new(text.to_vec());
        self.open_in_place(nonce, tag, &mut plain)?;
        Ok(plain)
    }
}

/// A box key for the nonces that start with one 16-byte prefix, as a CURVE channel's
/// MESSAGE nonces do: [`BoxKey`]'s operations with the nonce's last 8 bytes, without the
/// HSalsa20 each box would start with.
pub(crate) struct PrefixedKey(secretbox::Prefixed);

impl PrefixedKey {
    /// Boxes `buf[TAG_LEN..]` in place and writes the tag before it.
    pub fn seal_in_place(&self, tail: &[u8; 8], buf: &mut [u8]) {
        let (tag_slot, text) = buf.split_at_mut(TAG_LEN);
        tag_slot.copy_from_slice(&self.0.seal(tail, text));
    }

    /// Opens `text` in place, checking it against `tag`; `Cryptographic` if it was not
    /// made with this key and nonce or was altered.
    pub fn open_in_place(
        &self,
        tail: &[u8; 8],
        tag: &[u8],
        text: &mut [u8],
    ) -> Result<(), ProtocolError> {
        match tag.try_into() {
            Ok(tag) if self.0.open(tail, tag, text) => Ok(()),
            _ => Err(ProtocolError::Cryptographic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// NaCl's crypto_box test vector (tests/box.c; the keys are RFC 7748's): Alice boxes a
    /// 131-byte message for Bob. The expected bytes are what libzmq's own tweetnacl.c
    /// produces for it, after crypto_box's 16 leading zero bytes: the tag, then the text.
    const ALICE_SECRET: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const BOB_SECRET: &str = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const BOB_PUBLIC: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const NONCE: &str = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
    const MESSAGE_131: &str = "
        be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc
        e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
        0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
        048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864
        5e0705";
    const BOXED_147: &str = "
        f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce
        48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972
        71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae
        90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3
        7973f622a43d14a6599b1f654cb45a74e355a5";

    fn secret(h: &str) -> CurveSecretKey {
        CurveSecretKey::from_bytes(hex(h).try_into().unwrap())
    }

    /// Also the proof that builds without `cfg(fuzzing)` use the real X25519 and box: the
    /// stand-ins of nacl_fuzz.rs cannot produce these bytes.
    #[test]
    fn a_box_is_byte_for_byte_nacls_crypto_box() {
        let bob = CurvePublicKey::from_bytes(hex(BOB_PUBLIC).try_into().unwrap());
        assert_eq!(secret(BOB_SECRET).public_key(), bob);
        let nonce: [u8; 24] = hex(NONCE).try_into().unwrap();
        let boxed = BoxKey::between(&bob, &secret(ALICE_SECRET))
            .unwrap()
            .seal(&nonce, &hex(MESSAGE_131));
        assert_eq!(boxed, hex(BOXED_147));
        let alice = secret(ALICE_SECRET).public_key();
        let opened = BoxKey::between(&alice, &secret(BOB_SECRET))
            .unwrap()
            .open(&nonce, &boxed)
            .unwrap();
        assert_eq!(&opened[..], &hex(MESSAGE_131)[..]);
    }

    #[test]
    fn a_tampered_box_does_not_open() {
        let nonce: [u8; 24] = hex(NONCE).try_into().unwrap();
        let key = BoxKey::secret(&[9; 32]);
        let mut boxed = key.seal(&nonce, b"payload");
        for i in [0, TAG_LEN, boxed.len() - 1] {
            boxed[i] ^= 1;
            assert_eq!(
                key.open(&nonce, &boxed).err(),
                Some(ProtocolError::Cryptographic)
            );
            boxed[i] ^= 1;
        }
        assert!(key.open(&nonce, &boxed).is_ok());
        assert!(key.open(&nonce, &boxed[..TAG_LEN - 1]).is_err());
    }

    #[test]
    fn low_order_public_keys_are_refused_as_libsodium_refuses_them() {
        let ours = secret(ALICE_SECRET);
        // 0 and 1 are points of small order: every scalar takes them to the all-zero secret.
        let mut one = [0u8; 32];
        one[0] = 1;
        for theirs in [[0u8; 32], one] {
            let key = CurvePublicKey::from_bytes(theirs);
            assert!(matches!(
                BoxKey::between(&key, &ours),
                Err(ProtocolError::Cryptographic)
            ));
        }
    }
}
