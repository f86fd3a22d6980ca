//! Replays every seed in fuzz/seeds/<target>/ through the entry point its cargo-fuzz target
//! calls, so the seeds (and any finding added to them) run on every `cargo test`, without
//! the nightly toolchain.

use std::path::Path;

/// A fuzz entry point: any bytes, no panic.
type Entry = fn(&[u8]);

/// The seed directories and the entry points their targets call.
const TARGETS: [(&str, Entry); 9] = [
    ("frames", ferrozmq::zmtp::fuzz_frames),
    ("engine", ferrozmq::zmtp::fuzz_engine),
    ("greeting", ferrozmq::zmtp::fuzz_greeting),
    ("command", ferrozmq::zmtp::fuzz_command),
    ("roles", ferrozmq::zmtp::fuzz_engine_roles),
    ("trie", ferrozmq::routing::fuzz_trie),
    ("plain", ferrozmq::zmtp::fuzz_plain),
    ("zap_reply", ferrozmq::zmtp::fuzz_zap_reply),
    ("curve", ferrozmq::zmtp::fuzz_curve),
];

#[test]
fn every_fuzz_seed_runs_through_its_entry_point_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, entry) in TARGETS {
        let dir = root.join(target);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seeds for {target}");
        for seed in &seeds {
            let data = std::fs::read(seed).unwrap();
            entry(&data);
        }
        eprintln!("{target}: {} seeds", seeds.len());
    }
}
