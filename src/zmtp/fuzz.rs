//! Fuzz entry points: pure functions over arbitrary bytes that must never panic, called by
//! the cargo-fuzz targets in `fuzz/` and by the seeded tests below.

use bytes::Bytes;

use super::command::Command;
use super::engine::{Engine, EngineConfig};
use super::frame;
use super::greeting;
use super::mechanism::{self, Security, null, properties};
use crate::message::Message;
use crate::socket_type::SocketType;

/// MAXMSGSIZE used while fuzzing, so announced sizes are checked like a configured socket's.
const FUZZ_MAX_MSG_SIZE: u64 = 1 << 20;

/// Feeds `data` as frames to a PULL engine that has completed its handshake with a PUSH peer.
pub fn fuzz_frames(data: &[u8]) {
    let mut engine = engine(SocketType::Pull);
    engine.handle_input(&peer_preamble(SocketType::Push));
    drain(&mut engine);
    engine.handle_input(data);
    drain(&mut engine);
}

/// Feeds `data` from its first byte to fresh PULL and PUSH engines, in several chunkings
/// (one derived from `data[0]`), sending a little after each chunk once ready.
pub fn fuzz_engine(data: &[u8]) {
    let derived = 1 + usize::from(data.first().copied().unwrap_or(0) % 16);
    for socket_type in [SocketType::Pull, SocketType::Push] {
        for chunk in [derived, 7, data.len().max(1)] {
            let mut engine = engine(socket_type);
            for piece in data.chunks(chunk) {
                engine.handle_input(piece);
                drain(&mut engine);
                if engine.is_ready() {
                    engine.send(&Message::single(Bytes::copy_from_slice(piece)));
                    engine.send_subscription(piece.first() != Some(&0), piece);
                }
                if engine.is_closed() {
                    break;
                }
            }
        }
    }
}

/// Checks `data` as a peer's greeting: every prefix as it would arrive, then the whole.
/// A greeting that decodes must have passed every partial check on the way, and the NULL
/// mechanism check must agree with the mechanism name.
pub fn fuzz_greeting(data: &[u8]) {
    let head = data.get(..greeting::GREETING_LEN).unwrap_or(data);
    let first_bad = (0..=head.len()).find(|&n| greeting::check_partial(&head[..n]).is_err());
    let Ok(raw) = <[u8; greeting::GREETING_LEN]>::try_from(head) else {
        return;
    };
    match greeting::decode(&raw) {
        Ok(g) => {
            assert_eq!(first_bad, None, "decoded after a failed partial check");
            assert!(g.major >= greeting::MAJOR);
            assert!(g.effective_minor() <= g.minor.max(greeting::MINOR));
            let null = mechanism::check_peer_mechanism(&Security::Null, &g).is_ok();
            assert_eq!(null, g.mechanism_name() == null::MECHANISM.as_bytes());
        }
        Err(_) => assert!(first_bad.is_some(), "refused whole, accepted in part"),
    }
}

/// Parses `data` as a command frame's body (the command and READY metadata parsers), and
/// checks that what parses encodes back to the same command. READY properties are also
/// judged as every socket type would judge them.
pub fn fuzz_command(data: &[u8]) {
    let Ok(cmd) = Command::decode(Bytes::copy_from_slice(data)) else {
        return;
    };
    // ERROR reasons and unknown names are decoded lossily and cut to 255 bytes when sent, so
    // they need not survive a round trip; everything else must.
    let exact = match &cmd {
        Command::Ready(props) => props.iter().all(|(k, _)| k.len() <= usize::from(u8::MAX)),
        Command::Error(_) | Command::Unknown { .. } => false,
        _ => true,
    };
    let encoded = cmd.to_bytes();
    let header = frame::decode_header(&encoded).ok().flatten();
    let body = header.map(|h| encoded.slice(h.header_len..));
    let again = body.map(Command::decode);
    if exact {
        assert_eq!(again, Some(Ok(cmd.clone())), "round trip of {data:?}");
    }
    if let Command::Ready(props) = cmd {
        for ours in SocketType::ALL {
            if let Ok(peer) = properties::accept_ready(ours, props.clone(), 1) {
                assert!(ours.is_compatible(peer.socket_type));
            }
        }
    }
}

/// Feeds `data[1..]` to an engine of the socket type `data[0]` picks, in both positions of
/// a connection: once from the first greeting byte on (as whichever end it is, the bytes are
/// the other end's), and once after a compatible peer's complete handshake, sending
/// messages and subscriptions between chunks.
pub fn fuzz_engine_roles(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let ours = SocketType::ALL[usize::from(pick) % SocketType::ALL.len()];
    let peer = SocketType::ALL
        .iter()
        .copied()
        .find(|&t| ours.is_compatible(t))
        .unwrap_or(ours);
    let chunk = 1 + usize::from(pick >> 4);
    for preamble in [Vec::new(), peer_preamble(peer)] {
        let mut engine = engine(ours);
        engine.handle_input(&preamble);
        drain(&mut engine);
        for piece in rest.chunks(chunk) {
            engine.handle_input(piece);
            drain(&mut engine);
            if engine.is_closed() {
                break;
            }
            if engine.is_ready() {
                engine.send(&Message::from(vec![piece.to_vec(), b"x".to_vec()]));
                engine.send_subscription(piece.len() % 2 == 0, piece);
            }
        }
    }
}

