//! How the IndexedDB store encodes records and mutations as JS values, and
//! decodes them back without trusting what it reads.
//!
//! Every stored value is an envelope carrying the schema version:
//! - a log record (one per committed batch): `{ v: 1, m: [mutation, ...] }`;
//! - a snapshot chunk: `{ v: 1, r: [record, ...] }`.
//!
//! Records and mutations are arrays by position, the first element a tag:
//!
//! | tag | shape |
//! |---|---|
//! | 0 | message: `[0, id, enqueuedAt, dueMs, priority, maxAttempts, attempts, state, a, b, group, key, lastError]` |
//! | 1 | payload: `[1, id, payload]` (the payload is kept as a structured-clone value) |
//! | 2 | idempotency key: `[2, key, id, expiresAt]` |
//! | 3 | counters: `[3, nextId, nextLease, completed, retried]` |
//! | 4 / 5 / 6 / 7 | delete message `[4, id]` / payload `[5, id]` / key `[6, key]` / counters `[7]` |
//!
//! Tags 0–3 are records (a put when they appear in a batch). A message's
//! `state` is 0 waiting, 1 in flight (`a` = lease, `b` = deadline) or 2 dead
//! (`a` = failed at); unused slots hold 0. Absent strings are `null`. Ids,
//! times and counters are JS numbers: they stay below 2^53, and the decoder
//! refuses any number that is not a safe non-negative integer.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::{StoreError, StoreErrorKind};
use crate::core::{
    Counters, KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record, RecordKey,
    Records,
};

/// The schema version every stored value carries.
pub(crate) const SCHEMA_VERSION: u32 = 1;
/// Most records in one snapshot chunk.
pub(crate) const CHUNK_RECORDS: usize = 1000;

const TAG_MESSAGE: u32 = 0;
const TAG_PAYLOAD: u32 = 1;
const TAG_KEY: u32 = 2;
const TAG_COUNTERS: u32 = 3;
const TAG_DELETE_MESSAGE: u32 = 4;
const TAG_DELETE_PAYLOAD: u32 = 5;
const TAG_DELETE_KEY: u32 = 6;
const TAG_DELETE_COUNTERS: u32 = 7;

const STATE_WAITING: u32 = 0;
const STATE_IN_FLIGHT: u32 = 1;
const STATE_DEAD: u32 = 2;

/// 2^53 - 1: the largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

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

/// `{ v: 1, m: [...] }`: one log record for a committed batch.
pub(crate) fn encode_batch(batch: &[Mutation<JsValue>]) -> Result<JsValue, StoreError> {
    let m = Array::new_with_length(len_u32(batch.len()));
    for (i, mutation) in batch.iter().enumerate() {
        m.set(len_u32(i), encode_mutation(mutation));
    }
    envelope("m", &m)
}

/// The full image as snapshot chunks `{ v: 1, r: [...] }` of at most
/// [`CHUNK_RECORDS`] records each (counters first; always at least one chunk).
pub(crate) fn encode_snapshot(records: &Records<JsValue>) -> Result<Vec<JsValue>, StoreError> {
    let encoded = core::iter::once(encode_counters(&records.counters))
        .chain(records.messages.values().map(encode_message))
        .chain(
            records
                .payloads
                .iter()
                .map(|(id, p)| encode_payload(*id, p)),
        )
        .chain(records.keys.values().map(encode_key));
    let mut chunks = Vec::new();
    let mut current = Array::new();
    for value in encoded {
        current.push(&value);
        if current.length() as usize >= CHUNK_RECORDS {
            chunks.push(envelope("r", &current)?);
            current = Array::new();
        }
    }
    if current.length() > 0 {
        chunks.push(envelope("r", &current)?);
    }
    Ok(chunks)
}

fn envelope(field: &str, items: &Array) -> Result<JsValue, StoreError> {
    let obj = Object::new();
    let set = |k: &str, v: &JsValue| {
        Reflect::set(&obj, &JsValue::from_str(k), v).map_err(|e| {
            StoreError::new(
                StoreErrorKind::Failed,
                format!("cannot build a stored record: {e:?}"),
            )
        })
    };
    set("v", &JsValue::from(SCHEMA_VERSION))?;
    set(field, items)?;
    Ok(obj.into())
}

fn encode_mutation(mutation: &Mutation<JsValue>) -> JsValue {
    match mutation {
        Mutation::Put(record) => encode_record(record),
        Mutation::Delete(RecordKey::Message(id)) => pair(TAG_DELETE_MESSAGE, id_value(*id)),
        Mutation::Delete(RecordKey::Payload(id)) => pair(TAG_DELETE_PAYLOAD, id_value(*id)),
        Mutation::Delete(RecordKey::Key(key)) => pair(TAG_DELETE_KEY, JsValue::from_str(key)),
        Mutation::Delete(RecordKey::Counters) => {
            Array::of1(&JsValue::from(TAG_DELETE_COUNTERS)).into()
        }
    }
}

