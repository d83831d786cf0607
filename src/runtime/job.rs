//! The job objects handed to a handler, and the details of job events.

use wasm_bindgen::JsValue;

use super::hot::{self, Call};
use crate::core::Lease;
use crate::js::object::{set, set_number};

/// The user's idempotency key (keys the runtime added are not shown).
pub fn user_key(v: &Option<String>) -> JsValue {
    user_key_str(v).map_or(JsValue::UNDEFINED, JsValue::from)
}

/// The same as a string.
fn user_key_str(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|k| !super::is_internal_key(k))
}

/// One handler call, with its argument: the job `{ id, payload, attempt,
/// maxAttempts, idempotencyKey?, group?, enqueuedAt, deadline, signal }`,
/// or for a batch handler an array of them. Each is built by one call into
/// `hot.js` (a class whose `signal` is made when read, from the call), with
/// a copy of the stored payload.
pub fn handler_call(leases: &[Lease<JsValue>], batch: bool) -> Call {
    match leases {
        [lease] if !batch => hot::new_job(
            lease.token.id.0 as f64,
            &lease.payload,
            lease.attempt,
            lease.max_attempts,
            user_key_str(&lease.idempotency_key),
            lease.group.as_deref(),
            lease.enqueued_at_ms as f64,
            lease.deadline_ms as f64,
        ),
        _ => {
            let call = hot::new_batch(leases.len() as u32);
            for (i, lease) in leases.iter().enumerate() {
                hot::set_job(
                    &call,
                    i as u32,
                    lease.token.id.0 as f64,
                    &lease.payload,
                    lease.attempt,
                    lease.max_attempts,
                    user_key_str(&lease.idempotency_key),
                    lease.group.as_deref(),
                    lease.enqueued_at_ms as f64,
                    lease.deadline_ms as f64,
                );
            }
            call
        }
    }
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
