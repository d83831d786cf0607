//! The job objects handed to a handler, and the details of job events.

use std::fmt::Write;

use wasm_bindgen::{JsCast, JsValue};

use crate::core::Lease;

use crate::core::quote::push_json_string;
use crate::js::object::{set, set_number};

/// The user's idempotency key (keys the runtime added are not shown).
pub fn user_key(v: &Option<String>) -> JsValue {
    match v.as_deref() {
        Some(k) if !super::is_internal_key(k) => k.into(),
        _ => JsValue::UNDEFINED,
    }
}

/// The jobs of one handler call, as an array of `{ id, payload, attempt,
/// maxAttempts, idempotencyKey?, group?, enqueuedAt, deadline, signal }`
/// (`payloads`: the copies the handlers get). Everything but the payload and
/// the signal is written as one JSON text and parsed in one call: setting
/// each field from wasm cost a crossing per field per job.
pub fn job_list(
    leases: &[Lease<JsValue>],
    payloads: Vec<JsValue>,
    signal: Option<&web_sys::AbortSignal>,
) -> js_sys::Array {
    let mut text = String::with_capacity(leases.len() * 160 + 2);
    text.push('[');
    for (i, lease) in leases.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(
            text,
            r#"{{"id":{},"payload":null,"attempt":{},"maxAttempts":{}"#,
            lease.token.id.0, lease.attempt, lease.max_attempts
        );
        let key = lease.idempotency_key.as_deref();
        if let Some(key) = key.filter(|k| !super::is_internal_key(k)) {
            text.push_str(r#","idempotencyKey":"#);
            push_json_string(&mut text, key);
        }
        if let Some(group) = &lease.group {
            text.push_str(r#","group":"#);
            push_json_string(&mut text, group);
        }
        let _ = write!(
            text,
            r#","enqueuedAt":{},"deadline":{}"#,
            lease.enqueued_at_ms, lease.deadline_ms
        );
        text.push_str(if signal.is_some() {
            r#","signal":null}"#
        } else {
            "}"
        });
    }
    text.push(']');
    // The text is valid JSON by construction; an empty list is the only other outcome.
    let jobs: js_sys::Array = js_sys::JSON::parse(&text)
        .map(|v| v.unchecked_into())
        .unwrap_or_default();
    for (i, payload) in payloads.iter().enumerate() {
        let job = jobs.get(i as u32);
        set(&job, "payload", payload);
        if let Some(signal) = signal {
            set(&job, "signal", signal);
        }
    }
    jobs
}

/// `{ id, attempt, error?, retryAt? }` for event details.
pub fn detail(id: u64, attempt: u32, error: Option<&str>, retry_at: Option<u64>) -> JsValue {
    let obj = js_sys::Object::new();
    set_number(&obj, "id", id as f64);
    set_number(&obj, "attempt", attempt.into());
    if let Some(e) = error {
        set(&obj, "error", &e.into());
    }
    if let Some(t) = retry_at {
        set_number(&obj, "retryAt", t as f64);
    }
    obj.into()
}
