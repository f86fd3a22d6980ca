//! The [`Authenticator`](super::Authenticator)'s decisions, as a pure function of its
//! policy and one ZAP request.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use crate::message::Message;
use crate::zmtp::zap;

/// A ZAP request as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// The ZAP domain of the socket the peer connects to.
    pub domain: String,
    /// The peer's IP address (empty for ipc).
    pub address: String,
    /// The routing id of the socket the peer connects to.
    pub identity: Bytes,
    /// "NULL", "PLAIN" or "CURVE".
    pub mechanism: String,
    /// PLAIN: user name and password; CURVE: the client's public key; NULL: none.
    pub credentials: Vec<Bytes>,
}

/// What to answer a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let the peer in; its messages carry this as their "User-Id" property.
    Allow {
        /// The user id (may be empty).
        user_id: String,
    },
    /// Refuse the peer (ZAP status 400).
    Deny,
}

type Decide = Box<dyn Fn(&AuthRequest) -> Verdict + Send>;

/// Who may connect. Domains, user names and passwords are kept as the bytes they were
/// given in and compared byte for byte (a request's domain as the UTF-8 text it is read as):
/// a user name that is not UTF-8 matches only itself.
#[derive(Default)]
pub(super) struct Policy {
    pub allow: HashSet<String>,
    pub deny: HashSet<String>,
    /// Per domain ("*" for any), user name -> password.
    pub passwords: HashMap<Bytes, HashMap<Bytes, Bytes>>,
    /// Per domain ("*" for any): `None` lets any key in, `Some` only those keys.
    pub curve: HashMap<Bytes, Option<HashSet<[u8; 32]>>>,
    pub handler: Option<Decide>,
}

impl Policy {
    fn for_domain<'a, T>(table: &'a HashMap<Bytes, T>, domain: &str) -> Option<&'a T> {
        table
            .get(domain.as_bytes())
            .or_else(|| table.get(&b"*"[..]))
    }

    /// The decision for `req`.
    pub fn decide(&self, req: &AuthRequest) -> Verdict {
        let address_ok = if self.allow.is_empty() {
            !self.deny.contains(&req.address)
        } else {
            self.allow.contains(&req.address)
        };
        if !address_ok {
            return Verdict::Deny;
        }
        if let Some(decide) = &self.handler {
            return decide(req);
        }
        let allow = |user_id: String| Verdict::Allow { user_id };
        match (req.mechanism.as_str(), &req.credentials[..]) {
            ("NULL", _) => allow(String::new()),
            ("PLAIN", [user, pass]) => {
                let known = Policy::for_domain(&self.passwords, &req.domain)
                    .and_then(|table| table.get(user));
                match known {
                    Some(p) if p == pass => allow(String::from_utf8_lossy(user).into_owned()),
                    _ => Verdict::Deny,
                }
            }
            ("CURVE", [key]) => {
                let Ok(key) = <[u8; 32]>::try_from(&key[..]) else {
                    return Verdict::Deny;
                };
                match Policy::for_domain(&self.curve, &req.domain) {
                    Some(None) => allow(z85_key(&key)),
                    Some(Some(keys)) if keys.contains(&key) => allow(z85_key(&key)),
                    _ => Verdict::Deny,
                }
            }
            _ => Verdict::Deny,
        }
    }
}

/// A CURVE client's user id: its key in Z85, as pyzmq's and czmq's authenticators give it.
fn z85_key(key: &[u8; 32]) -> String {
    crate::z85::encode(key).unwrap_or_default()
}

/// Parses a request the handler's REP socket received (the envelope already removed).
fn parse(msg: &Message) -> Option<AuthRequest> {
    let f = msg.frames();
    if f.len() < 6 || f[0][..] != *zap::VERSION {
        return None;
    }
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    Some(AuthRequest {
        domain: text(&f[2]),
        address: text(&f[3]),
        identity: f[4].clone(),
        mechanism: text(&f[5]),
        credentials: f[6..].to_vec(),
    })
}

