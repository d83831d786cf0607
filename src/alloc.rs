//! The wasm's global allocator, written for this crate (ARCHITECTURE.md, "The allocator"):
//! size-class free lists over chunks carved from `memory.grow`, with no header on a block
//! (its size comes from the `Layout` every `dealloc` and `realloc` is given); blocks above
//! `SMALL_MAX`, and any other free span, in one address-ordered list that coalesces
//! neighbours and gives the memory at the top back to the bump region. A leaf module: it imports only `core`, and
//! its logic runs natively in the tests below over a `Vec`-backed arena.

use core::alloc::Layout;

/// One wasm page: what `memory.grow` adds per unit.
pub const PAGE: usize = 65_536;
/// Every block starts 8-aligned and is a multiple of 8 bytes (room for a free-list link).
const GRANULE: usize = 8;
/// Blocks up to this size are size-classed, carved from chunks; larger ones go to the
/// coalescing list of free spans.
const SMALL_MAX: usize = 1 << 12;
/// Classes per doubling: 32, so a block wastes under 1/32 of its size (B-tree nodes, Vec
/// doubling and strings sit close to a class; dlmalloc's header costs 4 bytes a block).
const STEP_BITS: usize = 5;
const STEPS: usize = 1 << STEP_BITS;
/// Up to here classes step by 8 bytes (32 of them); above, `STEPS` per doubling.
const LINEAR: usize = 8 * STEPS;
const CLASSES: usize =
    STEPS + STEPS * (SMALL_MAX.trailing_zeros() - LINEAR.trailing_zeros()) as usize;
/// Small blocks are carved from chunks of this size, so that they stay together and the
/// spans between large blocks can merge when those are freed.
const CHUNK: usize = PAGE;
const WORD: usize = core::mem::size_of::<usize>();
/// Large blocks and free spans are multiples of this and aligned to it: room for a span
/// node's two words (8 bytes on wasm32, as `GRANULE`; 16 on a 64-bit host).
const SPAN: usize = 2 * WORD;

/// Where a heap gets memory: `grow(pages)` adds `pages` pages and returns the address of
/// the first, or `None` when no more can be had.
pub trait Grow {
    /// Adds `pages` pages of zeroed, writable memory; returns its start.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The class of a size in `1..=SMALL_MAX`: the smallest class that holds it.
fn class_of(size: usize) -> usize {
    if size <= LINEAR {
        return size.max(1).div_ceil(8) - 1;
    }
    // 2^p < size <= 2^(p+1); STEPS steps of 2^(p - STEP_BITS) above 2^p.
    let p = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let step = p - STEP_BITS;
    let k = (size - (1 << p) + (1 << step) - 1) >> step;
    STEPS + (p - LINEAR.trailing_zeros() as usize) * STEPS + k - 1
}

/// The block size of class `c`; the rounding waste is under 1/32 of the size asked for.
fn class_size(c: usize) -> usize {
    if c < STEPS {
        return (c + 1) * 8;
    }
    let p = (c - STEPS) / STEPS + LINEAR.trailing_zeros() as usize;
    let k = (c - STEPS) % STEPS + 1;
    (1 << p) + (k << (p - STEP_BITS))
}

/// The bytes a block of this layout occupies (the same for its `alloc`, `realloc` and
/// `dealloc`), or `None` if that overflows.
fn block_size(size: usize, align: usize) -> Option<usize> {
    let size = size.max(align);
    if size <= SMALL_MAX {
        Some(class_size(class_of(size)))
    } else {
        size.checked_add(SPAN - 1).map(|s| s & !(SPAN - 1))
    }
}

/// A heap over the memory `G` grows. All addresses are plain `usize`s; 0 is "none".
pub struct Heap<G> {
    mem: G,
    /// The bump region: `[top, end)` is free and not in any list.
    top: usize,
    end: usize,
    /// The chunk small blocks are carved from: `[stop, send)` is free.
    stop: usize,
    send: usize,
    /// Heads of the per-class free lists (a free block's first word links the next).
    small: [usize; CLASSES],
    /// Head of the list of free spans (large blocks, gaps), by address; a node holds
    /// `[next, size]`.
    large: usize,
}

/// Reads the word at `addr`.
///
/// # Safety
/// `addr` is a word-aligned address of this heap's memory.
unsafe fn read(addr: usize) -> usize {
    // SAFETY: the caller passes an aligned address inside memory the heap owns.
    unsafe { *(addr as *const usize) }
}

/// Writes the word at `addr`.
///
/// # Safety
/// `addr` is a word-aligned address of free memory this heap owns.
unsafe fn write(addr: usize, value: usize) {
    // SAFETY: the caller passes an aligned address inside free memory the heap owns.
    unsafe { *(addr as *mut usize) = value }
}

impl<G: Grow> Heap<G> {
    /// An empty heap; it grows on its first allocation.
    pub const fn new(mem: G) -> Self {
        Heap {
            mem,
            top: 0,
            end: 0,
            stop: 0,
            send: 0,
            small: [0; CLASSES],
            large: 0,
        }
    }

