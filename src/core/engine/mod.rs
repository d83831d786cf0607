//! `Engine<P>`: the queue's state and every rule, with no I/O and no clock.
//!
//! Each operation takes the time as `now_ms`, decides, updates the in-memory
//! indexes and appends the record changes it made to a journal that the
//! driver drains with [`Engine::take_mutations`] and hands to a store. A store
//! that committed every drained batch holds [`Records`] from which
//! [`Engine::from_records`] rebuilds an equal engine: that is a reopen.
//! Each drained batch is settled with [`Engine::committed`] or, when the
//! store refused it, [`Engine::roll_back`] (the engine's own undo).
//! A driver whose store keeps nothing while it runs (the engine's state is
//! the one copy) turns the journal off with [`Engine::skip_journal`]: the
//! batches are then empty, but everything else (epochs, undo,
//! `has_mutations`) goes on as before.
//!
//! Indexes (all O(log n) per change):
//! - `ready`: leasable now, ordered by priority (high first), due time, id;
//! - `future`: waiting messages not yet due, by due time;
//! - `groups`: per FIFO group its waiting and in-flight members; only the
//!   group's eligible head is ever in `ready` (or in `paced`);
//! - `paced`: group heads due but held back by the group rate limit, by the
//!   time the limit lets them start;
//! - `leases`: in-flight messages by deadline; `dead`: dead letters by id;
//! - `keys` / `key_expiry`: idempotency keys and when their window ends;
//! - `pace`: the start times the rate limits count (not stored: see `rate`).
//!
//! Files: `enqueue` (and coalescing), `lease` (lease, ack, nack, expire),
//! `takeover` (`recover_leases`), `cancel`, `list` (`jobs`), `dead` (dead
//! letters), `rate` (rate limits), `index` (index upkeep), `rebuild`
//! (`from_records`), `undo` (what a failed batch overwrote: `committed`,
//! `roll_back`), `journal` (the changes for the store), `slot` (the index
//! key type).

mod cancel;
mod dead;
mod enqueue;
mod index;
mod journal;
mod lease;
mod list;
mod rate;
mod rebuild;
mod slot;
mod takeover;
mod undo;

use std::collections::{BTreeMap, HashMap};

use super::config::Config;
use super::deadlines::Deadlines;
use super::error::Result;
use super::record::{
    Counters, Image, MessageId, MessageRecord, Mutation, Record, RecordKey, Records,
};
use super::rng::SplitMix64;
use journal::Journal;
use slot::{Index, Slot};
use undo::{Fields, Undo, UndoLog};

pub use dead::DeadLetter;
pub use enqueue::Enqueued;
pub use lease::{Expired, Lease, LeaseToken, Settled};
pub use list::{Job, JobState, JobStates};

/// Counts of messages by state, and lifetime counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Waiting and due (includes FIFO-group members waiting for their turn,
    /// and jobs held back by a rate limit).
    pub pending: usize,
    /// Waiting and not yet due (delays and retry backoff).
    pub delayed: usize,
    /// Leased to a handler.
    pub in_flight: usize,
    /// Acked, ever.
    pub completed: u64,
    /// Failed tries that were scheduled again, ever.
    pub retried: u64,
    /// Dead letters now.
    pub dead: usize,
}

