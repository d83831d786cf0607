//! How the IndexedDB store (and the adapter store, `kv.rs`) encodes records
//! and mutations as JS values, and decodes them back without trusting what
//! it reads.
//!
//! A log record (one per committed batch) and a snapshot chunk have the same
//! shape: a list of mutations stored by column,
//!
//! ```text
//! { v: 1,                 // schema version
//!   t: Uint8Array,        // one tag per mutation
//!   n: Float64Array,      // their numbers, in order
//!   s: [string, ...],     // their strings, in order
//!   p: [payload, ...] }   // their payloads, in order (structured-clone values)
//! ```
//!
//! | tag | mutation | numbers | strings | payloads |
//! |---|---|---|---|---|
//! | 0 | put message | id, enqueuedAt, dueMs, priority, maxAttempts, attempts, state, a, b, flags | group, key, lastError (those present) | |
//! | 1 | put payload | id | | payload |
//! | 2 | put key | id, expiresAt | key | |
//! | 3 | put counters | nextId, nextLease, completed, retried | | |
//! | 4 / 5 | delete message / payload | id | | |
//! | 6 | delete key | | key | |
//! | 7 | delete counters | | | |
//! | 8 | put origin | | origin | |
//! | 9 | delete origin | | | |
//!
//! A message's `state` is 0 waiting, 1 in flight (`a` = lease, `b` =
//! deadline) or 2 dead (`a` = failed at); unused slots hold 0. `flags` bit 0,
//! 1, 2 say whether group, key, lastError are present. A snapshot chunk
//! holds only puts (tags 0–3 and 8). Tags 8 and 9 came after the first
//! stored layouts; data without them reads as before (no origin yet). Ids, times and counters are below 2^53, so a
//! `Float64Array` holds them exactly.
//!
//! Why columns rather than one small array per mutation: opening reads and
//! decodes every stored message, and both IndexedDB's structured clone and
//! wasm↔JS calls cost per object, not per byte. Columns make a batch of
//! 1,000 messages a handful of objects, and decoding copies the numbers into
//! wasm in one call (`ARCHITECTURE.md` has the figures).

use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::{StoreError, StoreErrorKind};
use crate::core::{
    Counters, Extras, Image, KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record,
    RecordKey,
};
use crate::core::quote::quoted;
use crate::js::{error_text, f64_text};

/// The schema version every stored value carries.
pub(crate) const SCHEMA_VERSION: u32 = 1;
/// Most records in one IndexedDB snapshot chunk.
pub(crate) const CHUNK_RECORDS: usize = 1000;

const TAG_MESSAGE: u8 = 0;
const TAG_PAYLOAD: u8 = 1;
const TAG_KEY: u8 = 2;
const TAG_COUNTERS: u8 = 3;
const TAG_DELETE_MESSAGE: u8 = 4;
const TAG_DELETE_PAYLOAD: u8 = 5;
const TAG_DELETE_KEY: u8 = 6;
const TAG_DELETE_COUNTERS: u8 = 7;
const TAG_ORIGIN: u8 = 8;
const TAG_DELETE_ORIGIN: u8 = 9;

const STATE_WAITING: u32 = 0;
const STATE_IN_FLIGHT: u32 = 1;
const STATE_DEAD: u32 = 2;

const HAS_GROUP: u32 = 1;
const HAS_KEY: u32 = 2;
const HAS_ERROR: u32 = 4;

/// 2^53 - 1: the largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

#[wasm_bindgen]
extern "C" {
    /// `Array.from(items)`: a JS array from a Rust vector in one call.
    #[wasm_bindgen(js_namespace = Array, js_name = from)]
    pub(crate) fn array_from(items: Vec<JsValue>) -> Array;
}

/// Why a stored value could not be decoded (it is then skipped, not trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub(crate) String);

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(what: impl Into<String>) -> DecodeError {
    DecodeError(what.into())
}

// ---------------------------------------------------------------- encoding

