//! Command bodies and READY metadata: parse, encode back, parse again; READY judged by every
//! socket type.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_command(data);
});
