//! `Compaction`: when a log-structured store (IndexedDB, the adapter) folds
//! its log into a snapshot, and `Fold`, the snapshot it writes then.
//!
//! Both stores append one log entry per commit and now and then rewrite a
//! snapshot of the whole state, then drop the entries it covers. They keep
//! no records in memory for it (the engine's state is the one copy): the
//! runtime hands a store the state it will hold once its next commit is
//! durable (the engine right after it drained that batch), the store
//! encodes the snapshot from it then, if one is due (`fold`), and writes it
//! once that commit succeeded, covering the log up to that commit. A
//! commit that fails drops its fold (what it encoded never became true).
//!
//! The policy, one for both stores: fold once the log holds more than
//! `max(min_log, messages / 4)` entries (so the cost of a snapshot is
//! spread over at least a quarter as many commits as it rewrites messages);
//! after a failed compaction, wait for that many more entries; never while
//! another runs, and never while unreadable values are stored and not yet
//! moved to the dead letters (a snapshot would drop them for good). Each
//! store picks `min_log` for its medium.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use super::codec::encode_snapshot;
use super::StoreError;
use crate::core::Image;
use crate::js::console::warn;

/// A snapshot encoded from the state after one batch (the store's own
/// chunks, not yet sealed): written once that batch's commit is durable.
pub struct Fold {
    /// The snapshot's values, in the store's chunk size.
    pub(crate) chunks: Vec<JsValue>,
    /// How many messages the state held (for the next threshold).
    pub(crate) messages: usize,
}

/// A log-structured store's compaction bookkeeping (no records).
pub(crate) struct Compaction {
    /// Log entries stored now (not yet folded into the snapshot).
    log_len: usize,
    /// Fold no sooner than this many entries (the medium's minimum).
    min_log: usize,
    /// After a failed compaction, wait until the log holds this many.
    retry_at: usize,
    /// The threshold when the running (or last) compaction started.
    last_threshold: usize,
    /// Unreadable values are stored and were not moved to the dead letters.
    undecodable: bool,
    /// A compaction is running.
    compacting: bool,
}

impl Fold {
    /// The snapshot of `state` in chunks of `per_chunk` records; a failure
    /// waits as a failed compaction (`log`).
    pub(crate) fn encode(
        log: &RefCell<Compaction>,
        state: &dyn Image<JsValue>,
        per_chunk: usize,
    ) -> Result<Fold, StoreError> {
        let messages = state.message_count();
        encode_snapshot(state, per_chunk)
            .map(|chunks| Fold { chunks, messages })
            .inspect_err(|_| log.borrow_mut().refused(messages))
    }

    /// A store's `fold`: the snapshot of `after` (the state once the next
    /// commit is durable) if `log` is due to be folded then and `allowed`;
    /// a snapshot that does not encode is reported and waits.
    pub(crate) fn when_due(
        log: &RefCell<Compaction>,
        allowed: bool,
        after: &dyn Image<JsValue>,
        per_chunk: usize,
    ) -> Option<Fold> {
        if !allowed || !log.borrow().due_after_commit(after.message_count()) {
            return None;
        }
        Fold::encode(log, after, per_chunk)
            .map_err(|e| warn(&format!("compaction not started: {e}"), &JsValue::UNDEFINED))
            .ok()
    }
}

impl Compaction {
    /// No log yet; it is folded after at least `min_log` entries.
    pub(crate) fn new(min_log: usize) -> Self {
        Compaction {
            log_len: 0,
            min_log,
            retry_at: 0,
            last_threshold: min_log,
            undecodable: false,
            compacting: false,
        }
    }

    /// A load read `log_len` log entries (besides the snapshot);
    /// `undecodable`: some stored value could not be read.
    pub(crate) fn loaded(&mut self, log_len: usize, undecodable: bool) {
        self.log_len = log_len;
        self.retry_at = 0;
        self.undecodable = undecodable;
    }

    /// A commit is durable as one more log entry.
    pub(crate) fn committed(&mut self) {
        self.log_len += 1;
    }

    /// The unreadable values were moved: their dead letters are durable as
    /// one more log entry, and `removed` log entries are gone.
    pub(crate) fn quarantined(&mut self, removed: usize) {
        self.committed();
        self.log_len = self.log_len.saturating_sub(removed);
        self.undecodable = false;
    }

    /// Whether to fold the log once one more commit is durable, for a state
    /// of `messages` messages then.
    pub(crate) fn due_after_commit(&self, messages: usize) -> bool {
        let log_len = self.log_len + 1;
        log_len > self.threshold(messages) && log_len >= self.retry_at && self.may_fold()
    }

    /// Whether folding the log as it is now is possible and safe (a forced
    /// compaction: whenever there is a log).
    pub(crate) fn may_fold_now(&self) -> bool {
        self.log_len > 0 && self.may_fold()
    }

    fn may_fold(&self) -> bool {
        !self.compacting && !self.undecodable
    }

    /// A compaction of the whole log as it is now starts, for a state of
    /// `messages` messages; returns how many entries it covers.
    pub(crate) fn started(&mut self, messages: usize) -> usize {
        self.compacting = true;
        self.last_threshold = self.threshold(messages);
        self.log_len
    }

    /// The compaction of `covered` entries ended (`ok`: they are folded).
    pub(crate) fn ended(&mut self, covered: usize, ok: bool) {
        self.compacting = false;
        if ok {
            self.log_len = self.log_len.saturating_sub(covered);
            self.retry_at = 0;
        } else {
            self.retry_at = self.log_len + self.last_threshold;
        }
    }

    /// Could not start (the snapshot did not encode): wait as after a failure.
    pub(crate) fn refused(&mut self, messages: usize) {
        self.last_threshold = self.threshold(messages);
        self.retry_at = self.log_len + self.last_threshold;
    }

    fn threshold(&self, messages: usize) -> usize {
        self.min_log.max(messages / 4)
    }
}
