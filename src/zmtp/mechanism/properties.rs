//! The metadata every mechanism exchanges (READY, PLAIN's INITIATE, CURVE's boxes): the
//! property list's wire form, our basic properties, and the checks of the peer's.

use bytes::Bytes;

use crate::socket_type::SocketType;
use crate::zmtp::ProtocolError;
use crate::zmtp::command::Command;
use crate::zmtp::engine::PeerInfo;

/// The READY property naming the sender's socket type.
pub const SOCKET_TYPE: &str = "Socket-Type";
/// The READY property carrying the sender's routing id.
pub const IDENTITY: &str = "Identity";
/// The ERROR reason we send to a peer whose socket type cannot talk to ours.
pub const INCOMPATIBLE_REASON: &str = "incompatible socket type";

/// Our READY: Socket-Type always, Identity for the types a ROUTER may address (as libzmq).
pub fn ready(socket_type: SocketType, routing_id: &Bytes) -> Command {
    Command::Ready(basic(socket_type, routing_id))
}

/// Our basic properties, the ones libzmq sends in every mechanism's metadata.
pub fn basic(socket_type: SocketType, routing_id: &Bytes) -> Vec<(String, Bytes)> {
    let mut props = Vec::with_capacity(2);
    props.push((
        SOCKET_TYPE.to_owned(),
        Bytes::from_static(socket_type.wire_name().as_bytes()),
    ));
    if socket_type.sends_identity() {
        props.push((IDENTITY.to_owned(), routing_id.clone()));
    }
    props
}

