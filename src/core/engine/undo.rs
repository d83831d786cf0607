//! Undo: what every record was before the engine changed it, so that a
//! batch the store refused can be taken back without the store's image.
//!
//! Epochs are the drain points of `take_mutations`: each drained batch has
//! one sealed epoch (the values its changes overwrote) until the driver says
//! it is durable (`committed`, which drops it) or failed (`roll_back`, which
//! restores the state before the oldest outstanding batch: every epoch
//! since, newest first, each in reverse). A driver with one commit in flight
//! has at most two epochs: the batch being committed and the one
//! accumulating.
//!
//! The log is a `Vec` applied in reverse, so the first value saved for a
//! record in an epoch is the one left standing. Saving is cheap by design:
//! an insert saves only its id, a removal moves the entry in (its drop is
//! only put off until `committed`), a state change saves the metadata's
//! plain fields, and a string or payload that changes is moved, not copied.
//! The counters and the origin are saved once per epoch, at its start.

use super::{Engine, Entry};
use crate::core::record::{Counters, MessageId, MessageRecord, MessageState, Records};

/// The plain (heap-free) fields of a message's metadata that change after
/// enqueue; its id, group, key and enqueue time never do.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    due_ms: u64,
    priority: i32,
    max_attempts: u32,
    attempts: u32,
    state: MessageState,
}

impl Fields {
    pub(super) fn of(meta: &MessageRecord) -> Self {
        Fields {
            due_ms: meta.due_ms,
            priority: meta.priority,
            max_attempts: meta.max_attempts,
            attempts: meta.attempts,
            state: meta.state.clone(),
        }
    }

    fn restore(self, meta: &mut MessageRecord) {
        meta.due_ms = self.due_ms;
        meta.priority = self.priority;
        meta.max_attempts = self.max_attempts;
        meta.attempts = self.attempts;
        meta.state = self.state;
    }
}

/// One value a change overwrote.
#[derive(Debug, Clone)]
pub(super) enum Undo<P> {
    /// A message was stored: undone by removing it.
    Added(MessageId),
    /// A message was removed: it is the epoch's last `removed` entry not
    /// yet put back (kept apart so that every other undo stays small).
    Removed,
    /// A message's plain metadata fields before a change.
    Fields(MessageId, Fields),
    /// A message's last error before a change.
    LastError(MessageId, Option<String>),
    /// A message's payload before a replace.
    Payload(MessageId, P),
    /// What an idempotency key stood for before it changed (`None`: absent).
    Key(String, Option<(MessageId, u64)>),
}

/// The undo of one batch.
#[derive(Debug, Clone)]
struct Epoch<P> {
    log: Vec<Undo<P>>,
    /// The messages removed, in order (see `Undo::Removed`).
    removed: Vec<Entry<P>>,
    counters: Counters,
    origin_unset: bool,
}

/// The epochs outstanding: sealed ones (drained, not yet committed), oldest
/// first, and the one accumulating.
#[derive(Debug, Clone)]
pub(super) struct UndoLog<P> {
    current: Epoch<P>,
    sealed: Vec<Epoch<P>>,
    /// Cleared logs kept for the next epoch (no allocation per batch).
    spare: (Vec<Undo<P>>, Vec<Entry<P>>),
}

impl<P> UndoLog<P> {
    pub(super) fn new(counters: Counters, origin_unset: bool) -> Self {
        UndoLog {
            current: Epoch {
                log: Vec::new(),
                removed: Vec::new(),
                counters,
                origin_unset,
            },
            sealed: Vec::new(),
            spare: (Vec::new(), Vec::new()),
        }
    }

    /// Saves one overwritten value in the accumulating epoch.
    #[inline]
    pub(super) fn push(&mut self, undo: Undo<P>) {
        self.current.log.push(undo);
    }

    /// Keeps a removed message until its batch is settled.
    #[inline]
    pub(super) fn removed(&mut self, entry: Entry<P>) {
        self.current.removed.push(entry);
        self.current.log.push(Undo::Removed);
    }

    /// Seals the accumulating epoch; a new one starts from this state.
    fn seal(&mut self, counters: Counters, origin_unset: bool) {
        let (log, removed) = std::mem::take(&mut self.spare);
        let next = Epoch {
            log,
            removed,
            counters,
            origin_unset,
        };
        let done = std::mem::replace(&mut self.current, next);
        self.sealed.push(done);
    }

    /// Starts the accumulating epoch afresh from this state, forgetting
    /// everything outstanding (a rebuilt engine).
    pub(super) fn restart(&mut self, counters: Counters, origin_unset: bool) {
        self.sealed.clear();
        self.current.log.clear();
        self.current.removed.clear();
        self.current.counters = counters;
        self.current.origin_unset = origin_unset;
    }

    /// How many drained batches wait for `committed` or `roll_back`.
    fn outstanding(&self) -> usize {
        self.sealed.len()
    }
}

impl<P: Clone> Engine<P> {
    /// Starts a new undo epoch: called by `take_mutations` as it drains.
    pub(super) fn seal_epoch(&mut self) {
        let (counters, unset) = (self.counters, self.origin.is_none());
        self.undo.seal(counters, unset);
    }

