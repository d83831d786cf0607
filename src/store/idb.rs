//! The bindings of `idb.js`, the IndexedDB store's browser plumbing written
//! in JavaScript (shipped beside the glue as a wasm-bindgen snippet): the
//! open with its upgrade, `blocked` and `versionchange`, and each
//! transaction the store runs as one promise; and what a rejection of those
//! promises means as a [`StoreError`].

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::js_error::{dom_error, js_error};
use super::StoreError;

#[wasm_bindgen(module = "/src/store/idb.js")]
extern "C" {
    /// Opens database `name` of `factory` at `version`: the connection
    /// (whose readwrite transactions have `durability`), `null` when
    /// blocked; rejects with the error (`idb.js` has the rest).
    pub(crate) fn open(
        factory: &JsValue,
        name: &str,
        version: u32,
        durability: &str,
        closing: &str,
    ) -> Promise;
    /// Nobody awaits `opening` any more: a connection it still makes is closed.
    pub(crate) fn abandon(opening: &Promise);
    /// Closes a connection.
    pub(crate) fn close(connection: &JsValue);
    /// `[chunks, chunkKeys, batches, keys]`, read in one transaction.
    #[wasm_bindgen(js_name = readAll)]
    pub(crate) fn read_all(connection: &JsValue) -> Promise;
    /// Adds `value` to the log (and deletes `deletes`, `[store, key, ...]`,
    /// when not undefined) in one transaction: the new log key.
    pub(crate) fn append(connection: &JsValue, value: &JsValue, deletes: &JsValue) -> Promise;
    /// Replaces the snapshot by `chunks` and deletes the log up to `covered`.
    #[wasm_bindgen(js_name = writeSnapshot)]
    pub(crate) fn write_snapshot(connection: &JsValue, chunks: &Array, covered: f64) -> Promise;
}

/// What a transaction's rejection `[where, error]` means: `start` names what
/// `db.transaction` was for, `issue` what its requests were; an `error` or
/// `abort` event reads as the browser's `DOMException` (a quota error is
/// `QuotaExceeded`).
pub(crate) fn failed(rejection: &JsValue, start: &str, issue: &str) -> StoreError {
    let rejection: &Array = rejection.unchecked_ref();
    let error = rejection.get(1);
    match rejection.get(0).as_f64().unwrap_or(0.0) as u32 {
        1 => js_error(&error, issue),
        2 => dom_error(error.dyn_into().ok(), "IndexedDB transaction failed"),
        3 => dom_error(error.dyn_into().ok(), "IndexedDB transaction aborted"),
        _ => js_error(&error, start),
    }
}
