//! `KvAdapter`: the JavaScript key-value object the adapter store keeps
//! its records in — a Durable Object's `ctx.storage`, a wrapper over Deno
//! KV, a `Map` in tests — with the three methods the store needs:
//!
//! - `put(key: string, value): void | Promise<void>`
//! - `delete(key: string): unknown | Promise<unknown>`
//! - `list({ prefix: string }): Iterable<[string, value]> | Promise<…>`
//!   (a `Map`, as Durable Objects return, or an array of pairs).
//!
//! Values are structured-clone values (objects, arrays, typed arrays);
//! each `put` of one key must be atomic, nothing more is asked.
//!
//! The calls themselves are JavaScript, `kv.js` (a snippet beside the
//! glue: the key layout, a load's listing, each commit's writes); these are
//! its bindings, and whatever the object threw or rejected with as a
//! [`StoreError`].

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::js_error::js_error;
use super::{StoreError, StoreErrorKind};

/// The methods an adapter object must have.
pub const ADAPTER_METHODS: [&str; 3] = ["put", "delete", "list"];

#[wasm_bindgen(module = "/src/store/kv.js")]
extern "C" {
    /// The handle of queue `name`'s records in `adapter` (markers of schema `version`).
    #[wasm_bindgen(js_name = open)]
    pub(crate) fn open_handle(adapter: &JsValue, name: &str, version: u32) -> JsValue;
    /// Lists the queue's keys: the commits to replay (`kv.js` has their shape).
    pub(crate) fn read(handle: &JsValue) -> Promise;
    /// Deletes the keys the last `read` found no commit needs.
    pub(crate) fn sweep(handle: &JsValue) -> Promise;
    /// Writes `values` as one log commit (its parts, then its marker).
    pub(crate) fn append(handle: &JsValue, values: &Array) -> Promise;
    /// Writes `chunks` as a snapshot commit, then deletes the older commits:
    /// resolves with the rejection of a delete that failed, or undefined.
    pub(crate) fn compact(handle: &JsValue, chunks: &Array) -> Promise;
}

/// A JS object with `put`, `delete` and `list` methods.
#[derive(Clone, Debug)]
pub struct KvAdapter {
    object: JsValue,
}

impl KvAdapter {
    /// Wraps `object` if it has every method in [`ADAPTER_METHODS`];
    /// otherwise says which one is missing.
    pub fn new(object: &JsValue) -> Result<KvAdapter, String> {
        if !object.is_object() {
            return Err("is not an object".into());
        }
        for name in ADAPTER_METHODS {
            // A throwing getter or Proxy trap counts as a missing method.
            let method = Reflect::get(object, &JsValue::from_str(name)).unwrap_or_default();
            if !method.is_function() {
                return Err(format!("has no `{name}` method"));
            }
        }
        Ok(KvAdapter {
            object: object.clone(),
        })
    }

    /// The handle `kv.js` keeps queue `name`'s state in.
    pub(crate) fn handle(&self, name: &str, version: u32) -> JsValue {
        open_handle(&self.object, name, version)
    }
}

/// What a rejection `[how, text, error]` of `kv.js` means: the method
/// threw or rejected `error` (0: `QuotaExceededError`, by name,
/// `DOMException` or not, is [`StoreErrorKind::QuotaExceeded`], anything
/// else `Failed`); it is no longer a function (1: `Unavailable`); iterating
/// what `list` gave threw (2), or it gave the wrong shape (3: `Failed`).
/// `text` is the message, or (0, 2) the context it starts with.
pub(crate) fn failed(rejection: &JsValue) -> StoreError {
    let Some(rejection) = rejection.dyn_ref::<Array>() else {
        return js_error(rejection, "storage adapter");
    };
    let text = rejection.get(1).as_string().unwrap_or_default();
    let error = rejection.get(2);
    match rejection.get(0).as_f64().unwrap_or(0.0) as u32 {
        1 => StoreError::new(StoreErrorKind::Unavailable, text),
        2 => js_error(&error, &text),
        3 => StoreError::new(StoreErrorKind::Failed, text),
        _ => adapter_error(&error, &text),
    }
}

/// What an adapter threw: `QuotaExceededError` (by name, `DOMException` or
/// not) is [`StoreErrorKind::QuotaExceeded`], anything else `Failed`.
fn adapter_error(err: &JsValue, context: &str) -> StoreError {
    let mut e = js_error(err, context);
    let name = Reflect::get(err, &"name".into())
        .ok()
        .and_then(|n| n.as_string());
    if name.as_deref() == Some("QuotaExceededError") {
        e.kind = StoreErrorKind::QuotaExceeded;
    } else if e.kind == StoreErrorKind::Unavailable {
        // `js_error` reads an `InvalidStateError` as a closed IndexedDB; here it is the adapter's own failure.
        e.kind = StoreErrorKind::Failed;
    }
    e
}
