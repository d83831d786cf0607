//! Forwarding a call to the leader over the bus (re-sent to each new
//! leader until answered), and handing the answer to its caller.
//!
//! Cancel safety: dropping a forwarded call's future forgets nothing at the
//! leader (the call may still run there); its answer, when it comes, finds
//! no one waiting and is dropped.

use crate::oneshot;
use wasm_bindgen::JsValue;

use super::{protocol, Instance};
use crate::js::object::set;
use crate::runtime::task::Boxed;
use crate::runtime::QueueError;

impl Instance {
    /// Forwards call `op` with its arguments to the leader and waits for
    /// its answer (re-sent to each new leader until answered).
    pub(super) fn forward(
        &self,
        op: &str,
        args: Vec<JsValue>,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let n = {
            let mut st = self.state.borrow_mut();
            st.next_n += 1;
            st.next_n
        };
        let request = protocol::request(&self.id, n, op);
        set(
            &request,
            "args",
            &args.into_iter().collect::<js_sys::Array>(),
        );
        let (tx, rx) = oneshot::channel();
        self.state
            .borrow_mut()
            .outstanding
            .insert(n, request.clone(), tx);
        self.send(request);
        Box::pin(async move { rx.await.unwrap_or_else(|_| Err(QueueError::closed())) })
    }

    /// Hands the answer to request `n` to whoever awaits it.
    pub(super) fn answer_own(&self, n: u64, result: Result<JsValue, QueueError>) {
        let reply = self.state.borrow_mut().outstanding.remove(n);
        if let Some(tx) = reply {
            let _ = tx.send(result);
        }
    }
}
