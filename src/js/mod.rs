//! JavaScript interop that every layer above the core shares (wasm32 only):
//! a leaf that imports nothing else of the crate, so `store/`, `runtime/`
//! and `api/` can all use it without reaching into one another. (Quoting
//! for messages is pure Rust and lives in `core::quote`, whose messages
//! quote too.)
//!
//! - [`object`]: reading and writing properties, own entries, type names;
//! - [`error_text`]: what a thrown value says, read without throwing;
//! - [`number_text`]: an `f64` as Rust writes it, without core::fmt's floats;
//! - [`console`]: warnings printed to the console.

pub mod console;
pub mod error_text;
pub mod number_text;
pub mod object;

pub use error_text::error_text;
pub use number_text::f64_text;
