//! Whole ZMTP engine from the first greeting byte on, as PULL and as PUSH, in several chunkings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::zmtp::fuzz_engine(data);
});