/// A peer's opening bytes: NULL greeting, then READY for `socket_type`.
pub(crate) fn peer_preamble(socket_type: SocketType) -> Vec<u8> {
    let mut bytes = greeting::encode(null::MECHANISM, false).to_vec();
    bytes.extend_from_slice(&properties::ready(socket_type, &Bytes::new()).to_bytes());
    bytes
}

fn engine(socket_type: SocketType) -> Engine {
    let config = EngineConfig {
        max_msg_size: Some(FUZZ_MAX_MSG_SIZE),
        handshake_ivl: None,
        ..EngineConfig::new(socket_type)
    };
    Engine::with_deadline(config, None)
}

/// Polls until the engine wants input or fails; every event consumes input, so this ends.
fn drain(engine: &mut Engine) {
    while let Ok(Some(_)) = engine.poll() {}
    let written = engine.outbuf().len();
    engine.outbuf().advance(written);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ping whose context is `context`, for seeds.
    fn ping(context: &'static [u8]) -> Bytes {
        Command::Ping {
            ttl: 100,
            context: Bytes::from_static(context),
        }
        .to_bytes()
    }

    /// Numerical Recipes' LCG: deterministic inputs without a rand dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }

        fn below(&mut self, n: u32) -> usize {
            (self.next() % n) as usize
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    fn seeds() -> Vec<Vec<u8>> {
        let preamble = peer_preamble(SocketType::Push);
        let mut huge = preamble.clone();
        huge.extend_from_slice(&[0x02, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        let mut lcg = Lcg(42);
        vec![
            Vec::new(),
            greeting::encode("NULL", false).to_vec(),
            greeting::encode("NULL", false)[..30].to_vec(),
            preamble.clone(),
            [&preamble[..], b"\x00\x05hello\x01\x05hello\x00\x00"].concat(),
            [&preamble[..], b"\x04\x0b\x09SUBSCRIBEA", &ping(b"x")[..]].concat(),
            [&preamble[..], b"\x04\x06\x04PONGx\x00\x02\x01\x41"].concat(),
            huge,
            [0x02, 0x80, 0, 0, 0, 0, 0, 0, 0].to_vec(),
            lcg.bytes(200),
            [&greeting::encode("NULL", false)[..], &lcg.bytes(100)[..]].concat(),
        ]
    }

    #[test]
    fn fuzz_entry_points_survive_seed_inputs() {
        for seed in seeds() {
            fuzz_frames(&seed);
            fuzz_engine(&seed);
            fuzz_greeting(&seed);
            fuzz_command(&seed);
            fuzz_engine_roles(&seed);
            // The same bytes as the body of the first command, if there is one.
            fuzz_command(seed.get(66..).unwrap_or_default());
        }
    }

    #[test]
    fn fuzz_entry_points_survive_seeded_random_inputs() {
        let mut lcg = Lcg(0x5eed);
        let preamble = peer_preamble(SocketType::Push);
        let frames = [
            &b"\x01\x03abc"[..],
            b"\x00\x00",
            b"\x04\x05\x04PONG",
            &ping(b"ctx"),
        ];
        for i in 0..3000 {
            let len = lcg.below(64);
            let mut input = match i % 3 {
                0 => Vec::new(),
                1 => preamble.clone(),
                _ => preamble[..lcg.below(preamble.len() as u32)].to_vec(),
            };
            // Valid frames mixed with random bytes reach deeper states than noise alone.
            for _ in 0..lcg.below(4) {
                input.extend_from_slice(frames[lcg.below(frames.len() as u32)]);
            }
            input.extend_from_slice(&lcg.bytes(len));
            fuzz_frames(&input[input.len() - len..]);
            fuzz_engine(&input);
            fuzz_greeting(&input);
            fuzz_command(&input[input.len() - len..]);
            fuzz_engine_roles(&input[input.len() - len..]);
            let mut roles = vec![i as u8];
            roles.extend_from_slice(&input);
            fuzz_engine_roles(&roles);
        }
    }

    #[test]
    fn random_messages_survive_random_chunking() {
        let mut lcg = Lcg(7);
        let mut sender = engine(SocketType::Push);
        let mut receiver = engine(SocketType::Pull);
        sender.handle_input(&peer_preamble(SocketType::Pull));
        receiver.handle_input(&peer_preamble(SocketType::Push));
        drain(&mut sender);
        drain(&mut receiver);
        let mut sent = Vec::new();
        for _ in 0..300 {
            let parts = 1 + lcg.below(4);
            let msg: Message = (0..parts)
                .map(|_| {
                    let len = match lcg.below(10) {
                        0 => frame::ZERO_COPY_MIN + lcg.below(5000),
                        1..=3 => 250 + lcg.below(10),
                        _ => lcg.below(40),
                    };
                    Bytes::from(lcg.bytes(len))
                })
                .collect();
            sender.send(&msg);
            sent.push(msg);
        }
        let bytes = sender.outbuf().to_vec();
        let mut received = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let end = (pos + 1 + lcg.below(3000)).min(bytes.len());
            receiver.handle_input(&bytes[pos..end]);
            pos = end;
            while let Some(event) = receiver.poll().unwrap() {
                let crate::zmtp::Event::Message(msg) = event else {
                    panic!("{event:?}")
                };
                received.push(msg);
            }
        }
        assert_eq!(received, sent);
    }
}
