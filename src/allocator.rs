//! The binary's allocator: mimalloc, except that for `newsidx index` on Linux a large zeroed
//! allocation ([`LARGE`] bytes or more) gets its zeroed pages from the kernel rather than by
//! writing zeros: mimalloc hands out the block, its whole pages are given back with
//! `madvise(MADV_DONTNEED)` (which leaves them reading as zero and holding no memory until
//! written), and only the partial pages at its ends are written.
//!
//! Why: tantivy's writer starts each segment with a term table of 4 MiB and about nine arenas of
//! 1 MiB, asked for zeroed, of which a segment of 5,000 articles writes a few MiB. Fresh pages from
//! the kernel are zero without being touched, so the first segment cost only what it wrote; but
//! every later one got memory mimalloc had held before, which it zeroes by writing, and so made
//! all of it resident: indexing Reuters climbed by about 11 MiB at once after each commit
//! (DESIGN.md 2.15).
//!
//! Searches keep mimalloc's zeroing: a query whose large zeroed buffers are given back faults their
//! pages in every time (DESIGN.md 2.15).

use std::alloc::{GlobalAlloc, Layout};
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicBool, Ordering};

/// Zeroed allocations from this size on get their whole pages zeroed by the kernel (when
/// [`zero_large_by_kernel`] was called).
#[cfg(target_os = "linux")]
pub(crate) const LARGE: usize = 256 * 1024;

/// Whether large zeroed allocations are zeroed by the kernel.
#[cfg(target_os = "linux")]
static ZERO_BY_KERNEL: AtomicBool = AtomicBool::new(false);

/// Has large zeroed allocations zeroed by the kernel from now on (`newsidx index`).
#[cfg(target_os = "linux")]
pub(crate) fn zero_large_by_kernel() {
    ZERO_BY_KERNEL.store(true, Ordering::Relaxed);
}

/// mimalloc, with large zeroed blocks zeroed by the kernel when [`zero_large_by_kernel`] was
/// called. Every block is mimalloc's.
pub(crate) struct Allocator;

/// The page size the kernel is asked about; on a system with larger pages the ranges are not
/// aligned to its pages, `madvise` refuses them, and the block is zeroed by writing.
#[cfg(target_os = "linux")]
const PAGE: usize = 4096;

/// Zeroes the `size` bytes at `p`: the whole pages inside by the kernel where it agrees, the rest
/// by writing.
///
/// # Safety
/// `p` must be valid for writes of `size` bytes, a block of its own that nothing else uses.
#[cfg(target_os = "linux")]
unsafe fn zero(p: *mut u8, size: usize) {
    let start = p as usize;
    let first = start.next_multiple_of(PAGE);
    let last = (start + size) & !(PAGE - 1);
    if last <= first {
        // SAFETY: by the caller's contract.
        unsafe { std::ptr::write_bytes(p, 0, size) };
        return;
    }
    // SAFETY: `first..last` lies within the block (page-aligned bounds inside `start..start +
    // size`), whose memory is private anonymous memory of this process, and nothing else uses it:
    // MADV_DONTNEED leaves those pages reading as zero. The ends are written.
    unsafe {
        std::ptr::write_bytes(p, 0, first - start);
        std::ptr::write_bytes(last as *mut u8, 0, start + size - last);
        let given_back = libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_DONTNEED,
        );
        if given_back != 0 {
            std::ptr::write_bytes(first as *mut u8, 0, last - first);
        }
    }
}

// SAFETY: every call goes to mimalloc with the caller's guarantees; `alloc_zeroed` of a large
// block takes an uninitialised block of the same layout from mimalloc and zeroes all of it.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if layout.size() >= LARGE && ZERO_BY_KERNEL.load(Ordering::Relaxed) {
            // SAFETY: forwarded with the caller's guarantees; the block is this call's alone.
            unsafe {
                let p = mimalloc::MiMalloc.alloc(layout);
                if !p.is_null() {
                    zero(p, layout.size());
                }
                return p;
            }
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees; the block is mimalloc's.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees; the block is mimalloc's.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Blocks zeroed by the kernel read as zero everywhere, whatever their alignment and size,
    /// after holding other bytes.
    #[test]
    fn blocks_zeroed_by_the_kernel_are_zero() {
        for (size, offset) in [(LARGE, 0), (LARGE + 123, 8), (3 * PAGE, 17), (100, 3)] {
            let layout = Layout::from_size_align(size + offset, 8).unwrap();
            // SAFETY: the block is used within its size and given back with its layout.
            unsafe {
                let block = mimalloc::MiMalloc.alloc(layout);
                assert!(!block.is_null());
                std::ptr::write_bytes(block, 0xA5, size + offset);
                zero(block.add(offset), size);
                let bytes = std::slice::from_raw_parts(block, size + offset);
                assert!(
                    bytes[..offset].iter().all(|&b| b == 0xA5),
                    "before the range"
                );
                assert!(
                    bytes[offset..].iter().all(|&b| b == 0),
                    "{size} at {offset}"
                );
                mimalloc::MiMalloc.dealloc(block, layout);
            }
        }
    }
}
