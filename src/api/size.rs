//! `payload_size`: how big a payload is, for `maxPayloadBytes`.
//!
//! The size of a structured clone as the browser stores it is not
//! observable from JavaScript, so this measures the payload's content:
//! strings (values and property names) in UTF-8 bytes; 8 bytes per number
//! or `Date`; a bigint its decimal digits; 1 byte per boolean, `null`,
//! `undefined` and per object, array, `Map` or `Set`; the `byteLength` of
//! an `ArrayBuffer` (a typed array or `DataView` counts its whole buffer,
//! as the clone copies it); the `size` of a `Blob`; each object once,
//! however often it is referenced. It walks the structured clone (plain
//! data: no getters, no proxies, no user code runs), iteratively (no
//! recursion, whatever the nesting), and stops as soon as the limit is passed.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A `Blob` (or `File`): only its size is read.
    type Blob;
    #[wasm_bindgen(method, getter)]
    fn size(this: &Blob) -> f64;
}

/// The measured size of `payload` when it is at most `max`, else
/// `Err(at least this many bytes)`.
pub fn payload_size(payload: &JsValue, max: u64) -> Result<u64, u64> {
    let seen = js_sys::Set::new(&JsValue::UNDEFINED);
    let mut todo = vec![payload.clone()];
    let mut total: u64 = 0;
    let mut add = |n: u64| {
        total = total.saturating_add(n);
        if total > max {
            Err(total)
        } else {
            Ok(total)
        }
    };
    while let Some(v) = todo.pop() {
        if let Some(s) = v.dyn_ref::<js_sys::JsString>() {
            // A string's UTF-8 bytes are at least its UTF-16 units: no need to copy it out
            // when those already pass the limit.
            add(s.length() as u64)?;
            let bytes = v.as_string().map_or(0, |s| s.len()) as u64;
            add(bytes.saturating_sub(s.length() as u64))?;
        } else if v.as_f64().is_some() {
            add(8)?;
        } else if v.is_bigint() {
            let digits = v
                .unchecked_ref::<js_sys::BigInt>()
                .to_string(10)
                .map_or(8, |s| s.length() as u64);
            add(digits)?;
        } else if !v.is_object() && !v.is_function() {
            add(1)?; // boolean, null, undefined (symbols and functions are not cloneable)
        } else if !seen.has(&v) {
            seen.add(&v);
            add(1)?;
            add(object_size(&v, &mut todo))?;
        }
    }
    Ok(total)
}

/// The bytes an object holds itself; what it contains goes on `todo`.
fn object_size(v: &JsValue, todo: &mut Vec<JsValue>) -> u64 {
    if v.is_instance_of::<js_sys::Date>() {
        return 8;
    }
    if let Some(r) = v.dyn_ref::<js_sys::RegExp>() {
        todo.push(r.source().into());
        todo.push(r.flags().into());
        return 0;
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return b.byte_length() as u64;
    }
    if js_sys::ArrayBuffer::is_view(v) {
        todo.push(js_sys::Reflect::get(v, &"buffer".into()).unwrap_or(JsValue::UNDEFINED));
        return 0;
    }
    if let Some(b) = v.dyn_ref::<Blob>() {
        return b.size() as u64;
    }
    if let Some(m) = v.dyn_ref::<js_sys::Map>() {
        m.for_each(&mut |value, key| {
            todo.push(key);
            todo.push(value);
        });
        return 0;
    }
    if let Some(s) = v.dyn_ref::<js_sys::Set>() {
        s.for_each(&mut |value, _, _| todo.push(value));
        return 0;
    }
    if v.is_instance_of::<js_sys::Error>() {
        for key in ["message", "stack"] {
            todo.push(js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED));
        }
        return 0;
    }
    // Arrays and plain objects (a clone of a class instance is a plain object).
    let is_array = js_sys::Array::is_array(v);
    let Ok(entries) = crate::js::object::own_entries(v) else {
        return 0;
    };
    let mut keys = 0u64;
    for entry in entries.iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        if !is_array {
            keys += pair.get(0).as_string().map_or(0, |k| k.len()) as u64;
        }
        todo.push(pair.get(1));
    }
    keys
}
