//! The job object handed to a handler, and turning what a handler threw
//! into the error text kept with the message.

use wasm_bindgen::JsValue;

use crate::core::Lease;

use super::convert::{opt_str, set, set_number};

/// The user's idempotency key (keys the runtime added are not shown).
pub fn user_key(v: &Option<String>) -> JsValue {
    match v.as_deref() {
        Some(k) if !super::is_internal_key(k) => k.into(),
        _ => JsValue::UNDEFINED,
    }
}

/// `{ id, payload, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline, signal }`,
/// with `payload` the copy the handler gets.
pub fn job_object(
    lease: &Lease<JsValue>,
    payload: JsValue,
    signal: Option<&web_sys::AbortSignal>,
) -> JsValue {
    let job: JsValue = js_sys::Object::new().into();
    set_number(&job, "id", lease.token.id.0 as f64);
    set(&job, "payload", &payload);
    set_number(&job, "attempt", lease.attempt.into());
    set_number(&job, "maxAttempts", lease.max_attempts.into());
    set(&job, "idempotencyKey", &user_key(&lease.idempotency_key));
    set(&job, "group", &opt_str(&lease.group));
    set_number(&job, "enqueuedAt", lease.enqueued_at_ms as f64);
    set_number(&job, "deadline", lease.deadline_ms as f64);
    if let Some(signal) = signal {
        set(&job, "signal", signal);
    }
    job
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
