//! Memory stores by queue name, so that a queue closed and opened again in
//! the same JavaScript realm finds its messages (what a reopen means without
//! IndexedDB).

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::JsValue;

use crate::store::MemoryStore;

thread_local! {
    static STORES: RefCell<HashMap<String, MemoryStore<JsValue>>> = RefCell::new(HashMap::new());
}

/// The memory store of queue `name`, created on first use.
pub fn memory_store(name: &str) -> MemoryStore<JsValue> {
    STORES.with(|s| s.borrow_mut().entry(name.to_owned()).or_default().clone())
}

/// Forgets the memory store of queue `name` (its messages are gone).
pub fn drop_memory_store(name: &str) -> bool {
    STORES.with(|s| s.borrow_mut().remove(name).is_some())
}
