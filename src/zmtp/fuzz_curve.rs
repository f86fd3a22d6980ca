//! The fuzz entry point for CURVE (the cargo-fuzz target `curve`; tests/fuzz_seeds.rs
//! replays its seeds). Random bytes rarely open a box, so besides feeding arbitrary bytes
//! to both sides, it relays a real client's and server's traffic through edits the input
//! describes: every handshake step and MESSAGE then meets near-valid tampering and replays.

use bytes::Bytes;

use super::engine::{Engine, EngineConfig, Event};
use super::fuzz_security::{after_input, zap_answer};
use super::greeting;
use super::mechanism::Security;
use super::mechanism::curve::{CurveConfig, MECHANISM};
use crate::curve::{CurvePublicKey, CurveSecretKey};
use crate::message::Message;
use crate::socket_type::SocketType;

/// Drives CURVE engines with `data`. Its first byte picks the mode: even, `data` is a
/// peer's bytes after a valid CURVE greeting, fed to a server and a client engine (bits 1-2
/// pick the ZAP answer, bits 3-7 the chunk size); odd, a client and a server engine talk
/// to each other and the rest of `data` is edits of their traffic, three bytes each
/// (transfer number, offset, XOR mask; a zero mask sends that transfer twice). With no
/// edit and a ZAP handler that does not refuse, both sides must end ready with each
/// other's message and the subscription delivered.
pub fn fuzz_curve(data: &[u8]) {
    match data.split_first() {
        Some((&mode, rest)) if mode & 1 == 1 => relay(mode >> 1, rest),
        Some((&mode, rest)) => raw(mode >> 1, rest),
        None => {}
    }
}

/// The long-term keys: fixed, so a seed means the same every run.
fn config(server: bool) -> EngineConfig {
    let server_secret = CurveSecretKey::from_bytes([0x11; 32]);
    let client_secret = CurveSecretKey::from_bytes([0x22; 32]);
    let curve = if server {
        CurveConfig {
            server: true,
            public_key: server_secret.public_key(),
            secret_key: server_secret,
            server_key: CurvePublicKey::from_bytes([0; 32]),
        }
    } else {
        CurveConfig {
            server: false,
            public_key: client_secret.public_key(),
            secret_key: client_secret,
            server_key: server_secret.public_key(),
        }
    };
    EngineConfig {
        handshake_ivl: None,
        security: Security::Curve(Box::new(curve)),
        zap_domain: Bytes::from_static(b"fuzz"),
        ..EngineConfig::new(if server {
            SocketType::Router
        } else {
            SocketType::Dealer
        })
    }
}

/// What one engine delivered.
#[derive(Default)]
struct Seen {
    messages: Vec<Message>,
    subscriptions: usize,
}

/// Polls `engine` until it needs input, answering ZAP with `zap` (see [`zap_answer`]).
fn drain(engine: &mut Engine, zap: u8, data: &[u8], seen: &mut Seen) {
    loop {
        match engine.poll() {
            Ok(Some(Event::ZapRequest(_))) => {
                if engine.zap_reply(zap_answer(zap, data).as_ref()).is_err() {
                    return;
                }
            }
            Ok(Some(Event::Message(m))) => seen.messages.push(m),
            Ok(Some(Event::Subscribe(_))) => seen.subscriptions += 1,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

fn raw(choice: u8, data: &[u8]) {
    for server in [true, false] {
        let mut engine = Engine::with_deadline(config(server), None);
        engine.handle_input(&greeting::encode(MECHANISM, !server));
        let mut seen = Seen::default();
        for piece in data.chunks(1 + usize::from(choice >> 2)) {
            engine.handle_input(piece);
            drain(&mut engine, choice % 4, data, &mut seen);
            if after_input(&mut engine, piece) {
                break;
            }
        }
    }
}

fn relay(choice: u8, edits: &[u8]) {
    let zap = [1, 0, 2][usize::from(choice % 3)];
    let edits: Vec<[u8; 3]> = edits.chunks_exact(3).map(|e| [e[0], e[1], e[2]]).collect();
    let mut engines = [
        Engine::with_deadline(config(false), None),
        Engine::with_deadline(config(true), None),
    ];
    let mut seen = [Seen::default(), Seen::default()];
    let (mut transfer, mut tampered, mut sent) = (0u8, false, false);
    for _ in 0..12 {
        for from in [0, 1] {
            let to = 1 - from;
            let mut bytes = engines[from].outbuf().to_vec();
            engines[from].outbuf().advance(bytes.len());
            if bytes.is_empty() {
                continue;
            }
            let mut repeat = 1;
            for &[_, offset, mask] in edits.iter().filter(|e| e[0] == transfer) {
                tampered = true;
                match mask {
                    0 => repeat += 1,
                    m => {
                        let i = usize::from(offset) % bytes.len();
                        bytes[i] ^= m;
                    }
                }
            }
            transfer = transfer.wrapping_add(1);
            for _ in 0..repeat {
                engines[to].handle_input(&bytes);
            }
            drain(&mut engines[to], zap, &[], &mut seen[to]);
        }
        if !sent && engines.iter().all(Engine::is_ready) {
            sent = true;
            engines[0].send(&Message::from(vec!["from client", "part 2"]));
            engines[0].send_subscription(true, b"topic");
            engines[1].send(&Message::single(Bytes::from_static(b"from server")));
        }
    }
    if !tampered && zap != 2 {
        assert!(sent, "an untouched handshake completes");
        assert_eq!(seen[1].messages.len(), 1);
        assert_eq!(seen[1].messages[0].frames().len(), 2);
        assert_eq!(seen[1].subscriptions, 1);
        assert_eq!(seen[0].messages.len(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untouched_relay_completes_and_every_kind_of_edit_survives() {
        fuzz_curve(&[1]);
        fuzz_curve(&[3]);
        // Refused by ZAP, then tampered transfers: greeting, HELLO, WELCOME, a replay.
        fuzz_curve(&[5]);
        for edit in [
            [0u8, 3, 0x40],
            [1, 70, 1],
            [2, 100, 0x80],
            [5, 0, 0],
            [6, 20, 1],
        ] {
            let mut data = vec![1u8];
            data.extend_from_slice(&edit);
            fuzz_curve(&data);
        }
    }

    #[test]
    fn seeded_random_edits_of_a_relayed_handshake_never_panic() {
        let mut x: u64 = 0x0c0f_fee5;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        for _ in 0..200 {
            // Few edits, aimed at the first transfers, where the handshake is.
            let mut data = vec![next() | 1];
            for _ in 0..usize::from(next() % 3) {
                data.extend_from_slice(&[next() % 10, next(), next()]);
            }
            fuzz_curve(&data);
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_curve_greeting_are_refused_without_a_panic() {
        fuzz_curve(&[]);
        fuzz_curve(&[0, 0x04, 0xc8, 0x05, b'H', b'E', b'L', b'L', b'O']);
        fuzz_curve(&[
            2, 0x04, 0x09, 0x08, b'I', b'N', b'I', b'T', b'I', b'A', b'T', b'E',
        ]);
        fuzz_curve(&[0xf8; 300]);
    }
}