/// Appends `props` in the wire form: `name length (1) | name | value length (4, BE) | value`
/// each. Properties the form cannot carry (a name over 255 bytes) are skipped.
pub fn encode(props: &[(String, Bytes)], out: &mut Vec<u8>) {
    for (key, value) in props.iter().filter(|(k, v)| encodable(k, v)) {
        out.push(key.len() as u8);
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
}

/// Whether a property fits the wire form.
pub fn encodable(key: &str, value: &Bytes) -> bool {
    key.len() <= usize::from(u8::MAX) && u32::try_from(value.len()).is_ok()
}

/// Parses a property list; values are slices of `data`, not copies.
pub fn decode(data: &Bytes) -> Result<Vec<(String, Bytes)>, ProtocolError> {
    let mut props = Vec::new();
    let mut pos = 0;
    while let Some(&name_len) = data.get(pos) {
        let name_end = pos + 1 + usize::from(name_len);
        let name = data
            .get(pos + 1..name_end)
            .ok_or(ProtocolError::MalformedCommand("truncated property name"))?;
        let value_len = data
            .get(name_end..)
            .and_then(|rest| rest.first_chunk::<4>())
            .ok_or(ProtocolError::MalformedCommand("truncated property length"))?;
        let value_start = name_end + 4;
        let value_end = usize::try_from(u32::from_be_bytes(*value_len))
            .ok()
            .and_then(|len| value_start.checked_add(len))
            .filter(|&end| end <= data.len())
            .ok_or(ProtocolError::MalformedCommand("truncated property value"))?;
        let name = String::from_utf8_lossy(name).into_owned();
        props.push((name, data.slice(value_start..value_end)));
        pos = value_end;
    }
    Ok(props)
}

/// Validates the peer's READY properties against our socket type.
///
/// Property names compare case-insensitively (RFC 37); the first occurrence of a name wins,
/// and every Socket-Type must name the same type.
/// All properties, known or not, are kept in [`PeerInfo::properties`] as metadata.
pub fn accept_ready(
    ours: SocketType,
    properties: Vec<(String, Bytes)>,
    minor: u8,
) -> Result<PeerInfo, ProtocolError> {
    let find = |name: &str| {
        properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let type_name = find(SOCKET_TYPE).ok_or(ProtocolError::MissingSocketType)?;
    // libzmq checks every Socket-Type it is sent, so a READY naming two types is refused
    // rather than judged by whichever comes first.
    if let Some((_, other)) = properties
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(SOCKET_TYPE) && *v != type_name)
    {
        return Err(ProtocolError::IncompatibleSocketType(
            String::from_utf8_lossy(other).into_owned(),
        ));
    }
    let socket_type = SocketType::from_wire_name(&type_name)
        .filter(|&theirs| ours.is_compatible(theirs))
        .ok_or_else(|| {
            ProtocolError::IncompatibleSocketType(String::from_utf8_lossy(&type_name).into_owned())
        })?;
    let identity = find(IDENTITY).unwrap_or_default();
    Ok(PeerInfo {
        socket_type,
        identity,
        properties,
        minor,
    })
}

/// The ERROR command to send before closing on `err`, when the peer deserves a reason.
pub fn refusal(err: &ProtocolError) -> Option<Command> {
    match err {
        ProtocolError::IncompatibleSocketType(_) => {
            Some(Command::Error(INCOMPATIBLE_REASON.to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(list: &[(&str, &'static [u8])]) -> Vec<(String, Bytes)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), Bytes::from_static(v)))
            .collect()
    }

    #[test]
    fn ready_carries_identity_only_for_addressable_types() {
        let id = Bytes::from_static(b"abc");
        let p = basic(SocketType::Dealer, &id);
        assert_eq!(
            p,
            props(&[("Socket-Type", b"DEALER"), ("Identity", b"abc")])
        );
        let p = basic(SocketType::Push, &id);
        assert_eq!(p, props(&[("Socket-Type", b"PUSH")]));
    }

    #[test]
    fn property_names_compare_case_insensitively_and_unknown_ones_are_kept() {
        let list = props(&[
            ("socket-TYPE", b"ROUTER"),
            ("X-Foo", b"1"),
            ("IDENTITY", b"me"),
        ]);
        let peer = accept_ready(SocketType::Dealer, list.clone(), 1).unwrap();
        assert_eq!(peer.socket_type, SocketType::Router);
        assert_eq!(&peer.identity[..], b"me");
        assert_eq!(peer.properties, list);
        assert_eq!(peer.minor, 1);
    }

    #[test]
    fn ready_naming_two_different_socket_types_is_refused() {
        let list = props(&[("Socket-Type", b"PUSH"), ("Socket-Type", b"PULL")]);
        let err = accept_ready(SocketType::Pull, list, 1);
        assert_eq!(
            err,
            Err(ProtocolError::IncompatibleSocketType("PULL".into()))
        );
        let list = props(&[("Socket-Type", b"PUSH"), ("socket-type", b"PUSH")]);
        assert!(accept_ready(SocketType::Pull, list, 1).is_ok());
    }

    #[test]
    fn ready_without_socket_type_is_rejected() {
        let err = accept_ready(SocketType::Pull, props(&[("Identity", b"")]), 1);
        assert_eq!(err, Err(ProtocolError::MissingSocketType));
    }

    #[test]
    fn incompatible_or_unknown_socket_type_is_refused_with_error() {
        let err = accept_ready(SocketType::Pull, props(&[("Socket-Type", b"PULL")]), 1);
        assert_eq!(
            err,
            Err(ProtocolError::IncompatibleSocketType("PULL".into()))
        );
        let err = accept_ready(SocketType::Pull, props(&[("Socket-Type", b"push")]), 1);
        let err = err.unwrap_err();
        assert_eq!(err, ProtocolError::IncompatibleSocketType("push".into()));
        assert!(matches!(refusal(&err), Some(Command::Error(_))));
        assert_eq!(refusal(&ProtocolError::MissingSocketType), None);
    }

    #[test]
    fn properties_survive_encoding_and_decoding() {
        let list = props(&[("Socket-Type", b"DEALER"), ("Identity", b""), ("X", b"y")]);
        let mut wire = Vec::new();
        encode(&list, &mut wire);
        assert_eq!(&wire[..12], b"\x0bSocket-Type");
        assert_eq!(decode(&Bytes::from(wire)).unwrap(), list);
        assert!(decode(&Bytes::from_static(b"\x05Hel")).is_err());
    }
}
