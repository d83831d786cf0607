//! Why a store operation failed, with the stable code the JS layer reports.

use std::fmt;

/// The kind of storage failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The browser refused to store more (`QuotaExceededError`).
    QuotaExceeded,
    /// The storage is not there (no IndexedDB in this runtime, or it was deleted/blocked).
    Unavailable,
    /// Any other failure: the transaction aborted or a request errored.
    Failed,
    /// Stored payloads cannot be decrypted with the key given (wrong key, or tampered data).
    DecryptFailed,
}

/// A storage failure; nothing of the failed operation took effect. Its
/// parts are behind one pointer, so that a `Result<T, StoreError>` is
/// barely bigger than `T` (the async bodies that pass errors on stay small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(Box<StoreErrorParts>);

/// What a [`StoreError`] says (read through it: `e.kind`, `e.message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreErrorParts {
    /// What kind of failure.
    pub kind: StoreErrorKind,
    /// Details for humans (the browser's message).
    pub message: String,
}

impl std::ops::Deref for StoreError {
    type Target = StoreErrorParts;
    fn deref(&self) -> &StoreErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for StoreError {
    fn deref_mut(&mut self) -> &mut StoreErrorParts {
        &mut self.0
    }
}

impl StoreError {
    /// A failure of the given kind.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError(Box::new(StoreErrorParts {
            kind,
            message: message.into(),
        }))
    }

    /// Its message, taken.
    pub fn into_message(self) -> String {
        self.0.message
    }

    /// The stable code for JavaScript's `Error.code`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            StoreErrorKind::QuotaExceeded => "QUOTA_EXCEEDED",
            StoreErrorKind::Unavailable => "STORAGE_UNAVAILABLE",
            StoreErrorKind::Failed => "STORAGE_FAILED",
            StoreErrorKind::DecryptFailed => "DECRYPT_FAILED",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for StoreError {}
