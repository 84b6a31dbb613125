//! Giving the memory of a spike back to the system.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::activity::Activity;

/// Calls of at least this much text leave enough freed memory behind to be
/// worth giving back; smaller ones are the steady state the allocator keeps.
pub(super) const TRIM_AFTER_BYTES: usize = 1 << 20;
/// How often the trimmer looks: a spike's memory goes back within seconds,
/// and a trim (a few milliseconds of madvise) never runs more often.
const TRIM_EVERY: Duration = Duration::from_secs(1);

/// glibc's malloc keeps freed memory in its arenas (one per thread that
/// allocated), so after one 16 MB batch the process stayed at hundreds of
/// MB. Once the calls that made a spike are done and nothing is in flight,
/// `malloc_trim` returns the free pages of every arena to the system. A
/// thread of its own, so no request waits for it; it ends with the service.
pub(super) fn spawn_memory_trimmer(activity: std::sync::Weak<Activity>) {
    let trimmer = move || loop {
        std::thread::sleep(TRIM_EVERY);
        let Some(activity) = activity.upgrade() else {
            return;
        };
        if activity.inflight_bytes() == 0
            && activity
                .trims_wanted
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            trim_memory();
        }
    };
    if let Err(error) = std::thread::Builder::new()
        .name("memory-trim".to_string())
        .spawn(trimmer)
    {
        tracing::warn!(%error, "cannot start the memory trimmer; memory stays with the allocator");
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_memory() {
    // SAFETY: malloc_trim only walks and releases glibc's own free lists;
    // it takes the arena locks itself and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (musl, macOS) keep no per-thread arenas this large.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_memory() {}
