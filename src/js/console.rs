//! Console output: the warnings wasmq prints when it carries on after a
//! failure nobody awaits (a background compaction, a quarantine).

use wasm_bindgen::JsValue;

/// A warning on the console, prefixed `wasmq:`, with `value` when it is not
/// `undefined`.
pub fn warn(message: &str, value: &JsValue) {
    let message = JsValue::from_str(&format!("wasmq: {message}"));
    if value.is_undefined() {
        web_sys::console::warn_1(&message);
    } else {
        web_sys::console::warn_2(&message, value);
    }
}
