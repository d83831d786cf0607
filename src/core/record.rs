//! What a store persists: the records, the mutations that change them, and
//! `Records`, the image a store holds after applying every committed batch.
//!
//! A message is two records (its metadata and its payload) so that a state
//! change (lease, retry, dead) rewrites only the small metadata record.
//! [`Image`] reads a whole state as records, from `Records` or from the
//! engine itself (for a store that writes a snapshot of it).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::extras::Extras;

/// A message id: assigned once at enqueue from a persisted counter, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a stored message is in its life. Completed messages are deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageState {
    /// Waiting to run at `due_ms` (pending when due, delayed before).
    Waiting,
    /// Leased to a handler until `deadline_ms`; `lease` tells leases apart.
    InFlight {
        /// Sequence number of this lease; part of the lease token.
        lease: u64,
        /// When the lease runs out and the job becomes due again.
        deadline_ms: u64,
    },
    /// Out of attempts; kept until redriven or purged.
    Dead {
        /// When it died.
        failed_at_ms: u64,
    },
}

/// A message's metadata: everything but the payload. 64 bytes on wasm32
/// (the rare strings behind one pointer, [`Extras`]): the engine's and the
/// load's message maps hold it by value, and their B-tree leaves move it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Its id.
    pub id: MessageId,
    /// When it was enqueued.
    pub enqueued_at_ms: u64,
    /// When it may run next.
    pub due_ms: u64,
    /// Its state.
    pub state: MessageState,
    /// Higher runs first.
    pub priority: i32,
    /// Tries before it goes to the dead letters.
    pub max_attempts: u32,
    /// Tries so far, counted when leased.
    pub attempts: u32,
    /// Its FIFO group, idempotency key and last error, if any.
    pub extras: Extras,
}

impl MessageRecord {
    /// FIFO group: at most one in flight per group, in id order.
    pub fn group(&self) -> Option<&str> {
        self.extras.group()
    }

    /// The idempotency key it was enqueued with.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.extras.idempotency_key()
    }

    /// The error of the last failed try.
    pub fn last_error(&self) -> Option<&str> {
        self.extras.last_error()
    }

    /// Sets the error of the last failed try; returns the one it replaces.
    pub fn replace_last_error(&mut self, error: Option<String>) -> Option<String> {
        self.extras.replace_last_error(error)
    }
}

/// An idempotency key and the message it first stood for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key.
    pub key: String,
    /// The id of the first message enqueued with it.
    pub id: MessageId,
    /// End of the dedup window (the key also lives while its message exists).
    pub expires_at_ms: u64,
}

/// Queue-wide counters, one record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// The id the next enqueue gets.
    pub next_id: u64,
    /// The sequence number the next lease gets.
    pub next_lease: u64,
    /// Jobs acked, ever.
    pub completed: u64,
    /// Tries that failed and were scheduled again, ever.
    pub retried: u64,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record<P> {
    /// A message's metadata.
    Message(MessageRecord),
    /// A message's payload.
    Payload(MessageId, P),
    /// An idempotency key.
    Key(KeyRecord),
    /// The counters.
    Counters(Counters),
    /// The queue's origin: a random id made once per database, so that
    /// `(origin, message id)` names a job beyond this device.
    Origin(String),
}

/// The key under which a record is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKey {
    /// Metadata of a message.
    Message(MessageId),
    /// Payload of a message.
    Payload(MessageId),
    /// An idempotency key.
    Key(String),
    /// The counters.
    Counters,
    /// The origin.
    Origin,
}

impl<P> Record<P> {
    /// The key this record is stored under.
    pub fn key(&self) -> RecordKey {
        match self {
            Record::Message(m) => RecordKey::Message(m.id),
            Record::Payload(id, _) => RecordKey::Payload(*id),
            Record::Key(k) => RecordKey::Key(k.key.clone()),
            Record::Counters(_) => RecordKey::Counters,
            Record::Origin(_) => RecordKey::Origin,
        }
    }
}

/// One change for a store: write a record (replacing any under its key) or delete one.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation<P> {
    /// Write this record.
    Put(Record<P>),
    /// Delete the record under this key (no-op when absent).
    Delete(RecordKey),
}

/// A stored message: its metadata record and its payload record, each of
/// which an image may hold without the other (a half-written or damaged
/// store; `Engine::from_records` drops such a message).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage<P> {
    /// Its metadata, if stored.
    pub meta: Option<MessageRecord>,
    /// Its payload, if stored.
    pub payload: Option<P>,
}

/// Everything a store holds: the result of applying every committed mutation in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Records<P> {
    /// Messages by id, both records of each in one map (one B-tree copy in
    /// the wasm, not one per record kind); never an entry with neither.
    pub messages: BTreeMap<MessageId, StoredMessage<P>>,
    /// Idempotency keys: the message each stands for and the end of its
    /// dedup window (the engine's own map type: one map instantiation in
    /// the wasm for both, and the engine moves it in and out whole).
    pub keys: HashMap<String, (MessageId, u64)>,
    /// The counters.
    pub counters: Counters,
    /// The origin, once made.
    pub origin: Option<String>,
}

impl<P> Default for Records<P> {
    fn default() -> Self {
        Records {
            messages: BTreeMap::new(),
            keys: HashMap::new(),
            counters: Counters::default(),
            origin: None,
        }
    }
}

/// A whole state read as records: what a store that writes a full
/// snapshot encodes. `Records` is one, and so is the engine, whose state
/// is written without first being copied into `Records`.
pub trait Image<P> {
    /// The counters.
    fn counters(&self) -> Counters;
    /// The origin, once made.
    fn origin(&self) -> Option<&str>;
    /// How many messages (entries of the message map) it holds.
    fn message_count(&self) -> usize;
    /// Calls `f` with every message metadata record, in id order.
    fn each_meta(&self, f: &mut dyn FnMut(&MessageRecord));
    /// Calls `f` with every payload record and its id, in id order.
    fn each_payload(&self, f: &mut dyn FnMut(MessageId, &P));
    /// The idempotency keys: the message each stands for, the end of its window.
    fn keys(&self) -> &HashMap<String, (MessageId, u64)>;
}

