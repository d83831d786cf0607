//! Native tests of the allocator's logic over a `Vec`-backed arena: the size classes, reuse,
//! coalescing, in-place `realloc`, out-of-memory, and random alloc/free/realloc sequences
//! checked against a model (no overlap, alignment, contents kept, memory reused).

use super::{block_size, class_of, class_size, Grow, Heap, CLASSES, PAGE, SMALL_MAX, SPAN};
use core::alloc::Layout;
use std::collections::BTreeMap;

/// Pages handed out from one zeroed buffer; `gaps` leaves a page unused before every
/// 16th grow, so the heap sometimes sees memory that does not follow its own (as when
/// something else grows the wasm memory).
struct Arena {
    buf: Vec<u8>,
    base: usize,
    used: usize,
    limit: usize,
    gaps: bool,
    grows: usize,
}

impl Arena {
    fn new(pages: usize, gaps: bool) -> Self {
        let buf = vec![0u8; (pages + 1) * PAGE];
        let base = (buf.as_ptr() as usize).next_multiple_of(PAGE);
        Arena {
            buf,
            base,
            used: 0,
            limit: pages * PAGE,
            gaps,
            grows: 0,
        }
    }
}

impl Grow for Arena {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        self.grows += 1;
        let gap = if self.gaps && self.grows % 16 == 3 {
            PAGE
        } else {
            0
        };
        let start = self.used + gap;
        let stop = start.checked_add(pages.checked_mul(PAGE)?)?;
        if stop > self.limit {
            return None;
        }
        assert!(self.base + stop <= self.buf.as_ptr() as usize + self.buf.len());
        self.used = stop;
        Some(self.base + start)
    }
}

