//! Why a handler call failed, and whether another try may mend it: an
//! error with `retry: false` (a relay's "400 Bad Request") makes its jobs
//! dead letters at once; anything else thrown, a rejection or a timeout is
//! retried after the backoff — or, for an error with `retryAt` (ms since
//! the epoch, or a `Date`: a relay's `Retry-After`), no sooner than that.
//! A job settled by itself (`job.ack()`, `job.fail(error)`) takes its own
//! outcome instead of its call's.

use wasm_bindgen::{JsCast, JsValue};

use crate::core::MAX_TIME_MS;

use crate::js::error_text;
use crate::js::object::date_ms;

/// A failed handler call.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The text kept as the jobs' last error.
    pub message: String,
    /// Whether the jobs are tried again (while tries are left).
    pub retry: bool,
    /// The next try no sooner than this (ms since the epoch).
    pub retry_at: Option<u64>,
}

impl Failure {
    /// What a handler threw or rejected with.
    pub fn thrown(value: &JsValue) -> Failure {
        // A getter or Proxy trap that throws counts as "retry": the default.
        let field = |name: &str| match value.is_object() {
            true => js_sys::Reflect::get(value, &name.into()).unwrap_or_default(),
            false => JsValue::UNDEFINED,
        };
        let retry_at = field("retryAt");
        // A real Date's time, or a number (an object inheriting from a Date is neither).
        let retry_at = date_ms(&retry_at)
            .or_else(|| retry_at.as_f64())
            .filter(|t| t.is_finite() && *t >= 0.0 && *t <= MAX_TIME_MS as f64)
            .map(|t| t as u64);
        Failure {
            message: error_text(value),
            retry: field("retry") != JsValue::FALSE,
            retry_at,
        }
    }

    /// The outcomes the `n` jobs of a call gave themselves, from `Call::end`
    /// (`undefined`: none; else `1` for an ack, `[error]` for a failure, a
    /// hole for a job that follows its call). Empty when none did.
    pub fn own_outcomes(marks: &JsValue, n: usize) -> Vec<Option<Result<(), Failure>>> {
        let Some(marks) = marks.dyn_ref::<js_sys::Array>() else {
            return Vec::new();
        };
        (0..n as u32)
            .map(|i| {
                let mark = marks.get(i);
                if let Some(failed) = mark.dyn_ref::<js_sys::Array>() {
                    Some(Err(Failure::thrown(&failed.get(0))))
                } else if mark.is_undefined() {
                    None
                } else {
                    Some(Ok(()))
                }
            })
            .collect()
    }

    /// A failure another try may mend (a timeout, no handler).
    pub fn retry(message: String) -> Failure {
        Failure {
            message,
            retry: true,
            retry_at: None,
        }
    }
}
