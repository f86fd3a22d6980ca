//! PLAIN server and client engines after a valid greeting, with every ZAP answer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_plain(data);
});
