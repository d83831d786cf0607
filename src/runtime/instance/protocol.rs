//! The messages instances of one queue name exchange on their bus, as
//! plain structured-cloneable objects:
//! - `{t:"req", from, n, op, args}` a call forwarded to the leader (the
//!   method's name and its arguments as the method takes them; made in
//!   `link/web.js`, see `forward.rs`), and
//!   `{t:"res", to, n, ok | err}` its answer;
//! - `{t:"leader", from, processing}` a new leader (followers re-send what
//!   is unanswered); `{t:"hello", from}` asks the leader to announce itself;
//! - `{t:"want", from}` a follower has a handler (a leader without one steps down);
//! - `{t:"listen", from}` an instance has event listeners (the leader relays
//!   events only once it has heard this; sent again to each new leader);
//! - `{t:"event", kind, detail}` and `{t:"stats", stats}` from the leader.

use wasm_bindgen::JsValue;

use crate::js::object::{get, get_str, set};
use crate::runtime::{codes, QueueError};

/// A message of type `t` from `from`.
pub fn message(t: &str, from: &str) -> JsValue {
    let m: JsValue = js_sys::Object::new().into();
    set(&m, "t", &t.into());
    set(&m, "from", &from.into());
    m
}

/// The answer to request `n` of `to`.
pub fn response(from: &str, to: &str, n: f64, result: &Result<JsValue, QueueError>) -> JsValue {
    let m = message("res", from);
    set(&m, "to", &to.into());
    set(&m, "n", &n.into());
    match result {
        Ok(v) => set(&m, "ok", v),
        Err(e) => {
            let err: JsValue = js_sys::Object::new().into();
            set(&err, "code", &e.code.into());
            set(&err, "message", &e.message.as_str().into());
            if let Some(o) = &e.option {
                set(&err, "option", &o.as_str().into());
            }
            set(&m, "err", &err);
        }
    }
    m
}

/// The result carried by a response.
pub fn result_of(response: &JsValue) -> Result<JsValue, QueueError> {
    let err = get(response, "err");
    if err.is_undefined() {
        return Ok(get(response, "ok"));
    }
    let code = known_code(&get_str(&err, "code"));
    let option = get(&err, "option").as_string();
    Err(QueueError::from_parts(
        code,
        get_str(&err, "message"),
        option,
    ))
}

fn known_code(code: &str) -> &'static str {
    codes::ALL
        .iter()
        .copied()
        .find(|c| *c == code)
        .unwrap_or(codes::INTERNAL_ERROR)
}
