//! Reading and writing JS objects: properties of objects wasmq made (set
//! with one cached JS string per property name), properties of objects a
//! caller gave (read without letting a getter or `Proxy` trap throw
//! through), own enumerable entries, and a value's type name for messages.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

#[wasm_bindgen]
extern "C" {
    /// `Reflect.set` on a plain object wasmq made (it cannot throw there,
    /// so no exception wrapper).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &JsValue, value: &JsValue) -> bool;
    /// The same with a number, passed as a plain `f64` (no boxed JsValue).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set_number(target: &JsValue, key: &JsValue, value: f64) -> bool;
    /// `Object.entries`, with what a getter or `Proxy` trap throws caught.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    pub fn own_entries(value: &JsValue) -> Result<js_sys::Array, JsValue>;
    /// `Date.prototype.getTime.call(value)`, which throws (caught) on
    /// anything but a real `Date` — a Proxy of one, or an object that only
    /// inherits from one, included.
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn date_get_time(value: &JsValue) -> Result<f64, JsValue>;
    /// `Array.isArray`, which throws on a revoked `Proxy`.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_or_throw(value: &JsValue) -> Result<bool, JsValue>;
}

thread_local! {
    /// Property names as JS strings, made once: decoding a Rust string into a
    /// JS string on every property set was a large part of building each job.
    /// A list, not a map: a few dozen short names, and no hash map compiled for it.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = RefCell::default();
}

/// Calls `f` with `key` as a JS string (made once per name).
fn with_key<T>(key: &'static str, f: impl FnOnce(&JsValue) -> T) -> T {
    KEYS.with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            let i = match keys.iter().position(|(name, _)| *name == key) {
                Some(i) => i,
                None => {
                    keys.push((key, JsValue::from_str(key)));
                    keys.len() - 1
                }
            };
            return f(&keys[i].1);
        }
        f(&JsValue::from_str(key))
    })
}

/// Sets `key` on `obj` (a plain object wasmq made, so it cannot fail).
pub fn set(obj: &JsValue, key: &'static str, value: &JsValue) {
    with_key(key, |k| reflect_set(obj, k, value));
}

/// Sets the number `key` on `obj` (a plain object wasmq made).
pub fn set_number(obj: &JsValue, key: &'static str, value: f64) {
    with_key(key, |k| reflect_set_number(obj, k, value));
}

/// Reads `key` of `obj`; `None` where a getter or `Proxy` trap throws.
pub fn get_key(obj: &JsValue, key: &'static str) -> Option<JsValue> {
    with_key(key, |k| js_sys::Reflect::get(obj, k).ok())
}

/// Reads `key` of `obj`; `undefined` where it is absent or cannot be read.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads a string field; empty where it is absent or not a string.
pub fn get_str(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// A plain object with `fields`.
pub fn object(fields: &[(&'static str, JsValue)]) -> JsValue {
    let obj: JsValue = js_sys::Object::new().into();
    for (k, v) in fields {
        set(&obj, k, v);
    }
    obj
}

/// A string, or `undefined`.
pub fn opt_str(v: &Option<String>) -> JsValue {
    v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from)
}

/// The time of a real `Date` (ms since the epoch, maybe NaN); `None` for
/// anything else. An `instanceof` check alone would let through objects
/// whose `getTime` then throws through the wasm.
pub fn date_ms(value: &JsValue) -> Option<f64> {
    if !value.is_object() {
        return None;
    }
    date_get_time(value).ok()
}

/// `Array.isArray`, false where it throws.
pub fn is_array(value: &JsValue) -> bool {
    is_array_or_throw(value).unwrap_or(false)
}

/// `typeof`-like name of a value, for error messages (`null` and `array`
/// named as such).
pub fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if is_array(v) {
        "array".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "unknown".into())
    }
}