    /// The oldest batch drained and not yet settled is durable: its undo is
    /// dropped (and with it the entries removed by that batch). A no-op when
    /// no drained batch is outstanding.
    pub fn committed(&mut self) {
        if self.undo.sealed.is_empty() {
            return;
        }
        // At most two are outstanding with one commit in flight: a cheap shift.
        let mut done = self.undo.sealed.remove(0);
        done.log.clear();
        done.removed.clear();
        if done.log.capacity() > self.undo.spare.0.capacity() {
            self.undo.spare.0 = done.log;
        }
        if done.removed.capacity() > self.undo.spare.1.capacity() {
            self.undo.spare.1 = done.removed;
        }
    }

    /// How many drained batches wait for `committed` or `roll_back`.
    pub fn outstanding_batches(&self) -> usize {
        self.undo.outstanding()
    }

    /// The oldest batch drained and not yet settled failed (nothing of it
    /// was stored): the engine goes back to the state before it, undoing
    /// every change made since (that batch's, any later drained batch's,
    /// and the changes not drained yet, whose journal is dropped). Then the
    /// indexes are rebuilt, as of `now_ms`, as `from_records` would from the
    /// store's records, except that the rate limits keep their exact memory
    /// (as `keep_pace` does) and the jitter generator goes on. With no
    /// drained batch outstanding, it undoes the changes not drained yet.
    ///
    /// One thing is not taken back: the lease numbers handed out. A handler
    /// of a lease rolled back may still be running, and its token must stay
    /// stale; and the store must learn that it was leased from, so that an
    /// instance taking over holds its rate limits (see `rate`). So the next
    /// lease number stays, and the next batch stores the counters.
    pub fn roll_back(&mut self, now_ms: u64) {
        let next_lease = self.counters.next_lease;
        self.undo_outstanding();
        if self.counters.next_lease < next_lease {
            self.counters.next_lease = next_lease;
            self.record_counters();
        }
        self.reindex(now_ms);
    }

    /// Everything the store held after the last settled batch, moved out of
    /// the engine (no copy): every outstanding batch is undone first, as a
    /// crash would lose it. The engine is left empty (its counters, origin
    /// and rate memory aside); for a driver that stops leading and hands its
    /// state to a store that kept nothing while it ran.
    pub fn take_records(&mut self) -> Records<P> {
        self.undo_outstanding();
        self.clear_indexes();
        // Plain inserts in key order (the `BTreeMap` code `Records` has
        // already): a `collect` would bring a sort and a bulk build.
        let mut records = Records {
            counters: self.counters,
            origin: self.origin.clone(),
            keys: std::mem::take(&mut self.keys),
            ..Records::default()
        };
        for (id, e) in std::mem::take(&mut self.messages) {
            records.put(id, Some(e.meta), Some(e.payload));
        }
        records
    }

    /// Applies every outstanding epoch in reverse, newest first: messages,
    /// keys, counters and origin are as when the oldest one started. The
    /// indexes are left stale (`reindex` or a move of the records follows).
    pub(super) fn undo_outstanding(&mut self) {
        let mut epochs = std::mem::take(&mut self.undo.sealed);
        let current = std::mem::replace(
            &mut self.undo.current,
            Epoch {
                log: Vec::new(),
                removed: Vec::new(),
                counters: self.counters,
                origin_unset: false,
            },
        );
        epochs.push(current);
        let mut oldest = None;
        while let Some(mut epoch) = epochs.pop() {
            for undo in epoch.log.into_iter().rev() {
                self.apply_undo(undo, &mut epoch.removed);
            }
            oldest = Some((epoch.counters, epoch.origin_unset));
        }
        if let Some((counters, origin_unset)) = oldest {
            self.counters = counters;
            if origin_unset {
                self.origin = None;
            }
        }
        self.journal.clear();
        self.counters_dirty = false;
        self.undo.restart(self.counters, self.origin.is_none());
    }

    fn apply_undo(&mut self, undo: Undo<P>, removed: &mut Vec<Entry<P>>) {
        match undo {
            Undo::Added(id) => {
                self.messages.remove(&id);
            }
            Undo::Removed => {
                if let Some(entry) = removed.pop() {
                    self.messages.insert(entry.meta.id, entry);
                }
            }
            Undo::Fields(id, fields) => {
                if let Some(e) = self.messages.get_mut(&id) {
                    fields.restore(&mut e.meta);
                }
            }
            Undo::LastError(id, error) => {
                if let Some(e) = self.messages.get_mut(&id) {
                    e.meta.replace_last_error(error);
                }
            }
            Undo::Payload(id, payload) => {
                if let Some(e) = self.messages.get_mut(&id) {
                    e.payload = payload;
                }
            }
            Undo::Key(key, Some(owner)) => {
                self.keys.insert(key, owner);
            }
            Undo::Key(key, None) => {
                self.keys.remove(&key);
            }
        }
    }

    /// Empties every index (what `messages` and `keys` rebuild).
    fn clear_indexes(&mut self) {
        self.ready.clear();
        self.future.clear();
        self.paced.clear();
        self.groups.clear();
        self.leases.clear();
        self.dead.clear();
        self.pending = 0;
        self.key_expiry.clear();
    }

    /// Rebuilds every index from `messages` and `keys` as of `now_ms` (a
    /// rollback), as `from_records` does, keeping the rate limits' memory.
    fn reindex(&mut self, now_ms: u64) {
        self.clear_indexes();
        self.clock = self.clock.max(now_ms);
        let messages = std::mem::take(&mut self.messages);
        for (id, entry) in &messages {
            self.place(*id, &entry.meta);
        }
        self.messages = messages;
        self.place_group_heads();
        self.reset_key_expiry();
        self.tick(now_ms);
    }
}