fn encode_record(record: &Record<JsValue>) -> JsValue {
    match record {
        Record::Message(meta) => encode_message(meta),
        Record::Payload(id, payload) => encode_payload(*id, payload),
        Record::Key(key) => encode_key(key),
        Record::Counters(counters) => encode_counters(counters),
    }
}

fn encode_message(m: &MessageRecord) -> JsValue {
    let (state, a, b) = match m.state {
        MessageState::Waiting => (STATE_WAITING, 0, 0),
        MessageState::InFlight { lease, deadline_ms } => (STATE_IN_FLIGHT, lease, deadline_ms),
        MessageState::Dead { failed_at_ms } => (STATE_DEAD, failed_at_ms, 0),
    };
    let values = [
        JsValue::from(TAG_MESSAGE),
        id_value(m.id),
        num(m.enqueued_at_ms),
        num(m.due_ms),
        JsValue::from(m.priority),
        JsValue::from(m.max_attempts),
        JsValue::from(m.attempts),
        JsValue::from(state),
        num(a),
        num(b),
        opt_str(m.group.as_deref()),
        opt_str(m.idempotency_key.as_deref()),
        opt_str(m.last_error.as_deref()),
    ];
    values.iter().collect::<Array>().into()
}

fn encode_payload(id: MessageId, payload: &JsValue) -> JsValue {
    Array::of3(&JsValue::from(TAG_PAYLOAD), &id_value(id), payload).into()
}

fn encode_key(k: &KeyRecord) -> JsValue {
    Array::of4(
        &JsValue::from(TAG_KEY),
        &JsValue::from_str(&k.key),
        &id_value(k.id),
        &num(k.expires_at_ms),
    )
    .into()
}

fn encode_counters(c: &Counters) -> JsValue {
    Array::of5(
        &JsValue::from(TAG_COUNTERS),
        &num(c.next_id),
        &num(c.next_lease),
        &num(c.completed),
        &num(c.retried),
    )
    .into()
}

fn pair(tag: u32, value: JsValue) -> JsValue {
    Array::of2(&JsValue::from(tag), &value).into()
}

fn num(v: u64) -> JsValue {
    // Callers keep ids, times and counters below 2^53 (see `MAX_TIME_MS`).
    JsValue::from_f64(v as f64)
}

