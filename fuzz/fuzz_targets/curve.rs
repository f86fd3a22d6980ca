//! CURVE server and client engines: arbitrary bytes after a valid greeting, or a real
//! handshake relayed through edits (see `ferrozmq::zmtp::fuzz_curve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_curve(data);
});
