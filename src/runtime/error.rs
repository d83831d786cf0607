//! `QueueError`: every failure the JavaScript API reports, with a stable
//! code, turned into a JS `Error` whose `code` property carries it.

use std::fmt;

use wasm_bindgen::JsValue;

use crate::core as queue_core;
use crate::store::{ChoiceError, StoreError};

/// Stable error codes (the `code` of the JS `Error`).
pub mod codes {
    /// An option has a bad value or type, or is unknown.
    pub const INVALID_OPTION: &str = "INVALID_OPTION";
    /// The queue was closed.
    pub const QUEUE_CLOSED: &str = "QUEUE_CLOSED";
    /// The payload cannot be structured-cloned (a function, a symbol, a DOM node...).
    pub const PAYLOAD_NOT_CLONEABLE: &str = "PAYLOAD_NOT_CLONEABLE";
    /// A storage operation failed.
    pub const STORAGE_FAILED: &str = "STORAGE_FAILED";
    /// The browser's storage quota is exhausted.
    pub const QUOTA_EXCEEDED: &str = "QUOTA_EXCEEDED";
    /// The requested storage does not exist in this runtime.
    pub const STORAGE_UNAVAILABLE: &str = "STORAGE_UNAVAILABLE";
    /// No dead letter (or message) with that id.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// `process` was called twice on one queue.
    pub const ALREADY_PROCESSING: &str = "ALREADY_PROCESSING";
    /// Stored payloads cannot be decrypted with the `encryptionKey` given.
    pub const DECRYPT_FAILED: &str = "DECRYPT_FAILED";
    /// The queue's `validate` function refused the payload (returned something other than `true`, or threw).
    pub const VALIDATION_FAILED: &str = "VALIDATION_FAILED";
    /// The payload is bigger than the queue's `maxPayloadBytes`.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The queue's state is unusable after an internal panic; reopen it.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
}

/// A failure reported to JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueError {
    /// The stable code.
    pub code: &'static str,
    /// What happened, for humans.
    pub message: String,
    /// The option at fault, for `INVALID_OPTION`.
    pub option: Option<String>,
}

impl QueueError {
    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        QueueError {
            code,
            message: message.into(),
            option: None,
        }
    }

    /// An `INVALID_OPTION` error naming the option.
    pub fn invalid(option: &str, reason: impl fmt::Display) -> Self {
        QueueError {
            code: codes::INVALID_OPTION,
            message: format!("invalid option `{option}`: {reason}"),
            option: Some(option.to_owned()),
        }
    }

    /// The queue is closed.
    pub fn closed() -> Self {
        QueueError::new(codes::QUEUE_CLOSED, "the queue is closed")
    }

    /// The JS `Error` (name `WasmqError`, with `code` and maybe `option`).
    pub fn to_js(&self) -> JsValue {
        let err = js_sys::Error::new(&self.message);
        err.set_name("WasmqError");
        let _ = js_sys::Reflect::set(&err, &"code".into(), &self.code.into());
        if let Some(option) = &self.option {
            let _ = js_sys::Reflect::set(&err, &"option".into(), &option.as_str().into());
        }
        err.into()
    }
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<queue_core::Error> for QueueError {
    fn from(e: queue_core::Error) -> Self {
        match e {
            queue_core::Error::InvalidOption { option, reason } => {
                QueueError::invalid(option, reason)
            }
            other => QueueError::new(other.code(), other.to_string()),
        }
    }
}

impl From<ChoiceError> for QueueError {
    fn from(e: ChoiceError) -> Self {
        match e {
            ChoiceError::Invalid { option, reason } => QueueError::invalid(option, reason),
            ChoiceError::Unavailable(why) => QueueError::new(codes::STORAGE_UNAVAILABLE, why),
        }
    }
}

impl From<StoreError> for QueueError {
    fn from(e: StoreError) -> Self {
        QueueError::new(e.code(), e.message)
    }
}

impl From<QueueError> for JsValue {
    fn from(e: QueueError) -> Self {
        e.to_js()
    }
}