    /// A block for `layout`, or null.
    ///
    /// # Safety
    /// Every address `G::grow` returns is memory only this heap uses.
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let align = layout.align().max(GRANULE);
        let Some(size) = block_size(layout.size(), align) else {
            return core::ptr::null_mut();
        };
        // SAFETY: the lists, the chunk and the bump region are free memory of this heap.
        unsafe {
            if size > SMALL_MAX {
                return self.alloc_large(size, align) as *mut u8;
            }
            let c = class_of(size);
            let head = self.small[c];
            if head != 0 && head % align == 0 {
                // `head` is a free block of class `c`; its first word links the next.
                self.small[c] = read(head);
                return head as *mut u8;
            }
            for _ in 0..2 {
                let start = (self.stop + align - 1) & !(align - 1);
                if start + size <= self.send {
                    self.cut(self.stop, start - self.stop);
                    self.stop = start + size;
                    return start as *mut u8;
                }
                // A new chunk; what is left of the old one goes to the classes.
                let chunk = self.alloc_large(CHUNK, GRANULE);
                if chunk == 0 {
                    break;
                }
                self.cut(self.stop, self.send - self.stop);
                (self.stop, self.send) = (chunk, chunk + CHUNK);
            }
            core::ptr::null_mut()
        }
    }

    /// Frees a block `alloc` or `realloc` gave for `layout`.
    ///
    /// # Safety
    /// `ptr` came from this heap with this `layout` and is not used after.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        let addr = ptr as usize;
        let size = block_size(layout.size(), layout.align().max(GRANULE)).unwrap_or(0);
        if size <= SMALL_MAX {
            let c = class_of(size);
            // SAFETY: the block is free now; its first word becomes the class list's link.
            unsafe { write(addr, self.small[c]) };
            self.small[c] = addr;
        } else {
            // SAFETY: the block is the caller's to give back, and now free.
            unsafe { self.free_span(addr, size) }
        }
    }

    /// Resizes a block to `new_size` bytes, in place where it can (the same class, the end
    /// of the chunk or of the heap, a large block shrinking or followed by a free span big
    /// enough), or by moving its contents; null (and the block kept) when no memory is left.
    ///
    /// # Safety
    /// As `dealloc`; `new_size` rounded up to `layout.align()` does not overflow `isize`.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align().max(GRANULE);
        let addr = ptr as usize;
        let (Some(old), Some(new)) = (
            block_size(layout.size(), align),
            block_size(new_size, align),
        ) else {
            return core::ptr::null_mut();
        };
        if new == old {
            return ptr;
        }
        if old <= SMALL_MAX && new <= SMALL_MAX {
            if addr + old == self.stop && addr + new <= self.send {
                self.stop = addr + new;
                return ptr;
            }
        } else if old > SMALL_MAX && new > SMALL_MAX {
            if addr + old == self.top && (addr + new <= self.end || self.grow_in_place(addr + new))
            {
                self.top = addr + new;
                return ptr;
            }
            if new < old {
                // SAFETY: the tail is this block's, given back.
                unsafe { self.free_span(addr + new, old - new) };
                return ptr;
            }
            // SAFETY: the span list holds only free spans of this heap.
            if unsafe { self.absorb_next(addr + old, new - old) } {
                return ptr;
            }
        }
        // SAFETY: `layout.align()` is a power of two and `new_size` fits, as the caller promised.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as `alloc`.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe { core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
            // SAFETY: the old block is no longer used.
            unsafe { self.dealloc(ptr, layout) };
        }
        moved
    }

    /// A large block (or a chunk): the best-fitting free span, else the bump region.
    ///
    /// # Safety
    /// As `alloc`.
    unsafe fn alloc_large(&mut self, size: usize, align: usize) -> usize {
        let align = align.max(SPAN);
        if align == SPAN {
            // SAFETY: the span list holds only free spans of this heap.
            if let Some(addr) = unsafe { self.take_span(size) } {
                return addr;
            }
        }
        // SAFETY: as this function's.
        unsafe { self.carve(size, align) }
    }

    /// Grows memory so that the bump region reaches `stop`, if the new pages follow it.
    fn grow_in_place(&mut self, stop: usize) -> bool {
        let pages = (stop - self.end).div_ceil(PAGE);
        match self.mem.grow(pages) {
            Some(base) if base == self.end => {
                self.end += pages * PAGE;
                true
            }
            Some(base) => {
                // Not contiguous: the old bump region becomes a free span, the new one starts here.
                let (old_top, old_end) = (self.top, self.end);
                self.top = base;
                self.end = base + pages * PAGE;
                // SAFETY: `[old_top, old_end)` is free memory of this heap.
                unsafe { self.free_span(old_top, old_end - old_top) };
                false
            }
            None => false,
        }
    }

    /// Takes `size` bytes aligned to `align` from the bump region, growing memory as needed.
    ///
    /// # Safety
    /// As `alloc`.
    unsafe fn carve(&mut self, size: usize, align: usize) -> usize {
        // After memory that did not follow the bump region, ask for all of it, not the rest.
        let mut contiguous = true;
        loop {
            let start = (self.top + align - 1) & !(align - 1);
            if let Some(stop) = start.checked_add(size).filter(|&stop| stop <= self.end) {
                let gap_at = self.top;
                self.top = stop;
                // SAFETY: the alignment gap is free memory of this heap.
                unsafe { self.free_span(gap_at, start - gap_at) };
                return start;
            }
            let Some(want) = size.checked_add(align) else {
                return 0;
            };
            let have = if contiguous { self.end - self.top } else { 0 };
            let pages = want.saturating_sub(have).div_ceil(PAGE).max(1);
            let Some(base) = self.mem.grow(pages) else {
                return 0;
            };
            let (old_top, old_end) = (self.top, self.end);
            if base != old_end {
                self.top = base;
                contiguous = false;
            }
            self.end = base + pages * PAGE;
            if base != old_end {
                // SAFETY: `[old_top, old_end)` is free memory of this heap.
                unsafe { self.free_span(old_top, old_end - old_top) };
            }
        }
    }

    /// Cuts the free span `[addr, addr + len)` (8-aligned, a multiple of 8, at most a
    /// chunk) into blocks of the classes that fill it exactly, largest first.
    ///
    /// # Safety
    /// The span is free memory of this heap.
    unsafe fn cut(&mut self, mut addr: usize, mut len: usize) {
        while len > 0 {
            let mut c = class_of(len.min(SMALL_MAX));
            if class_size(c) > len {
                c -= 1;
            }
            // SAFETY: `addr` starts a free block of class `c` inside the span.
            unsafe { write(addr, self.small[c]) };
            self.small[c] = addr;
            addr += class_size(c);
            len -= class_size(c);
        }
    }

    /// Gives back the free span `[addr, addr + len)` (`SPAN`-aligned, a multiple of
    /// `SPAN`) to the span list.
    ///
    /// # Safety
    /// As `cut`.
    unsafe fn free_span(&mut self, addr: usize, len: usize) {
        if len > 0 {
            // SAFETY: as this function's.
            unsafe { self.insert_large(addr, len) }
        }
    }

    /// Puts a free span in the address-ordered list, merged with the free spans right
    /// before and after it; a span that then ends at the top joins the bump region.
    ///
    /// # Safety
    /// As `cut`.
    unsafe fn insert_large(&mut self, addr: usize, len: usize) {
        if addr + len == self.top && self.large == 0 {
            self.top = addr;
            return;
        }
        // `link` is the word that holds the address of `cur`: the head, or a node's next.
        let mut link: *mut usize = &mut self.large;
        let mut prev: Option<(*mut usize, usize)> = None;
        // SAFETY: every node in the list is a free span of this heap whose first word is its
        // next and second its size; `link` points at the head or at such a first word.
        unsafe {
            while *link != 0 && *link < addr {
                let cur = *link;
                prev = Some((link, cur));
                link = cur as *mut usize;
            }
            let next = *link;
            let (node, node_link) = match prev {
                Some((prev_link, p)) if p + read(p + WORD) == addr => {
                    write(p + WORD, read(p + WORD) + len);
                    (p, prev_link)
                }
                _ => {
                    write(addr, next);
                    write(addr + WORD, len);
                    *link = addr;
                    (addr, link)
                }
            };
            if next != 0 && node + read(node + WORD) == next {
                write(node + WORD, read(node + WORD) + read(next + WORD));
                write(node, read(next));
            }
            if node + read(node + WORD) == self.top {
                *node_link = read(node);
                self.top = node;
            }
        }
    }

    /// The best-fitting free span for `size` bytes: its head is handed out, the rest
    /// stays in the list.
    ///
    /// # Safety
    /// As `cut`.
    unsafe fn take_span(&mut self, size: usize) -> Option<usize> {
        let mut link: *mut usize = &mut self.large;
        let mut best: Option<(*mut usize, usize, usize)> = None;
        // SAFETY: as in `insert_large`.
        unsafe {
            while *link != 0 {
                let cur = *link;
                let have = read(cur + WORD);
                if have >= size && !matches!(best, Some((_, _, b)) if b <= have) {
                    best = Some((link, cur, have));
                }
                link = cur as *mut usize;
            }
            let (link, cur, have) = best?;
            self.shorten(link, cur, have, size);
            Some(cur)
        }
    }

    /// Takes `more` bytes off the front of the span `cur` (`have` bytes, linked from
    /// `link`): unlinked if that is all of it, else moved up.
    ///
    /// # Safety
    /// As `insert_large`; `have >= more`, both multiples of `SPAN`.
    unsafe fn shorten(&mut self, link: *mut usize, cur: usize, have: usize, more: usize) {
        // SAFETY: as in `insert_large`; the moved node stays inside the span.
        unsafe {
            if have == more {
                *link = read(cur);
            } else {
                write(cur + more, read(cur));
                write(cur + more + WORD, have - more);
                *link = cur + more;
            }
        }
    }

    /// Extends a large block ending at `addr` by `more` bytes from the free span that
    /// starts there, if there is one and it is big enough.
    ///
    /// # Safety
    /// As `insert_large`.
    unsafe fn absorb_next(&mut self, addr: usize, more: usize) -> bool {
        let mut link: *mut usize = &mut self.large;
        // SAFETY: as in `insert_large`.
        unsafe {
            while *link != 0 && *link < addr {
                link = *link as *mut usize;
            }
            let cur = *link;
            if cur != addr {
                return false;
            }
            let have = read(cur + WORD);
            if have < more {
                return false;
            }
            self.shorten(link, cur, have, more);
            true
        }
    }
}

