//! Asking the browser to keep this origin's storage under pressure
//! (`navigator.storage.persist()`), for `persist: true`. Without it, data
//! in IndexedDB is "best effort": the browser may evict it when the disk
//! fills. The browser decides (Chromium grants it to sites the user
//! engages with, or installed ones; Firefox may ask the user); a refusal is
//! not an error — the queue works, and the app can tell its user.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::js::console::warn;
use crate::js::object::get;

/// Asks for persistent storage; whether the browser granted it (false
/// where there is no `navigator.storage.persist`, or it fails).
pub async fn request_persistence() -> bool {
    let storage = get(&get(&js_sys::global(), "navigator"), "storage");
    let Some(persist) = get(&storage, "persist").dyn_into::<js_sys::Function>().ok() else {
        warn("persist: this runtime has no navigator.storage.persist()", &JsValue::UNDEFINED);
        return false;
    };
    let granted = match persist.call0(&storage) {
        Ok(answer) => JsFuture::from(js_sys::Promise::resolve(&answer)).await,
        Err(e) => Err(e),
    };
    match granted {
        Ok(v) => v.as_bool() == Some(true),
        Err(e) => {
            warn("persist: navigator.storage.persist() failed", &e);
            false
        }
    }
}
