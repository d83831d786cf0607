//! Forwarding a call to the leader over the bus (re-sent to each new
//! leader until answered), and handing the answer to its caller. The
//! calls awaiting an answer are a table in JavaScript (the end of
//! `link/web.js`), in number order: a request is re-sent from it to each
//! new leader, served from it when this instance takes the lead, and
//! given up (`QUEUE_CLOSED`) on close.
//!
//! Cancel safety: dropping a forwarded call's future forgets nothing at the
//! leader (the call may still run there); its answer, when it comes, finds
//! no one waiting and is dropped.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::protocol::result_of;
use super::Instance;
use crate::runtime::task::Boxed;
use crate::runtime::QueueError;

#[wasm_bindgen(module = "/src/runtime/link/web.js")]
extern "C" {
    /// An empty table of the calls instance `from` forwards.
    pub(super) fn calls(from: &str) -> JsValue;
    /// Records forwarded call `op(...args)`: `[request, answer]`, the
    /// answer a promise of the leader's `res` message, or of `null`.
    #[wasm_bindgen(js_name = forwardCall)]
    fn forward_call(table: &JsValue, op: &str, args: Array) -> Array;
    /// Settles the call that `res` answers, if it is still awaited.
    pub(super) fn answered(table: &JsValue, res: &JsValue);
    /// The requests still awaiting an answer, in number order.
    fn unanswered(table: &JsValue) -> Array;
    /// Gives every call up: each answer is `null`.
    #[wasm_bindgen(js_name = giveUp)]
    pub(super) fn give_up(table: &JsValue);
}

impl Instance {
    /// Forwards call `op` with its arguments to the leader and waits for
    /// its answer (re-sent to each new leader until answered).
    pub(super) fn forward(
        &self,
        op: &str,
        args: Vec<JsValue>,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let call = forward_call(&self.calls, op, args.into_iter().collect());
        self.send(call.get(0));
        let answer = JsFuture::from(call.get(1).unchecked_into::<Promise>());
        Box::pin(async move {
            match answer.await {
                Ok(res) if !res.is_null() => result_of(&res),
                _ => Err(QueueError::closed()),
            }
        })
    }

    /// The requests still awaiting an answer, in number order.
    pub(super) fn unanswered(&self) -> Vec<JsValue> {
        unanswered(&self.calls).iter().collect()
    }
}
