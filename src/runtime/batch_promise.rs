//! The promises `enqueue()` returns in the leader: one promise per group
//! commit batch, resolved when the batch is durable (rejected as its commit
//! fails), and each caller's promise derived from it by one call into
//! `hot.js` (`batch.then(() => ({ id, duplicate, replaced }))`) — no
//! future, task or channel per pending enqueue, and no crossing back into
//! wasm when it resolves.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::{hot, Leader, QueueError};
use crate::core::Enqueued;

impl Leader {
    /// Stores a message now; the promise resolves with `{ id, duplicate }`
    /// once its batch is durable.
    pub fn enqueue_now(
        self: &Rc<Self>,
        payload: JsValue,
        options: crate::core::EnqueueOptions,
    ) -> Result<js_sys::Promise, QueueError> {
        let now = super::now_ms();
        let outcome = {
            let mut st = self.open_state()?;
            st.engine.enqueue(payload, options, now)?
        };
        let batch = self.batch_promise();
        self.pump_at(now);
        let kind = match outcome {
            Enqueued::New(_) => 0,
            Enqueued::Duplicate(_) => 1,
            Enqueued::Replaced(_) => 2,
        };
        Ok(hot::enqueued(&batch, outcome.id().0 as f64, kind))
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
