//! Fuzz entry points for the security handshakes and the ZAP reply parser: pure functions
//! over arbitrary bytes that must never panic (the cargo-fuzz targets `plain` and
//! `zap_reply` call them, and tests/fuzz_seeds.rs replays their seeds).

use bytes::Bytes;

use super::engine::{Engine, EngineConfig, Event};
use super::greeting;
use super::mechanism::{Security, plain};
use super::zap::ZapReply;
use crate::message::Message;
use crate::socket_type::SocketType;

/// Feeds `data`, after a valid PLAIN greeting, to a PLAIN server and a PLAIN client engine.
/// Every ZAP request is answered by a reply built from the data (none, accepting, refusing
/// or garbage), and once ready the engines send a message back.
pub fn fuzz_plain(data: &[u8]) {
    let answer = data.first().copied().unwrap_or(0);
    for server in [true, false] {
        let config = EngineConfig {
            handshake_ivl: None,
            security: Security::Plain {
                server,
                username: Bytes::from_static(b"admin"),
                password: Bytes::from_static(b"secret"),
            },
            zap_domain: Bytes::from_static(b"fuzz"),
            ..EngineConfig::new(if server {
                SocketType::Router
            } else {
                SocketType::Dealer
            })
        };
        let mut engine = Engine::with_deadline(config, None);
        engine.handle_input(&greeting::encode(plain::MECHANISM, !server));
        for piece in data.chunks(1 + usize::from(answer % 32)) {
            engine.handle_input(piece);
            loop {
                match engine.poll() {
                    Ok(Some(Event::ZapRequest(_))) => {
                        let reply = zap_answer(answer, data);
                        if engine.zap_reply(reply.as_ref()).is_err() {
                            break;
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            if after_input(&mut engine, piece) {
                break;
            }
        }
    }
}

/// A ZAP handler's answer picked by `choice`: none bound, 200, 400, or frames from `data`.
pub(super) fn zap_answer(choice: u8, data: &[u8]) -> Option<Message> {
    let frames = |status: &'static [u8]| {
        let f: [&'static [u8]; 7] = [b"", b"1.0", b"1", status, b"", b"user", b""];
        Message::from(f.iter().map(|s| Bytes::from_static(s)).collect::<Vec<_>>())
    };
    match choice % 4 {
        0 => None,
        1 => Some(frames(b"200")),
        2 => Some(frames(b"400")),
        _ => Some(message_from(data)),
    }
}

/// Splits `data` into frames, each a length byte and that many bytes.
/// Between two pieces of a peer's input: drops what the engine wrote, sends the piece as a
/// message once the handshake is done; whether the engine has closed.
pub(super) fn after_input(engine: &mut Engine, piece: &[u8]) -> bool {
    let written = engine.outbuf().len();
    engine.outbuf().advance(written);
    if engine.is_ready() {
        engine.send(&Message::single(Bytes::copy_from_slice(piece)));
    }
    engine.is_closed()
}

fn message_from(data: &[u8]) -> Message {
    let mut frames = Vec::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let take = usize::from(len).min(tail.len());
        frames.push(Bytes::copy_from_slice(&tail[..take]));
        rest = &tail[take..];
    }
    Message::from(frames)
}

/// Parses `data` (frames as length-prefixed chunks) as a ZAP handler's reply: it either
/// parses into a status libzmq accepts or is refused with one of libzmq's ZAP codes.
pub fn fuzz_zap_reply(data: &[u8]) {
    let msg = message_from(data);
    match ZapReply::parse(&msg) {
        Ok(reply) => assert!(matches!(reply.status, 200 | 300 | 400 | 500)),
        Err(super::ProtocolError::Zap(code)) => {
            assert!((0x2000_0000..=0x2000_0005).contains(&code))
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_plain_handshake_survives_the_plain_fuzz_entry() {
        let mut data = vec![1u8];
        data.extend_from_slice(b"\x04\x28\x05HELLO\x05admin\x06secret");
        fuzz_plain(&data);
        fuzz_plain(&[]);
        fuzz_plain(&[3, 0xff, 0xff, 0x04]);
    }

    #[test]
    fn the_accepting_seed_takes_a_plain_server_engine_to_ready() {
        let seed = include_bytes!("../../fuzz/seeds/plain/server_accepts");
        let config = EngineConfig {
            security: Security::Plain {
                server: true,
                username: Bytes::new(),
                password: Bytes::new(),
            },
            ..EngineConfig::new(SocketType::Router)
        };
        let mut engine = Engine::with_deadline(config, None);
        engine.handle_input(&greeting::encode(plain::MECHANISM, false));
        engine.handle_input(&seed[1..]);
        let Ok(Some(Event::ZapRequest(req))) = engine.poll() else {
            panic!("the HELLO asks ZAP");
        };
        assert_eq!(req.credentials, [&b"admin"[..], b"secret"]);
        engine.zap_reply(zap_answer(1, &[]).as_ref()).unwrap();
        let Ok(Some(Event::Ready(peer))) = engine.poll() else {
            panic!("the INITIATE completes the handshake");
        };
        assert_eq!(peer.socket_type, SocketType::Dealer);
        assert!(matches!(engine.poll(), Ok(Some(Event::Message(_)))));
    }

    #[test]
    fn zap_replies_of_any_shape_parse_or_are_refused_with_a_zap_code() {
        fuzz_zap_reply(b"\x00\x031.0\x011\x03200\x00\x00\x00");
        fuzz_zap_reply(b"");
        fuzz_zap_reply(b"\xff\x01");
    }
}
