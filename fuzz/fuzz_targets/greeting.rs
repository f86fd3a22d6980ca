//! The 64-byte greeting, checked byte by byte as it arrives and then whole.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_greeting(data);
});
