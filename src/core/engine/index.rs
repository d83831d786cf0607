//! Keeping the scheduling indexes (`ready`, `future`, `groups`, `leases`,
//! `dead`, `keys`) consistent as messages move between states.

use super::{Engine, Slot, Undo};
use crate::core::record::{MessageId, MessageState, RecordKey};

/// Stale `key_expiry` entries tolerated beyond one per key before the heap
/// is rebuilt from the keys (so a small queue does not rebuild often).
const STALE_KEY_SLACK: usize = 64;

impl<P: Clone> Engine<P> {
    /// Indexes a message that has just become `Waiting`.
    pub(super) fn index_waiting(&mut self, id: MessageId) {
        let Some(e) = self.messages.get(&id) else {
            return;
        };
        let (due, priority, group) = (
            e.meta.due_ms,
            e.meta.priority,
            e.meta.group().map(str::to_owned),
        );
        self.index_waiting_as(id, due, priority, group);
    }

    /// The same for a stored message whose due time, priority and group the
    /// caller has at hand (a new one): no lookup of the message.
    pub(super) fn index_waiting_as(
        &mut self,
        id: MessageId,
        due: u64,
        priority: i32,
        group: Option<String>,
    ) {
        if due > self.clock {
            self.future.insert(Slot::at(due, id));
        } else {
            self.pending += 1;
        }
        match group {
            Some(g) => {
                self.groups
                    .entry(g.clone())
                    .or_default()
                    .members
                    .insert(Slot::id(id));
                self.refresh_group(&g);
            }
            None if due <= self.clock => {
                self.ready.insert(Slot::ready(priority, due, id));
            }
            None => {}
        }
    }

    /// Takes a `Waiting` message out of the waiting indexes (it is being
    /// cancelled or replaced; `lease` does the same for a ready one).
    pub(super) fn unindex_waiting(&mut self, id: MessageId) {
        let Some(e) = self.messages.get(&id) else {
            return;
        };
        let due = e.meta.due_ms;
        if due > self.clock {
            self.future.remove(&Slot::at(due, id));
        } else {
            self.pending -= 1;
            self.ready.remove(&Slot::ready(e.meta.priority, due, id));
        }
        if let Some(group) = e.meta.group().and_then(|g| self.groups.get_mut(g)) {
            group.unindex(id, &mut self.paced);
        }
    }

    /// The lease of an in-flight message ended; when `leaves_group` the
    /// message is gone from its group (acked or dead), otherwise it stays
    /// (retry). The group's next head becomes eligible.
    pub(super) fn group_settle(&mut self, id: MessageId, leaves_group: bool) {
        let Some(g) = self
            .messages
            .get(&id)
            .and_then(|e| e.meta.group().map(str::to_owned))
        else {
            return;
        };
        self.group_settle_in(id, &g, leaves_group);
    }

    /// [`Engine::group_settle`] of a member of group `g`.
    pub(super) fn group_settle_in(&mut self, id: MessageId, g: &str, leaves_group: bool) {
        if let Some(group) = self.groups.get_mut(g) {
            if group.in_flight == Some(id) {
                group.in_flight = None;
            }
            if leaves_group {
                group.members.remove(&Slot::id(id));
            }
        }
        self.refresh_group(g);
    }

    /// Puts exactly the group's eligible head in `ready` (none while a
    /// member is in flight or the head is not yet due), or in `paced` while
    /// the group rate limit holds it back; drops empty groups.
    pub(super) fn refresh_group(&mut self, name: &str) {
        let Some(group) = self.groups.get(name) else {
            return;
        };
        if group.members.is_empty() {
            self.groups.remove(name);
            return;
        }
        let head = if group.in_flight.is_some() {
            None
        } else {
            group.members.first().map(|s| s.only_id()).filter(|id| {
                self.messages.get(id).is_some_and(|e| {
                    e.meta.state == MessageState::Waiting && e.meta.due_ms <= self.clock
                })
            })
        };
        let paced_at = head
            .map(|_| self.group_start_at(name))
            .filter(|t| *t > self.clock);
        let previous = (group.indexed, group.paced_at);
        if previous == (head, paced_at) {
            return;
        }
        if let Some(old) = previous.0 {
            match previous.1 {
                None => {
                    let key = self.ready_key(old);
                    self.ready.remove(&key);
                }
                Some(t) => {
                    self.paced.remove(&Slot::at(t, old));
                }
            }
        }
        if let Some(new) = head {
            match paced_at {
                None => {
                    let key = self.ready_key(new);
                    self.ready.insert(key);
                }
                Some(t) => {
                    self.paced.insert(Slot::at(t, new));
                }
            }
        }
        if let Some(group) = self.groups.get_mut(name) {
            group.indexed = head;
            group.paced_at = paced_at;
        }
    }

    pub(super) fn ready_key(&self, id: MessageId) -> Slot {
        let meta = &self.messages[&id].meta;
        Slot::ready(meta.priority, meta.due_ms, id)
    }

