//! `LogImage`: what a log-structured store (IndexedDB, the adapter) keeps in
//! memory beside its medium, and when it folds its log into a snapshot.
//!
//! Both stores append one log entry per commit and now and then rewrite a
//! snapshot of the whole state, then drop the entries it covers. The image
//! is what every successful commit left behind: what `Store::image`
//! returns after a failed commit, and what a compaction writes.
//!
//! The compaction policy, one for both stores: fold once the log holds more
//! than `max(min_log, messages / 4)` entries (so the cost of a snapshot is
//! spread over at least a quarter as many commits as it rewrites messages);
//! after a failed compaction, wait for that many more entries; never while
//! another runs, and never while unreadable values are stored and not yet
//! moved to the dead letters (a snapshot would drop them for good). Each
//! store picks `min_log` for its medium.

use wasm_bindgen::JsValue;

use crate::core::{Mutation, Records};

/// The in-memory image of a log-structured store and its compaction state.
pub(crate) struct LogImage {
    records: Records<JsValue>,
    /// Log entries stored now (not yet folded into the snapshot).
    log_len: usize,
    /// Fold no sooner than this many entries (the medium's minimum).
    min_log: usize,
    /// After a failed compaction, wait until the log holds this many.
    retry_at: usize,
    /// Unreadable values are stored and were not moved to the dead letters.
    undecodable: bool,
    /// A compaction is running.
    compacting: bool,
}

impl LogImage {
    /// An empty image whose log is folded after at least `min_log` entries.
    pub(crate) fn new(min_log: usize) -> Self {
        LogImage {
            records: Records::default(),
            log_len: 0,
            min_log,
            retry_at: 0,
            undecodable: false,
            compacting: false,
        }
    }

    /// What every successful commit left behind.
    pub(crate) fn records(&self) -> &Records<JsValue> {
        &self.records
    }

    /// A load read `records` from a snapshot and `log_len` log entries;
    /// `undecodable`: some stored value could not be read.
    pub(crate) fn loaded(&mut self, records: Records<JsValue>, log_len: usize, undecodable: bool) {
        self.records = records;
        self.log_len = log_len;
        self.retry_at = 0;
        self.undecodable = undecodable;
    }

    /// A commit of `batch` is durable as one more log entry.
    pub(crate) fn committed(&mut self, batch: Vec<Mutation<JsValue>>) {
        self.records.apply_all(batch);
        self.log_len += 1;
    }

    /// The unreadable values were moved: `batch` (their dead letters) is
    /// durable as one more log entry, and `removed` log entries are gone.
    pub(crate) fn quarantined(&mut self, batch: Vec<Mutation<JsValue>>, removed: usize) {
        self.committed(batch);
        self.log_len = self.log_len.saturating_sub(removed);
        self.undecodable = false;
    }

    /// Whether to fold the log now (with `force`: whenever there is a log
    /// and folding is safe).
    pub(crate) fn compaction_due(&self, force: bool) -> bool {
        let long = self.log_len > self.threshold() && self.log_len >= self.retry_at;
        (force || long) && self.log_len > 0 && !self.compacting && !self.undecodable
    }

    /// A compaction of the whole log as it is now starts; returns how many
    /// entries it covers.
    pub(crate) fn compaction_started(&mut self) -> usize {
        self.compacting = true;
        self.log_len
    }

    /// The compaction of `covered` entries ended (`ok`: they are folded).
    pub(crate) fn compaction_ended(&mut self, covered: usize, ok: bool) {
        self.compacting = false;
        if ok {
            self.log_len = self.log_len.saturating_sub(covered);
            self.retry_at = 0;
        } else {
            self.retry_at = self.log_len + self.threshold();
        }
    }

    /// Could not even start (the snapshot did not encode): wait as after a failure.
    pub(crate) fn compaction_refused(&mut self) {
        self.retry_at = self.log_len + self.threshold();
    }

    fn threshold(&self) -> usize {
        self.min_log.max(self.records.messages.len() / 4)
    }
}
