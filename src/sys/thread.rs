//! Scheduling the calling thread as a context's thread options ask (THREAD_SCHED_POLICY,
//! THREAD_PRIORITY, THREAD_AFFINITY_CPU_*): the I/O threads call [`Scheduling::apply`] as
//! they start, as libzmq's do.
//!
//! libzmq aborts when the system refuses; ferrozmq keeps the thread as it was and runs on,
//! because the usual refusal is a priority an unprivileged process may not take (EPERM).

use std::mem::MaybeUninit;

/// How a thread should be scheduled; `None` and empty leave the system's choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scheduling {
    /// A `SCHED_*` policy.
    pub policy: Option<i32>,
    /// The static priority under SCHED_FIFO and SCHED_RR; under other policies any value
    /// asks for the highest nice value instead, which is what libzmq does.
    pub priority: Option<i32>,
    /// The CPUs the thread may run on (numbers past the kernel's CPU set are skipped).
    pub cpus: Vec<usize>,
}

impl Scheduling {
    /// Applies this to the calling thread, ignoring what the system refuses.
    pub(crate) fn apply(&self) {
        if self.policy.is_some() || self.priority.is_some() {
            self.apply_policy();
        }
        if !self.cpus.is_empty() {
            set_affinity(&self.cpus);
        }
    }

    fn apply_policy(&self) {
        let mut policy = 0;
        let mut param = MaybeUninit::<libc::sched_param>::zeroed();
        // SAFETY: pthread_self is always valid for the calling thread; both out-pointers
        // point to live locals of the right types, and a zeroed sched_param is a valid one.
        let rc = unsafe {
            libc::pthread_getschedparam(libc::pthread_self(), &mut policy, param.as_mut_ptr())
        };
        if rc != 0 {
            return;
        }
        // SAFETY: zero-initialised above and, on success, filled in by the call.
        let mut param = unsafe { param.assume_init() };
        if let Some(p) = self.policy {
            policy = p;
        }
        let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
        if let Some(prio) = self.priority {
            // The other policies take only static priority 0; their priority is the nice
            // value, set below.
            param.sched_priority = if realtime { prio } else { 0 };
        }
        // SAFETY: pthread_self is the calling thread; `param` is a valid sched_param that
        // outlives the call. An invalid policy or priority is an error return, not UB.
        let _refused = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if !realtime && self.priority.is_some() {
            // SAFETY: nice takes no pointers; on Linux it changes the calling thread's nice
            // value only, and fails with EPERM where the process may not raise it.
            let _refused = unsafe { libc::nice(-20) };
        }
    }
}

/// The largest CPU number a `cpu_set_t` holds, plus one.
const CPU_SET_BITS: usize = 8 * std::mem::size_of::<libc::cpu_set_t>();

fn set_affinity(cpus: &[usize]) {
    let set = MaybeUninit::<libc::cpu_set_t>::zeroed();
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set = unsafe { set.assume_init() };
    for &cpu in cpus.iter().filter(|&&c| c < CPU_SET_BITS) {
        // SAFETY: `cpu` is inside the set (checked above), which CPU_SET indexes unchecked.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: pid 0 is the calling thread; `set` is a live cpu_set_t of the size passed.
    // A set with no usable CPU is an EINVAL return, which leaves the affinity as it was.
    let _refused =
        unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
}

/// The CPUs the calling thread may run on.
pub(crate) fn affinity() -> Vec<usize> {
    let mut set = MaybeUninit::<libc::cpu_set_t>::zeroed();
    // SAFETY: pid 0 is the calling thread; `set` is a live cpu_set_t of the size passed,
    // which the kernel fills.
    let rc = unsafe {
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set.as_mut_ptr())
    };
    if rc != 0 {
        return Vec::new();
    }
    // SAFETY: zeroed, then filled by the kernel.
    let set = unsafe { set.assume_init() };
    (0..CPU_SET_BITS)
        .filter(|&c| {
            // SAFETY: every index is inside the set.
            unsafe { libc::CPU_ISSET(c, &set) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's policy and static priority.
    fn policy() -> (i32, i32) {
        let mut policy = 0;
        let mut param = MaybeUninit::<libc::sched_param>::zeroed();
        // SAFETY: as in apply_policy.
        let rc = unsafe {
            libc::pthread_getschedparam(libc::pthread_self(), &mut policy, param.as_mut_ptr())
        };
        assert_eq!(rc, 0);
        // SAFETY: filled by the call.
        (policy, unsafe { param.assume_init() }.sched_priority)
    }

    fn on_new_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::spawn(f).join().unwrap()
    }

    #[test]
    fn affinity_keeps_the_thread_on_the_cpus_asked_for() {
        let first = affinity()[0];
        let cpus = on_new_thread(move || {
            Scheduling {
                cpus: vec![first],
                ..Scheduling::default()
            }
            .apply();
            affinity()
        });
        assert_eq!(cpus, [first]);
    }

    #[test]
    fn cpus_the_set_cannot_hold_or_the_system_lacks_leave_the_affinity_alone() {
        let before = affinity();
        let after = on_new_thread(|| {
            Scheduling {
                cpus: vec![CPU_SET_BITS, CPU_SET_BITS - 1],
                ..Scheduling::default()
            }
            .apply();
            affinity()
        });
        assert_eq!(after, before);
    }

    #[test]
    fn a_policy_the_system_refuses_leaves_the_thread_as_it_was() {
        let before = policy();
        let after = on_new_thread(|| {
            Scheduling {
                policy: Some(12345),
                priority: Some(1),
                ..Scheduling::default()
            }
            .apply();
            policy()
        });
        assert_eq!(after.0, before.0);
    }

    #[test]
    fn sched_other_with_a_priority_keeps_static_priority_zero() {
        let after = on_new_thread(|| {
            Scheduling {
                policy: Some(libc::SCHED_OTHER),
                priority: Some(1),
                ..Scheduling::default()
            }
            .apply();
            policy()
        });
        assert_eq!(after, (libc::SCHED_OTHER, 0));
    }
}
