//! Memory stores by queue name, so that a queue closed and opened again in
//! the same JavaScript realm finds its messages (what a reopen means without
//! IndexedDB or an adapter).

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use super::MemoryStore;
use crate::by_name::ByName;

thread_local! {
    static STORES: RefCell<ByName<MemoryStore<JsValue>>> = const { RefCell::new(ByName::new()) };
}

/// The memory store of queue `name`, created on first use.
pub fn memory_store(name: &str) -> MemoryStore<JsValue> {
    STORES.with(|s| s.borrow_mut().entry(name).clone())
}

/// Forgets the memory store of queue `name` (its messages are gone).
pub fn drop_memory_store(name: &str) -> bool {
    STORES.with(|s| s.borrow_mut().remove(name).is_some())
}