fn heap(pages: usize, gaps: bool) -> Heap<Arena> {
    Heap::new(Arena::new(pages, gaps))
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

#[test]
fn classes_cover_every_small_size_with_little_waste() {
    assert_eq!(class_size(CLASSES - 1), SMALL_MAX);
    for c in 0..CLASSES {
        assert_eq!(class_of(class_size(c)), c, "class {c}");
        assert_eq!(class_size(c) % 8, 0);
        if c > 0 {
            assert!(class_size(c) > class_size(c - 1));
        }
    }
    for size in 1..=SMALL_MAX {
        let got = class_size(class_of(size));
        assert!(got >= size, "{size} -> {got}");
        assert!(
            got - size < 8 || (got - size) * 32 < size,
            "{size} -> {got}: more than 1/32 wasted"
        );
        if class_of(size) > 0 {
            assert!(
                class_size(class_of(size) - 1) < size,
                "{size} has a smaller class"
            );
        }
    }
    // Powers of two (Vec doubling) and B-tree-node-like sizes round to themselves or near.
    for p in 3..=16 {
        assert_eq!(block_size(1 << p, 8), Some(1 << p));
    }
    assert_eq!(block_size(SMALL_MAX + 1, 8), Some(SMALL_MAX + SPAN));
    assert_eq!(block_size(usize::MAX - 3, 8), None);
}

#[test]
fn a_freed_block_is_reused_for_the_same_class() {
    let mut h = heap(64, false);
    // SAFETY (whole test): every pointer comes from `h` with the layout it is freed with.
    unsafe {
        let keep = h.alloc(layout(8, 8));
        let a = h.alloc(layout(200, 8));
        let guard = h.alloc(layout(8, 8));
        h.dealloc(a, layout(200, 8));
        assert_eq!(h.alloc(layout(196, 4)), a, "196 and 200 share a class");
        let big = h.alloc(layout(300_000, 8));
        let guard2 = h.alloc(layout(8, 8));
        h.dealloc(big, layout(300_000, 8));
        assert_eq!(h.alloc(layout(300_000, 8)), big);
        assert!(!keep.is_null() && !guard.is_null() && !guard2.is_null());
    }
}

#[test]
fn large_neighbours_coalesce_and_the_top_returns_to_the_bump_region() {
    let mut h = heap(64, false);
    // SAFETY (whole test): every pointer comes from `h` with the layout it is freed with.
    unsafe {
        let guard = h.alloc(layout(16, 8)); // the first chunk, before the large blocks
        let l = layout(100_000, 8);
        let a = h.alloc(l);
        let b = h.alloc(l);
        let c = h.alloc(l);
        h.dealloc(a, l);
        h.dealloc(b, l);
        let used = h.mem.used;
        // Only the two merged blocks hold 180,000 bytes below c.
        let ab = h.alloc(layout(180_000, 8));
        assert_eq!(ab, a);
        assert_eq!(h.mem.used, used, "served without growing");
        h.dealloc(ab, layout(180_000, 8));
        // c ended at the top: freed, everything from a up merges back into the bump region.
        h.dealloc(c, l);
        assert_eq!(h.large, 0, "nothing left in the span list");
        assert_eq!(h.top, a as usize);
        assert_eq!(
            h.alloc(layout(250_000, 8)),
            a,
            "the next large block starts where a did"
        );
        assert_eq!(h.mem.used, used, "still without growing");
        h.dealloc(guard, layout(16, 8));
    }
}

#[test]
fn realloc_grows_in_place_at_the_top_and_into_a_free_neighbour() {
    let mut h = heap(256, false);
    // SAFETY (whole test): every pointer comes from `h` with the layout it is freed with.
    unsafe {
        // Vec-like doubling of the newest block: in place in its chunk while small, then
        // once moved to the top of the heap, in place there.
        let mut size = 64;
        let mut p = h.alloc(layout(size, 8));
        p.write_bytes(7, size);
        let mut moves = 0;
        while size < 4 << 20 {
            let q = h.realloc(p, layout(size, 8), size * 2);
            moves += usize::from(q != p);
            p = q;
            size *= 2;
        }
        assert_eq!(moves, 1, "moved once, from its chunk to the top");
        assert!(
            h.mem.used <= (4 << 20) + 2 * PAGE,
            "grew {} for a 4 MiB block",
            h.mem.used
        );
        assert!((0..64).all(|i| *p.add(i) == 7));
        // A large block followed by a free one grows into it; shrinking keeps it too.
        let l = layout(100_000, 8);
        let a = h.alloc(l);
        let b = h.alloc(l);
        let d = h.alloc(l);
        h.dealloc(b, l);
        assert_eq!(h.realloc(a, l, 190_000), a);
        assert_eq!(h.realloc(a, layout(190_000, 8), 120_000), a);
        // What the shrink gave back is usable: 70,000 bytes fit right after a again.
        let c = h.alloc(layout(70_000, 8));
        assert_eq!(c as usize, a as usize + 120_000);
        assert!(!d.is_null());
    }
}

#[test]
fn running_out_of_memory_is_null_and_the_heap_goes_on() {
    let mut h = heap(8, false);
    // SAFETY (whole test): every pointer comes from `h` with the layout it is freed with.
    unsafe {
        let small = h.alloc(layout(100, 8));
        assert!(!small.is_null());
        assert!(h.alloc(layout(9 * PAGE, 8)).is_null());
        let grown = h.realloc(small, layout(100, 8), 9 * PAGE);
        assert!(grown.is_null(), "no memory for the new size");
        small.write_bytes(3, 100);
        let again = h.alloc(layout(4 * PAGE, 8));
        assert!(!again.is_null());
        assert!(
            (0..100).all(|i| *small.add(i) == 3),
            "the block a failed realloc kept is intact"
        );
    }
}

/// xorshift64*: the same sequence for a seed, on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
    /// Mostly small sizes (nodes, strings), some pages' worth, a few large buffers.
    fn size(&mut self) -> usize {
        match self.below(100) {
            0..=69 => 1 + self.below(256),
            70..=89 => 257 + self.below(8_000),
            90..=97 => 8_257 + self.below(100_000),
            _ => 100_001 + self.below(500_000),
        }
    }
    fn align(&mut self) -> usize {
        match self.below(100) {
            0..=84 => 1 << self.below(4),
            85..=98 => 16 << self.below(3),
            _ => 4096,
        }
    }
}

/// The live blocks as the model sees them: address -> (layout, fill byte).
#[derive(Default)]
struct Model {
    live: BTreeMap<usize, (Layout, u8)>,
}

