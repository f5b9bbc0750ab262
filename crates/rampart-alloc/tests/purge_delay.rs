//! Run without the test harness (see `Cargo.toml`): the process has one
//! thread when `main` starts, as the `rampart` binary's has.

use core::ffi::c_long;

use rampart_alloc::{
    MIMALLOC_PURGE_DELAY_MS, PurgeDelay, SHORT_PURGE_DELAY_MS, purge_delay_ms, set_purge_delay,
};

#[global_allocator]
static ALLOCATOR: rampart_alloc::Allocator = rampart_alloc::Allocator;

fn main() {
    let from_environment = std::env::var("MIMALLOC_PURGE_DELAY")
        .ok()
        .and_then(|value| value.trim().parse::<c_long>().ok());
    // Before anything sets it: mimalloc's own delay, read through the
    // option's index (another option would read otherwise).
    let expect = |delay: c_long| from_environment.unwrap_or(delay);
    assert_eq!(purge_delay_ms(), expect(MIMALLOC_PURGE_DELAY_MS));

    if !cfg!(target_os = "linux") {
        // Where the thread count cannot be read, nothing is set.
        assert!(!set_purge_delay(PurgeDelay::Short));
        return;
    }
    // One thread: set, but the environment wins.
    assert!(
        set_purge_delay(PurgeDelay::Short),
        "one thread, yet not set"
    );
    assert_eq!(purge_delay_ms(), expect(SHORT_PURGE_DELAY_MS));

    // With a second thread running it is left alone.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || stopped.recv());
    assert!(!set_purge_delay(PurgeDelay::Allocator));
    assert_eq!(purge_delay_ms(), expect(SHORT_PURGE_DELAY_MS));
    drop(stop);
    let _ = other.join();

    // Once it has ended, the delay can go back.
    assert!(set_purge_delay(PurgeDelay::Allocator));
    assert_eq!(purge_delay_ms(), expect(MIMALLOC_PURGE_DELAY_MS));
    println!("purge delay: set and reset on one thread, left alone beside another");
}
