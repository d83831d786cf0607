//! `enqueue`: validation, idempotency-key dedup or coalescing
//! (`OnDuplicate::Replace`), and the records of a new message.

use super::{Engine, Entry, Fields, Undo};
use crate::core::error::{Error, Result};
use crate::core::extras::Extras;
use crate::core::options::{EnqueueOptions, OnDuplicate};
use crate::core::quote::quoted;
use crate::core::record::{KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record};

/// What an enqueue did. A duplicate is an outcome, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Stored as a new message with this id.
    New(MessageId),
    /// The idempotency key is live: nothing stored; this is the first message's id.
    Duplicate(MessageId),
    /// `OnDuplicate::Replace` and the key's message was still waiting: that
    /// message (this id) now has the new payload and options.
    Replaced(MessageId),
}

impl Enqueued {
    /// The message id (new, first or replaced).
    pub fn id(&self) -> MessageId {
        match *self {
            Enqueued::New(id) | Enqueued::Duplicate(id) | Enqueued::Replaced(id) => id,
        }
    }

    /// Whether nothing was stored because the key was live.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Enqueued::Duplicate(_))
    }

    /// Whether a waiting message was replaced in place.
    pub fn is_replaced(&self) -> bool {
        matches!(self, Enqueued::Replaced(_))
    }
}

impl<P: Clone> Engine<P> {
    /// Stores a message, or reports the live message its idempotency key
    /// stands for. Options are validated first; a refusal changes nothing.
    ///
    /// With `on_duplicate: Replace` a live key does not make a duplicate:
    /// - its message still waiting (pending or delayed): that message takes
    ///   this payload and priority, this `delay_ms`/`run_at_ms` when one is
    ///   given (else it keeps its due time, e.g. a retry's backoff), this
    ///   `max_attempts` when given (never below its tries so far + 1), keeps
    ///   its id, tries so far, last error and place in its FIFO group; the
    ///   key's window is re-armed from now (it is never shortened).
    ///   `Enqueued::Replaced(id)`.
    /// - in flight: it runs on as it is; this is stored as a new job and the
    ///   key now stands for it, so later replaces hit the new job. In the
    ///   same FIFO group the new job runs strictly after the running one
    ///   (and its retries); ungrouped, it may run alongside it.
    ///   `Enqueued::New(new id)`.
    /// - dead, or completed within the window: stored as a new job the key
    ///   then stands for (the latest version must still be sent; a dead
    ///   letter stays for inspection). `Enqueued::New(new id)`.
    ///
    /// While the key's message is waiting or in flight, a replace must name
    /// the same `group` (a job cannot change groups without breaking their
    /// order): otherwise `InvalidOption` (option `group`), nothing changed.
    pub fn enqueue(
        &mut self,
        payload: P,
        options: EnqueueOptions,
        now_ms: u64,
    ) -> Result<Enqueued> {
        options.validate()?;
        let replace = options.on_duplicate == OnDuplicate::Replace;
        if replace {
            self.check_replace_group(&options)?;
        }
        self.tick(now_ms);
        if let Some(key) = &options.idempotency_key {
            if let Some(&(id, _)) = self.keys.get(key) {
                if !replace {
                    return Ok(Enqueued::Duplicate(id));
                }
                let waiting = self
                    .messages
                    .get(&id)
                    .is_some_and(|e| e.meta.state == MessageState::Waiting);
                if waiting {
                    self.replace_waiting(id, payload, options);
                    return Ok(Enqueued::Replaced(id));
                }
            }
        }
        let id = MessageId(self.counters.next_id);
        self.counters.next_id += 1;
        let meta = MessageRecord {
            id,
            enqueued_at_ms: self.clock,
            due_ms: options.due_ms(self.clock),
            state: MessageState::Waiting,
            priority: options.priority,
            max_attempts: options.max_attempts.unwrap_or(self.config.max_attempts),
            attempts: 0,
            extras: Extras::new(options.group, options.idempotency_key, None),
        };
        if let Some(key) = meta.idempotency_key() {
            let window = options
                .idempotency_window_ms
                .unwrap_or(self.config.idempotency_window_ms);
            let expires_at_ms = self.clock.saturating_add(window);
            self.put_key(key.to_owned(), id, expires_at_ms);
        }
        self.journal
            .push(|| Mutation::Put(Record::Message(meta.clone())));
        self.journal
            .push(|| Mutation::Put(Record::Payload(id, payload.clone())));
        self.record_counters();
        let (due, priority, group) = (meta.due_ms, meta.priority, meta.group().map(str::to_owned));
        self.messages.insert(id, Entry { meta, payload });
        self.undo.push(Undo::Added(id));
        self.index_waiting_as(id, due, priority, group);
        Ok(Enqueued::New(id))
    }

    /// A replace while the key's message is waiting or in flight must name
    /// its group.
    fn check_replace_group(&self, options: &EnqueueOptions) -> Result<()> {
        let Some(key) = &options.idempotency_key else {
            return Ok(());
        };
        let Some(e) = self.keys.get(key).and_then(|(id, _)| self.messages.get(id)) else {
            return Ok(());
        };
        if matches!(e.meta.state, MessageState::Dead { .. })
            || e.meta.group() == options.group.as_deref()
        {
            return Ok(());
        }
        // `quoted`, not `{:?}`: `str`'s Debug would bring core::fmt's Unicode tables into the wasm.
        let name = |g: Option<&str>| g.map_or("none".to_owned(), quoted);
        Err(Error::invalid(
            "group",
            format!(
                "a replace keeps the group of message {} ({}), got {}",
                e.meta.id,
                name(e.meta.group()),
                name(options.group.as_deref())
            ),
        ))
    }

    /// `OnDuplicate::Replace` of waiting message `id` (see `enqueue`).
    fn replace_waiting(&mut self, id: MessageId, payload: P, options: EnqueueOptions) {
        self.unindex_waiting(id);
        let clock = self.clock;
        let timed = options.delay_ms.is_some() || options.run_at_ms.is_some();
        let Some(e) = self.messages.get_mut(&id) else {
            return;
        };
        self.undo.push(Undo::Fields(id, Fields::of(&e.meta)));
        let old = std::mem::replace(&mut e.payload, payload);
        self.undo.push(Undo::Payload(id, old));
        e.meta.priority = options.priority;
        if timed {
            e.meta.due_ms = options.due_ms(clock);
        }
        if let Some(n) = options.max_attempts {
            e.meta.max_attempts = n.max(e.meta.attempts + 1);
        }
        self.index_waiting(id);
        self.record_message(id);
        // The payload is copied only for the journal.
        if let Some(e) = self.messages.get(&id) {
            self.journal
                .push(|| Mutation::Put(Record::Payload(id, e.payload.clone())));
        }
        if let Some(key) = options.idempotency_key {
            let window = options
                .idempotency_window_ms
                .unwrap_or(self.config.idempotency_window_ms);
            let old_at = self.keys.get(&key).map_or(0, |(_, at)| *at);
            let expires_at_ms = old_at.max(clock.saturating_add(window));
            if expires_at_ms != old_at {
                self.put_key(key, id, expires_at_ms);
            }
        }
    }

    /// Points `key` at message `id` until `expires_at_ms`, journaled.
    fn put_key(&mut self, key: String, id: MessageId, expires_at_ms: u64) {
        let before = self.index_key(key.clone(), id, expires_at_ms);
        self.journal.push(|| {
            let key = key.clone();
            Mutation::Put(Record::Key(KeyRecord {
                key,
                id,
                expires_at_ms,
            }))
        });
        self.undo.push(Undo::Key(key, before));
    }
}
