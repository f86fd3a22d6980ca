//! Test support shared by test targets and benches: a test target takes it with
//! `mod support;`, a bench with `#[path = "../tests/support/mod.rs"] mod support;`.
// Each user takes a part: what one leaves unused is not dead.
#![allow(dead_code, unused_imports, unused_macros)]

pub mod interop;
pub mod libsodium;
pub mod libzmq_curve;
pub mod parallel;
pub mod security_peer;
pub mod vendor;