/// Mutations gathered column by column, then stored as one value.
#[derive(Default)]
struct Columns {
    tags: Vec<u8>,
    numbers: Vec<f64>,
    strings: Vec<JsValue>,
    payloads: Vec<JsValue>,
}

impl Columns {
    fn len(&self) -> usize {
        self.tags.len()
    }

    fn num(&mut self, v: u64) {
        // Callers keep ids, times and counters below 2^53 (see `MAX_TIME_MS`).
        self.numbers.push(v as f64);
    }

    fn message(&mut self, m: &MessageRecord) {
        let (state, a, b) = match m.state {
            MessageState::Waiting => (STATE_WAITING, 0, 0),
            MessageState::InFlight { lease, deadline_ms } => (STATE_IN_FLIGHT, lease, deadline_ms),
            MessageState::Dead { failed_at_ms } => (STATE_DEAD, failed_at_ms, 0),
        };
        let mut flags = 0;
        for (bit, s) in [
            (HAS_GROUP, m.group()),
            (HAS_KEY, m.idempotency_key()),
            (HAS_ERROR, m.last_error()),
        ] {
            if let Some(s) = s {
                flags |= bit;
                self.strings.push(JsValue::from_str(s));
            }
        }
        self.tags.push(TAG_MESSAGE);
        self.num(m.id.0);
        self.num(m.enqueued_at_ms);
        self.num(m.due_ms);
        self.numbers.push(f64::from(m.priority));
        self.numbers.push(f64::from(m.max_attempts));
        self.numbers.push(f64::from(m.attempts));
        self.numbers.push(f64::from(state));
        self.num(a);
        self.num(b);
        self.numbers.push(f64::from(flags));
    }

    fn payload(&mut self, id: MessageId, payload: &JsValue) {
        self.tags.push(TAG_PAYLOAD);
        self.num(id.0);
        self.payloads.push(payload.clone());
    }

    fn key(&mut self, key: &str, id: MessageId, expires_at_ms: u64) {
        self.tags.push(TAG_KEY);
        self.num(id.0);
        self.num(expires_at_ms);
        self.strings.push(JsValue::from_str(key));
    }

    fn counters(&mut self, c: &Counters) {
        self.tags.push(TAG_COUNTERS);
        for v in [c.next_id, c.next_lease, c.completed, c.retried] {
            self.num(v);
        }
    }

    fn origin(&mut self, origin: &str) {
        self.tags.push(TAG_ORIGIN);
        self.strings.push(JsValue::from_str(origin));
    }

    fn mutation(&mut self, mutation: &Mutation<JsValue>) {
        match mutation {
            Mutation::Put(Record::Message(m)) => self.message(m),
            Mutation::Put(Record::Payload(id, p)) => self.payload(*id, p),
            Mutation::Put(Record::Key(k)) => self.key(&k.key, k.id, k.expires_at_ms),
            Mutation::Put(Record::Counters(c)) => self.counters(c),
            Mutation::Delete(RecordKey::Message(id)) => {
                self.tags.push(TAG_DELETE_MESSAGE);
                self.num(id.0);
            }
            Mutation::Delete(RecordKey::Payload(id)) => {
                self.tags.push(TAG_DELETE_PAYLOAD);
                self.num(id.0);
            }
            Mutation::Delete(RecordKey::Key(key)) => {
                self.tags.push(TAG_DELETE_KEY);
                self.strings.push(JsValue::from_str(key));
            }
            Mutation::Delete(RecordKey::Counters) => self.tags.push(TAG_DELETE_COUNTERS),
            Mutation::Put(Record::Origin(origin)) => self.origin(origin),
            Mutation::Delete(RecordKey::Origin) => self.tags.push(TAG_DELETE_ORIGIN),
        }
    }

