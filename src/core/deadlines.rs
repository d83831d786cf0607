//! `Deadlines`: names with a time, taken earliest first — when idempotency
//! keys expire, when rate-limited groups go idle. A binary min-heap in a
//! vector (the heap steps of `core/sort.rs`), not a `BTreeSet`, whose code
//! would be one more B-tree copy in the wasm. Nothing is taken out early:
//! whoever pops an entry checks that it still holds (a key re-indexed with
//! a new time, a group started again), so a replaced time costs one stale
//! entry until it comes, or until its owner `reset`s the heap from what
//! still holds. Entries come out in `(time, name)` order, as a sorted set's
//! would.

use super::sort::{heapify, sift_down, sift_up};

/// Names by time, earliest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deadlines(Vec<(u64, String)>);

/// The min-heap order: `a` below `b` in the max-heap helpers when it is later.
fn later(a: &(u64, String), b: &(u64, String)) -> bool {
    a > b
}

impl Deadlines {
    /// Adds `name` due at `at`.
    pub(crate) fn push(&mut self, at: u64, name: String) {
        self.0.push((at, name));
        let last = self.0.len() - 1;
        sift_up(&mut self.0, last, &later);
    }

    /// The earliest time, if any.
    pub(crate) fn first_at(&self) -> Option<u64> {
        self.0.first().map(|e| e.0)
    }

    /// Takes the earliest entry if it is due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<(u64, String)> {
        if self.first_at()? > now {
            return None;
        }
        let entry = self.0.swap_remove(0);
        sift_down(&mut self.0, 0, &later);
        Some(entry)
    }

    /// How many entries it holds, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Holds exactly `entries` from now on (the stale ones dropped).
    pub(crate) fn reset(&mut self, entries: impl Iterator<Item = (u64, String)>) {
        self.0.clear();
        self.0.extend(entries);
        heapify(&mut self.0, &later);
    }

    /// Forgets every entry.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// The entries for which `holds` is true, sorted and without repeats
    /// (what two engines in the same state agree on, stale entries aside).
    pub(crate) fn holding(&self, holds: impl Fn(u64, &str) -> bool) -> Vec<&(u64, String)> {
        let mut v: Vec<&(u64, String)> = self.0.iter().filter(|e| holds(e.0, &e.1)).collect();
        super::sort::sort_by_key(&mut v, |e| *e);
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::SplitMix64;

    #[test]
    fn comes_out_in_time_then_name_order_and_only_when_due() {
        let mut d = Deadlines::default();
        let mut rng = SplitMix64::new(3);
        let mut want = Vec::new();
        for i in 0..200 {
            let at = rng.next_u64() % 50;
            let name = format!("n{}", i % 7);
            d.push(at, name.clone());
            want.push((at, name));
        }
        want.sort();
        let mut got = Vec::new();
        while let Some(e) = d.pop_due(24) {
            got.push(e);
        }
        let due = want.iter().filter(|e| e.0 <= 24).count();
        assert_eq!(got, want[..due]);
        assert!(d.first_at().is_some_and(|t| t > 24));
        while let Some(e) = d.pop_due(u64::MAX) {
            got.push(e);
        }
        assert_eq!(got, want);
        assert_eq!(d.first_at(), None);
    }

    #[test]
    fn reset_holds_only_the_given_entries_in_order() {
        let mut d = Deadlines::default();
        for (at, name) in [(5, "b"), (3, "a"), (9, "stale")] {
            d.push(at, name.to_owned());
        }
        d.reset(
            [(7, "x"), (2, "y"), (7, "a"), (4, "z")]
                .map(|(at, n)| (at, n.to_owned()))
                .into_iter(),
        );
        assert_eq!(d.len(), 4);
        let mut got = Vec::new();
        while let Some((at, name)) = d.pop_due(u64::MAX) {
            got.push((at, name));
        }
        let want: Vec<(u64, String)> = [(2, "y"), (4, "z"), (7, "a"), (7, "x")]
            .map(|(at, n)| (at, n.to_owned()))
            .into();
        assert_eq!(got, want);
    }

    #[test]
    fn holding_keeps_what_still_holds_once_in_order() {
        let mut d = Deadlines::default();
        for (at, name) in [(5, "b"), (3, "a"), (5, "b"), (9, "stale"), (1, "c")] {
            d.push(at, name.to_owned());
        }
        let got: Vec<(u64, &str)> = d
            .holding(|_, name| name != "stale")
            .into_iter()
            .map(|e| (e.0, e.1.as_str()))
            .collect();
        assert_eq!(got, [(1, "c"), (3, "a"), (5, "b")]);
    }
}
