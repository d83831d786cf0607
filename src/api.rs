//! The `#[wasm_bindgen]` surface that JavaScript calls (wasm32 only).

use wasm_bindgen::prelude::*;

/// The version of the wasmq package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
