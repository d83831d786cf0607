//! What happens to a stored value the store cannot read (corrupt, or of an
//! unknown schema version): it becomes a dead letter whose payload is the
//! raw value and whose last error says why, so nothing is lost, nothing
//! panics, and the queue is not stuck.
//!
//! One policy for every store that can find such values: the load that
//! finds them commits their dead letters, then removes the values (the
//! IndexedDB store in the same transaction, the adapter store by the
//! snapshot it writes next). If that commit fails they stay where they
//! are, are skipped, and compaction stays off (`Compaction`) so that nothing
//! deletes them before a later load moves them.

use wasm_bindgen::JsValue;

use super::StoreError;
use crate::core::{Counters, Extras, MessageId, MessageRecord, MessageState, Mutation, Record, Records};
use crate::js::console::warn;
use crate::js::f64_text;

/// A stored value that could not be decoded.
pub(crate) struct Unreadable {
    /// The object store it is in (`log` or `snapshot`).
    pub store: &'static str,
    /// Its key there.
    pub key: f64,
    /// The value as read.
    pub raw: JsValue,
    /// Why it could not be decoded.
    pub reason: String,
}

/// The mutations that turn `bad` into dead letters after what `image` holds,
/// with ids no stored message or key uses.
pub(crate) fn dead_letters(
    image: &Records<JsValue>,
    bad: &[Unreadable],
    now_ms: u64,
) -> Vec<Mutation<JsValue>> {
    let used = image
        .metas()
        .map(|m| m.id)
        .chain(image.keys.values().map(|(id, _)| *id))
        .map(|id| id.0 + 1)
        .max()
        .unwrap_or(0);
    let mut next = image.counters.next_id.max(used);
    let mut batch = Vec::with_capacity(bad.len() * 2 + 1);
    for b in bad {
        let id = MessageId(next);
        next += 1;
        batch.push(Mutation::Put(Record::Message(MessageRecord {
            id,
            enqueued_at_ms: now_ms,
            due_ms: now_ms,
            state: MessageState::Dead {
                failed_at_ms: now_ms,
            },
            priority: 0,
            max_attempts: 1,
            attempts: 0,
            extras: Extras::new(
                None,
                None,
                Some(format!(
                    "unreadable stored record ({} key {}): {}",
                    b.store,
                    f64_text(b.key),
                    b.reason
                )),
            ),
        })));
        batch.push(Mutation::Put(Record::Payload(id, b.raw.clone())));
    }
    batch.push(Mutation::Put(Record::Counters(Counters {
        next_id: next,
        ..image.counters
    })));
    batch
}

/// Tells the console that `count` unreadable values were moved, or why not.
pub(crate) fn report(count: usize, outcome: &Result<(), StoreError>) {
    let text = match outcome {
        Ok(()) => format!("{count} unreadable stored value(s) moved to the dead letters"),
        Err(e) => format!(
            "{count} stored value(s) could not be read (schema version {}) nor moved ({e}): \
             they stay stored and compaction is off until they are",
            super::codec::SCHEMA_VERSION
        ),
    };
    warn(&text, &JsValue::UNDEFINED);
}
