//! Rust values to the plain JS objects the API returns (and the leader sends) (`Stats`,
//! `DeadLetter`, `EnqueueResult`), and payload cloning.

use wasm_bindgen::{JsCast, JsValue};

use crate::core::{DeadLetter, Enqueued, Stats};
use crate::runtime::{codes, QueueError};

/// Sets `key` on `obj` (a plain object the runtime made, so it cannot fail).
pub(crate) fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &key.into(), value);
}

/// A plain object with `fields`.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj: JsValue = js_sys::Object::new().into();
    for (k, v) in fields {
        set(&obj, k, v);
    }
    obj
}

/// A string, or `undefined`.
pub(crate) fn opt_str(v: &Option<String>) -> JsValue {
    v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from)
}

/// `{ id, duplicate }`.
pub fn enqueued(e: Enqueued) -> JsValue {
    object(&[
        ("id", (e.id().0 as f64).into()),
        ("duplicate", e.is_duplicate().into()),
    ])
}

/// The ids of `enqueueMany`, as a `number[]`.
pub fn ids(list: &[Enqueued]) -> JsValue {
    let ids: Vec<f64> = list.iter().map(|e| e.id().0 as f64).collect();
    js_sys::Array::from(&js_sys::Float64Array::from(ids.as_slice())).into()
}

/// `{ pending, delayed, inFlight, completed, retried, dead }`.
pub fn stats(s: Stats) -> JsValue {
    object(&[
        ("pending", (s.pending as f64).into()),
        ("delayed", (s.delayed as f64).into()),
        ("inFlight", (s.in_flight as f64).into()),
        ("completed", (s.completed as f64).into()),
        ("retried", (s.retried as f64).into()),
        ("dead", (s.dead as f64).into()),
    ])
}

/// `DeadLetter[]`.
pub fn dead_letters(list: Vec<DeadLetter<JsValue>>) -> JsValue {
    let arr = js_sys::Array::new();
    for d in list {
        arr.push(&object(&[
            ("id", (d.id.0 as f64).into()),
            ("payload", d.payload),
            ("attempts", d.attempts.into()),
            ("lastError", opt_str(&d.last_error)),
            ("failedAt", (d.failed_at_ms as f64).into()),
            ("idempotencyKey", super::job::user_key(&d.idempotency_key)),
            ("group", opt_str(&d.group)),
        ]));
    }
    arr.into()
}

/// A structured clone of the payload (so later changes by the caller do not
/// reach the queue), or `PAYLOAD_NOT_CLONEABLE`.
pub fn clone_payload(payload: &JsValue) -> Result<JsValue, QueueError> {
    let global = js_sys::global();
    let Ok(clone) = js_sys::Reflect::get(&global, &"structuredClone".into()) else {
        return Ok(payload.clone());
    };
    let Some(clone) = clone.dyn_ref::<js_sys::Function>() else {
        return Ok(payload.clone());
    };
    clone.call1(&JsValue::UNDEFINED, payload).map_err(|e| {
        let detail = super::error_text(&e);
        QueueError::new(
            codes::PAYLOAD_NOT_CLONEABLE,
            format!("the payload cannot be stored (it must be structured-cloneable): {detail}"),
        )
    })
}
