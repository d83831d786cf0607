//! A new queue origin: 16 random bytes from `crypto.getRandomValues` (every
//! runtime wasmq targets has it), as 32 hex digits. Made and stored when a
//! database is first opened (the engine keeps and journals it), so that
//! `origin` and a job's id name the job beyond this device — the message id
//! a relay publishes with.

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// A fresh origin; `Math.random` only where no `crypto` exists.
pub fn new_origin() -> String {
    let bytes = Uint8Array::new_with_length(16);
    let filled = Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .filter(JsValue::is_object)
        .and_then(|crypto| {
            let fill: Function = Reflect::get(&crypto, &"getRandomValues".into())
                .ok()?
                .dyn_into()
                .ok()?;
            fill.call1(&crypto, &bytes).ok()
        })
        .is_some();
    let mut out = String::with_capacity(32);
    for (i, b) in bytes.to_vec().into_iter().enumerate() {
        let b = if filled {
            b
        } else {
            (js_sys::Math::random() * 256.0) as u8 ^ (i as u8)
        };
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";
