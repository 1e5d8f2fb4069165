//! The binary's allocator: mimalloc, and for `newsidx index` on Linux every allocation of
//! [`LARGE`] bytes or more mapped from the kernel on its own and unmapped when freed, as the
//! system allocator does above its mmap threshold.
//!
//! Why: tantivy's writer starts each segment with a term table of 4 MiB and about nine arenas of
//! 1 MiB, asked for zeroed, of which a segment of 5,000 articles writes a few MiB. Fresh pages from
//! the kernel are zero without being touched, so the first segment costs only what it writes; but
//! every later one got memory mimalloc had held before, which it zeroes by writing, and so made
//! all of it resident: indexing Reuters climbed by about 11 MiB at once after each commit
//! (DESIGN.md 2.15). Mapped apart, a new segment's untouched pages stay out of memory.
//!
//! Searches keep mimalloc for everything: a query that maps its large buffers afresh faults their
//! pages in every time (DESIGN.md 2.15).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

/// Allocations from this size on are mapped apart (when [`map_large`] was called).
pub(crate) const LARGE: usize = 256 * 1024;

/// Whether large allocations are mapped apart. Set once, before the first allocation, and never
/// changed: where a block lives is then a function of its layout alone, which `dealloc` and
/// `realloc` are given.
static MAP_LARGE: AtomicBool = AtomicBool::new(false);

/// Maps allocations of [`LARGE`] bytes or more apart from now on. Must be called before anything
/// is allocated (a constructor of the executable: see `main.rs`).
#[cfg(target_os = "linux")]
pub(crate) fn map_large() {
    MAP_LARGE.store(true, Ordering::Relaxed);
}

/// mimalloc, with large blocks mapped apart when [`map_large`] was called.
pub(crate) struct Allocator;

/// Whether a block of `layout` is (or is to be) mapped apart.
#[inline]
fn mapped(layout: Layout) -> bool {
    mapped_when(layout, MAP_LARGE.load(Ordering::Relaxed))
}

/// [`mapped`], with large blocks mapped apart or not as `map_large` says.
#[inline]
fn mapped_when(layout: Layout, map_large: bool) -> bool {
    map_large && cfg!(target_os = "linux") && layout.size() >= LARGE && layout.align() <= 4096
}

#[cfg(target_os = "linux")]
mod os {
    /// `size` bytes of fresh, zeroed pages, or null.
    pub(super) fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing; nothing
        // else is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// Unmaps a block [`map`] or [`remap`] gave.
    ///
    /// # Safety
    /// `p` and `size` must be such a block's, which nothing uses any more.
    pub(super) unsafe fn unmap(p: *mut u8, size: usize) {
        // SAFETY: by the caller's contract.
        unsafe {
            libc::munmap(p.cast(), size);
        }
    }

    /// The block `p` of `old` bytes grown or shrunk to `new` bytes, moved if need be (its
    /// contents kept), or null (the block then unchanged).
    ///
    /// # Safety
    /// `p` and `old` must be a block [`map`] or [`remap`] gave.
    pub(super) unsafe fn remap(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: by the caller's contract; MREMAP_MAYMOVE lets the kernel move the pages.
        let q = unsafe { libc::mremap(p.cast(), old, new, libc::MREMAP_MAYMOVE) };
        if q == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            q.cast()
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    pub(super) fn map(_size: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
    pub(super) unsafe fn unmap(_p: *mut u8, _size: usize) {}
    pub(super) unsafe fn remap(_p: *mut u8, _old: usize, _new: usize) -> *mut u8 {
        std::ptr::null_mut()
    }
}

// SAFETY: every block is given back to the allocator that made it. Which one made a block follows
// from its layout alone ([`mapped`]: the flag it reads never changes once anything is allocated),
// and `dealloc` and `realloc` are given the layout the block was made with. Mapped blocks are
// page-aligned, which meets every alignment `mapped` accepts, and zeroed.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            os::map(layout.size())
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            os::map(layout.size())
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(layout) {
            // SAFETY: a block of this layout was mapped by `map` or `remap`.
            unsafe { os::unmap(ptr, layout.size()) }
        } else {
            // SAFETY: a block of this layout came from mimalloc.
            unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `new_size`, rounded up to the alignment, does not
        // overflow `isize`, so this layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (mapped(layout), mapped(new_layout)) {
            // SAFETY: forwarded with the caller's guarantees; the block came from mimalloc.
            (false, false) => unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) },
            // SAFETY: the block was mapped with `layout.size()` bytes.
            (true, true) => unsafe { os::remap(ptr, layout.size(), new_size) },
            _ => {
                // From one allocator to the other: a new block, the contents copied, the old
                // block given back to its own.
                // SAFETY: `new_size` is not zero (`realloc`'s contract).
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: both blocks are valid for the smaller size and do not overlap.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only large blocks of ordinary alignment are mapped apart, and none unless asked. (The
    /// process-wide flag is never set in tests: other tests' threads allocate meanwhile.)
    #[test]
    fn which_blocks_are_mapped() {
        let layout = |size, align| Layout::from_size_align(size, align).unwrap();
        assert!(!mapped(layout(LARGE, 8)));
        assert!(!mapped_when(layout(LARGE, 8), false));
        assert_eq!(
            mapped_when(layout(LARGE, 8), true),
            cfg!(target_os = "linux")
        );
        assert!(!mapped_when(layout(LARGE - 1, 8), true));
        assert!(!mapped_when(layout(LARGE, 8192), true));
    }

    /// Mapped blocks come zeroed and keep their contents when remapped; mimalloc's blocks keep
    /// theirs through `realloc`.
    #[cfg(target_os = "linux")]
    #[test]
    fn mapped_blocks_grow_shrink_and_keep_their_contents() {
        let a = Allocator;
        let small = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: each block is used within its size and given back with its layout.
        unsafe {
            let p = os::map(LARGE);
            assert!(!p.is_null());
            assert!(std::slice::from_raw_parts(p, LARGE).iter().all(|&b| b == 0));
            os::unmap(p, LARGE);

            let p = a.alloc(small);
            std::ptr::write_bytes(p, 7, 1000);
            // Through the public paths with the flag off: mimalloc both ways.
            let p = a.realloc(p, small, 3000);
            assert!(std::slice::from_raw_parts(p, 1000).iter().all(|&b| b == 7));
            a.dealloc(p, Layout::from_size_align(3000, 8).unwrap());

            // A mapped block grown and shrunk in place or moved.
            let p = os::map(LARGE);
            std::ptr::write_bytes(p, 9, LARGE);
            let q = os::remap(p, LARGE, 4 * LARGE);
            assert!(!q.is_null());
            assert!(std::slice::from_raw_parts(q, LARGE).iter().all(|&b| b == 9));
            assert!(std::slice::from_raw_parts(q.add(LARGE), 3 * LARGE)
                .iter()
                .all(|&b| b == 0));
            os::unmap(q, 4 * LARGE);
        }
    }
}
