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

    /// Closes the backend's connection, if it has one.
    pub fn close(&self) {
        if let AnyStore::IndexedDb(s) = self {
            s.close();
        }
    }
}

impl Store<JsValue> for AnyStore {
    async fn load(&self) -> Result<Records<JsValue>, StoreError> {
        match self {
            AnyStore::Memory(s) => s.load().await,
            AnyStore::IndexedDb(s) => s.load().await,
            AnyStore::Kv(s) => s.load().await,
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
}
