//! The queue core: pure Rust, no wasm-bindgen, no clock, no I/O.
//!
//! [`Engine`] owns every rule of the queue and reports each state change as
//! [`Mutation`]s of [`Record`]s for a store to commit. Time is always an
//! argument (`now_ms`), so the behaviour is deterministic and tested
//! exhaustively with plain `cargo test`.

mod compact;
mod config;
mod deadlines;
mod engine;
mod error;
mod extras;
mod options;
pub mod quote;
mod rate_window;
mod record;
mod rng;
pub mod sort;

pub use config::{Backoff, Config, RateLimit, MAX_ATTEMPTS_LIMIT, MAX_RATE_LIMIT, MAX_TIME_MS};
pub use engine::{
    DeadLetter, Engine, Enqueued, Expired, Job, JobState, JobStates, Lease, LeaseToken, Settled,
    Stats,
};
pub use error::{Error, InvalidOption, Result};
pub use extras::Extras;
pub use options::{EnqueueOptions, OnDuplicate, MAX_KEY_BYTES};
pub use rate_window::RateWindow;
pub use record::{
    Counters, Image, KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record,
    RecordKey, Records, StoredMessage,
};
pub use rng::SplitMix64;
