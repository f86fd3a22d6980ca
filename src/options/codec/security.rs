//! The security options: PLAIN_SERVER, PLAIN_USERNAME, PLAIN_PASSWORD, ZAP_DOMAIN and
//! ZMQ_MECHANISM (CURVE's are in `curve.rs`). As in libzmq, the mechanism is whichever the last of them chose: setting
//! a server flag or a credential also picks the mechanism and this side's role.

use bytes::Bytes;

use super::{Codec, Flag, INVALID, Input, Raw};
use crate::error::Result;
use crate::options::Options;

/// The security mechanism a socket's options chose (ZMQ_MECHANISM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecurityMechanism {
    /// No security (ZMQ_NULL, the default).
    #[default]
    Null,
    /// User name and password in clear (ZMQ_PLAIN).
    Plain,
    /// CurveZMQ encryption and authentication (ZMQ_CURVE).
    Curve,
}

impl SecurityMechanism {
    /// libzmq's number for it.
    pub fn number(self) -> i32 {
        match self {
            SecurityMechanism::Null => 0,
            SecurityMechanism::Plain => 1,
            SecurityMechanism::Curve => 2,
        }
    }
}

/// ZMQ_MECHANISM: read-only, the mechanism the other options chose.
pub(crate) struct Chosen;

impl Codec<SecurityMechanism> for Chosen {
    fn decode(_: Input<'_>) -> Result<SecurityMechanism> {
        Err(INVALID)
    }
    fn encode(value: &SecurityMechanism) -> Raw {
        Raw::Int(value.number())
    }
}

/// PLAIN_SERVER: 0 or 1. 1 makes this side the PLAIN server; 0 goes back to NULL.
pub(crate) struct PlainServer;

impl Codec<bool> for PlainServer {
    fn decode(input: Input<'_>) -> Result<bool> {
        Flag::decode(input)
    }
    fn encode(value: &bool) -> Raw {
        Flag::encode(value)
    }
    fn after_set(value: &bool, socket: &mut Options) {
        server_switch(*value, SecurityMechanism::Plain, socket);
    }
}

/// PLAIN_SERVER and CURVE_SERVER: on makes this side `mechanism`'s server, off goes back to
/// NULL; either way the other mechanism's server switch is off (libzmq shares one).
pub(crate) fn server_switch(on: bool, mechanism: SecurityMechanism, socket: &mut Options) {
    socket.mechanism = if on {
        mechanism
    } else {
        SecurityMechanism::Null
    };
    socket.plain_server = on && mechanism == SecurityMechanism::Plain;
    socket.curve_server = on && mechanism == SecurityMechanism::Curve;
}

/// PLAIN_USERNAME, PLAIN_PASSWORD: 1 to 255 bytes make this side a PLAIN client; NULL
/// (or, from Rust, an empty value) goes back to NULL.
pub(crate) struct PlainCredential;

impl Codec<Bytes> for PlainCredential {
    fn decode(input: Input<'_>) -> Result<Bytes> {
        match input {
            None => Ok(Bytes::new()),
            Some(v) if !v.is_empty() && v.len() <= 255 => Ok(Bytes::copy_from_slice(v)),
            Some(_) => Err(INVALID),
        }
    }
    fn encode(value: &Bytes) -> Raw {
        Raw::CStr(value.clone())
    }
    fn check(value: &Bytes) -> Result<()> {
        if value.len() > 255 {
            return Err(INVALID);
        }
        Ok(())
    }
    fn after_set(value: &Bytes, socket: &mut Options) {
        if value.is_empty() {
            socket.mechanism = SecurityMechanism::Null;
        } else {
            socket.mechanism = SecurityMechanism::Plain;
            socket.plain_server = false;
        }
        socket.curve_server = false;
    }
}

/// ZAP_DOMAIN: up to 255 bytes; empty (or NULL) is no domain.
pub(crate) struct ZapDomain;

impl Codec<Bytes> for ZapDomain {
    fn decode(input: Input<'_>) -> Result<Bytes> {
        match input {
            None => Ok(Bytes::new()),
            Some(v) if v.len() <= 255 => Ok(Bytes::copy_from_slice(v)),
            Some(_) => Err(INVALID),
        }
    }
    fn encode(value: &Bytes) -> Raw {
        Raw::CStr(value.clone())
    }
    fn check(value: &Bytes) -> Result<()> {
        if value.len() > 255 {
            return Err(INVALID);
        }
        Ok(())
    }
}
