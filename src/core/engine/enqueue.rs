//! `enqueue`: validation, idempotency-key dedup, and the records of a new message.

use super::{Engine, Entry};
use crate::core::error::Result;
use crate::core::options::EnqueueOptions;
use crate::core::record::{KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record};

/// What an enqueue did. A duplicate is an outcome, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Stored as a new message with this id.
    New(MessageId),
    /// The idempotency key is live: nothing stored; this is the first message's id.
    Duplicate(MessageId),
}

impl Enqueued {
    /// The message id (new or first).
    pub fn id(&self) -> MessageId {
        match *self {
            Enqueued::New(id) | Enqueued::Duplicate(id) => id,
        }
    }

    /// Whether nothing was stored because the key was live.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Enqueued::Duplicate(_))
    }
}

impl<P: Clone> Engine<P> {
    /// Stores a message, or reports the live message its idempotency key
    /// stands for. Options are validated first; a refusal changes nothing.
    pub fn enqueue(
        &mut self,
        payload: P,
        options: EnqueueOptions,
        now_ms: u64,
    ) -> Result<Enqueued> {
        options.validate()?;
        self.tick(now_ms);
        if let Some(key) = &options.idempotency_key {
            if let Some((id, _)) = self.keys.get(key) {
                return Ok(Enqueued::Duplicate(*id));
            }
        }
        let id = MessageId(self.counters.next_id);
        self.counters.next_id += 1;
        let meta = MessageRecord {
            id,
            enqueued_at_ms: self.clock,
            due_ms: options.due_ms(self.clock),
            priority: options.priority,
            group: options.group,
            idempotency_key: options.idempotency_key,
            max_attempts: options.max_attempts.unwrap_or(self.config.max_attempts),
            attempts: 0,
            last_error: None,
            state: MessageState::Waiting,
        };
        if let Some(key) = &meta.idempotency_key {
            let window = options
                .idempotency_window_ms
                .unwrap_or(self.config.idempotency_window_ms);
            let expires_at_ms = self.clock.saturating_add(window);
            self.index_key(key.clone(), id, expires_at_ms);
            self.journal.push(Mutation::Put(Record::Key(KeyRecord {
                key: key.clone(),
                id,
                expires_at_ms,
            })));
        }
        self.journal
            .push(Mutation::Put(Record::Message(meta.clone())));
        self.journal
            .push(Mutation::Put(Record::Payload(id, payload.clone())));
        self.record_counters();
        self.messages.insert(id, Entry { meta, payload });
        self.index_waiting(id);
        Ok(Enqueued::New(id))
    }
}
