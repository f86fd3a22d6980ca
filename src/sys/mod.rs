//! The operating-system calls that need `unsafe` and are not the C ABI: each one small,
//! with its `// SAFETY:` reasoning beside it and a test. Nothing here depends on `ffi`.
#![allow(unsafe_code)]

pub(crate) mod fd;
pub(crate) mod heap;
pub(crate) mod peercred;
pub(crate) mod thread;
