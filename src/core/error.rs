//! The one error type of the core, with a stable machine-readable code per variant.

use std::fmt;

use super::record::MessageId;

/// Why a core operation was refused. A refused operation changes nothing.
///
/// Two words and a tag (the size of an id): the one variant with more is
/// boxed, so that every `core::Result` stays small to move.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An option (queue or enqueue option) has a value outside its domain.
    InvalidOption(Box<InvalidOption>),
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

/// Which option was refused and why (inside [`Error::InvalidOption`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOption {
    /// The option's name as users spell it in JavaScript (`maxAttempts`, `delayMs`, ...).
    pub option: &'static str,
    /// What is wrong with it, for humans.
    pub reason: String,
}

impl Error {
    /// The stable code that the JavaScript layer puts on its `Error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidOption(_) => "INVALID_OPTION",
            Error::StaleLease => "STALE_LEASE",
            Error::NotFound(_) => "NOT_FOUND",
            Error::InFlight(_) => "JOB_IN_FLIGHT",
        }
    }

    pub(crate) fn invalid(option: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidOption(Box::new(InvalidOption {
            option,
            reason: reason.into(),
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidOption(e) => {
                write!(f, "invalid option `{}`: {}", e.option, e.reason)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_no_bigger_than_an_id_and_a_tag() {
        // Every `core::Result` carries one: a wide variant would widen them all.
        assert_eq!(
            core::mem::size_of::<Error>(),
            2 * core::mem::size_of::<MessageId>()
        );
        let e = Error::invalid("delayMs", "must be a number");
        assert_eq!(e.code(), "INVALID_OPTION");
        assert_eq!(e.to_string(), "invalid option `delayMs`: must be a number");
    }
}
