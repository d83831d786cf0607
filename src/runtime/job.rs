//! The job object handed to a handler, and turning what a handler threw
//! into the error text kept with the message.

use std::fmt::Write;

use wasm_bindgen::{JsCast, JsValue};

use crate::core::Lease;

use super::convert::{set, set_number};

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

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `String(x)`, with what a hostile `toString` or `Proxy` trap throws caught.
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// A readable message from a thrown value: `Error.message` (with its name
/// when not plain `Error`), a string as is, anything else as JSON or
/// `String(x)`. Reading it runs no code that can throw through.
pub fn error_text(thrown: &JsValue) -> String {
    let field = |key: &str| {
        js_sys::Reflect::get(thrown, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    if wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(thrown).is_some() {
        let (name, message) = (field("name"), field("message"));
        return if name == "Error" || name.is_empty() {
            message
        } else {
            format!("{name}: {message}")
        };
    }
    if let Some(s) = thrown.as_string() {
        return s;
    }
    if let Some(s) = js_sys::JSON::stringify(thrown)
        .ok()
        .and_then(|j| j.as_string())
    {
        return s;
    }
    js_string(thrown).unwrap_or_else(|_| "a thrown value that cannot be shown".to_owned())
}