    /// `{ v, t, n, s, p }`; leaves `self` empty for the next chunk.
    fn take(&mut self) -> Result<JsValue, StoreError> {
        let Columns {
            tags,
            numbers,
            strings,
            payloads,
        } = core::mem::take(self);
        let obj = Object::new();
        let fields: [(&str, JsValue); 5] = [
            ("v", JsValue::from(SCHEMA_VERSION)),
            ("t", Uint8Array::from(&tags[..]).into()),
            ("n", Float64Array::from(&numbers[..]).into()),
            ("s", array_from(strings).into()),
            ("p", array_from(payloads).into()),
        ];
        for (name, value) in fields {
            Reflect::set(&obj, &JsValue::from_str(name), &value).map_err(|e| {
                StoreError::new(
                    StoreErrorKind::Failed,
                    format!("cannot build a stored record: {}", error_text(&e)),
                )
            })?;
        }
        Ok(obj.into())
    }
}

/// One log record for a committed batch.
pub(crate) fn encode_batch(batch: &[Mutation<JsValue>]) -> Result<JsValue, StoreError> {
    let mut columns = Columns::default();
    for mutation in batch {
        columns.mutation(mutation);
    }
    columns.take()
}

/// A whole state (`Records`, or the engine read in place) as snapshot
/// chunks of at most `per_chunk` records each (counters first, so there is
/// always at least one chunk).
pub(crate) fn encode_snapshot(
    state: &dyn Image<JsValue>,
    per_chunk: usize,
) -> Result<Vec<JsValue>, StoreError> {
    let mut chunks = Vec::new();
    let mut columns = Columns::default();
    columns.counters(&state.counters());
    if let Some(origin) = state.origin() {
        columns.origin(origin);
    }
    // The first error stops the chunks (the visits run on, adding nothing).
    let mut failed = None;
    let mut flush = |columns: &mut Columns| {
        if failed.is_none() && columns.len() >= per_chunk {
            match columns.take() {
                Ok(chunk) => chunks.push(chunk),
                Err(e) => failed = Some(e),
            }
        }
    };
    state.each_meta(&mut |meta| {
        columns.message(meta);
        flush(&mut columns);
    });
    state.each_payload(&mut |id, payload| {
        columns.payload(id, payload);
        flush(&mut columns);
    });
    for (key, &(id, expires_at_ms)) in state.keys() {
        columns.key(key, id, expires_at_ms);
        flush(&mut columns);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if columns.len() > 0 {
        chunks.push(columns.take()?);
    }
    Ok(chunks)
}

// ---------------------------------------------------------------- decoding

/// The mutations of one log record. All or nothing: a record with any
/// bad part is refused whole, so a batch is never half applied.
pub(crate) fn decode_batch(value: &JsValue) -> Result<Vec<Mutation<JsValue>>, DecodeError> {
    Reader::open(value)?.read_all(true)
}

/// The records of one snapshot chunk (puts only).
pub(crate) fn decode_chunk(value: &JsValue) -> Result<Vec<Record<JsValue>>, DecodeError> {
    let mutations = Reader::open(value)?.read_all(false)?;
    Ok(mutations
        .into_iter()
        .filter_map(|m| match m {
            Mutation::Put(record) => Some(record),
            Mutation::Delete(_) => None, // refused by `read_all(false)`
        })
        .collect())
}

/// Reads the columns of one stored value in step.
struct Reader {
    tags: Vec<u8>,
    numbers: Vec<f64>,
    strings: Vec<JsValue>,
    payloads: Vec<JsValue>,
    next_number: usize,
    next_string: usize,
    next_payload: usize,
}

impl Reader {
    fn open(value: &JsValue) -> Result<Reader, DecodeError> {
        if !value.is_object() {
            return Err(bad(format!("not an object: {}", describe(value))));
        }
        let field = |name: &str| {
            Reflect::get(value, &JsValue::from_str(name))
                .map_err(|_| bad(format!("cannot read `{name}`")))
        };
        let version = field("v")?;
        if version.as_f64() != Some(f64::from(SCHEMA_VERSION)) {
            return Err(bad(format!(
                "unknown schema version {} (this build reads {SCHEMA_VERSION})",
                describe(&version)
            )));
        }
        let tags = field("t")?
            .dyn_into::<Uint8Array>()
            .map_err(|v| bad(format!("`t` is not a Uint8Array: {}", describe(&v))))?;
        let numbers = field("n")?
            .dyn_into::<Float64Array>()
            .map_err(|v| bad(format!("`n` is not a Float64Array: {}", describe(&v))))?;
        let array = |name: &str| -> Result<Vec<JsValue>, DecodeError> {
            let v = field(name)?;
            if Array::is_array(&v) {
                Ok(v.unchecked_into::<Array>().to_vec())
            } else {
                Err(bad(format!("`{name}` is not an array: {}", describe(&v))))
            }
        };
        Ok(Reader {
            tags: tags.to_vec(),
            numbers: numbers.to_vec(),
            strings: array("s")?,
            payloads: array("p")?,
            next_number: 0,
            next_string: 0,
            next_payload: 0,
        })
    }

    /// Every mutation; `deletes: false` accepts only records (a snapshot).
    fn read_all(mut self, deletes: bool) -> Result<Vec<Mutation<JsValue>>, DecodeError> {
        let tags = core::mem::take(&mut self.tags);
        let mut out = Vec::with_capacity(tags.len());
        for (i, &tag) in tags.iter().enumerate() {
            let m = self
                .mutation(tag, deletes)
                .map_err(|e| bad(format!("entry {i}: {e}")))?;
            out.push(m);
        }
        let left = (
            self.numbers.len() - self.next_number.min(self.numbers.len()),
            self.strings.len() - self.next_string.min(self.strings.len()),
            self.payloads.len() - self.next_payload.min(self.payloads.len()),
        );
        if left != (0, 0, 0) {
            return Err(bad(format!(
                "columns do not match the tags: {} numbers, {} strings, {} payloads left over",
                left.0, left.1, left.2
            )));
        }
        Ok(out)
    }

    fn mutation(&mut self, tag: u8, deletes: bool) -> Result<Mutation<JsValue>, DecodeError> {
        let record = match tag {
            TAG_MESSAGE => Record::Message(self.message()?),
            TAG_PAYLOAD => {
                let id = self.id()?;
                Record::Payload(id, self.payload()?)
            }
            TAG_KEY => {
                let id = self.id()?;
                let expires_at_ms = self.u64("expiresAt")?;
                let key = self.string("key")?;
                Record::Key(KeyRecord {
                    key,
                    id,
                    expires_at_ms,
                })
            }
            TAG_COUNTERS => Record::Counters(Counters {
                next_id: self.u64("nextId")?,
                next_lease: self.u64("nextLease")?,
                completed: self.u64("completed")?,
                retried: self.u64("retried")?,
            }),
            TAG_ORIGIN => Record::Origin(self.string("origin")?),
            TAG_DELETE_MESSAGE..=TAG_DELETE_COUNTERS | TAG_DELETE_ORIGIN if !deletes => {
                return Err(bad(format!("a delete (tag {tag}) in a snapshot")));
            }
            TAG_DELETE_MESSAGE => return Ok(Mutation::Delete(RecordKey::Message(self.id()?))),
            TAG_DELETE_PAYLOAD => return Ok(Mutation::Delete(RecordKey::Payload(self.id()?))),
            TAG_DELETE_KEY => return Ok(Mutation::Delete(RecordKey::Key(self.string("key")?))),
            TAG_DELETE_COUNTERS => return Ok(Mutation::Delete(RecordKey::Counters)),
            TAG_DELETE_ORIGIN => return Ok(Mutation::Delete(RecordKey::Origin)),
            other => return Err(bad(format!("unknown tag {other}"))),
        };
        Ok(Mutation::Put(record))
    }

    fn message(&mut self) -> Result<MessageRecord, DecodeError> {
        let id = self.id()?;
        let enqueued_at_ms = self.u64("enqueuedAt")?;
        let due_ms = self.u64("dueMs")?;
        let priority = self.i32("priority")?;
        let max_attempts = self.u32("maxAttempts")?;
        let attempts = self.u32("attempts")?;
        let state = self.u32("state")?;
        let a = self.u64("state.a")?;
        let b = self.u64("state.b")?;
        let flags = self.u32("flags")?;
        let state = match state {
            STATE_WAITING => MessageState::Waiting,
            STATE_IN_FLIGHT => MessageState::InFlight {
                lease: a,
                deadline_ms: b,
            },
            STATE_DEAD => MessageState::Dead { failed_at_ms: a },
            other => return Err(bad(format!("unknown message state {other}"))),
        };
        if flags & !(HAS_GROUP | HAS_KEY | HAS_ERROR) != 0 {
            return Err(bad(format!("unknown message flags {flags}")));
        }
        let mut optional = |bit: u32, name: &str| {
            if flags & bit != 0 {
                self.string(name).map(Some)
            } else {
                Ok(None)
            }
        };
        let group = optional(HAS_GROUP, "group")?;
        let idempotency_key = optional(HAS_KEY, "idempotencyKey")?;
        let last_error = optional(HAS_ERROR, "lastError")?;
        Ok(MessageRecord {
            id,
            enqueued_at_ms,
            due_ms,
            state,
            priority,
            max_attempts,
            attempts,
            extras: Extras::new(group, idempotency_key, last_error),
        })
    }

    fn integer(&mut self, name: &str, min: f64, max: f64) -> Result<f64, DecodeError> {
        let Some(&x) = self.numbers.get(self.next_number) else {
            return Err(bad(format!("`{name}` missing: the numbers ran out")));
        };
        self.next_number += 1;
        if x.fract() == 0.0 && (min..=max).contains(&x) {
            Ok(x)
        } else {
            Err(bad(format!(
                "`{name}` must be an integer in [{}, {}], got {}",
                f64_text(min),
                f64_text(max),
                f64_text(x)
            )))
        }
    }

    fn u64(&mut self, name: &str) -> Result<u64, DecodeError> {
        // In range and integral, so the conversion is exact.
        self.integer(name, 0.0, MAX_SAFE).map(|x| x as u64)
    }

    fn u32(&mut self, name: &str) -> Result<u32, DecodeError> {
        self.integer(name, 0.0, f64::from(u32::MAX))
            .map(|x| x as u32)
    }

    fn i32(&mut self, name: &str) -> Result<i32, DecodeError> {
        self.integer(name, f64::from(i32::MIN), f64::from(i32::MAX))
            .map(|x| x as i32)
    }

    fn id(&mut self) -> Result<MessageId, DecodeError> {
        self.u64("id").map(MessageId)
    }

    fn string(&mut self, name: &str) -> Result<String, DecodeError> {
        let Some(value) = self.strings.get(self.next_string) else {
            return Err(bad(format!("`{name}` missing: the strings ran out")));
        };
        self.next_string += 1;
        value.as_string().ok_or_else(|| {
            bad(format!(
                "`{name}` must be a string, got {}",
                describe(value)
            ))
        })
    }

    fn payload(&mut self) -> Result<JsValue, DecodeError> {
        let Some(value) = self.payloads.get_mut(self.next_payload) else {
            return Err(bad("a payload is missing: the payloads ran out"));
        };
        self.next_payload += 1;
        Ok(core::mem::replace(value, JsValue::UNDEFINED))
    }
}

/// A short description of a value for error messages (never its whole content).
fn describe(value: &JsValue) -> String {
    if let Some(x) = value.as_f64() {
        return f64_text(x);
    }
    if let Some(s) = value.as_string() {
        let short: String = s.chars().take(40).collect();
        return quoted(&short);
    }
    if value.is_null() {
        return "null".into();
    }
    if value.is_undefined() {
        return "undefined".into();
    }
    if Array::is_array(value) {
        return "an array".into();
    }
    value.js_typeof().as_string().unwrap_or_else(|| "?".into())
}
