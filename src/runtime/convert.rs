//! Rust values to the plain JS objects the API returns (and the leader sends) (`Stats`,
//! `DeadLetter`, `EnqueueResult`), and payload cloning.

use wasm_bindgen::{JsCast, JsValue};

use crate::core::{DeadLetter, Enqueued, Job, Stats};
use crate::js::object::{object, opt_str};
use crate::runtime::{codes, QueueError};

/// `{ id, duplicate }`.
pub fn enqueued(e: Enqueued) -> JsValue {
    object(&[
        ("id", (e.id().0 as f64).into()),
        ("duplicate", e.is_duplicate().into()),
        ("replaced", e.is_replaced().into()),
    ])
}

/// The ids of `enqueueMany`, as a `number[]`.
pub fn ids(list: &[Enqueued]) -> JsValue {
    let ids: Vec<f64> = list.iter().map(|e| e.id().0 as f64).collect();
    super::hot::numbers(&ids).into()
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

/// `DeadLetter[]`, each with a copy of its stored payload (a caller
/// changing it changes neither a later listing nor what a redrive delivers).
pub fn dead_letters(list: Vec<DeadLetter<JsValue>>) -> JsValue {
    let arr = js_sys::Array::new();
    for d in list {
        arr.push(&object(&[
            ("id", (d.id.0 as f64).into()),
            ("payload", copy(d.payload)),
            ("attempts", d.attempts.into()),
            ("lastError", opt_str(&d.last_error)),
            ("failedAt", (d.failed_at_ms as f64).into()),
            ("idempotencyKey", super::job::user_key(&d.idempotency_key)),
            ("group", opt_str(&d.group)),
        ]));
    }
    arr.into()
}

/// `QueuedJob[]`, each with a copy of its stored payload (a caller changing
/// it changes neither the stored job nor what its handler gets).
pub fn jobs(list: Vec<Job<JsValue>>) -> JsValue {
    let arr = js_sys::Array::new();
    for j in list {
        let payload = copy(j.payload);
        let job = object(&[
            ("id", (j.id.0 as f64).into()),
            ("state", j.state.name().into()),
            ("payload", payload),
            ("attempts", j.attempts.into()),
            ("maxAttempts", j.max_attempts.into()),
            ("enqueuedAt", (j.enqueued_at_ms as f64).into()),
            ("dueAt", (j.due_ms as f64).into()),
            ("priority", j.priority.into()),
            ("group", opt_str(&j.group)),
            ("idempotencyKey", super::job::user_key(&j.idempotency_key)),
            ("lastError", opt_str(&j.last_error)),
        ]);
        if let Some(deadline) = j.deadline_ms {
            crate::js::object::set(&job, "deadline", &(deadline as f64).into());
        }
        arr.push(&job);
    }
    arr.into()
}

/// A copy of a stored payload (`hot.js`'s `copyPayload`: by hand for plain
/// data), or the stored value itself where it cannot be copied.
fn copy(stored: JsValue) -> JsValue {
    super::hot::copy_payload(&stored).unwrap_or(stored)
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
    // Called where it is kept (a clone of the function would take and free a slot per call).
    let cloned = STRUCTURED_CLONE.with(|clone| match clone {
        Some(clone) => clone.call1(&JsValue::UNDEFINED, payload),
        None => Ok(payload.clone()),
    });
    cloned.map_err(|e| {
        let detail = crate::js::error_text(&e);
        QueueError::new(
            codes::PAYLOAD_NOT_CLONEABLE,
            format!("the payload cannot be stored (it must be structured-cloneable): {detail}"),
        )
    })
}
