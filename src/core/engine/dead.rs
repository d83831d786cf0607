//! Dead letters: list them, send them back (`redrive`), or delete them (`purge`).

use super::{Engine, Fields, Slot, Undo};
use crate::core::error::{Error, Result};
use crate::core::record::{MessageId, MessageState};

/// A message that ran out of tries.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter<P> {
    /// Its id.
    pub id: MessageId,
    /// Its payload.
    pub payload: P,
    /// Tries made.
    pub attempts: u32,
    /// The error of the last try.
    pub last_error: Option<String>,
    /// When it died.
    pub failed_at_ms: u64,
    /// Its idempotency key.
    pub idempotency_key: Option<String>,
    /// Its FIFO group.
    pub group: Option<String>,
}

impl<P: Clone> Engine<P> {
    /// Dead letters in id order, at most `limit`, starting after `after`
    /// (for paging through a long list).
    pub fn dead_letters(&self, after: Option<MessageId>, limit: usize) -> Vec<DeadLetter<P>> {
        let start = match after {
            Some(id) => std::ops::Bound::Excluded(Slot::id(id)),
            None => std::ops::Bound::Unbounded,
        };
        self.dead
            .range((start, std::ops::Bound::Unbounded))
            .take(limit)
            .filter_map(|s| self.messages.get(&s.only_id()))
            .map(|e| DeadLetter {
                id: e.meta.id,
                payload: e.payload.clone(),
                attempts: e.meta.attempts,
                last_error: e.meta.last_error().map(str::to_owned),
                failed_at_ms: match e.meta.state {
                    MessageState::Dead { failed_at_ms } => failed_at_ms,
                    _ => 0,
                },
                idempotency_key: e.meta.idempotency_key().map(str::to_owned),
                group: e.meta.group().map(str::to_owned),
            })
            .collect()
    }

    /// Sends a dead letter back to pending with a fresh set of tries. Its
    /// last error is kept until the next failure. In a FIFO group it takes
    /// its place again by id.
    pub fn redrive(&mut self, id: MessageId, now_ms: u64) -> Result<()> {
        if !self.dead.contains(&Slot::id(id)) {
            return Err(Error::NotFound(id));
        }
        self.tick(now_ms);
        self.dead.remove(&Slot::id(id));
        if let Some(e) = self.messages.get_mut(&id) {
            self.undo.push(Undo::Fields(id, Fields::of(&e.meta)));
            e.meta.state = MessageState::Waiting;
            e.meta.attempts = 0;
            e.meta.due_ms = self.clock;
        }
        self.index_waiting(id);
        self.record_message(id);
        Ok(())
    }

    /// Redrives every dead letter; returns how many.
    pub fn redrive_all(&mut self, now_ms: u64) -> usize {
        let ids: Vec<MessageId> = self.dead.iter().map(|s| s.only_id()).collect();
        for id in &ids {
            // Every id came from `dead`, so redrive cannot refuse it.
            let _ = self.redrive(*id, now_ms);
        }
        ids.len()
    }

    /// Deletes one dead letter for good.
    pub fn purge(&mut self, id: MessageId) -> Result<()> {
        if !self.dead.remove(&Slot::id(id)) {
            return Err(Error::NotFound(id));
        }
        self.remove_message(id);
        Ok(())
    }

    /// Deletes every dead letter; returns how many.
    pub fn purge_all(&mut self) -> usize {
        let ids = std::mem::take(&mut self.dead);
        for slot in &ids {
            self.remove_message(slot.only_id());
        }
        ids.len()
    }
}
