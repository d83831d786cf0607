//! `KvAdapter`: calls into a JavaScript key-value object — a Durable
//! Object's `ctx.storage`, a wrapper over Deno KV, a `Map` in tests — with
//! the three methods the adapter store needs:
//!
//! - `put(key: string, value): void | Promise<void>`
//! - `delete(key: string): unknown | Promise<unknown>`
//! - `list({ prefix: string }): Iterable<[string, value]> | Promise<…>`
//!   (a `Map`, as Durable Objects return, or an array of pairs).
//!
//! Values are structured-clone values (objects, arrays, typed arrays);
//! each `put` of one key must be atomic, nothing more is asked.
//! Whatever the object throws or rejects with becomes a [`StoreError`].

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::js_error::js_error;
use super::{StoreError, StoreErrorKind};

/// The methods an adapter object must have.
pub const ADAPTER_METHODS: [&str; 3] = ["put", "delete", "list"];

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

    /// Stores `value` at `key`.
    pub async fn put(&self, key: &str, value: &JsValue) -> Result<(), StoreError> {
        self.call("put", &[JsValue::from_str(key), value.clone()])
            .await
            .map(drop)
    }

    /// Deletes `key` (absent keys are fine).
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call("delete", &[JsValue::from_str(key)])
            .await
            .map(drop)
    }

    /// Every `(key, value)` whose key starts with `prefix`, in any order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, JsValue)>, StoreError> {
        let options = Object::new();
        let _ = Reflect::set(&options, &"prefix".into(), &JsValue::from_str(prefix));
        let listed = self.call("list", &[options.into()]).await?;
        let bad = |why: &str| {
            StoreError::new(
                StoreErrorKind::Failed,
                format!("storage adapter `list` {why}; expected a Map or an array of [key, value] pairs"),
            )
        };
        if !listed.is_object() {
            return Err(bad("gave something that is not iterable"));
        }
        let entries = js_sys::try_iter(&listed)
            .map_err(|e| js_error(&e, "storage adapter `list`"))?
            .ok_or_else(|| bad("gave something that is not iterable"))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| js_error(&e, "storage adapter `list`"))?;
            if !Array::is_array(&entry) {
                return Err(bad("gave an entry that is not a [key, value] pair"));
            }
            let pair: Array = entry.unchecked_into();
            let Some(key) = pair.get(0).as_string() else {
                return Err(bad("gave a key that is not a string"));
            };
            // Only what was asked for, whatever the adapter returned.
            if key.starts_with(prefix) {
                out.push((key, pair.get(1)));
            }
        }
        Ok(out)
    }

    /// Calls method `name` with `args` and awaits its result if it is a
    /// promise (or any thenable).
    async fn call(&self, name: &str, args: &[JsValue]) -> Result<JsValue, StoreError> {
        let context = format!("storage adapter `{name}`");
        let method: Function = Reflect::get(&self.object, &JsValue::from_str(name))
            .ok()
            .and_then(|m| m.dyn_into().ok())
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::Unavailable,
                    format!("{context} is no longer a function"),
                )
            })?;
        let args: Array = args.iter().collect();
        let result = method
            .apply(&self.object, &args)
            .map_err(|e| adapter_error(&e, &context))?;
        JsFuture::from(Promise::resolve(&result))
            .await
            .map_err(|e| adapter_error(&e, &context))
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
