//! Taking, handing on and giving up the lead.
//!
//! ```text
//!            open: lock free                       lock comes (the leader
//!   ┌──────────────────────────────┐            closed, or its tab died)
//!   │                              ▼          ┌───────────────────────┐
//! open ──lock held──▶ Follower ──────────────────────────────────▶ Leading
//!                        ▲                                            │
//!                        │  committed, lock released, queued again    │ no handler here, and a
//!                        └──────────────── SteppingDown ◀─────────────┘ follower has one ("want")
//!
//!   any state ── close() / terminate() ──▶ Closed
//! ```
//!
//! A follower queues for the lock (`wait_for_lock`) and, when it comes,
//! opens a [`Leader`] over the store, announces itself and serves the
//! calls it had forwarded itself. A leader steps down only for an instance
//! that would process. `close` lets the jobs in flight finish, commits and
//! then releases the lock; `terminate` stops at once, as a crash would, and
//! so does dropping an instance that leads. Each hands the committed state
//! to the store (see `Leader::close`) before the lock is let go.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::super::link::Lock;
use super::protocol::message;
use super::{Instance, Leader, Role};
use crate::runtime::events::names;
use crate::runtime::QueueError;

/// Wait before trying to lead again after taking over failed.
const RETRY_LEAD_MS: u32 = 1_000;

impl Instance {
    /// Takes the lead: opens the store, starts processing if there is a
    /// handler, tells the others, and serves what this instance had forwarded.
    pub(super) async fn lead(self: &Rc<Self>, lock: Lock) -> Result<(), QueueError> {
        let leader = Leader::open(
            &self.name,
            self.config.clone(),
            &self.store,
            self.events.clone(),
            Rc::clone(&self.processing),
        )
        .await?;
        let weak = Rc::downgrade(self);
        self.events
            .set_relay(Some(Rc::new(move |kind: &str, detail: &JsValue| {
                if let Some(h) = weak.upgrade() {
                    h.post_event(kind, detail);
                }
            })));
        let weak = Rc::downgrade(self);
        leader.set_observer(Some(Rc::new(move || {
            if let Some(h) = weak.upgrade() {
                h.post_stats_soon();
            }
        })));
        let step_down = {
            let mut st = self.state.borrow_mut();
            if matches!(st.role, Role::Closed) {
                drop(st);
                leader.terminate();
                return Ok(());
            }
            st.role = Role::Leading {
                leader: Rc::clone(&leader),
                _lock: lock,
            };
            !self.processing.has_handler() && st.processor_waiting
        };
        let pending = self.unanswered();
        leader.processing_changed();
        self.stats_known();
        self.announce();
        for request in pending {
            self.answer(request);
        }
        if step_down {
            self.step_down();
        }
        Ok(())
    }

    /// Queues for the lock; takes the lead when it comes.
    pub(super) fn wait_for_lock(self: &Rc<Self>) {
        let me = Rc::clone(self);
        crate::runtime::task::spawn(Box::pin(async move {
            loop {
                let Some(lock) = me.link.lock().await else {
                    return;
                };
                if matches!(me.state.borrow().role, Role::Closed) {
                    return;
                }
                match me.lead(lock).await {
                    Ok(()) => return,
                    Err(e) => {
                        me.events.emit_local(names::ERROR, &e.to_js());
                        gloo_timers::future::TimeoutFuture::new(RETRY_LEAD_MS).await;
                    }
                }
            }
        }));
    }

    /// A leader without a handler hands the lead to an instance with one:
    /// it commits what it has, releases the lock and queues for it again.
    pub(super) fn step_down(self: &Rc<Self>) {
        let role = {
            let mut st = self.state.borrow_mut();
            match st.role {
                Role::Leading { .. } if !self.processing.has_handler() => {
                    std::mem::replace(&mut st.role, Role::SteppingDown)
                }
                _ => return,
            }
        };
        let me = Rc::clone(self);
        crate::runtime::task::spawn(Box::pin(async move {
            if let Role::Leading { leader, _lock } = role {
                let _ = leader.close().await;
                drop(_lock);
            }
            me.events.set_relay(None);
            {
                let mut st = me.state.borrow_mut();
                if !matches!(st.role, Role::SteppingDown) {
                    return;
                }
                st.role = Role::Follower;
            }
            for request in me.unanswered() {
                me.send(request);
            }
            if me.events.listened() {
                me.send(message("listen", &me.id));
            }
            me.wait_for_lock();
        }));
    }

    fn shut(&self) -> Role {
        let role = {
            let mut st = self.state.borrow_mut();
            st.stats_timer = None;
            std::mem::replace(&mut st.role, Role::Closed)
        };
        super::forward::give_up(&self.calls);
        self.events.set_relay(None);
        role
    }

    /// Closes this instance: a leader finishes its jobs in flight, commits
    /// and hands the lead on; calls still waiting reject with `QUEUE_CLOSED`.
    pub async fn close(&self) -> Result<(), QueueError> {
        let result = match self.shut() {
            Role::Leading { leader, _lock } => {
                let r = leader.close().await;
                _lock.release().await;
                r
            }
            _ => Ok(()),
        };
        self.link.close();
        result
    }

    /// Stops at once, as a crashed tab would (see `Leader::terminate`).
    pub fn terminate(&self) {
        if let Role::Leading { leader, _lock } = self.shut() {
            leader.terminate();
            drop(_lock);
        }
        self.link.close();
    }
}

impl Drop for Instance {
    /// Dropped while leading (a `Queue` freed without `close`): the leader
    /// stops as `terminate` would, before the lock goes, so that a store
    /// that kept nothing while it led has the committed state by the time
    /// the next leader opens, and no two leaders ever write.
    fn drop(&mut self) {
        let role = std::mem::replace(&mut self.state.get_mut().role, Role::Closed);
        if let Role::Leading { leader, _lock } = role {
            leader.terminate();
            drop(_lock);
        }
    }
}
