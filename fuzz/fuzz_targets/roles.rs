//! The engine as every socket type (picked by the first byte), before and after a compatible
//! peer's handshake, sending messages and subscriptions between chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_engine_roles(data);
});
