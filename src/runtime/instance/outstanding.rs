//! The calls a follower forwarded and still awaits, by request number, kept
//! in number order (the order they are re-sent to a new leader). A sorted
//! `VecDeque` rather than a `BTreeMap`: numbers are taken in increasing
//! order and answers mostly come back in it, so both ends are O(1) and a
//! lookup is a binary search; and the wasm carries one B-tree copy fewer.

use std::collections::VecDeque;

use wasm_bindgen::JsValue;

use super::Reply;

/// Forwarded requests awaiting their answer.
#[derive(Default)]
pub(super) struct Outstanding(VecDeque<(u64, JsValue, Reply)>);

impl Outstanding {
    /// Records request `n` (replacing an earlier entry with the same number).
    pub(super) fn insert(&mut self, n: u64, request: JsValue, reply: Reply) {
        let i = self.0.partition_point(|e| e.0 < n);
        match self.0.get_mut(i) {
            Some(e) if e.0 == n => *e = (n, request, reply),
            _ => self.0.insert(i, (n, request, reply)),
        }
    }

    /// Takes request `n`'s reply channel out, if it is still awaited.
    pub(super) fn remove(&mut self, n: u64) -> Option<Reply> {
        let i = self.0.binary_search_by_key(&n, |e| e.0).ok()?;
        self.0.remove(i).map(|(_, _, reply)| reply)
    }

    /// Every awaited request with its number, in number order.
    pub(super) fn requests(&self) -> impl Iterator<Item = (u64, &JsValue)> {
        self.0.iter().map(|(n, request, _)| (*n, request))
    }

    /// Forgets every request (their callers get `QUEUE_CLOSED`).
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }
}
