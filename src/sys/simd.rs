//! Code compiled for AVX2, run where the processor has it.
//!
//! The crate is built for the x86-64 baseline, so LLVM vectorises loops to SSE2's 128
//! bits. A closure run through [`avx2`] is inlined into a function compiled with AVX2
//! enabled, so the same safe loops become 256-bit there: twice the lanes per instruction,
//! and three-operand forms that save register copies. Salsa20 (curve/salsa.rs) is the user.

/// Runs `f` with AVX2 code generation if the processor has AVX2; `None`, without running
/// it, if not. `f` gets AVX2 code only where it inlines into this call: its body should
/// be `#[inline(always)]` calls, as the objdump of the release library can confirm (ymm
/// registers in `with_avx2`).
#[inline(always)]
pub(crate) fn avx2<R>(f: impl FnOnce() -> R) -> Option<R> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: enabling AVX2 is `with_avx2`'s only difference from a safe call, and a
        // function with a target feature is sound to call where the processor has that
        // feature, which was just checked. `f` is safe code, so nothing else is assumed.
        return Some(unsafe { with_avx2(f) });
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = f;
    None
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closure runs exactly when the processor has AVX2, and its result comes back.
    #[test]
    fn runs_the_closure_where_the_processor_has_avx2() {
        let mut lanes = [1u32, 2, 3, 4, 5, 6, 7, 8];
        let ran = avx2(|| {
            for l in &mut lanes {
                *l = l.rotate_left(7) ^ 0x5a5a_5a5a;
            }
            lanes.iter().fold(0u32, |a, &l| a.wrapping_add(l))
        });
        #[cfg(target_arch = "x86_64")]
        assert_eq!(ran.is_some(), std::arch::is_x86_feature_detected!("avx2"));
        if let Some(sum) = ran {
            let expect: [u32; 8] = core::array::from_fn(|i| ((i as u32 + 1) << 7) ^ 0x5a5a_5a5a);
            assert_eq!(lanes, expect);
            assert_eq!(sum, expect.iter().fold(0u32, |a, &l| a.wrapping_add(l)));
        }
    }
}
