//! `cancel`: remove one waiting (pending or delayed) job before it runs.

use super::Engine;
use crate::core::error::{Error, Result};
use crate::core::record::{MessageId, MessageState, RecordKey};

impl<P: Clone> Engine<P> {
    /// Removes a pending or delayed job for good, journaled (`Delete` of its
    /// message and payload records, and of its key record). The driver
    /// resolves the caller once that batch is committed.
    ///
    /// - Its idempotency key is released at once, window or not, when it
    ///   still stands for this job: the job never ran, so a later enqueue
    ///   with that key is a new job, not a duplicate of nothing.
    /// - In a FIFO group the next member becomes eligible when the head is
    ///   cancelled; cancelling another member keeps the others' order.
    /// - Stats count it nowhere (it is no longer stored; `completed` is not
    ///   counted up).
    ///
    /// Refused, changing nothing: `Error::InFlight(id)` (`JOB_IN_FLIGHT`)
    /// while a handler runs it (it will be acked, retried or dead; cancel a
    /// retry once it waits again); `Error::NotFound(id)` (`NOT_FOUND`) for a
    /// dead letter (`purge` removes those), a completed job (only its key
    /// may remain) or an id never stored.
    pub fn cancel(&mut self, id: MessageId, now_ms: u64) -> Result<()> {
        match self.messages.get(&id).map(|e| &e.meta.state) {
            Some(MessageState::Waiting) => {}
            Some(MessageState::InFlight { .. }) => return Err(Error::InFlight(id)),
            Some(MessageState::Dead { .. }) | None => return Err(Error::NotFound(id)),
        }
        self.tick(now_ms);
        self.unindex_waiting(id);
        self.group_settle(id, true);
        let Some(e) = self.messages.remove(&id) else {
            return Ok(());
        };
        self.record_delete(RecordKey::Message(id));
        self.record_delete(RecordKey::Payload(id));
        if let Some(key) = e.meta.idempotency_key() {
            self.release_key(key, id);
        }
        self.undo.removed(e);
        Ok(())
    }
}
