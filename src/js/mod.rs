//! JavaScript interop that every layer above the core shares (wasm32 only):
//! a leaf that imports nothing else of the crate but the core's quoting, so `store/`, `runtime/`
//! and `api/` can all use it without reaching into one another.
//!
//! - [`object`]: reading and writing properties, own entries, type names;
//! - [`error_text`]: what a thrown value says, read without throwing;
//! - [`quote`]: strings quoted for messages and JSON;
//! - [`number_text`]: an `f64` as Rust writes it, without core::fmt's floats;
//! - [`console`]: warnings printed to the console.

pub mod console;
pub mod error_text;
pub mod number_text;
pub mod object;

/// Strings quoted for messages and JSON: pure Rust, so it lives in the core
/// (whose messages quote too) and is re-exported here.
pub use crate::core::quote;
pub use error_text::error_text;
pub use number_text::f64_text;
pub use quote::{quoted, quoted_list};
