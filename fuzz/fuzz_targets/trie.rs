//! The subscription trie against a map of prefixes with counts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrozmq::routing::fuzz_trie(data);
});
