//! Security interop with a real libzmq 4.3.4 built with CURVE (tests/support/libzmq_curve.rs)
//! through tests/c/security_peer.c: NULL with and without ZAP, and PLAIN, with ferrozmq as
//! the server and libzmq as the client (ferrozmq_server.rs) and the reverse
//! (libzmq_server.rs), over tcp and ipc, with and without a ZAP handler on the server's
//! side, with good and bad credentials. Where libzmq's behaviour is the reference (error
//! codes, which side sees what), the expectations are what two libzmq peers do in the same
//! case, as the peer program shows when it runs against itself.
//!
//! CURVE between ferrozmq and libzmq is tests/pending/security_interop_curve.rs; here the
//! CURVE build only proves itself against itself.

mod common;
mod support;

#[path = "security_interop/ferrozmq_server.rs"]
mod ferrozmq_server;
#[path = "security_interop/libzmq_server.rs"]
mod libzmq_server;

use ferrozmq::{Monitor, MonitorEvent};
use support::interop::*;
use support::security_peer::{Outcome, Peer, libzmq_keypair};

// libzmq's PLAIN ERROR. libzmq 4.3.4 writes the name of PLAIN's ERROR command as the C
// literal "\x05ERROR", whose hex escape swallows the E: on the wire it is "^RROR" (0x5e, no
// length byte), and its PLAIN client recognises only that
// (libzmq_server::libzmq_plain_server_sends_its_error_command_as_caret_rror shows the bytes).
// ferrozmq's PLAIN server sends that spelling and its client takes both, so a PLAIN client
// refused across the two reports the ZAP status (HANDSHAKE_FAILED_AUTH, 400), as between two
// libzmq peers. NULL and CURVE spell ERROR as RFC 23 does.

over_tcp_and_ipc! {
    /// The CURVE build works: two libzmq peers talk CURVE, the server's ZAP handler sees
    /// the client's public key, lets it in and names it; a client with another key pair is
    /// refused with 400 on both sides.
    fn curve_between_two_libzmq_peers_authenticates_by_client_key(t: Transport) {
        let (server_public, server_secret) = libzmq_keypair();
        let (client_public, client_secret) = libzmq_keypair();
        let (stranger_public, stranger_secret) = libzmq_keypair();
        let serve = || {
            Peer::server(
                "PULL",
                &bind_at(t),
                &[
                    "mech=curve",
                    &format!("secret={server_secret}"),
                    "zap=curve",
                    &format!("zap_key={client_public}"),
                    "user_id=alice",
                ],
            )
        };
        let client = |at: &str, public: &str, secret: &str| {
            Peer::client(
                "PUSH",
                at,
                &[
                    "mech=curve",
                    &format!("public={public}"),
                    &format!("secret={secret}"),
                    &format!("server_key={server_public}"),
                    "send=sealed",
                ],
            )
        };

        let (server, at) = serve();
        let sender = client(&at, &client_public, &client_secret);
        let seen = server.finish();
        let expected = Outcome::Ok {
            received: "sealed".into(),
            user_id: Some("alice".into()),
        };
        assert_eq!(seen.outcome, expected, "{:?}", seen.lines);
        assert_eq!(seen.zap[0].mechanism, "CURVE");
        assert_eq!(seen.zap[0].credentials, std::slice::from_ref(&client_public));
        assert!(matches!(sender.finish().outcome, Outcome::Ok { .. }));

        let (server, at) = serve();
        let stranger = client(&at, &stranger_public, &stranger_secret);
        let refused = Outcome::HandshakeFailed {
            event: HANDSHAKE_FAILED_AUTH,
            value: 400,
        };
        assert_eq!(server.finish().outcome, refused);
        assert_eq!(stranger.finish().outcome, refused);
    }
}
