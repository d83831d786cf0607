//! `AnyStore`: the backend a queue was opened with (see `choice.rs` for how
//! it is chosen), as one type the runtime holds without naming a backend.

use wasm_bindgen::JsValue;

use super::indexeddb::IndexedDbStore;
use super::kv::KvStore;
use super::{MemoryStore, Store, StoreError};
use crate::core::{Mutation, Records};

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
}

impl Store<JsValue> for AnyStore {
    async fn load(&self, now_ms: u64) -> Result<Records<JsValue>, StoreError> {
        match self {
            AnyStore::Memory(s) => s.load(now_ms).await,
            AnyStore::IndexedDb(s) => s.load(now_ms).await,
            AnyStore::Kv(s) => s.load(now_ms).await,
        }
    }

    async fn commit(&self, batch: Vec<Mutation<JsValue>>) -> Result<(), StoreError> {
        match self {
            AnyStore::Memory(s) => s.commit(batch).await,
            AnyStore::IndexedDb(s) => s.commit(batch).await,
            AnyStore::Kv(s) => s.commit(batch).await,
        }
    }

    fn image(&self) -> Records<JsValue> {
        match self {
            AnyStore::Memory(s) => s.image(),
            AnyStore::IndexedDb(s) => s.image(),
            AnyStore::Kv(s) => s.image(),
        }
    }

    fn close(&self) {
        match self {
            AnyStore::Memory(s) => s.close(),
            AnyStore::IndexedDb(s) => s.close(),
            AnyStore::Kv(s) => s.close(),
        }
    }
}
