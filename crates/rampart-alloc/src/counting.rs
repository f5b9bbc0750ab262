//! The allocator of a build made to measure where a scan's memory goes
//! (`cargo build --features count-allocations`, `bench/live_heap.sh`): the
//! same mimalloc, counting the bytes it holds for the program. A process's
//! resident memory also counts the binary, the threads' stacks and the
//! pages the allocator keeps, partly free, which says little of what the
//! scan itself holds at a stage; heap profilers that record every
//! allocation's stack (`heaptrack`) do not get through a scan of 100,000
//! files on this machine.

use core::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mimalloc::MiMalloc;

/// mimalloc, counting the bytes of the blocks it hands out and takes back
/// (their sizes as asked for, not as the allocator rounds them).
pub struct Counting;

/// The bytes of the blocks held now.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most [`LIVE`] has been since [`heap_since_last`] was last called.
static HIGHEST: AtomicUsize = AtomicUsize::new(0);
/// Whether [`Counting`] has allocated: it is the program's allocator.
static COUNTING: AtomicBool = AtomicBool::new(false);

fn added(size: usize) {
    // Read before written: the flag is written once.
    if !COUNTING.load(Ordering::Relaxed) {
        COUNTING.store(true, Ordering::Relaxed);
    }
    let live = LIVE.fetch_add(size, Ordering::Relaxed).saturating_add(size);
    // Read before written too: most allocations do not set a new highest.
    if live > HIGHEST.load(Ordering::Relaxed) {
        HIGHEST.fetch_max(live, Ordering::Relaxed);
    }
}

fn removed(size: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
}

#[allow(unsafe_code)]
// SAFETY: each method hands its arguments, under the same contract, to
// mimalloc's and returns what it returns; the counting reads no block.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees about `layout` are the ones
        // mimalloc's `alloc` asks for.
        let block = unsafe { MiMalloc.alloc(layout) };
        if !block.is_null() {
            added(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let block = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !block.is_null() {
            added(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: `block` came from this allocator (so from mimalloc) with
        // `layout`, as the caller guarantees.
        unsafe { MiMalloc.dealloc(block, layout) };
        removed(layout.size());
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is what the caller
        // guarantees mimalloc's `realloc` gets.
        let resized = unsafe { MiMalloc.realloc(block, layout, new_size) };
        if resized == block {
            // Resized where it is (mimalloc does so within the block's size
            // class, and when it shrinks to half or more).
            match new_size.checked_sub(layout.size()) {
                Some(grown) => added(grown),
                None => removed(layout.size() - new_size),
            }
        } else if !resized.is_null() {
            // Moved: added first, as the block is held in both places while
            // it is copied. (Null: the old block is still held.)
            added(new_size);
            removed(layout.size());
        }
        resized
    }
}

/// What [`Counting`] holds for the program, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heap {
    /// Held now.
    pub live: usize,
    /// The most held since the last call to [`heap_since_last`] (or since
    /// the program started).
    pub highest: usize,
}

/// What the program holds now and the most it held since the last call,
/// which starts the next span from what it holds now; `None` unless
/// [`Counting`] is the program's allocator. Reads two counters that the
/// program's other threads may be moving: at a point where they are idle
/// (between a scan's stages) the figures are exact.
pub fn heap_since_last() -> Option<Heap> {
    if !COUNTING.load(Ordering::Relaxed) {
        return None;
    }
    let live = LIVE.load(Ordering::Relaxed);
    let highest = HIGHEST.swap(live, Ordering::Relaxed).max(live);
    Some(Heap { live, highest })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test that touches the counters (the tests of this crate run
    /// on the system's allocator, so the counters count only this).
    #[test]
    #[allow(unsafe_code)]
    fn counts_what_it_holds_and_the_most_it_held() {
        const MIB: usize = 1 << 20;
        assert_eq!(
            heap_since_last(),
            None,
            "counting before anything was counted"
        );
        let one = Layout::from_size_align(MIB, 8).unwrap();
        // SAFETY: a layout of non-zero size; each block is freed once, with
        // the layout it has.
        unsafe {
            let block = Counting.alloc(one);
            assert!(!block.is_null());
            let zeroed = Counting.alloc_zeroed(one);
            assert!(!zeroed.is_null());
            assert_eq!(
                heap_since_last(),
                Some(Heap {
                    live: 2 * MIB,
                    highest: 2 * MIB
                })
            );
            let grown = Counting.realloc(block, one, 3 * MIB);
            assert!(!grown.is_null());
            let moved = grown != block;
            Counting.dealloc(zeroed, one);
            assert_eq!(
                heap_since_last(),
                Some(Heap {
                    live: 3 * MIB,
                    // Moved, the block counts in both places while it is
                    // copied (3 + 1 + 1 MiB).
                    highest: if moved { 5 * MIB } else { 4 * MIB },
                })
            );
            let three = Layout::from_size_align(3 * MIB, 8).unwrap();
            // More than a process can have: it fails, and the block stays.
            let refused = Counting.realloc(grown, three, isize::MAX as usize / 2);
            assert!(refused.is_null());
            assert_eq!(
                heap_since_last(),
                Some(Heap {
                    live: 3 * MIB,
                    highest: 3 * MIB
                })
            );
            // Shrunk to more than half: where it is, or moved, the same count.
            let shrunk = Counting.realloc(grown, three, 2 * MIB);
            assert!(!shrunk.is_null());
            let highest = if shrunk == grown { 3 * MIB } else { 5 * MIB };
            assert_eq!(
                heap_since_last(),
                Some(Heap {
                    live: 2 * MIB,
                    highest
                })
            );
            Counting.dealloc(shrunk, Layout::from_size_align(2 * MIB, 8).unwrap());
        }
        assert_eq!(
            heap_since_last(),
            Some(Heap {
                live: 0,
                highest: 2 * MIB
            })
        );
        assert_eq!(
            heap_since_last(),
            Some(Heap {
                live: 0,
                highest: 0
            }),
            "the most held is counted from the last call"
        );
    }
}
