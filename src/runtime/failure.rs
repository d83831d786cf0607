//! Why a handler call failed, and whether another try may mend it: an
//! error with `retry: false` (a relay's "400 Bad Request") makes its jobs
//! dead letters at once; anything else thrown, a rejection or a timeout is
//! retried after the backoff.

use wasm_bindgen::JsValue;

use crate::js::error_text;

/// A failed handler call.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The text kept as the jobs' last error.
    pub message: String,
    /// Whether the jobs are tried again (while tries are left).
    pub retry: bool,
}

impl Failure {
    /// What a handler threw or rejected with.
    pub fn thrown(value: &JsValue) -> Failure {
        // A getter or Proxy trap that throws counts as "retry": the default.
        let no_retry = value.is_object()
            && js_sys::Reflect::get(value, &"retry".into()).ok() == Some(JsValue::FALSE);
        Failure {
            message: error_text(value),
            retry: !no_retry,
        }
    }

    /// A failure another try may mend (a timeout, no handler).
    pub fn retry(message: String) -> Failure {
        Failure {
            message,
            retry: true,
        }
    }
}
