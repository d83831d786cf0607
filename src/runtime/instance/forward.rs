//! Running a call where the queue is: here when this instance leads, else
//! at the leader, forwarded over the bus and re-sent to each new leader
//! until answered.
//!
//! Cancel safety: dropping a forwarded call's future forgets nothing at the
//! leader (the call may still run there); its answer, when it comes, finds
//! no one waiting and is dropped.

use std::rc::Rc;

use crate::oneshot;
use wasm_bindgen::JsValue;

use super::{protocol, Instance};
use crate::js::object::set;
use crate::runtime::QueueError;

impl Instance {
    /// Forwards a call to the leader and waits for its answer (re-sent to
    /// each new leader until answered).
    async fn forward(&self, request: JsValue, n: u64) -> Result<JsValue, QueueError> {
        let (tx, rx) = oneshot::channel();
        self.state
            .borrow_mut()
            .outstanding
            .insert(n, request.clone(), tx);
        self.send(request);
        rx.await.unwrap_or_else(|_| Err(QueueError::closed()))
    }

    /// Hands the answer to request `n` to whoever awaits it.
    pub(super) fn answer_own(&self, n: u64, result: Result<JsValue, QueueError>) {
        let reply = self.state.borrow_mut().outstanding.remove(n);
        if let Some(tx) = reply {
            let _ = tx.send(result);
        }
    }

    fn new_request(&self, op: &str) -> (JsValue, u64) {
        let n = {
            let mut st = self.state.borrow_mut();
            st.next_n += 1;
            st.next_n
        };
        (protocol::request(&self.id, n, op), n)
    }

    /// Runs `op` here when leading, else at the leader.
    pub(super) async fn call(
        self: &Rc<Self>,
        op: &str,
        args: &[(&'static str, JsValue)],
    ) -> Result<JsValue, QueueError> {
        let (request, n) = self.new_request(op);
        for (k, v) in args {
            set(&request, k, v);
        }
        if self.leader()?.is_some() {
            // Boxed: `serve` covers every call, and an unboxed await would
            // reserve its whole state in every pending call's future.
            return Box::pin(self.serve(&request)).await;
        }
        self.forward(request, n).await
    }
}
