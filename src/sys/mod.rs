//! The operating-system calls that need `unsafe` and are not the C ABI, and the one call
//! into code compiled for AVX2 (`simd`): each one small, with its `// SAFETY:` reasoning
//! beside it and a test. Nothing here depends on `ffi`.
#![allow(unsafe_code)]

pub(crate) mod fd;
pub(crate) mod heap;
pub(crate) mod lock;
pub(crate) mod peercred;
#[cfg_attr(fuzzing, allow(dead_code))] // its one user, the real cipher, is out of fuzz builds
pub(crate) mod simd;
pub(crate) mod spsc;
pub(crate) mod thread;
