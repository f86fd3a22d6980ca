//! Handing freed heap memory back to the system.
//!
//! glibc keeps what a program frees for its next allocations, so the memory of a thousand
//! closed connections would stay resident for good (libzmq's does). The I/O threads call
//! [`trim`] after many connections have closed, and `malloc_trim` returns the free pages.

/// Returns free heap pages to the kernel; a no-op where the C library has no `malloc_trim`.
pub(crate) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and touches only the allocator's own state,
    // under the allocator's locks; glibc documents it as safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
