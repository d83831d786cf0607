//! What a browser API or an application's adapter threw, as a
//! [`StoreError`] of the right kind: a quota error is `QuotaExceeded`, a
//! closed connection `Unavailable`, anything else `Failed`.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DomException;

use super::{StoreError, StoreErrorKind};
use crate::js::error_text;

/// A `DOMException` from IndexedDB: `QuotaExceededError` is
/// [`StoreErrorKind::QuotaExceeded`], anything else `Failed`.
pub(crate) fn dom_error(err: Option<DomException>, context: &str) -> StoreError {
    match err {
        Some(err) => {
            let name = err.name();
            let kind = if name == "QuotaExceededError" {
                StoreErrorKind::QuotaExceeded
            } else {
                StoreErrorKind::Failed
            };
            StoreError::new(kind, join(context, &format!("{name}: {}", err.message())))
        }
        None => StoreError::new(StoreErrorKind::Failed, join(context, "no error given")),
    }
}

/// Something a browser API threw: a `DOMException` (named), an `Error`, or
/// any other value.
pub(crate) fn js_error(err: &JsValue, context: &str) -> StoreError {
    if let Some(dom) = err.dyn_ref::<DomException>() {
        let mut e = dom_error(Some(dom.clone()), context);
        // A closed connection (`close()`, another tab's upgrade or delete).
        if dom.name() == "InvalidStateError" {
            e.kind = StoreErrorKind::Unavailable;
        }
        return e;
    }
    let detail = if let Some(error) = err.dyn_ref::<js_sys::Error>() {
        format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        )
    } else {
        // Not `{err:?}`: JsValue's Debug needs wasm-bindgen's debugString glue (~2 KB of JS).
        error_text(err)
    };
    StoreError::new(StoreErrorKind::Failed, join(context, &detail))
}

/// [`js_error`] with kind `Unavailable`.
pub(crate) fn unavailable(err: &JsValue, context: &str) -> StoreError {
    let mut e = js_error(err, context);
    e.kind = StoreErrorKind::Unavailable;
    e
}

fn join(context: &str, detail: &str) -> String {
    if context.is_empty() {
        detail.to_owned()
    } else {
        format!("{context}: {detail}")
    }
}
