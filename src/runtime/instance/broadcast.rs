//! What the leader tells the other instances of its name: that it leads
//! (and whether it processes), the events it emits (once one of them
//! listens), and its stats — at most every [`STATS_INTERVAL_MS`], so a
//! burst of commits costs one message.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::protocol::message;
use super::Instance;
use crate::js::object::set;
use crate::runtime::convert;

/// Followers hear the leader's stats at most this often.
const STATS_INTERVAL_MS: u32 = 100;

impl Instance {
    /// Tells the others this instance leads, and its stats.
    pub(super) fn announce(&self) {
        let m = message("leader", &self.id);
        set(&m, "processing", &self.processing.active().into());
        self.send(m);
        self.post_stats_now();
    }

    /// Relays one event to the others.
    pub(super) fn post_event(&self, kind: &str, detail: &JsValue) {
        let m = message("event", &self.id);
        set(&m, "kind", &kind.into());
        set(&m, "detail", detail);
        self.send(m);
    }

    fn post_stats_now(&self) {
        let Ok(Some(leader)) = self.leader() else {
            return;
        };
        let Ok(stats) = leader.read(|e| e.stats()) else {
            return;
        };
        let m = message("stats", &self.id);
        set(&m, "stats", &convert::stats(stats));
        self.send(m);
        self.state.borrow_mut().stats_last_post = js_sys::Date::now();
    }

    /// Posts the stats now, or once at the end of the current interval.
    pub(super) fn post_stats_soon(self: &Rc<Self>) {
        let wait = {
            let st = self.state.borrow();
            if st.stats_timer.is_some() {
                return;
            }
            STATS_INTERVAL_MS as f64 - (js_sys::Date::now() - st.stats_last_post)
        };
        if wait <= 0.0 {
            self.post_stats_now();
            return;
        }
        let weak = Rc::downgrade(self);
        let timer = crate::runtime::task::timeout(
            wait as u32,
            Box::new(move || {
                if let Some(h) = weak.upgrade() {
                    h.state.borrow_mut().stats_timer = None;
                    h.post_stats_now();
                }
            }),
        );
        self.state.borrow_mut().stats_timer = Some(timer);
    }
}
