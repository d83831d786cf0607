//! `Engine::from_records`: rebuild the engine from what a store holds — a reopen.

use super::{Engine, Entry};
use crate::core::config::Config;
use crate::core::error::Result;
use crate::core::record::Records;

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
            mut payloads,
            keys,
            counters,
            origin,
        } = records;
        engine.counters = counters;
        engine.origin = origin;
        // The rate limits' memory is not stored: hold starts for an interval,
        // unless this store was never leased from (see `rate`).
        let leased_before = counters.next_lease > 0 || messages.values().any(|m| m.attempts > 0);
        if leased_before {
            engine.hold_after_rebuild(now_ms);
        }
        let mut max_id = None;
        let mut max_lease = None;
        for (id, meta) in messages {
            let Some(payload) = payloads.remove(&id) else {
                engine.record_delete(crate::core::record::RecordKey::Message(id));
                continue;
            };
            max_id = max_id.max(Some(id.0));
            max_lease = max_lease.max(engine.admit(id, Entry { meta, payload }));
        }
        for id in payloads.into_keys() {
            engine.record_delete(crate::core::record::RecordKey::Payload(id));
        }
        for (key, k) in keys {
            max_id = max_id.max(Some(k.id.0));
            engine.index_key(key, k.id, k.expires_at_ms);
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
        Ok(engine)
    }
}