fn id_value(id: MessageId) -> JsValue {
    num(id.0)
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------- decoding

/// The mutations of one log record.
pub(crate) fn decode_batch(value: &JsValue) -> Result<Vec<Mutation<JsValue>>, DecodeError> {
    let items = open_envelope(value, "m")?;
    let mut batch = Vec::with_capacity(items.length() as usize);
    for (i, item) in items.iter().enumerate() {
        let mutation = decode_mutation(&item).map_err(|e| bad(format!("mutation {i}: {e}")))?;
        batch.push(mutation);
    }
    Ok(batch)
}

/// The records of one snapshot chunk.
pub(crate) fn decode_chunk(value: &JsValue) -> Result<Vec<Record<JsValue>>, DecodeError> {
    let items = open_envelope(value, "r")?;
    let mut records = Vec::with_capacity(items.length() as usize);
    for (i, item) in items.iter().enumerate() {
        let fields = as_array(&item).map_err(|e| bad(format!("record {i}: {e}")))?;
        let tag = get_u32(&fields, 0, "tag").map_err(|e| bad(format!("record {i}: {e}")))?;
        let record = decode_record(tag, &fields).map_err(|e| bad(format!("record {i}: {e}")))?;
        records.push(record);
    }
    Ok(records)
}

fn open_envelope(value: &JsValue, field: &str) -> Result<Array, DecodeError> {
    if !value.is_object() {
        return Err(bad(format!("not an object: {}", describe(value))));
    }
    let version =
        Reflect::get(value, &JsValue::from_str("v")).map_err(|_| bad("cannot read the version"))?;
    if version.as_f64() != Some(f64::from(SCHEMA_VERSION)) {
        return Err(bad(format!(
            "unknown schema version {} (this build reads {SCHEMA_VERSION})",
            describe(&version)
        )));
    }
    let items = Reflect::get(value, &JsValue::from_str(field))
        .map_err(|_| bad(format!("cannot read `{field}`")))?;
    as_array(&items).map_err(|e| bad(format!("`{field}`: {e}")))
}

fn decode_mutation(item: &JsValue) -> Result<Mutation<JsValue>, DecodeError> {
    let fields = as_array(item)?;
    let tag = get_u32(&fields, 0, "tag")?;
    Ok(match tag {
        TAG_DELETE_MESSAGE => Mutation::Delete(RecordKey::Message(get_id(&fields, 1)?)),
        TAG_DELETE_PAYLOAD => Mutation::Delete(RecordKey::Payload(get_id(&fields, 1)?)),
        TAG_DELETE_KEY => Mutation::Delete(RecordKey::Key(get_string(&fields, 1, "key")?)),
        TAG_DELETE_COUNTERS => Mutation::Delete(RecordKey::Counters),
        _ => Mutation::Put(decode_record(tag, &fields)?),
    })
}

fn decode_record(tag: u32, f: &Array) -> Result<Record<JsValue>, DecodeError> {
    match tag {
        TAG_MESSAGE => decode_message(f).map(Record::Message),
        TAG_PAYLOAD => {
            let id = get_id(f, 1)?;
            if f.length() < 3 {
                return Err(bad("payload record without a payload"));
            }
            Ok(Record::Payload(id, f.get(2)))
        }
        TAG_KEY => Ok(Record::Key(KeyRecord {
            key: get_string(f, 1, "key")?,
            id: get_id(f, 2)?,
            expires_at_ms: get_u64(f, 3, "expiresAt")?,
        })),
        TAG_COUNTERS => Ok(Record::Counters(Counters {
            next_id: get_u64(f, 1, "nextId")?,
            next_lease: get_u64(f, 2, "nextLease")?,
            completed: get_u64(f, 3, "completed")?,
            retried: get_u64(f, 4, "retried")?,
        })),
        other => Err(bad(format!("unknown tag {other}"))),
    }
}

fn decode_message(f: &Array) -> Result<MessageRecord, DecodeError> {
    let a = get_u64(f, 8, "state.a")?;
    let b = get_u64(f, 9, "state.b")?;
    let state = match get_u32(f, 7, "state")? {
        STATE_WAITING => MessageState::Waiting,
        STATE_IN_FLIGHT => MessageState::InFlight {
            lease: a,
            deadline_ms: b,
        },
        STATE_DEAD => MessageState::Dead { failed_at_ms: a },
        other => return Err(bad(format!("unknown message state {other}"))),
    };
    Ok(MessageRecord {
        id: get_id(f, 1)?,
        enqueued_at_ms: get_u64(f, 2, "enqueuedAt")?,
        due_ms: get_u64(f, 3, "dueMs")?,
        priority: get_i32(f, 4, "priority")?,
        max_attempts: get_u32(f, 5, "maxAttempts")?,
        attempts: get_u32(f, 6, "attempts")?,
        state,
        group: get_opt_string(f, 10, "group")?,
        idempotency_key: get_opt_string(f, 11, "idempotencyKey")?,
        last_error: get_opt_string(f, 12, "lastError")?,
    })
}

fn as_array(value: &JsValue) -> Result<Array, DecodeError> {
    if Array::is_array(value) {
        Ok(value.clone().unchecked_into())
    } else {
        Err(bad(format!("not an array: {}", describe(value))))
    }
}

fn get_integer(f: &Array, i: u32, name: &str, min: f64, max: f64) -> Result<f64, DecodeError> {
    let value = f.get(i);
    match value.as_f64() {
        Some(x) if x.fract() == 0.0 && (min..=max).contains(&x) => Ok(x),
        _ => Err(bad(format!(
            "`{name}` must be an integer in [{min}, {max}], got {}",
            describe(&value)
        ))),
    }
}

fn get_u64(f: &Array, i: u32, name: &str) -> Result<u64, DecodeError> {
    // In range and integral, so the conversion is exact.
    get_integer(f, i, name, 0.0, MAX_SAFE).map(|x| x as u64)
}

fn get_u32(f: &Array, i: u32, name: &str) -> Result<u32, DecodeError> {
    get_integer(f, i, name, 0.0, f64::from(u32::MAX)).map(|x| x as u32)
}

fn get_i32(f: &Array, i: u32, name: &str) -> Result<i32, DecodeError> {
    get_integer(f, i, name, f64::from(i32::MIN), f64::from(i32::MAX)).map(|x| x as i32)
}

fn get_id(f: &Array, i: u32) -> Result<MessageId, DecodeError> {
    get_u64(f, i, "id").map(MessageId)
}

fn get_string(f: &Array, i: u32, name: &str) -> Result<String, DecodeError> {
    let value = f.get(i);
    value.as_string().ok_or_else(|| {
        bad(format!(
            "`{name}` must be a string, got {}",
            describe(&value)
        ))
    })
}

fn get_opt_string(f: &Array, i: u32, name: &str) -> Result<Option<String>, DecodeError> {
    let value = f.get(i);
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| {
        bad(format!(
            "`{name}` must be a string or null, got {}",
            describe(&value)
        ))
    })
}

/// A short description of a value for error messages (never its whole content).
fn describe(value: &JsValue) -> String {
    if let Some(x) = value.as_f64() {
        return format!("{x}");
    }
    if let Some(s) = value.as_string() {
        let short: String = s.chars().take(40).collect();
        return format!("{short:?}");
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
