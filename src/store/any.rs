//! `AnyStore`: the backend a queue was opened with (see `choice.rs` for how
//! it is chosen), as one type the runtime holds without naming a backend.
//!
//! The memory backend keeps nothing while a queue runs: `load` moves the
//! records out of the `MemoryStore`, `commit` only succeeds (the engine's
//! state is the one copy; a failed batch is undone by the engine itself),
//! and the leader gives its committed state back with `hand_over` when it
//! stops leading. So the engine need not build the batches at all
//! (`needs_journal`). The log-structured backends keep no records in
//! memory either: they are handed the engine when a snapshot is due
//! (`fold`, `commit_folding`).

use wasm_bindgen::JsValue;

use super::indexeddb::IndexedDbStore;
use super::kv::KvStore;
use super::{Fold, MemoryStore, Store, StoreError};
use crate::core::{Engine, Mutation, Records};

/// One of the store backends.
pub enum AnyStore {
    /// Records in memory (Node, Deno, workerd, or `storage: "memory"`).
    Memory(MemoryStore<JsValue>),
    /// Records in IndexedDB.
    IndexedDb(IndexedDbStore),
    /// Records in a key-value adapter (Durable Object storage, Deno KV, ...).
    Kv(KvStore),
}

impl AnyStore {
    /// `"memory"`, `"indexeddb"` or `"adapter"`.
    pub fn name(&self) -> &'static str {
        match self {
            AnyStore::Memory(_) => "memory",
            AnyStore::IndexedDb(_) => "indexeddb",
            AnyStore::Kv(_) => "adapter",
        }
    }

    /// Whether the engine must journal its changes for this store: not for
    /// memory, which drops every batch (the engine opens without a journal,
    /// see `Engine::skip_journal`).
    pub fn needs_journal(&self) -> bool {
        !matches!(self, AnyStore::Memory(_))
    }

    /// The snapshot a log-structured store wants written once the next
    /// commit is durable, if its log is due to be folded then: `after` is
    /// the engine right after it drained that commit's batch (everything
    /// committed plus the batch). `None` for memory, which has no log.
    pub fn fold(&self, after: &Engine<JsValue>) -> Option<Fold> {
        match self {
            AnyStore::Memory(_) => None,
            AnyStore::IndexedDb(s) => s.fold(after),
            AnyStore::Kv(s) => s.fold(after),
        }
    }

    /// `commit`, then (with `fold`, from [`AnyStore::fold`] for this batch)
    /// the compaction that writes it once the batch is durable.
    pub async fn commit_folding(
        &self,
        batch: Vec<Mutation<JsValue>>,
        fold: Option<Fold>,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Memory(_) => Ok(()),
            AnyStore::IndexedDb(s) => s.commit_folding(batch, fold).await,
            AnyStore::Kv(s) => s.commit_folding(batch, fold).await,
        }
    }

    /// The leader stops leading: a store that kept nothing while it ran
    /// (memory) takes the engine's state as of its last settled batch, by
    /// move; the engine is left empty. The others hold everything
    /// committed already: a no-op.
    pub fn hand_over(&self, engine: &mut Engine<JsValue>) {
        if let AnyStore::Memory(s) = self {
            s.put(engine.take_records());
        }
    }
}

impl Store<JsValue> for AnyStore {
    async fn load(&self, now_ms: u64) -> Result<Records<JsValue>, StoreError> {
        match self {
            AnyStore::Memory(s) => Ok(s.take()),
            AnyStore::IndexedDb(s) => s.load(now_ms).await,
            AnyStore::Kv(s) => s.load(now_ms).await,
        }
    }

    async fn commit(&self, batch: Vec<Mutation<JsValue>>) -> Result<(), StoreError> {
        self.commit_folding(batch, None).await
    }

    fn close(&self) {
        match self {
            AnyStore::Memory(s) => s.close(),
            AnyStore::IndexedDb(s) => s.close(),
            AnyStore::Kv(s) => s.close(),
        }
    }
}
