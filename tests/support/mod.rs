//! Test support shared by test targets and benches: a test target takes it with
//! `mod support;`, a bench with `#[path = "../tests/support/mod.rs"] mod support;`.
#![allow(dead_code)]

pub mod libzmq_curve;
pub mod security_peer;
pub mod vendor;
