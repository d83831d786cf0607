//! The one error type of the core, with a stable machine-readable code per variant.

use std::fmt;

use super::record::MessageId;

/// Why a core operation was refused. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An option (queue or enqueue option) has a value outside its domain.
    InvalidOption {
        /// The option's name as users spell it in JavaScript (`maxAttempts`, `delayMs`, ...).
        option: &'static str,
        /// What is wrong with it, for humans.
        reason: String,
    },
    /// The lease token is not (or no longer) valid: the lease expired, the job
    /// was already acked or nacked, or it never existed.
    StaleLease,
    /// No message with this id is in the state the operation needs
    /// (for example `redrive` of an id that is not a dead letter).
    NotFound(MessageId),
    /// The message is leased to a handler right now, so it cannot be
    /// cancelled: it will be acked, retried or dead once its try ends.
    InFlight(MessageId),
}

impl Error {
    /// The stable code that the JavaScript layer puts on its `Error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidOption { .. } => "INVALID_OPTION",
            Error::StaleLease => "STALE_LEASE",
            Error::NotFound(_) => "NOT_FOUND",
            Error::InFlight(_) => "JOB_IN_FLIGHT",
        }
    }

    pub(crate) fn invalid(option: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidOption {
            option,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidOption { option, reason } => {
                write!(f, "invalid option `{option}`: {reason}")
            }
            Error::StaleLease => {
                f.write_str("stale lease: the job's lease expired or it was already settled")
            }
            Error::NotFound(id) => write!(f, "no message {id} in the state this operation needs"),
            Error::InFlight(id) => write!(
                f,
                "message {id} is in flight: a handler is running it, so it cannot be cancelled"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The core's result alias.
pub type Result<T> = core::result::Result<T, Error>;
