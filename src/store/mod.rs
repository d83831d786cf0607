//! Storage: one [`Store`] trait (load what was committed on open; commit a
//! batch of mutations atomically) and its backends.
//!
//! Contract every backend keeps:
//! - `commit` is all-or-nothing: after a failed commit the store holds what
//!   it held before;
//! - `load` returns what every committed batch left behind, applied in order.

mod error;
mod faulty;
pub mod kv_keys;
mod memory;

#[cfg(target_arch = "wasm32")]
mod any;
#[cfg(target_arch = "wasm32")]
mod choice;
#[cfg(target_arch = "wasm32")]
pub(crate) mod idb_cipher;
#[cfg(target_arch = "wasm32")]
mod idb_codec;
#[cfg(target_arch = "wasm32")]
mod idb_quarantine;
#[cfg(target_arch = "wasm32")]
mod idb_request;
#[cfg(target_arch = "wasm32")]
pub mod indexeddb;
#[cfg(target_arch = "wasm32")]
pub mod kv;
#[cfg(target_arch = "wasm32")]
pub mod kv_adapter;
#[cfg(target_arch = "wasm32")]
mod memory_registry;

use std::future::Future;

use crate::core::{Mutation, Records};

pub use error::{StoreError, StoreErrorKind};
pub use faulty::FaultyStore;
pub use memory::MemoryStore;

#[cfg(target_arch = "wasm32")]
pub use any::AnyStore;
#[cfg(target_arch = "wasm32")]
pub use choice::{open, ChoiceError, StorageKind, StoreChoice};
#[cfg(target_arch = "wasm32")]
pub use memory_registry::drop_memory_store;

/// Where a queue keeps its records. Single-threaded (wasm has one thread),
/// so futures need not be `Send`.
pub trait Store<P> {
    /// Everything committed so far.
    fn load(&self) -> impl Future<Output = Result<Records<P>, StoreError>>;
    /// Commits one batch atomically; resolves once it is durable.
    fn commit(&self, batch: Vec<Mutation<P>>) -> impl Future<Output = Result<(), StoreError>>;
    /// What every successful commit left behind, without I/O: the state a
    /// runtime rolls back to when a commit fails.
    fn image(&self) -> Records<P>;
}
