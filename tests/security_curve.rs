//! CURVE end to end, ferrozmq with ferrozmq over tcp and ipc.

mod common;

use std::time::Duration;

use common::{Transport, endpoint};
use ferrozmq::{Context, CurveKeyPair, Pull, Push};

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn curve_client_and_server_exchange_messages_without_a_zap_handler() {
    for transport in [Transport::Tcp, Transport::Ipc] {
        let ctx = Context::new();
        let server_keys = CurveKeyPair::generate().unwrap();
        let client_keys = CurveKeyPair::generate().unwrap();
        let pull = Pull::new(&ctx).unwrap();
        pull.set_curve_server(true).unwrap();
        pull.set_curve_secret_key(server_keys.secret.clone())
            .unwrap();
        pull.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        pull.bind(&endpoint(transport)).unwrap();
        let push = Push::new(&ctx).unwrap();
        push.set_linger(Some(Duration::ZERO)).unwrap();
        push.set_curve_server_key(server_keys.public).unwrap();
        push.set_curve_public_key(client_keys.public).unwrap();
        push.set_curve_secret_key(client_keys.secret.clone())
            .unwrap();
        push.connect(&pull.last_endpoint().unwrap()).unwrap();
        push.send(vec!["a", "bc"]).unwrap();
        let msg = pull.recv().expect("the message arrives");
        assert_eq!(msg.frames().len(), 2);
        assert_eq!(&msg.frames()[1][..], b"bc");
    }
}
