//! Validation at the door: what an instance checks on every `enqueue` of
//! its own, after the options and the structured clone and before anything
//! is stored or forwarded — the `maxPayloadBytes` limit (`PAYLOAD_TOO_LARGE`)
//! and the `validate(payload)` function (`VALIDATION_FAILED`). Neither is
//! forwarded to the leader (a function cannot cross the bus): each instance
//! checks its own calls.

use wasm_bindgen::JsValue;

use super::size::payload_size;
use crate::js::error_text;
use crate::js::object::type_name;
use crate::runtime::{codes, QueueError};

/// The checks of one instance, from its `Queue.open` options.
pub struct Door {
    validate: Option<js_sys::Function>,
    max_payload_bytes: Option<u64>,
}

impl Door {
    /// The checks `Queue.open` was given (none by default).
    pub fn new(validate: Option<js_sys::Function>, max_payload_bytes: Option<u64>) -> Self {
        Door {
            validate,
            max_payload_bytes,
        }
    }

    /// Admits `payload` (the structured clone that will be stored), or says why not.
    pub fn admit(&self, payload: &JsValue) -> Result<(), QueueError> {
        if let Some(max) = self.max_payload_bytes {
            if let Err(size) = payload_size(payload, max) {
                return Err(QueueError::new(
                    codes::PAYLOAD_TOO_LARGE,
                    format!("the payload measures more than maxPayloadBytes ({max}): at least {size} bytes"),
                ));
            }
        }
        let Some(validate) = &self.validate else {
            return Ok(());
        };
        let refusal = match validate.call1(&JsValue::UNDEFINED, payload) {
            Ok(v) if v.as_bool() == Some(true) => return Ok(()),
            Ok(v) if v.as_bool() == Some(false) => "validate refused the payload".to_owned(),
            Ok(v) => match v.as_string() {
                Some(message) => message,
                None => format!(
                    "validate must return true or a message, got {}",
                    type_name(&v)
                ),
            },
            Err(thrown) => error_text(&thrown),
        };
        Err(QueueError::new(codes::VALIDATION_FAILED, refusal))
    }
}
