//! `AnyStore`: the backend a queue was opened with, chosen at run time
//! (IndexedDB where the global scope has it, memory elsewhere, or the
//! application's key-value adapter).

use wasm_bindgen::JsValue;

use crate::core::{Mutation, Records};
use crate::store::indexeddb::IndexedDbStore;
use crate::store::kv::KvStore;
use crate::store::{MemoryStore, Store, StoreError};

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