impl Stats {
    /// Messages stored now: pending + delayed + in flight + dead.
    pub fn stored(&self) -> usize {
        self.pending + self.delayed + self.in_flight + self.dead
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Group {
    /// Waiting and in-flight members, in id (enqueue) order.
    members: Index,
    /// The member in flight, if any.
    in_flight: Option<MessageId>,
    /// The member currently in `ready` (or in `paced`), if any.
    indexed: Option<MessageId>,
    /// `Some(t)`: `indexed` is in `paced` until `t`, held back by the
    /// group rate limit; `None`: it is in `ready`.
    paced_at: Option<u64>,
}

impl Group {
    /// Member `id` leaves the waiting indexes (leased, cancelled or
    /// replaced): if it was the indexed head, it is no longer, nor paced.
    fn unindex(&mut self, id: MessageId, paced: &mut Index) {
        if self.indexed == Some(id) {
            self.indexed = None;
            if let Some(t) = self.paced_at.take() {
                paced.remove(&Slot::at(t, id));
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Entry<P> {
    meta: MessageRecord,
    payload: P,
}

/// The queue engine. `P` is the payload type (a `JsValue` in the browser).
#[derive(Debug, Clone)]
pub struct Engine<P> {
    config: Config,
    rng: SplitMix64,
    clock: u64,
    counters: Counters,
    origin: Option<String>,
    messages: BTreeMap<MessageId, Entry<P>>,
    ready: Index,
    future: Index,
    paced: Index,
    groups: HashMap<String, Group>,
    leases: Index,
    dead: Index,
    pending: usize,
    keys: HashMap<String, (MessageId, u64)>,
    /// When each key's window ends (entries of replaced or released keys
    /// stay until their time and are skipped then).
    key_expiry: Deadlines,
    pace: rate::Pace,
    /// The record changes since the last drain (see `journal`).
    journal: Journal<P>,
    /// The counters changed since the journal was last drained: one
    /// `Put(Counters)` is appended when it is (not one per operation).
    counters_dirty: bool,
    /// What the changes of the batches not yet settled overwrote (see `undo`).
    undo: UndoLog<P>,
}

impl<P: Clone> Engine<P> {
    /// An empty queue.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        Ok(Engine {
            rng: SplitMix64::new(config.seed),
            config,
            clock: 0,
            counters: Counters::default(),
            origin: None,
            messages: BTreeMap::new(),
            ready: Index::new(),
            future: Index::new(),
            paced: Index::new(),
            groups: HashMap::new(),
            leases: Index::new(),
            dead: Index::new(),
            pending: 0,
            keys: HashMap::new(),
            key_expiry: Deadlines::default(),
            pace: rate::Pace::default(),
            journal: Journal::new(),
            counters_dirty: false,
            undo: UndoLog::new(Counters::default(), true),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The latest time the engine has seen.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Drains the record changes made since the last call, in order: one
    /// batch for the store. It also starts a new undo epoch: the driver
    /// settles each drained batch, in order, with [`Engine::committed`] once
    /// it is durable or [`Engine::roll_back`] when it failed (until then its
    /// undo is kept).
    ///
    /// Without journaling the batch is always empty: ask `has_mutations`
    /// before draining whether it holds changes.
    pub fn take_mutations(&mut self) -> Vec<Mutation<P>> {
        if std::mem::take(&mut self.counters_dirty) {
            let counters = self.counters;
            self.journal
                .push(|| Mutation::Put(Record::Counters(counters)));
        }
        self.seal_epoch();
        self.journal.take()
    }

    /// Whether changes are waiting to be drained (journaled or not: the
    /// same answer either way).
    pub fn has_mutations(&self) -> bool {
        self.counters_dirty || self.journal.has_changes()
    }

    /// Stops journaling, for good: the record changes are no longer built
    /// (no metadata or payload copies), for a driver whose store keeps
    /// nothing while it runs. Changes journaled so far are dropped, but
    /// still count as changes for `has_mutations`. Epochs, undo,
    /// `committed` and `roll_back` work as before.
    pub fn skip_journal(&mut self) {
        self.journal.turn_off();
    }

    /// Advances the clock to `now_ms` (never backwards): messages whose time
    /// came become pending, and idempotency keys past their window whose
    /// message is gone are forgotten.
    pub fn tick(&mut self, now_ms: u64) {
        self.clock = self.clock.max(now_ms);
        self.promote_due();
        self.promote_paced();
        self.expire_keys();
        self.forget_idle_windows();
    }

    /// Counts by state as of the last `tick` (every timed operation ticks).
    pub fn stats(&self) -> Stats {
        Stats {
            pending: self.pending,
            delayed: self.future.len(),
            in_flight: self.leases.len(),
            completed: self.counters.completed,
            retried: self.counters.retried,
            dead: self.dead.len(),
        }
    }

    /// Whether a `lease` now would return at least one message (ready work
    /// that the rate limits let start now).
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty() && self.queue_start_at() <= self.clock
    }

    /// The next time something happens without any call: a message falls
    /// due, a lease runs out, or a rate limit lets held-back ready work start.
    /// `None` when nothing is scheduled. A driver sleeps until then (and
    /// wakes early on enqueue or when a handler settles).
    pub fn next_wake(&self) -> Option<u64> {
        let queue_start = self.queue_start_at();
        let held = (!self.ready.is_empty() && queue_start > self.clock).then_some(queue_start);
        [
            self.future.first().map(|s| s.time()),
            self.leases.first().map(|s| s.time()),
            self.paced.first().map(|s| s.time().max(queue_start)),
            held,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// A message's metadata, in whatever state it is.
    pub fn get(&self, id: MessageId) -> Option<&MessageRecord> {
        self.messages.get(&id).map(|e| &e.meta)
    }

    /// A message's payload.
    pub fn payload(&self, id: MessageId) -> Option<&P> {
        self.messages.get(&id).map(|e| &e.payload)
    }

    /// The id of the live message an idempotency key stands for, if any.
    pub fn key_owner(&self, key: &str) -> Option<MessageId> {
        self.keys.get(key).map(|(id, _)| *id)
    }

    /// Everything a store should hold now (what `from_records` rebuilds from).
    pub fn records(&self) -> Records<P> {
        let mut image = Records {
            counters: self.counters,
            origin: self.origin.clone(),
            keys: self.keys.clone(),
            ..Records::default()
        };
        for (id, e) in &self.messages {
            image.put(*id, Some(e.meta.clone()), Some(e.payload.clone()));
        }
        image
    }

    /// Journals message `id`'s metadata (looked up only when journaling).
    fn record_message(&mut self, id: MessageId) {
        let messages = &self.messages;
        self.journal.push_found(|| {
            messages
                .get(&id)
                .map(|e| Mutation::Put(Record::Message(e.meta.clone())))
        });
    }

    /// The queue's origin (see [`Record::Origin`]), once set.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Sets the origin if there is none yet (journaled); an origin never
    /// changes once set. Returns the origin in force.
    pub fn ensure_origin(&mut self, make: impl FnOnce() -> String) -> &str {
        if self.origin.is_none() {
            let origin = make();
            self.journal
                .push(|| Mutation::Put(Record::Origin(origin.clone())));
            self.origin = Some(origin);
        }
        self.origin.as_deref().unwrap_or_default()
    }

    fn record_counters(&mut self) {
        self.counters_dirty = true;
    }

    fn record_delete(&mut self, key: RecordKey) {
        self.journal.push(|| Mutation::Delete(key));
    }
}

/// The engine's state as records, read in place: what a store's snapshot
/// writes (equal to [`Engine::records`], without the copy).
impl<P> Image<P> for Engine<P> {
    fn counters(&self) -> Counters {
        self.counters
    }

    fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn message_count(&self) -> usize {
        self.messages.len()
    }

    fn each_meta(&self, f: &mut dyn FnMut(&MessageRecord)) {
        self.messages.values().for_each(|e| f(&e.meta))
    }

    fn each_payload(&self, f: &mut dyn FnMut(MessageId, &P)) {
        self.messages.iter().for_each(|(id, e)| f(*id, &e.payload))
    }

    fn keys(&self) -> &HashMap<String, (MessageId, u64)> {
        &self.keys
    }
}

impl<P: Clone + PartialEq> Engine<P> {
    /// Whether two engines hold the same messages, keys, counters and
    /// indexes (the jitter generator's state aside, and the rate limits'
    /// memory, which the records do not hold: a group head held back by its
    /// limit counts as ready). Used to prove that a rebuild from stored
    /// records equals the live engine.
    pub fn same_state(&self, other: &Self) -> bool {
        self.config == other.config
            && self.clock == other.clock
            && self.counters == other.counters
            && self.origin == other.origin
            && self.messages.len() == other.messages.len()
            && self
                .messages
                .iter()
                .zip(other.messages.iter())
                .all(|((a, x), (b, y))| a == b && x.meta == y.meta && x.payload == y.payload)
            && self.placed() == other.placed()
            && self.future == other.future
            && self.groups.len() == other.groups.len()
            && self.groups.iter().all(|(name, g)| {
                other.groups.get(name).is_some_and(|h| {
                    (&g.members, g.in_flight, g.indexed) == (&h.members, h.in_flight, h.indexed)
                })
            })
            && self.leases == other.leases
            && self.dead == other.dead
            && self.pending == other.pending
            && self.keys == other.keys
            && self.live_key_expiry() == other.live_key_expiry()
    }

    /// The key windows still to end, stale entries left out.
    fn live_key_expiry(&self) -> Vec<&(u64, String)> {
        self.key_expiry
            .holding(|at, key| self.keys.get(key).is_some_and(|(_, t)| *t == at))
    }

    /// `ready` with the paced group heads put back in: what is ready as
    /// far as the stored state goes.
    fn placed(&self) -> Index {
        let mut all = self.ready.clone();
        for slot in &self.paced {
            all.insert(self.ready_key(slot.timed_id()));
        }
        all
    }
}
