//! The promises `enqueue()` returns in the leader: one promise per group
//! commit batch, resolved when the batch is durable (rejected as its commit
//! fails), and each caller's promise derived from it with `then` and one
//! shared function bound to the caller's `{ id, duplicate }` — no future,
//! task or channel per pending enqueue.

use std::rc::Rc;

use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::{JsCast, JsValue};

use super::{Leader, QueueError};
use crate::core::{Enqueued, MessageId};

#[wasm_bindgen]
extern "C" {
    /// A promise, seen only for `then`.
    type Batch;
    /// `promise.then(f)`.
    #[wasm_bindgen(method, js_name = then)]
    fn then_map(this: &Batch, f: &JsValue) -> js_sys::Promise;
}

thread_local! {
    /// `(id, outcome) => ({ id, duplicate, replaced })`, made once
    /// (`outcome`: 0 new, 1 duplicate, 2 replaced).
    static RESULT: JsValue = Closure::<dyn Fn(f64, u32) -> JsValue>::new(|id: f64, outcome: u32| {
        let id = MessageId(id as u64);
        let outcome = match outcome {
            1 => Enqueued::Duplicate(id),
            2 => Enqueued::Replaced(id),
            _ => Enqueued::New(id),
        };
        super::convert::enqueued(outcome)
    })
    .into_js_value();
}

impl Leader {
    /// Stores a message now; the promise resolves with `{ id, duplicate }`
    /// once its batch is durable.
    pub fn enqueue_now(
        self: &Rc<Self>,
        payload: JsValue,
        options: crate::core::EnqueueOptions,
    ) -> Result<js_sys::Promise, QueueError> {
        let outcome = {
            let mut st = self.open_state()?;
            st.engine.enqueue(payload, options, super::now_ms())?
        };
        let batch = self.batch_promise();
        self.pump();
        let id = JsValue::from(outcome.id().0 as f64);
        let kind = match outcome {
            Enqueued::New(_) => 0,
            Enqueued::Duplicate(_) => 1,
            Enqueued::Replaced(_) => 2,
        };
        let result = RESULT.with(|f| {
            f.unchecked_ref::<js_sys::Function>().bind2(
                &JsValue::UNDEFINED,
                &id,
                &JsValue::from(kind),
            )
        });
        Ok(batch.unchecked_ref::<Batch>().then_map(&result.into()))
    }

    /// The promise of the batch now accumulating (made on first use; the
    /// commit loop, a rollback and `terminate` forget it with its waiters).
    fn batch_promise(self: &Rc<Self>) -> js_sys::Promise {
        if let Some(p) = self.state().ok().and_then(|st| st.batch_promise.clone()) {
            return p;
        }
        let committed = self.flush();
        let p = super::task::promise(Box::pin(async move {
            committed.await?;
            Ok(JsValue::UNDEFINED)
        }));
        if let Ok(mut st) = self.state() {
            st.batch_promise = Some(p.clone());
        }
        p
    }
}