/// The reply for one request: version, its request id, status, text, user id, metadata.
pub(super) fn answer(policy: &Policy, request: &Message) -> Message {
    let id = request.frames().get(1).cloned().unwrap_or_default();
    let (status, text, user) = match parse(request).map(|r| policy.decide(&r)) {
        Some(Verdict::Allow { user_id }) => ("200", "OK", user_id),
        Some(Verdict::Deny) => ("400", "Access denied", String::new()),
        None => ("500", "Malformed request", String::new()),
    };
    Message::from(vec![
        Bytes::from_static(zap::VERSION),
        id,
        Bytes::from_static(status.as_bytes()),
        Bytes::from_static(text.as_bytes()),
        Bytes::from(user),
        Bytes::new(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(mechanism: &str, address: &str, credentials: &[&[u8]]) -> AuthRequest {
        AuthRequest {
            domain: "global".into(),
            address: address.into(),
            identity: Bytes::new(),
            mechanism: mechanism.into(),
            credentials: credentials
                .iter()
                .map(|c| Bytes::copy_from_slice(c))
                .collect(),
        }
    }

    fn allowed(user: &str) -> Verdict {
        Verdict::Allow {
            user_id: user.into(),
        }
    }

    #[test]
    fn null_peers_are_let_in_unless_their_address_is_refused() {
        let mut p = Policy::default();
        assert_eq!(p.decide(&request("NULL", "10.0.0.1", &[])), allowed(""));
        p.deny.insert("10.0.0.1".into());
        assert_eq!(p.decide(&request("NULL", "10.0.0.1", &[])), Verdict::Deny);
        assert_eq!(p.decide(&request("NULL", "10.0.0.2", &[])), allowed(""));
    }

    #[test]
    fn an_allow_list_refuses_every_other_address_and_overrides_denials() {
        let mut p = Policy::default();
        p.allow.insert("127.0.0.1".into());
        p.deny.insert("127.0.0.1".into());
        assert_eq!(p.decide(&request("NULL", "127.0.0.1", &[])), allowed(""));
        assert_eq!(p.decide(&request("NULL", "10.0.0.1", &[])), Verdict::Deny);
    }

    #[test]
    fn plain_users_need_their_password_in_the_domain_or_the_wildcard() {
        let mut p = Policy::default();
        let table = HashMap::from([(Bytes::from("admin"), Bytes::from("secret"))]);
        p.passwords.insert(Bytes::from("*"), table);
        let ok = request("PLAIN", "", &[b"admin", b"secret"]);
        assert_eq!(p.decide(&ok), allowed("admin"));
        let bad = request("PLAIN", "", &[b"admin", b"guess"]);
        assert_eq!(p.decide(&bad), Verdict::Deny);
        let unknown = request("PLAIN", "", &[b"root", b"secret"]);
        assert_eq!(p.decide(&unknown), Verdict::Deny);
        p.passwords.insert(Bytes::from("global"), HashMap::new());
        assert_eq!(p.decide(&ok), Verdict::Deny, "the domain's own table wins");
    }

    #[test]
    fn curve_clients_are_let_in_by_key_with_their_z85_key_as_user_id() {
        let mut p = Policy::default();
        let key = [7u8; 32];
        let req = request("CURVE", "", &[&key]);
        assert_eq!(p.decide(&req), Verdict::Deny, "refused until configured");
        p.curve
            .insert(Bytes::from("*"), Some(HashSet::from([[1u8; 32]])));
        assert_eq!(p.decide(&req), Verdict::Deny);
        p.curve.insert(Bytes::from("global"), None);
        let Verdict::Allow { user_id } = p.decide(&req) else {
            panic!("any key is allowed in the domain");
        };
        assert_eq!(user_id.len(), 40);
    }

    #[test]
    fn the_z85_user_id_matches_the_spec_test_vector() {
        // RFC 32's example: 8 bytes encode as "HelloWorld".
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
        assert!(z85_key(&key).starts_with("HelloWorld"));
    }

    #[test]
    fn a_handler_decides_instead_of_the_tables_after_the_address_check() {
        let p = Policy {
            handler: Some(Box::new(|r: &AuthRequest| {
                if r.mechanism == "PLAIN" {
                    allowed("anyone")
                } else {
                    Verdict::Deny
                }
            })),
            ..Policy::default()
        };
        assert_eq!(
            p.decide(&request("PLAIN", "", &[b"x", b"y"])),
            allowed("anyone")
        );
        assert_eq!(p.decide(&request("NULL", "", &[])), Verdict::Deny);
    }

    #[test]
    fn answers_echo_the_request_id_and_refuse_malformed_requests_with_500() {
        let p = Policy::default();
        let req = Message::from(vec![
            Bytes::from_static(b"1.0"),
            Bytes::from_static(b"42"),
            Bytes::from_static(b"global"),
            Bytes::from_static(b"127.0.0.1"),
            Bytes::new(),
            Bytes::from_static(b"NULL"),
        ]);
        let reply = answer(&p, &req);
        assert_eq!(&reply.frames()[1][..], b"42");
        assert_eq!(&reply.frames()[2][..], b"200");
        let bad = Message::from(vec![Bytes::from_static(b"2.0")]);
        assert_eq!(&answer(&p, &bad).frames()[2][..], b"500");
    }
}
