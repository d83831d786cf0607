//! Storage: one [`Store`] trait and its backends, each a thin room for one
//! medium over shared parts.
//!
//! - `memory.rs`: records in memory (`memory_registry.rs` keeps one per
//!   queue name and realm); `faulty.rs` wraps any store and fails chosen commits.
//! - `indexeddb.rs`: the browser's store, a log of batches plus a snapshot
//!   (its browser plumbing is the JS snippet `idb.js`, bound in `idb.rs`).
//! - `kv.rs`: the same log and snapshot in an application's key-value
//!   adapter (its calls and key layout are the JS snippet `kv.js`, bound
//!   in `kv_adapter.rs`).
//! - Shared by both log-structured stores: `codec.rs` (records as JS
//!   values), `cipher.rs` (encryption at rest), `quarantine.rs`
//!   (unreadable values become dead letters), `compaction.rs` (when to
//!   fold the log, from a state the caller hands in: the stores keep no
//!   records of their own), `js_error.rs` (what JS threw).
//! - `choice.rs`: which backend a queue opens ([`open`]); `any.rs`: the
//!   one type the runtime holds.

mod error;
mod faulty;
mod memory;

/// Declares modules that exist only on wasm32 (they call into JavaScript).
macro_rules! wasm_only {
    ($($vis:vis mod $name:ident;)*) => {
        $( #[cfg(target_arch = "wasm32")] $vis mod $name; )*
    };
}

wasm_only! {
    mod any;
    mod choice;
    mod cipher;
    mod codec;
    mod idb;
    pub mod indexeddb;
    mod js_error;
    pub mod kv;
    pub mod kv_adapter;
    mod compaction;
    mod persistence;
    mod memory_registry;
    mod quarantine;
}

use std::future::Future;

use crate::core::{Mutation, Records};

pub use error::{StoreError, StoreErrorKind};
pub use faulty::FaultyStore;
pub use memory::MemoryStore;

#[cfg(target_arch = "wasm32")]
pub use any::AnyStore;
#[cfg(target_arch = "wasm32")]
pub use choice::{open, ChoiceError, Durability, StorageKind, StoreChoice, StoreOptions};
#[cfg(target_arch = "wasm32")]
pub use compaction::Fold;
#[cfg(target_arch = "wasm32")]
pub use memory_registry::drop_memory_store;
#[cfg(target_arch = "wasm32")]
pub use persistence::request_persistence;

/// Where a queue keeps its records.
///
/// What a caller may rely on, for every backend (the contract suite in
/// `tests/store_contract/` checks it on memory, IndexedDB and the adapter):
/// - **One writer.** One instance of a store at a time commits to a given
///   queue's records (the runtime's lock per queue name sees to it); a
///   second writer is not detected, and the log-structured stores'
///   bookkeeping (which log entries a compaction covers) would go wrong.
/// - **One commit at a time.** The caller awaits each `commit` before the
///   next (the runtime's commit loop does), so commits take effect in the
///   order they were made.
///
/// Single-threaded (wasm has one thread), so futures need not be `Send`.
/// Dropping a `load` or `commit` future does not undo what it started: a
/// commit already handed to the medium still completes (or fails), and the
/// store's bookkeeping follows what actually happened.
///
/// A store keeps no copy of the records it holds (the caller's engine is
/// the one copy in memory): what it holds is what a fresh `load` of its
/// medium returns, and that is what the contract suite checks.
pub trait Store<P> {
    /// Everything committed so far, by this or an earlier instance: the
    /// records every committed batch left behind, applied in commit order;
    /// nothing of a commit that failed or was cut short. Called once, on
    /// open, before any `commit` (another instance over the same medium
    /// may load at any time between two commits, as a reader).
    /// Stored values it cannot read become dead letters dated `now_ms`
    /// (and are never silently dropped). Fails with `DecryptFailed` when
    /// the key given cannot open what is stored, before writing anything.
    fn load(&self, now_ms: u64) -> impl Future<Output = Result<Records<P>, StoreError>>;
    /// Commits one batch all-or-nothing and resolves once it is durable —
    /// for IndexedDB, on the transaction's `complete`; for an adapter, once
    /// its marker's `put` resolved. On `Err` nothing of the batch is
    /// stored: a later `load` returns what it did before. (The runtime
    /// rolls back with the engine's own undo, `Engine::roll_back`.)
    /// An empty batch is a no-op that succeeds.
    fn commit(&self, batch: Vec<Mutation<P>>) -> impl Future<Output = Result<(), StoreError>>;
    /// Lets go of the medium (closes a database connection); later calls
    /// fail with `Unavailable`. A no-op where there is nothing to close.
    fn close(&self) {}
}