impl Model {
    /// Checks the new block's alignment and that it overlaps no live block, then fills it.
    fn add(&mut self, ptr: *mut u8, l: Layout, fill: u8) {
        let at = ptr as usize;
        assert!(!ptr.is_null(), "out of memory for {l:?}");
        assert_eq!(at % l.align(), 0, "{l:?} at {at:#x}");
        if let Some((&before, (bl, _))) = self.live.range(..=at).next_back() {
            assert!(
                before + bl.size() <= at,
                "{at:#x} {l:?} overlaps {before:#x} {bl:?}"
            );
        }
        if let Some((&after, _)) = self.live.range(at..).next() {
            assert!(at + l.size() <= after, "{at:#x} {l:?} overlaps {after:#x}");
        }
        // SAFETY: the block is `l.size()` bytes the heap just handed out.
        unsafe { ptr.write_bytes(fill, l.size()) };
        self.live.insert(at, (l, fill));
    }

    /// Checks the first `len` bytes of a live block still hold its fill.
    fn check(&self, at: usize, len: usize) {
        let (_, fill) = self.live[&at];
        // SAFETY: the block is live and at least `len` bytes long.
        let bytes = unsafe { core::slice::from_raw_parts(at as *const u8, len) };
        assert!(
            bytes.iter().all(|&b| b == fill),
            "block {at:#x} was overwritten"
        );
    }
}

/// One random sequence of `steps` operations; returns the model's live blocks.
fn random_run(h: &mut Heap<Arena>, rng: &mut Rng, model: &mut Model, steps: usize) {
    for step in 0..steps {
        let fill = (step % 251) as u8 + 1;
        let op = rng.below(100);
        if op < 45 || model.live.is_empty() {
            let l = layout(rng.size(), rng.align());
            // SAFETY: a fresh allocation.
            let p = unsafe { h.alloc(l) };
            model.add(p, l, fill);
        } else {
            let at = *model
                .live
                .keys()
                .nth(rng.below(model.live.len() as u64))
                .unwrap();
            let (l, _) = model.live[&at];
            model.check(at, l.size());
            if op < 75 {
                model.live.remove(&at);
                // SAFETY: `at` is live with layout `l`.
                unsafe { h.dealloc(at as *mut u8, l) };
            } else {
                let new_size = if rng.below(2) == 0 {
                    rng.size()
                } else {
                    (l.size() * 2).clamp(1, 1 << 21)
                };
                // SAFETY: `at` is live with layout `l`; the size is far below isize::MAX.
                let p = unsafe { h.realloc(at as *mut u8, l, new_size) };
                let (_, old_fill) = model.live.remove(&at).unwrap();
                let kept = l.size().min(new_size);
                // SAFETY: the block is live and `new_size >= kept` bytes long.
                let bytes = unsafe { core::slice::from_raw_parts(p, kept) };
                assert!(
                    bytes.iter().all(|&b| b == old_fill),
                    "realloc lost contents"
                );
                model.add(p, layout(new_size, l.align()), fill);
            }
        }
    }
    for (&at, &(l, _)) in &model.live {
        model.check(at, l.size());
    }
}

fn free_all(h: &mut Heap<Arena>, model: &mut Model) {
    for (at, (l, _)) in std::mem::take(&mut model.live) {
        // SAFETY: `at` is live with layout `l`.
        unsafe { h.dealloc(at as *mut u8, l) };
    }
}

#[test]
fn random_sequences_keep_blocks_apart_aligned_and_intact() {
    for seed in 1..=12u64 {
        let mut h = heap(4096, seed % 3 == 0);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut model = Model::default();
        random_run(&mut h, &mut rng, &mut model, 3000);
        free_all(&mut h, &mut model);
    }
}

#[test]
fn freed_memory_is_reused_round_after_round() {
    for seed in 1..=3u64 {
        let mut h = heap(8192, false);
        let mut model = Model::default();
        let mut peak = 0;
        for _ in 0..8 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            for _ in 0..30 {
                random_run(&mut h, &mut rng, &mut model, 100);
                peak = peak.max(model.live.values().map(|(l, _)| l.size()).sum::<usize>());
            }
            free_all(&mut h, &mut model);
        }
        // A heap that leaked what was freed would hold eight rounds' worth by now.
        assert!(
            h.mem.used <= 2 * peak + (1 << 20),
            "seed {seed}: {} bytes grown for a peak of {peak} live",
            h.mem.used
        );
    }
}
