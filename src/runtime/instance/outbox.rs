//! Posting on the bus in batches: every message an instance sends during
//! one turn of the event loop (a burst of forwarded enqueues, their
//! answers, the events of a commit) goes out as one
//! `{t:"batch", from, list}`, so a burst costs one `postMessage`, not thousands.

use js_sys::Array;
use wasm_bindgen::JsValue;

use super::protocol::message;
use super::Instance;
use crate::js::object::set;

impl Instance {
    /// Queues `m` for the end of this turn.
    pub(super) fn send(&self, m: JsValue) {
        let first = {
            let mut st = self.state.borrow_mut();
            st.outbox.push(m);
            st.outbox.len() == 1
        };
        if !first {
            return;
        }
        let Some(me) = self.me.upgrade() else { return };
        crate::runtime::task::spawn(Box::pin(async move { me.flush_outbox() }));
    }

    fn flush_outbox(&self) {
        let list = std::mem::take(&mut self.state.borrow_mut().outbox);
        match list.len() {
            0 => {}
            1 => self.link.post(&list[0]),
            _ => {
                let batch = message("batch", &self.id);
                set(&batch, "list", &list.into_iter().collect::<Array>());
                self.link.post(&batch);
            }
        }
    }
}
