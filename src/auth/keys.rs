//! CURVE public-key certificates as czmq's `zcert` and pyzmq's `zmq.auth` write them: ZPL
//! text (ZeroMQ RFC 4) with the key as `public-key = "<40 Z85 characters>"` in a `curve`
//! section. The Authenticator reads a directory of them to learn which clients to let in.
//!
//! ```text
//! #   ZeroMQ CURVE Public Certificate
//! metadata
//!     name = "client"
//! curve
//!     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//! ```

use std::path::Path;

use crate::curve::CurvePublicKey;
use crate::error::{Error, Result};

const NO_KEY: Error = Error::Invalid("a .key file without a curve public-key");
const BAD_KEY: Error =
    Error::Invalid("a .key file whose curve public-key is not 40 z85 characters");

/// The public key of one certificate's text.
///
/// # Errors
/// [`Error::Invalid`] when it has no `public-key` in its `curve` section, or one that is
/// not a Z85 key.
pub(super) fn parse_certificate(text: &str) -> Result<CurvePublicKey> {
    let mut section = "";
    for line in text.lines() {
        // Whole-line comments only: '#' is a Z85 character, so it may be in a key.
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let line = line.trim();
        if !indented {
            // A section name, at the left margin (a top-level `name = value` is not one).
            section = line.split('=').next().unwrap_or("").trim();
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if section == "curve" && name.trim() == "public-key" {
            return CurvePublicKey::from_z85(zpl_value(value)).map_err(|_| BAD_KEY);
        }
    }
    Err(NO_KEY)
}

/// A ZPL value: the text between its quotes (either kind), or its first word unquoted.
fn zpl_value(raw: &str) -> &str {
    let raw = raw.trim_start();
    match raw.chars().next() {
        Some(q @ ('"' | '\'')) => raw[1..].split(q).next().unwrap_or(""),
        _ => raw.split_whitespace().next().unwrap_or(""),
    }
}

/// The public keys of the `*.key` files in `dir` (not its subdirectories; a secret
/// certificate, `*.key_secret`, is not read).
///
/// # Errors
/// [`Error::Io`] when `dir` or a file cannot be read; [`Error::Invalid`] for a `.key` file
/// without a public key.
pub(super) fn load_dir(dir: &Path) -> Result<Vec<CurvePublicKey>> {
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "key") && path.is_file() {
            keys.push(parse_certificate(&std::fs::read_to_string(&path)?)?);
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

    fn czmq_certificate(key: &str) -> String {
        format!(
            "#   ****  Generated on 2024-01-01 00:00:00 by CZMQ  ****\n\
             #   ZeroMQ CURVE Public Certificate\n\
             #   Exchange securely, or use a secure mechanism to verify the contents\n\
             #   of this file after exchange.\n\
             \n\
             metadata\n    name = \"client\"\n\
             curve\n    public-key = \"{key}\"\n"
        )
    }

    #[test]
    fn the_public_key_is_read_from_the_curve_section_of_czmqs_and_pyzmqs_files() {
        let key = CurvePublicKey::from_z85(KEY).unwrap();
        assert_eq!(parse_certificate(&czmq_certificate(KEY)).unwrap(), key);
        // pyzmq quotes with either quote, and tabs indent as well as spaces.
        let pyzmq = format!("curve\n\tpublic-key = '{KEY}'   # the client\n");
        assert_eq!(parse_certificate(&pyzmq).unwrap(), key);
        // '#' is a Z85 character: a key holding one is not cut short as a comment.
        let hashed = "0000000000000000000000000000000000000#00";
        let unquoted = format!("# a comment\ncurve\n    public-key = {hashed}\n");
        assert_eq!(
            parse_certificate(&unquoted).unwrap(),
            CurvePublicKey::from_z85(hashed).unwrap()
        );
    }

    #[test]
    fn a_key_outside_the_curve_section_or_not_z85_is_refused() {
        let elsewhere = format!("metadata\n    public-key = \"{KEY}\"\n");
        assert!(parse_certificate(&elsewhere).is_err());
        assert!(parse_certificate(&czmq_certificate("tooshort")).is_err());
        assert!(parse_certificate("").is_err());
    }

    #[test]
    fn a_directory_gives_the_keys_of_its_key_files_only() {
        let dir = std::env::temp_dir().join(format!("ferrozmq-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("client.key"), czmq_certificate(KEY)).unwrap();
        std::fs::write(
            dir.join("client.key_secret"),
            "curve\n    secret-key = \"x\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "not a certificate").unwrap();
        let keys = load_dir(&dir).unwrap();
        assert_eq!(keys, [CurvePublicKey::from_z85(KEY).unwrap()]);
        std::fs::write(dir.join("broken.key"), "curve\n").unwrap();
        assert!(load_dir(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(load_dir(&dir).is_err(), "a missing directory is an error");
    }
}
