//! The memory allocator the `rampart` binary runs on, and how soon it gives
//! the memory a scan frees back to the operating system.
//!
//! A scan allocates and frees millions of small nodes from every worker at
//! once; [mimalloc](https://github.com/microsoft/mimalloc)'s per-thread free
//! lists spend less time on that than the system allocator, and hold less
//! memory afterwards (docs/benchmarks.md). This is the one crate of the
//! workspace where `unsafe` is denied rather than forbidden: setting one of
//! the allocator's options is a call into its C interface.

use core::ffi::c_long;

mod counting;

pub use counting::{Counting, Heap, heap_since_last};
/// The allocator, for `#[global_allocator]` in the binary.
pub use mimalloc::MiMalloc as Allocator;

/// How long memory freed whole (a page of the allocator's with nothing left
/// in it) stays with the allocator before it is given back to the operating
/// system. Memory kept is reused without being faulted in again, but counts
/// in the process's resident size all the while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeDelay {
    /// [`SHORT_PURGE_DELAY_MS`]. A large scan frees in bursts (each part of
    /// the manifests once its rules have run, the syntax trees of each
    /// module set once evaluated) and its next burst of allocation does not
    /// fill every page the last one freed: kept a second, those pages are
    /// counted in the scan's peak. At 100,000 files the peak falls from 218
    /// to 202 MiB (docs/benchmarks-history.md, the twelfth round).
    Short,
    /// mimalloc's own, [`MIMALLOC_PURGE_DELAY_MS`]: a short-lived process
    /// that frees and allocates again in quick succession reuses the pages
    /// instead of faulting in fresh ones. At 1,000 files a scan took 7%
    /// longer with the short delay throughout.
    Allocator,
}

/// The short purge delay, in milliseconds: mimalloc 2's default.
pub const SHORT_PURGE_DELAY_MS: c_long = 10;

/// mimalloc 3's purge delay, in milliseconds, when nothing sets another (the
/// test checks that it is the one the linked allocator starts with).
pub const MIMALLOC_PURGE_DELAY_MS: c_long = 1000;

/// mimalloc's `mi_option_purge_delay`: its place in the `mi_option_e`
/// enumeration of `mimalloc.h`, the same in mimalloc 2 and 3. The `-sys`
/// crate names the options of mimalloc 2.0 only; the test checks that this
/// one reads back as mimalloc's purge delay.
const OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets how soon the allocator gives memory freed whole back to the
/// operating system, unless `MIMALLOC_PURGE_DELAY` in the environment says
/// otherwise (mimalloc reads it when the process starts, and it wins).
///
/// mimalloc's options are plain words that every thread reads without a
/// lock (the purge delay whenever memory is freed whole): a write beside
/// them would be a data race. So this sets the delay only when the process
/// has one thread, which on Linux its `/proc/self/status` tells, and returns
/// whether it had: call it before starting threads, or once those started
/// have been joined. Elsewhere, or with a second thread running, it does
/// nothing and the delay stays as it was.
pub fn set_purge_delay(delay: PurgeDelay) -> bool {
    if !single_threaded() {
        return false;
    }
    let milliseconds = match delay {
        PurgeDelay::Short => SHORT_PURGE_DELAY_MS,
        PurgeDelay::Allocator => MIMALLOC_PURGE_DELAY_MS,
    };
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_set_default` checks the option's index and writes
    // one word of mimalloc's option table (unless the environment set the
    // option). Other threads read that word without a lock; this process has
    // one thread, which is this one, so nothing reads it meanwhile (and no
    // other thread can be started but by this one).
    unsafe {
        libmimalloc_sys::mi_option_set_default(OPTION_PURGE_DELAY, milliseconds);
    }
    true
}

/// What [`collect`] has the allocator give back to the operating system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collect {
    /// The memory the calling thread's heap holds freed whole, and the
    /// memory whose purge delay has passed (mimalloc's `mi_collect(false)`).
    Due,
    /// As [`Collect::Due`], and at once the rest: the pages the thread keeps
    /// retired for reuse, and every page waiting for its purge delay,
    /// whichever thread freed it (`mi_collect(true)`, as mimalloc 3, the
    /// version linked, does it). The arenas are purged under a guard that a
    /// thread finding it taken skips: of calls made at the same time on
    /// several threads, one purges them. It costs the faults of whatever of
    /// it is allocated again.
    All,
}

/// Has the allocator give back to the operating system now what `what`
/// says.
pub fn collect(what: Collect) {
    #[allow(unsafe_code)]
    // SAFETY: `mi_collect` walks the calling thread's own heap and the
    // arenas' lists of memory waiting to be purged, under the allocator's
    // own atomic guards; it takes no pointer and may be called from any
    // thread.
    unsafe {
        libmimalloc_sys::mi_collect(what == Collect::All);
    }
}

/// The allocator's purge delay in milliseconds, as it reads it now.
pub fn purge_delay_ms() -> c_long {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_get` checks the option's index and reads one word
    // of the option table, set up when the process started; the only writes
    // are made while the process has one thread (above), so none is beside
    // this read.
    unsafe {
        libmimalloc_sys::mi_option_get(OPTION_PURGE_DELAY)
    }
}

/// Whether the process runs one thread (Linux only: `false` where that
/// cannot be read).
///
/// A thread just joined is still counted for a while: `pthread_join` returns
/// when the thread has cleared its id, and the kernel lowers the count only
/// later in its exit, which a busy machine can delay by a scheduling slice
/// (a reviewer saw 2 in a few runs in ten thousand; CI saw it after twenty
/// reads with a yield between). So a count above one is read again, a
/// fraction of a millisecond apart, for up to [`THREAD_EXIT_WAIT`]; this
/// can only answer "no" wrongly, which leaves the delay as it was.
fn single_threaded() -> bool {
    let count = || {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let count = status
            .lines()
            .find_map(|line| line.strip_prefix("Threads:"))?;
        count.trim().parse::<u32>().ok()
    };
    let start = std::time::Instant::now();
    loop {
        match count() {
            Some(1) => return true,
            Some(_) if start.elapsed() < THREAD_EXIT_WAIT => {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            _ => return false,
        }
    }
}

/// How long [`single_threaded`] waits for the count to come down to one.
const THREAD_EXIT_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_set_while_another_thread_runs() {
        let before = purge_delay_ms();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || stopped.recv());
        assert!(!single_threaded());
        assert!(!set_purge_delay(PurgeDelay::Short));
        assert_eq!(purge_delay_ms(), before);
        drop(stop);
        let _ = other.join();
    }
}
