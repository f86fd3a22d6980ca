//! Frame decoder after a completed NULL handshake (PULL engine, PUSH peer).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_frames(data);
});
