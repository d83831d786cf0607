//! Turning what JavaScript threw into text: the message kept as a job's
//! last error, shown in a store error or in a refusal. Reading it runs no
//! code that can throw through (a hostile `toString`, a `Proxy` trap).

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// `String(x)`, with what a hostile `toString` or `Proxy` trap throws caught.
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// A readable message from a thrown value: `Error.message` (with its name
/// when not plain `Error`), a string as is, anything else as JSON or
/// `String(x)`.
pub fn error_text(thrown: &JsValue) -> String {
    let field = |key: &str| {
        js_sys::Reflect::get(thrown, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    if thrown.dyn_ref::<js_sys::Error>().is_some() {
        let (name, message) = (field("name"), field("message"));
        return if name == "Error" || name.is_empty() {
            message
        } else {
            format!("{name}: {message}")
        };
    }
    if let Some(s) = thrown.as_string() {
        return s;
    }
    if let Some(s) = js_sys::JSON::stringify(thrown)
        .ok()
        .and_then(|j| j.as_string())
    {
        return s;
    }
    js_string(thrown).unwrap_or_else(|_| "a thrown value that cannot be shown".to_owned())
}
