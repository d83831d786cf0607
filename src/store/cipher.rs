//! Encryption at rest for the IndexedDB store: the payload column `p` of a
//! stored value (a log record or a snapshot chunk) is replaced by
//! `e: { iv, ct }`, AES-GCM with a fresh 96-bit IV per stored value, of the
//! UTF-8 JSON of that column. Tags, numbers and strings — ids, times,
//! priorities, groups, keys, errors — stay plain, so ordering needs no key.
//!
//! Payloads are JSON here, not structured clones: the browser has no way to
//! turn a structured clone into bytes. The runtime therefore stores
//! JSON-compatible copies of payloads when a key is set.

use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use super::{StoreError, StoreErrorKind};

const IV_BYTES: u32 = 12;

/// Seals and opens stored values with one AES-GCM key.
pub(crate) struct Cipher {
    key: CryptoKey,
    subtle: SubtleCrypto,
    crypto: web_sys::Crypto,
}

fn failed(kind: StoreErrorKind, context: &str, err: &JsValue) -> StoreError {
    let detail = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_default();
    StoreError::new(kind, format!("{context}: {detail}"))
}

impl Cipher {
    /// A cipher with `key`, using this global scope's `crypto.subtle`.
    pub(crate) fn new(key: CryptoKey) -> Result<Cipher, StoreError> {
        let crypto = Reflect::get(&js_sys::global(), &"crypto".into())
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::Crypto>().ok())
            .ok_or_else(|| {
                StoreError::new(StoreErrorKind::Unavailable, "this runtime has no WebCrypto")
            })?;
        Ok(Cipher {
            subtle: crypto.subtle(),
            key,
            crypto,
        })
    }

    /// Replaces `value.p` by `value.e`, its ciphertext.
    pub(crate) async fn seal(&self, value: &JsValue) -> Result<(), StoreError> {
        let plain = Reflect::get(value, &"p".into()).unwrap_or(JsValue::UNDEFINED);
        let json = JSON::stringify(&plain).map_err(|e| {
            failed(
                StoreErrorKind::Failed,
                "a payload is not JSON-serializable",
                &e,
            )
        })?;
        let json = JsValue::from(json)
            .as_string()
            .unwrap_or_else(|| "[]".to_owned());
        let bytes = Uint8Array::from(json.as_bytes());
        let iv = Uint8Array::new_with_length(IV_BYTES);
        self.crypto
            .get_random_values_with_array_buffer_view(&iv)
            .map_err(|e| failed(StoreErrorKind::Failed, "no random IV", &e))?;
        let params = AesGcmParams::new("AES-GCM", &iv);
        let sealing = self
            .subtle
            .encrypt_with_object_and_buffer_source(&params, &self.key, &bytes)
            .map_err(|e| failed(StoreErrorKind::Failed, "cannot encrypt", &e))?;
        let ct = JsFuture::from(sealing)
            .await
            .map_err(|e| failed(StoreErrorKind::Failed, "cannot encrypt", &e))?;
        let sealed: JsValue = Object::new().into();
        let _ = Reflect::set(&sealed, &"iv".into(), &iv);
        let _ = Reflect::set(&sealed, &"ct".into(), &Uint8Array::new(&ct));
        let _ = Reflect::set(value, &"e".into(), &sealed);
        let _ = Reflect::delete_property(value.unchecked_ref::<Object>(), &"p".into());
        Ok(())
    }

    /// Replaces `value.e` by the payload column it seals. A value without
    /// `e` is left as it is (written before the key was set, or no payloads).
    pub(crate) async fn open(&self, value: &JsValue) -> Result<(), StoreError> {
        let sealed = Reflect::get(value, &"e".into()).unwrap_or(JsValue::UNDEFINED);
        if sealed.is_undefined() {
            return Ok(());
        }
        let part = |k: &str| {
            Reflect::get(&sealed, &k.into())
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok())
                .ok_or_else(|| {
                    StoreError::new(
                        StoreErrorKind::DecryptFailed,
                        format!("sealed value has no {k}"),
                    )
                })
        };
        let (iv, ct) = (part("iv")?, part("ct")?);
        let params = AesGcmParams::new("AES-GCM", &iv);
        let opening = self
            .subtle
            .decrypt_with_object_and_buffer_source(&params, &self.key, &ct)
            .map_err(|e| failed(StoreErrorKind::DecryptFailed, "cannot decrypt", &e))?;
        let plain = JsFuture::from(opening).await.map_err(|e| {
            failed(
                StoreErrorKind::DecryptFailed,
                "cannot decrypt stored payloads (wrong encryptionKey?)",
                &e,
            )
        })?;
        let text = String::from_utf8(Uint8Array::new(&plain).to_vec()).map_err(|_| {
            StoreError::new(
                StoreErrorKind::DecryptFailed,
                "decrypted payloads are not UTF-8",
            )
        })?;
        let column = JSON::parse(&text)
            .ok()
            .filter(Array::is_array)
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::DecryptFailed,
                    "decrypted payloads are not a list",
                )
            })?;
        let _ = Reflect::set(value, &"p".into(), &column);
        let _ = Reflect::delete_property(value.unchecked_ref::<Object>(), &"e".into());
        Ok(())
    }
}
