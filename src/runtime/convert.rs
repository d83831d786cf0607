//! Rust values to the plain JS objects the API returns (and the leader sends) (`Stats`,
//! `DeadLetter`, `EnqueueResult`), and payload cloning.

use wasm_bindgen::JsValue;

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

/// The copy of the caller's payload that is stored (`hot.js`'s
/// `copyPayload`: later changes by the caller do not reach the queue), or
/// `PAYLOAD_NOT_CLONEABLE`.
pub fn clone_payload(payload: &JsValue) -> Result<JsValue, QueueError> {
    super::hot::copy_payload(payload).map_err(not_cloneable)
}

/// `enqueueMany`'s payloads (an array), each copied on its own as by
/// [`clone_payload`], or `PAYLOAD_NOT_CLONEABLE` if one cannot be.
pub fn clone_payloads(payloads: &JsValue) -> Result<js_sys::Array, QueueError> {
    super::hot::copy_each(payloads).map_err(not_cloneable)
}

/// `PAYLOAD_NOT_CLONEABLE`, with what the copy threw.
fn not_cloneable(e: JsValue) -> QueueError {
    let detail = crate::js::error_text(&e);
    QueueError::new(
        codes::PAYLOAD_NOT_CLONEABLE,
        format!("the payload cannot be stored (it must be structured-cloneable): {detail}"),
    )
}