/// The wasm32 global allocator: one `Heap` over the module's own memory.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
pub mod wasm {
    use super::{Grow, Heap, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    /// `memory.grow` on memory 0.
    pub struct Pages;

    impl Grow for Pages {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            match core::arch::wasm32::memory_grow(0, pages) {
                usize::MAX => None,
                old => Some(old * PAGE),
            }
        }
    }

    /// The heap behind `#[global_allocator]`.
    pub struct Allocator(UnsafeCell<Heap<Pages>>);

    // SAFETY: wasm32 without the atomics feature runs one thread, so the heap is never
    // reached from two threads.
    unsafe impl Sync for Allocator {}

    impl Allocator {
        /// An empty heap.
        pub const fn new() -> Self {
            Allocator(UnsafeCell::new(Heap::new(Pages)))
        }
    }

    // SAFETY: the heap hands out disjoint blocks of memory only it grows (nothing else in
    // the module calls `memory.grow`), aligned as asked; one thread, and the heap never
    // allocates itself, so no call re-enters it while another is running.
    unsafe impl GlobalAlloc for Allocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: one thread and no re-entry, so this is the only reference.
            unsafe { (*self.0.get()).alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as in `alloc`; the caller gives back a block of this layout.
            unsafe { (*self.0.get()).dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as in `alloc`; `GlobalAlloc::realloc`'s contract is `Heap::realloc`'s.
            unsafe { (*self.0.get()).realloc(ptr, layout, new_size) }
        }
    }
}

#[cfg(test)]
mod tests;