impl<P> Image<P> for Records<P> {
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
        self.metas().for_each(f)
    }

    fn each_payload(&self, f: &mut dyn FnMut(MessageId, &P)) {
        self.payloads().for_each(|(id, p)| f(id, p))
    }

    fn keys(&self) -> &HashMap<String, (MessageId, u64)> {
        &self.keys
    }
}

impl<P> Records<P> {
    /// Applies one mutation.
    pub fn apply(&mut self, mutation: Mutation<P>) {
        match mutation {
            // One descent of the tree per record (`entry`), not a failed
            // lookup and then an insert: a load applies every stored record.
            Mutation::Put(Record::Message(m)) => {
                let id = m.id;
                self.stored(id).meta = Some(m);
            }
            Mutation::Put(Record::Payload(id, p)) => self.stored(id).payload = Some(p),
            Mutation::Put(Record::Key(k)) => {
                self.keys.insert(k.key, (k.id, k.expires_at_ms));
            }
            Mutation::Put(Record::Counters(c)) => self.counters = c,
            Mutation::Delete(RecordKey::Message(id)) => self.delete(id, |s| s.meta = None),
            Mutation::Delete(RecordKey::Payload(id)) => self.delete(id, |s| s.payload = None),
            Mutation::Delete(RecordKey::Key(k)) => {
                self.keys.remove(&k);
            }
            Mutation::Delete(RecordKey::Counters) => self.counters = Counters::default(),
            Mutation::Put(Record::Origin(o)) => self.origin = Some(o),
            Mutation::Delete(RecordKey::Origin) => self.origin = None,
        }
    }

    /// Adds message `id` with these records (there is none yet).
    pub fn put(&mut self, id: MessageId, meta: Option<MessageRecord>, payload: Option<P>) {
        self.messages.insert(id, StoredMessage { meta, payload });
    }

    /// Message `id`'s entry, made empty if there is none yet (the caller
    /// then sets one of its records, so no entry stays empty).
    fn stored(&mut self, id: MessageId) -> &mut StoredMessage<P> {
        self.messages.entry(id).or_insert(StoredMessage {
            meta: None,
            payload: None,
        })
    }

    /// Clears one record of message `id`, and the entry once it holds neither.
    fn delete(&mut self, id: MessageId, clear: impl FnOnce(&mut StoredMessage<P>)) {
        if let Some(s) = self.messages.get_mut(&id) {
            clear(s);
            if s.meta.is_none() && s.payload.is_none() {
                self.messages.remove(&id);
            }
        }
    }

    /// The metadata of message `id`, if stored.
    pub fn message(&self, id: MessageId) -> Option<&MessageRecord> {
        self.messages.get(&id)?.meta.as_ref()
    }

    /// The payload of message `id`, if stored.
    pub fn payload(&self, id: MessageId) -> Option<&P> {
        self.messages.get(&id)?.payload.as_ref()
    }

    /// Every message metadata record, in id order.
    pub fn metas(&self) -> impl Iterator<Item = &MessageRecord> {
        self.messages.values().filter_map(|s| s.meta.as_ref())
    }

    /// Every payload record with its id, in id order.
    pub fn payloads(&self) -> impl Iterator<Item = (MessageId, &P)> {
        self.messages
            .iter()
            .filter_map(|(id, s)| Some((*id, s.payload.as_ref()?)))
    }

    /// Applies a batch of mutations in order.
    pub fn apply_all(&mut self, batch: impl IntoIterator<Item = Mutation<P>>) {
        for m in batch {
            self.apply(m);
        }
    }

    /// Every record, for a store that writes a full snapshot.
    pub fn into_records(self) -> impl Iterator<Item = Record<P>> {
        let counters = core::iter::once(Record::Counters(self.counters));
        counters
            .chain(self.origin.map(Record::Origin))
            .chain(self.messages.into_iter().flat_map(|(id, s)| {
                let payload = s.payload.map(|p| Record::Payload(id, p));
                s.meta.map(Record::Message).into_iter().chain(payload)
            }))
            .chain(self.keys.into_iter().map(|(key, (id, expires_at_ms))| {
                Record::Key(KeyRecord {
                    key,
                    id,
                    expires_at_ms,
                })
            }))
    }

    /// Repacks the message map into full B-tree nodes (same content): a
    /// store calls it once a load has applied every stored record, which
    /// inserts in id order and so leaves the nodes half full (`compact`).
    pub fn compact(&mut self) {
        super::compact::compact(&mut self.messages);
    }

    /// Builds the image from stored records, in any order.
    pub fn from_records(records: impl IntoIterator<Item = Record<P>>) -> Self {
        let mut image = Records::default();
        image.apply_all(records.into_iter().map(Mutation::Put));
        image
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    #[test]
    fn a_record_is_six_words_three_counters_and_one_pointer() {
        // Held by value in the engine's and the load's message maps, whose
        // B-tree leaves move it: the rare strings stay behind one pointer
        // (64 bytes on wasm32, 96 with three `Option<String>`s inline).
        let size = 6 * 8 + 3 * 4 + size_of::<usize>();
        assert_eq!(size_of::<MessageRecord>(), size.next_multiple_of(8));
        // The state's tag leaves a niche: a load's `Option` of one is no bigger.
        assert_eq!(
            size_of::<Option<MessageRecord>>(),
            size_of::<MessageRecord>()
        );
    }
}