    /// Moves every waiting message whose time came from `future` to pending.
    pub(super) fn promote_due(&mut self) {
        while let Some(&slot) = self.future.first() {
            let (due, id) = (slot.time(), slot.timed_id());
            if due > self.clock {
                break;
            }
            self.future.pop_first();
            self.pending += 1;
            match self
                .messages
                .get(&id)
                .and_then(|e| e.meta.group().map(str::to_owned))
            {
                Some(g) => self.refresh_group(&g),
                None => {
                    let key = self.ready_key(id);
                    self.ready.insert(key);
                }
            }
        }
    }

    /// Registers an idempotency key for a message (replacing what the key
    /// stood for, if anything); returns what it stood for before.
    pub(super) fn index_key(
        &mut self,
        key: String,
        id: MessageId,
        expires_at_ms: u64,
    ) -> Option<(MessageId, u64)> {
        // A time it had before stays in `key_expiry`, skipped when it comes;
        // once such stale entries outnumber the keys (a key coalesced over
        // and over within its window), the heap is rebuilt from the keys.
        self.key_expiry.push(expires_at_ms, key.clone());
        let before = self.keys.insert(key, (id, expires_at_ms));
        if self.key_expiry.len() > 2 * self.keys.len() + STALE_KEY_SLACK {
            self.reset_key_expiry();
        }
        before
    }

    /// `key_expiry` from `keys` alone: every key's current window, nothing stale.
    pub(super) fn reset_key_expiry(&mut self) {
        let keys = &self.keys;
        self.key_expiry
            .reset(keys.iter().map(|(key, &(_, at))| (at, key.clone())));
    }

    /// Forgets `key` now, window or not, if it stands for message `id`
    /// (journaled): a cancelled job's key is free again.
    pub(super) fn release_key(&mut self, key: &str, id: MessageId) {
        let Some(&(owner, at)) = self.keys.get(key) else {
            return;
        };
        if owner != id {
            return;
        }
        self.keys.remove(key);
        self.undo.push(Undo::Key(key.to_owned(), Some((owner, at))));
        self.record_delete(RecordKey::Key(key.to_owned()));
    }

    /// Forgets keys whose window ended and whose message is gone. A key whose
    /// message still exists stays until that message is removed.
    pub(super) fn expire_keys(&mut self) {
        while let Some((at, key)) = self.key_expiry.pop_due(self.clock) {
            // Only the key's current window (a stale entry is passed over).
            let owner = match self.keys.get(&key) {
                Some(&(id, t)) if t == at => Some(id),
                _ => None,
            };
            if owner.is_some_and(|id| !self.messages.contains_key(&id)) {
                if let Some((k, before)) = self.keys.remove_entry(&key) {
                    self.undo.push(Undo::Key(k, Some(before)));
                }
                self.record_delete(RecordKey::Key(key));
            }
        }
    }

    /// Deletes a message for good (acked or purged), with its payload, and
    /// its key when that key's window already ended; returns its group.
    pub(super) fn remove_message(&mut self, id: MessageId) -> Option<String> {
        let e = self.messages.remove(&id)?;
        self.record_delete(RecordKey::Message(id));
        self.record_delete(RecordKey::Payload(id));
        if let Some(key) = e.meta.idempotency_key() {
            let expired = self
                .keys
                .get(key)
                .is_some_and(|(owner, at)| *owner == id && *at <= self.clock);
            if expired {
                if let Some((k, before)) = self.keys.remove_entry(key) {
                    self.record_delete(RecordKey::Key(k.clone()));
                    self.undo.push(Undo::Key(k, Some(before)));
                }
            }
        }
        let group = e.meta.group().map(str::to_owned);
        // Kept until the batch is durable, so that a rollback can put it back.
        self.undo.removed(e);
        group
    }

    /// Records a dead letter in the indexes.
    pub(super) fn index_dead(&mut self, id: MessageId) {
        self.dead.insert(Slot::id(id));
    }
}

#[cfg(test)]
mod tests {
    use crate::core::{Config, Engine, EnqueueOptions, OnDuplicate};

    /// A key coalesced over and over, its window pushed out each time,
    /// leaves stale entries in `key_expiry`; they stay bounded by the keys.
    #[test]
    fn coalescing_one_key_keeps_key_expiry_bounded() {
        let mut e: Engine<u32> = Engine::new(Config::default()).expect("default config");
        let replace = || EnqueueOptions {
            idempotency_key: Some("sync".to_owned()),
            on_duplicate: OnDuplicate::Replace,
            ..EnqueueOptions::default()
        };
        for t in 0..10_000u32 {
            e.enqueue(t, replace(), u64::from(t) * 1_000)
                .expect("enqueue");
            assert!(e.key_expiry.len() <= 2 * e.keys.len() + super::STALE_KEY_SLACK + 1);
        }
        assert_eq!(e.keys.len(), 1);
        // The one live window is still there, and ends when it should.
        let live = e.live_key_expiry();
        assert_eq!(live.len(), 1);
        assert_eq!(
            live[0].0,
            9_999 * 1_000 + Config::default().idempotency_window_ms
        );
    }
}
