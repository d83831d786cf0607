//! Encryption at rest for the IndexedDB store: the payload column `p` of a
//! stored value (a log record or a snapshot chunk) is replaced by
//! `e: { iv, ct }`, AES-GCM with a fresh 96-bit IV per stored value, of the
//! UTF-8 JSON of that column. Tags, numbers and strings — ids, times,
//! priorities, groups, keys, errors — stay plain, so ordering needs no key.
//! The WebCrypto calls are JavaScript, at the end of the snippet `idb.js`
//! (one file with the IndexedDB calls: see ARCHITECTURE.md on why the
//! snippets are few); these are their bindings, with the kind of error
//! each failure is.
//!
//! Payloads are JSON here, not structured clones: the browser has no way to
//! turn a structured clone into bytes. The runtime therefore stores
//! JSON-compatible copies of payloads when a key is set.

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use super::{StoreError, StoreErrorKind};
use crate::js::error_text;

#[wasm_bindgen(module = "/src/store/idb.js")]
extern "C" {
    /// Whether this global scope has WebCrypto.
    #[wasm_bindgen(js_name = webCrypto)]
    fn web_crypto() -> bool;
    /// Seals `value.p` as `value.e` in each of `values` (one stored value
    /// or an array); rejects with why not, at the first that fails.
    #[wasm_bindgen(js_name = seal)]
    fn seal_values(key: &CryptoKey, values: &JsValue) -> Promise;
    /// Opens `value.e` back into `value.p` in each of `values`, then of
    /// `more` (an array or undefined); rejects with why not, at the first
    /// that fails.
    #[wasm_bindgen(js_name = unseal)]
    fn open_values(key: &CryptoKey, values: &JsValue, more: &JsValue) -> Promise;
}

/// Seals and opens stored values with one AES-GCM key.
pub(crate) struct Cipher {
    key: CryptoKey,
}

/// Awaits `promise`, a failure being a `kind` error with its reason.
async fn done(promise: Promise, kind: StoreErrorKind) -> Result<(), StoreError> {
    JsFuture::from(promise)
        .await
        .map(drop)
        .map_err(|why| StoreError::new(kind, error_text(&why)))
}

impl Cipher {
    /// A cipher with `key`, using this global scope's `crypto.subtle`.
    pub(crate) fn new(key: CryptoKey) -> Result<Cipher, StoreError> {
        if web_crypto() {
            Ok(Cipher { key })
        } else {
            Err(StoreError::new(
                StoreErrorKind::Unavailable,
                "this runtime has no WebCrypto",
            ))
        }
    }

    /// Replaces `value.p` by `value.e`, its ciphertext, in `values` (one
    /// stored value or an array of them): one promise for them all, and on
    /// failure the caller drops them all.
    pub(crate) async fn seal(&self, values: &JsValue) -> Result<(), StoreError> {
        done(seal_values(&self.key, values), StoreErrorKind::Failed).await
    }

    /// Replaces `value.e` by the payload column it seals, in each stored
    /// value of the array `values` and then of `more` (an array, or
    /// undefined). A value without `e` is left as it is (written before the
    /// key was set, or no payloads).
    pub(crate) async fn open(&self, values: &JsValue, more: &JsValue) -> Result<(), StoreError> {
        done(open_values(&self.key, values, more), StoreErrorKind::DecryptFailed).await
    }
}
