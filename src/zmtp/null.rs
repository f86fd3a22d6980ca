//! The NULL security mechanism: no authentication, just one READY each way (RFC 37, "The
//! NULL Security Mechanism").

use bytes::Bytes;

use super::ProtocolError;
use super::command::Command;
use super::engine::PeerInfo;
use super::greeting::Greeting;
use crate::socket_type::SocketType;

/// The mechanism name in the greeting.
pub const MECHANISM: &str = "NULL";
/// The READY property naming the sender's socket type.
pub const SOCKET_TYPE: &str = "Socket-Type";
/// The READY property carrying the sender's routing id.
pub const IDENTITY: &str = "Identity";
/// The ERROR reason we send to a peer whose socket type cannot talk to ours.
pub const INCOMPATIBLE_REASON: &str = "incompatible socket type";

/// Mechanisms other ZMTP peers may name; any other name is garbage rather than a mismatch.
const KNOWN_MECHANISMS: [&str; 3] = ["PLAIN", "CURVE", "GSSAPI"];

/// Checks that the peer's greeting names NULL too: "the peers MUST use the same mechanism".
pub fn check_mechanism(greeting: &Greeting) -> Result<(), ProtocolError> {
    if greeting.mechanism_is(MECHANISM) {
        Ok(())
    } else if KNOWN_MECHANISMS.iter().any(|m| greeting.mechanism_is(m)) {
        Err(ProtocolError::MechanismMismatch)
    } else {
        Err(ProtocolError::UnknownMechanism)
    }
}

/// Our READY: Socket-Type always, Identity for the types a ROUTER may address (as libzmq).
pub fn ready(socket_type: SocketType, routing_id: &Bytes) -> Command {
    let mut props = Vec::with_capacity(2);
    props.push((
        SOCKET_TYPE.to_owned(),
        Bytes::from_static(socket_type.wire_name().as_bytes()),
    ));
    if socket_type.sends_identity() {
        props.push((IDENTITY.to_owned(), routing_id.clone()));
    }
    Command::Ready(props)
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
    use crate::zmtp::greeting;

    fn props(list: &[(&str, &'static [u8])]) -> Vec<(String, Bytes)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), Bytes::from_static(v)))
            .collect()
    }

    #[test]
    fn null_greeting_is_accepted_and_plain_is_a_mismatch() {
        let g = greeting::decode(&greeting::encode("NULL", false)).unwrap();
        assert_eq!(check_mechanism(&g), Ok(()));
        let g = greeting::decode(&greeting::encode("PLAIN", false)).unwrap();
        assert_eq!(check_mechanism(&g), Err(ProtocolError::MechanismMismatch));
        let g = greeting::decode(&greeting::encode("BOGUS", false)).unwrap();
        assert_eq!(check_mechanism(&g), Err(ProtocolError::UnknownMechanism));
    }

    #[test]
    fn ready_carries_identity_only_for_addressable_types() {
        let id = Bytes::from_static(b"abc");
        let Command::Ready(p) = ready(SocketType::Dealer, &id) else {
            panic!()
        };
        assert_eq!(
            p,
            props(&[("Socket-Type", b"DEALER"), ("Identity", b"abc")])
        );
        let Command::Ready(p) = ready(SocketType::Push, &id) else {
            panic!()
        };
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
}
