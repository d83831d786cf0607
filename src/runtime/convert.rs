//! Rust values to the plain JS objects the API returns (and the leader sends) (`Stats`,
//! `DeadLetter`, `EnqueueResult`), and payload cloning.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::{JsCast, JsValue};

use crate::core::{DeadLetter, Enqueued, Stats};
use crate::runtime::{codes, QueueError};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Reflect.set` on a plain object the runtime made (it cannot throw there,
    /// so no exception wrapper).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &JsValue, value: &JsValue) -> bool;
    /// The same with a number, passed as a plain `f64` (no boxed JsValue).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set_number(target: &JsValue, key: &JsValue, value: f64) -> bool;
}

thread_local! {
    /// Property names as JS strings, made once: decoding a Rust string into a
    /// JS string on every property set was a large part of building each job.
    static KEYS: RefCell<HashMap<&'static str, JsValue>> = RefCell::default();
}

/// Calls `f` with `key` as a JS string (made once per name).
fn with_key<T>(key: &'static str, f: impl FnOnce(&JsValue) -> T) -> T {
    KEYS.with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            let k = keys.entry(key).or_insert_with(|| JsValue::from_str(key));
            return f(k);
        }
        f(&JsValue::from_str(key))
    })
}

/// Sets `key` on `obj` (a plain object the runtime made, so it cannot fail).
pub(crate) fn set(obj: &JsValue, key: &'static str, value: &JsValue) {
    with_key(key, |k| reflect_set(obj, k, value));
}

/// Reads `key` of `obj`; `None` where a getter or `Proxy` trap throws.
pub(crate) fn get_key(obj: &JsValue, key: &'static str) -> Option<JsValue> {
    with_key(key, |k| js_sys::Reflect::get(obj, k).ok())
}

/// Sets the number `key` on `obj` (a plain object the runtime made).
pub(crate) fn set_number(obj: &JsValue, key: &'static str, value: f64) {
    with_key(key, |k| reflect_set_number(obj, k, value));
}

/// A plain object with `fields`.
pub(crate) fn object(fields: &[(&'static str, JsValue)]) -> JsValue {
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

thread_local! {
    /// The global `structuredClone`, looked up once (`None` where there is none).
    static STRUCTURED_CLONE: Option<js_sys::Function> =
        js_sys::Reflect::get(&js_sys::global(), &"structuredClone".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
}

/// A structured clone of the payload (so later changes by the caller do not
/// reach the queue), or `PAYLOAD_NOT_CLONEABLE`.
pub fn clone_payload(payload: &JsValue) -> Result<JsValue, QueueError> {
    let Some(clone) = STRUCTURED_CLONE.with(Clone::clone) else {
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
