//! `QueueError`: every failure the JavaScript API reports, with a stable
//! code, turned into a JS `Error` whose `code` property carries it.

use std::fmt;

use wasm_bindgen::JsValue;

use crate::core as queue_core;
use crate::store::{ChoiceError, StoreError};

/// Declares each code as a constant named like its value, and [`codes::ALL`].
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// Stable error codes (the `code` of the JS `Error`).
        pub mod codes {
            $( $(#[doc = $doc])* pub const $name: &str = stringify!($name); )*
            /// Every code, for reading one back from another instance.
            pub const ALL: &[&str] = &[$($name),*];
        }
    };
}

codes! {
    /// An option has a bad value or type, or is unknown.
    INVALID_OPTION,
    /// The queue was closed.
    QUEUE_CLOSED,
    /// The payload cannot be structured-cloned (a function, a symbol, a DOM node...).
    PAYLOAD_NOT_CLONEABLE,
    /// A storage operation failed.
    STORAGE_FAILED,
    /// The browser's storage quota is exhausted.
    QUOTA_EXCEEDED,
    /// The requested storage does not exist in this runtime.
    STORAGE_UNAVAILABLE,
    /// No dead letter (or message) with that id.
    NOT_FOUND,
    /// `process` was called twice on one queue.
    ALREADY_PROCESSING,
    /// Stored payloads cannot be decrypted with the `encryptionKey` given.
    DECRYPT_FAILED,
    /// The queue's `validate` function refused the payload (returned something other than `true`, or threw).
    VALIDATION_FAILED,
    /// The payload is bigger than the queue's `maxPayloadBytes`.
    PAYLOAD_TOO_LARGE,
    /// The job is running (a handler has it): it cannot be cancelled now.
    JOB_IN_FLIGHT,
    /// A lease was settled after it had run out (the job went back to the queue).
    STALE_LEASE,
    /// The queue's state is unusable after an internal panic; reopen it.
    INTERNAL_ERROR,
}

/// A failure reported to JavaScript: its parts behind one pointer, so that
/// a `Result<T, QueueError>` is barely bigger than `T` and every `?` moves
/// one word, not seven (the size of the async bodies that pass errors on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueError(Box<ErrorParts>);

/// What a [`QueueError`] says (read through it: `e.code`, `e.message`, `e.option`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorParts {
    /// The stable code.
    pub code: &'static str,
    /// What happened, for humans.
    pub message: String,
    /// The option at fault, for `INVALID_OPTION`.
    pub option: Option<String>,
}

impl std::ops::Deref for QueueError {
    type Target = ErrorParts;
    fn deref(&self) -> &ErrorParts {
        &self.0
    }
}

impl QueueError {
    /// An error from its parts.
    pub fn from_parts(code: &'static str, message: String, option: Option<String>) -> Self {
        QueueError(Box::new(ErrorParts {
            code,
            message,
            option,
        }))
    }

    /// Its message, taken.
    pub fn into_message(self) -> String {
        self.0.message
    }

    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        QueueError::from_parts(code, message.into(), None)
    }

    /// An `INVALID_OPTION` error naming the option.
    pub fn invalid(option: &str, reason: impl fmt::Display) -> Self {
        QueueError::from_parts(
            codes::INVALID_OPTION,
            format!("invalid option `{option}`: {reason}"),
            Some(option.to_owned()),
        )
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
            queue_core::Error::InvalidOption(e) => QueueError::invalid(e.option, e.reason),
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
        QueueError::new(e.code(), e.into_message())
    }
}

impl From<QueueError> for JsValue {
    fn from(e: QueueError) -> Self {
        e.to_js()
    }
}
