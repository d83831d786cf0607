//! The one sort of the crate: a heapsort by key, and the `k` smallest of a
//! list through the same heap. `core::slice::sort` is compiled once per
//! element type (a quicksort, its partitions and small sorts, ~4 KB of wasm
//! each); this is a few hundred bytes, O(n log n) without allocating. The
//! sorts are not on the per-job path (listing, and reading a log at open);
//! the heap steps also keep `Deadlines` (`core/deadlines.rs`).

/// Sorts `v` by `key`, ascending; not stable.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    heap_sort(v, &|a: &T, b: &T| key(a) < key(b));
}

/// Keeps the `k` smallest of `v`, sorted ascending (O(n log k)).
pub fn smallest<T: Ord>(v: &mut Vec<T>, k: usize) {
    let less = |a: &T, b: &T| a < b;
    if v.len() > k {
        // A max-heap of the first k; each later one smaller than its top replaces the top.
        heapify(&mut v[..k], &less);
        for i in k..v.len() {
            if k > 0 && v[i] < v[0] {
                v.swap(0, i);
                sift_down(&mut v[..k], 0, &less);
            }
        }
        v.truncate(k);
    }
    heap_sort(v, &less);
}

fn heap_sort<T>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    heapify(v, less);
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(&mut v[..end], 0, less);
    }
}

/// Makes `v` a max-heap.
pub(crate) fn heapify<T>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    for root in (0..v.len() / 2).rev() {
        sift_down(v, root, less);
    }
}

/// Moves `heap[root]` down the max-heap `heap` until neither child is greater.
pub(crate) fn sift_down<T>(heap: &mut [T], mut root: usize, less: &impl Fn(&T, &T) -> bool) {
    loop {
        let mut child = 2 * root + 1;
        if child >= heap.len() {
            return;
        }
        if child + 1 < heap.len() && less(&heap[child], &heap[child + 1]) {
            child += 1;
        }
        if !less(&heap[root], &heap[child]) {
            return;
        }
        heap.swap(root, child);
        root = child;
    }
}

/// Moves `heap[i]` up the max-heap `heap` until its parent is not less.
pub(crate) fn sift_up<T>(heap: &mut [T], mut i: usize, less: &impl Fn(&T, &T) -> bool) {
    while i > 0 {
        let parent = (i - 1) / 2;
        if !less(&heap[parent], &heap[i]) {
            return;
        }
        heap.swap(parent, i);
        i = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::SplitMix64;

    fn random(seed: u64, n: usize, range: u64) -> Vec<u64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| rng.next_u64() % range).collect()
    }

    #[test]
    fn sorts_like_the_standard_sort() {
        for n in [0, 1, 2, 3, 7, 64, 1000] {
            for range in [2, 1000, u64::MAX] {
                let mut v = random((n as u64 * 31) ^ range, n, range);
                let mut want = v.clone();
                want.sort_unstable();
                sort_by_key(&mut v, |x| *x);
                assert_eq!(v, want, "n {n}, range {range}");
            }
        }
    }

    #[test]
    fn sorts_by_the_key_only() {
        let mut v: Vec<(u64, &str)> = vec![(3, "c"), (1, "a"), (2, "b"), (0, "z")];
        sort_by_key(&mut v, |p| p.0);
        assert_eq!(v, [(0, "z"), (1, "a"), (2, "b"), (3, "c")]);
    }

    #[test]
    fn keeps_the_k_smallest_sorted() {
        for n in [0, 1, 5, 100, 1000] {
            for k in [0, 1, 3, 50, 100, 2000] {
                let mut v = random(n as u64 * 7 + k as u64, n, 500);
                let mut want = v.clone();
                want.sort_unstable();
                want.truncate(k);
                smallest(&mut v, k);
                assert_eq!(v, want, "n {n}, k {k}");
            }
        }
    }
}
