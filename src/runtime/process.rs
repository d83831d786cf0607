//! The processing loop: lease what the concurrency allows, commit the
//! leases (attempt counters) before any handler runs, call the handler with
//! a timeout of `leaseMs`, settle (ack or nack), and sleep on one timer
//! until the engine's next wake-up.

use std::rc::Rc;

use futures::future::{select, Either};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::events::names;
use super::job::{detail, error_text, job_object};
use super::{now_ms, Phase, Shared};
use crate::core::{Expired, Lease, Settled};

/// Largest delay `setTimeout` takes.
const MAX_TIMER_MS: u64 = i32::MAX as u64;

impl Shared {
    /// Leases and starts as many jobs as the concurrency allows, then sets
    /// the timer for the next wake-up.
    pub(crate) fn pump(self: &Rc<Self>) {
        let Ok(mut st) = self.state() else { return };
        if st.phase != Phase::Open || st.paused || st.handler.is_none() {
            return;
        }
        let now = now_ms();
        let expired = st.engine.expire(now);
        let free = st.concurrency.saturating_sub(st.running);
        let leases = st.engine.lease(now, free);
        st.running += leases.len();
        drop(st);
        self.report_expired(&expired);
        if !leases.is_empty() || !expired.is_empty() {
            let committed = self.flush();
            let me = Rc::clone(self);
            wasm_bindgen_futures::spawn_local(async move {
                let durable = committed.await.is_ok();
                // Terminated meanwhile: the leases are stored and will expire; run nothing here.
                let closed = me
                    .state()
                    .map(|st| st.phase == Phase::Closed)
                    .unwrap_or(true);
                if durable && !closed {
                    for lease in leases {
                        wasm_bindgen_futures::spawn_local(Rc::clone(&me).run_job(lease));
                    }
                } else {
                    // Rolled back (the leases never became durable) or terminated: no handler runs.
                    if let Ok(mut st) = me.state() {
                        st.running -= leases.len();
                    }
                    me.after_change();
                }
            });
        }
        self.schedule_timer();
    }

    fn report_expired(&self, expired: &[Expired]) {
        for e in expired {
            let (kind, attempt) = match e.outcome {
                Settled::Dead => (names::DEAD, 0),
                Settled::Retry { .. } => (names::RETRYING, 0),
            };
            let d = detail(e.id.0, attempt, Some("lease expired"), None);
            self.events().emit(kind, &d);
        }
    }

    async fn run_job(self: Rc<Self>, lease: Lease<JsValue>) {
        let handler = self.state().ok().and_then(|st| st.handler.clone());
        let controller = web_sys::AbortController::new().ok();
        let job = job_object(&lease, controller.as_ref().map(|c| c.signal()).as_ref());
        let budget = lease.deadline_ms.saturating_sub(now_ms()).min(MAX_TIMER_MS) as u32;
        let outcome = match handler {
            None => Err("no handler".to_owned()),
            Some(h) => call_handler(&h, &job, budget).await,
        };
        if outcome.is_err() {
            if let Some(c) = &controller {
                c.abort();
            }
        }
        self.settle(lease, outcome).await;
    }

    async fn settle(self: &Rc<Self>, lease: Lease<JsValue>, outcome: Result<(), String>) {
        let id = lease.token.id.0;
        let now = now_ms();
        let mut retry_at = None;
        let event = {
            let Ok(mut st) = self.state() else { return };
            st.running -= 1;
            if st.phase == Phase::Closed {
                // Terminated: what was stored stays as it is; the lease expires.
                return;
            }
            match &outcome {
                Ok(()) => st
                    .engine
                    .ack(lease.token)
                    .ok()
                    .map(|_| (names::COMPLETED, None)),
                Err(msg) => match st.engine.nack(lease.token, msg, now) {
                    Ok(Settled::Dead) => Some((names::DEAD, Some(msg.clone()))),
                    Ok(Settled::Retry { due_ms }) => {
                        retry_at = Some(due_ms);
                        Some((names::RETRYING, Some(msg.clone())))
                    }
                    Err(_) => None,
                },
            }
        };
        let committed = self.flush();
        self.pump();
        if committed.await.is_ok() {
            if let Some((kind, error)) = event {
                self.events()
                    .emit(kind, &detail(id, lease.attempt, error.as_deref(), retry_at));
            }
        }
    }

    /// Sets the one timer to the engine's next wake-up, if that is earlier
    /// than the timer already set.
    pub(crate) fn schedule_timer(self: &Rc<Self>) {
        let Ok(mut st) = self.state() else { return };
        if st.phase != Phase::Open || st.paused || st.handler.is_none() {
            st.timer = None;
            return;
        }
        let Some(at) = st.engine.next_wake() else {
            return;
        };
        if st.timer.as_ref().is_some_and(|(t, _)| *t <= at) {
            return;
        }
        let delay = at.saturating_sub(now_ms()).min(MAX_TIMER_MS) as u32;
        let weak = Rc::downgrade(self);
        let timeout = Timeout::new(delay, move || {
            if let Some(me) = weak.upgrade() {
                if let Ok(mut st) = me.state() {
                    st.timer = None;
                }
                me.pump();
            }
        });
        st.timer = Some((at, timeout));
    }
}

/// Calls the handler; a returned promise is awaited for at most `budget_ms`.
async fn call_handler(
    handler: &js_sys::Function,
    job: &JsValue,
    budget_ms: u32,
) -> Result<(), String> {
    let returned = handler
        .call1(&JsValue::UNDEFINED, job)
        .map_err(|e| error_text(&e))?;
    if !is_thenable(&returned) {
        return Ok(());
    }
    let promise = js_sys::Promise::resolve(&returned);
    let settled = JsFuture::from(promise);
    match select(settled, TimeoutFuture::new(budget_ms)).await {
        Either::Left((Ok(_), _)) => Ok(()),
        Either::Left((Err(e), _)) => Err(error_text(&e)),
        Either::Right(_) => Err(format!("timed out after {budget_ms} ms (leaseMs)")),
    }
}

fn is_thenable(v: &JsValue) -> bool {
    v.is_object()
        && js_sys::Reflect::get(v, &"then".into())
            .map(|t| t.is_function())
            .unwrap_or(false)
        || v.dyn_ref::<js_sys::Promise>().is_some()
}
