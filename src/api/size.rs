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

#[wasm_bindgen(module = "/src/runtime/hot.js")]
extern "C" {
    /// The measure of `payload`, or as soon as it passes `max` the measure so far.
    #[wasm_bindgen(js_name = payloadSize)]
    fn payload_size_js(payload: &JsValue, max: f64) -> f64;
}

/// The measured size of `payload` when it is at most `max`, else
/// `Err(at least this many bytes)`. Walked in `hot.js` (`payloadSize`): from wasm, every
/// value had been crossings (its type tests, `Map` and `Set` callbacks,
/// each string copied out to count its UTF-8 bytes).
pub fn payload_size(payload: &JsValue, max: u64) -> Result<u64, u64> {
    let size = payload_size_js(payload, max as f64);
    if size > max as f64 {
        Err(size as u64)
    } else {
        Ok(size as u64)
    }
}
