//! `Engine::from_records`: rebuild the engine from what a store holds — a reopen.
//!
//! One pass over the stored messages (each with its payload), in id order:
//! each message goes once into `messages` and once into the index it
//! belongs in. The clock is set to `now_ms` first, so a due message goes
//! straight to `ready` (not to `future` and back on the closing `tick`), and
//! each FIFO group's head is placed once, after all its members are in.
//! Then the large maps are repacked into full nodes (`compact`: inserting
//! in id order leaves them half full). The result is the engine one insert
//! at a time built (`tests/engine_rebuild.rs`, `engine_model`).

use super::{Engine, Entry};
use super::{Group, Slot};
use crate::core::compact::compact;
use crate::core::config::Config;
use crate::core::error::Result;
use crate::core::record::{MessageId, MessageRecord, MessageState, RecordKey, Records};

impl<P: Clone> Engine<P> {
    /// Rebuilds the engine from a store's image, as of `now_ms`. Leases that
    /// were running stay in flight until their deadline (then `expire`
    /// hands them out again), unless the driver, having taken the store
    /// over, calls `recover_leases`. With rate limits, nothing starts for
    /// one interval from `now_ms` if the store was ever leased from (the
    /// start times are not stored; see `keep_pace` for a rollback). A message whose payload record is missing is
    /// skipped (its metadata is dropped with a `Delete` in the journal).
    pub fn from_records(config: Config, records: Records<P>, now_ms: u64) -> Result<Self> {
        let mut engine = Engine::new(config)?;
        let Records {
            messages,
            keys,
            counters,
            origin,
        } = records;
        engine.counters = counters;
        engine.origin = origin;
        engine.clock = now_ms;
        // The rate limits' memory is not stored: hold starts for an interval,
        // unless this store was never leased from (see `rate`).
        let mut leased_before = counters.next_lease > 0;
        let mut max_id = None;
        let mut max_lease = None;
        let mut orphans = Vec::new();
        for (id, stored) in messages {
            let Some(meta) = stored.meta else {
                orphans.push(id);
                continue;
            };
            leased_before |= meta.attempts > 0;
            let Some(payload) = stored.payload else {
                engine.record_delete(RecordKey::Message(id));
                continue;
            };
            max_id = max_id.max(Some(id.0));
            if let MessageState::InFlight { lease, .. } = meta.state {
                max_lease = max_lease.max(Some(lease));
            }
            engine.place(id, &meta);
            engine.messages.insert(id, Entry { meta, payload });
        }
        if leased_before {
            engine.hold_after_rebuild(now_ms);
        }
        engine.place_group_heads();
        for id in orphans {
            engine.record_delete(RecordKey::Payload(id));
        }
        for (key, (id, expires_at_ms)) in keys {
            max_id = max_id.max(Some(id.0));
            engine.index_key(key, id, expires_at_ms);
        }
        // Never hand out an id or a lease number twice, even if the counters record lagged.
        if let Some(m) = max_id {
            engine.counters.next_id = engine.counters.next_id.max(m + 1);
        }
        if let Some(m) = max_lease {
            engine.counters.next_lease = engine.counters.next_lease.max(m + 1);
        }
        // The first undo epoch starts from what was read (what the store holds).
        engine
            .undo
            .restart(engine.counters, engine.origin.is_none());
        engine.tick(now_ms);
        compact(&mut engine.messages);
        Ok(engine)
    }

    /// Puts stored message `id` in the index its state and the clock say
    /// (a group's member in its group; the heads are placed afterwards, by
    /// `place_group_heads`). A rebuild and a rollback's reindex both place
    /// every message this way.
    pub(super) fn place(&mut self, id: MessageId, meta: &MessageRecord) {
        match meta.state {
            MessageState::Waiting => {
                let due = meta.due_ms;
                if due > self.clock {
                    self.future.insert(Slot::at(due, id));
                } else {
                    self.pending += 1;
                    if meta.group().is_none() {
                        self.ready.insert(Slot::ready(meta.priority, due, id));
                    }
                }
                if let Some(g) = meta.group() {
                    member_of(self, g).members.insert(Slot::id(id));
                }
            }
            MessageState::InFlight { deadline_ms, .. } => {
                self.leases.insert(Slot::at(deadline_ms, id));
                if let Some(g) = meta.group() {
                    let group = member_of(self, g);
                    group.members.insert(Slot::id(id));
                    group.in_flight = Some(id);
                }
            }
            MessageState::Dead { .. } => {
                self.dead.insert(Slot::id(id));
            }
        }
    }

    /// Each FIFO group's eligible head into `ready` (or `paced`), once all
    /// messages are placed.
    pub(super) fn place_group_heads(&mut self) {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in &names {
            self.refresh_group(name);
        }
    }
}

/// Group `name` of `engine`, made empty on first sight.
fn member_of<'a, P>(engine: &'a mut Engine<P>, name: &str) -> &'a mut Group {
    engine.groups.entry(name.to_owned()).or_default()
}
