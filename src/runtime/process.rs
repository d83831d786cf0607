//! The processing loop: lease what the concurrency allows, commit the
//! leases (attempt counters) before any handler runs, call the handler (a
//! returned promise is followed by `calls.rs`, with a timeout of `leaseMs`),
//! settle (ack or nack), and sleep on one timer until the engine's next wake-up.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::calls::{Marks, Waiting};
use super::events::names;
use super::failure::Failure;
use super::hot;
use super::job::{detail, handler_call};
use super::{now_ms, Leader, Phase};
use crate::core::{Expired, Lease, Settled};

/// What the rate limits say of a handler call now (see `start_gate.rs`).
enum Gate {
    /// It may start.
    Open,
    /// Not for this many ms.
    Wait(u64),
    /// The queue was terminated: run nothing.
    Stopped,
}

/// Largest delay `setTimeout` takes.
const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// The leases of one pump, whose calls start once the batch that stores
/// them is durable: the commit loop hands them to [`Leader::start_rounds`]
/// (no task or channel per pump).
pub(crate) struct Round {
    leases: Vec<Lease<JsValue>>,
    /// The batch size of the handler (`None`: one job per call).
    batch: Option<usize>,
    /// When the leases were taken.
    now: u64,
}

impl super::State {
    /// `round`'s leases will not run here: they no longer count as running.
    pub(crate) fn give_back(&mut self, round: &Round) {
        self.running -= round.leases.len();
        self.calls -= round.leases.len().div_ceil(round.batch.unwrap_or(1));
    }
}

impl Leader {
    /// Leases and starts as many jobs as the concurrency allows, then sets
    /// the timer for the next wake-up.
    pub(crate) fn pump(self: &Rc<Self>) {
        self.pump_at(now_ms());
    }

    /// [`Leader::pump`] at `now`, the time the caller read for its round
    /// (one clock read per settled call or enqueue, not one per step).
    pub(crate) fn pump_at(self: &Rc<Self>, now: u64) {
        // Calls past their deadline first, so their leases are settled, not expired.
        self.time_out_calls(now);
        let Some((concurrency, batch_size)) = self.processing.shape() else {
            return;
        };
        let Ok(mut st) = self.state() else { return };
        if st.phase != Phase::Open || self.processing.paused() {
            return;
        }
        let expired = st.engine.expire(now);
        let per_call = batch_size.unwrap_or(1);
        let free = concurrency.saturating_sub(st.calls) * per_call;
        let leases = st.engine.lease(now, free);
        let calls = leases.len().div_ceil(per_call);
        st.running += leases.len();
        st.calls += calls;
        let taken = !leases.is_empty() || !expired.is_empty();
        if !leases.is_empty() {
            st.to_start.push(Round {
                leases,
                batch: batch_size,
                now,
            });
        }
        drop(st);
        self.report_expired(&expired, "lease expired");
        if taken {
            // The commit loop starts the calls once the leases are durable.
            self.commit_soon();
        }
        self.schedule_timer(now);
    }

    /// Starts the calls of `rounds` once the batch that stored their leases
    /// committed (`durable`). Rolled back (the leases never became durable)
    /// or terminated meanwhile (the leases are stored and will expire): no
    /// handler runs, and the rounds no longer count as running.
    pub(crate) fn start_rounds(self: &Rc<Self>, rounds: Vec<Round>, durable: bool) {
        for round in rounds {
            let closed = self
                .state()
                .map(|st| st.phase == Phase::Closed)
                .unwrap_or(true);
            let per_call = round.batch.unwrap_or(1);
            if durable && !closed {
                let mut rest = round.leases;
                while !rest.is_empty() {
                    let tail = rest.split_off(per_call.min(rest.len()));
                    let call = std::mem::replace(&mut rest, tail);
                    self.start_call(call, round.batch.is_some(), round.now);
                }
            } else {
                if let Ok(mut st) = self.state() {
                    st.give_back(&round);
                }
                self.after_change();
            }
        }
    }

    /// Tells listeners of tries that ended without their handler settling
    /// them (a lease run out, or an earlier leader gone): `why` is the error.
    pub(crate) fn report_expired(&self, expired: &[Expired], why: &str) {
        for e in expired {
            let (kind, retry_at) = match e.outcome {
                Settled::Dead => (names::DEAD, None),
                Settled::Retry { due_ms } => (names::RETRYING, Some(due_ms)),
            };
            self.events()
                .emit(kind, &detail(e.id.0, 0, Some(why), retry_at));
        }
    }

    /// Calls the handler for `leases` once the rate limits let them start
    /// (at once without limits): a call that would exceed one waits on a
    /// timer. A leader terminated meanwhile runs nothing (the leases stay
    /// stored, for the next leader). `now`: when the leases were taken.
    fn start_call(self: &Rc<Self>, leases: Vec<Lease<JsValue>>, batch: bool, now: u64) {
        match self.gate(&leases, false) {
            Gate::Open => self.run_call(leases, batch, now),
            Gate::Wait(ms) => self.start_later(leases, batch, ms),
            Gate::Stopped => self.settle(leases, Err(Failure::retry("stopped".to_owned())), now),
        }
    }

    fn start_later(self: &Rc<Self>, leases: Vec<Lease<JsValue>>, batch: bool, wait: u64) {
        let me = Rc::clone(self);
        let delay = wait.min(MAX_TIMER_MS) as u32;
        super::task::timeout(
            delay,
            Box::new(move || me.start_call(leases, batch, now_ms())),
        )
        .forget();
    }

    /// Whether `leases` may start now under the rate limits; with `admit`,
    /// counts their start (at the moment of the handler call).
    fn gate(&self, leases: &[Lease<JsValue>], admit: bool) -> Gate {
        let limits = self.limits;
        if limits == (None, None) {
            // The hot path of an unpaced queue: no state borrowed.
            return Gate::Open;
        }
        let Ok(mut st) = self.state() else {
            return Gate::Stopped;
        };
        if st.phase == Phase::Closed {
            return Gate::Stopped;
        }
        let now = now_ms();
        let at = st.gate.opens_at(limits, leases);
        if at > now {
            return Gate::Wait(at - now);
        }
        if admit {
            st.gate.record(now, limits, leases);
        }
        Gate::Open
    }

    /// Counts the starts of `leases` again, now that their handler call
    /// returned (see `StartGate::restamp`); nothing without rate limits.
    fn restamp_starts(&self, leases: &[Lease<JsValue>]) {
        if self.limits == (None, None) {
            return;
        }
        if let Ok(mut st) = self.state() {
            st.gate.restamp(now_ms(), self.limits, leases);
        }
    }

    /// One handler call: `handler(job)`, or `handler(jobs)` for a batch
    /// handler. `now`: when its leases were taken (the call's deadline is
    /// theirs; only the budget in the timeout's message depends on it).
    fn run_call(self: &Rc<Self>, leases: Vec<Lease<JsValue>>, batch: bool, now: u64) {
        let handler = self.processing.handler().map(|h| &h.function);
        let call = handler_call(&leases, batch);
        // Counted as late as can be, so the limits hold at the call itself.
        match self.gate(&leases, true) {
            Gate::Open => {}
            Gate::Wait(ms) => return self.start_later(leases, batch, ms),
            Gate::Stopped => {
                return self.settle(leases, Err(Failure::retry("stopped".to_owned())), now)
            }
        }
        let deadline = leases.iter().map(|l| l.deadline_ms).min().unwrap_or(0);
        let budget = deadline.saturating_sub(now).min(MAX_TIMER_MS) as u32;
        let (outcome, marks) = match handler {
            None => (Err(Failure::retry("no handler".to_owned())), Marks::Ask),
            Some(handler) => {
                let (n, (resolved, rejected)) = (self.next_call(), self.callbacks());
                let called = hot::call_handler(handler, &call, n as f64, resolved, rejected);
                self.restamp_starts(&leases);
                match called {
                    Err(thrown) => (Err(Failure::thrown(&thrown)), Marks::Ask),
                    Ok(hot::FOLLOWED) => {
                        let call = Waiting {
                            leases,
                            call,
                            deadline: now + u64::from(budget),
                            budget,
                        };
                        return self.wait_for(n, call);
                    }
                    // A plain return ended the call; when a job was marked, `conclude` reads the marks.
                    Ok(hot::ENDED) => (Ok(()), Marks::None),
                    Ok(_marked) => (Ok(()), Marks::Ask),
                }
            }
        };
        // The handler ran: a retry's backoff counts from now.
        let now = now_ms();
        self.conclude(leases, &call, outcome, marks, now);
        self.pump_at(now);
    }

    /// Acks (or nacks, at `now`) every job of one call and commits; the
    /// listeners hear of it once that is durable.
    pub(crate) fn settle(
        self: &Rc<Self>,
        leases: Vec<Lease<JsValue>>,
        outcome: Result<(), Failure>,
        now: u64,
    ) {
        self.settle_each(leases, outcome, Vec::new(), now);
    }

    /// The same, where `own[i]` (when given) is the outcome job `i` gave
    /// itself (`job.ack()` / `job.fail(error)`), which wins over the call's
    /// `outcome`.
    pub(crate) fn settle_each(
        self: &Rc<Self>,
        leases: Vec<Lease<JsValue>>,
        outcome: Result<(), Failure>,
        own: Vec<Option<Result<(), Failure>>>,
        now: u64,
    ) {
        let mut events = Vec::new();
        {
            let Ok(mut st) = self.state() else { return };
            st.running -= leases.len();
            st.calls -= 1;
            if st.phase == Phase::Closed {
                // Terminated: what was stored stays as it is; the leases expire.
                return;
            }
            let wanted = self.events().wanted();
            for (i, lease) in leases.into_iter().enumerate() {
                let (id, attempt) = (lease.token.id.0, lease.attempt);
                let outcome = own.get(i).and_then(Option::as_ref).unwrap_or(&outcome);
                let event = match outcome {
                    Ok(()) => st
                        .engine
                        .ack(lease.token)
                        .ok()
                        .map(|_| (names::COMPLETED, None)),
                    Err(f) if !f.retry => st
                        .engine
                        .reject(lease.token, &f.message, now)
                        .ok()
                        .map(|()| (names::DEAD, None)),
                    Err(f) => match nack(&mut st.engine, lease.token, f, now) {
                        Ok(Settled::Dead) => Some((names::DEAD, None)),
                        Ok(Settled::Retry { due_ms }) => Some((names::RETRYING, Some(due_ms))),
                        Err(_) => None,
                    },
                };
                if let (true, Some((kind, retry_at))) = (wanted, event) {
                    let error = outcome.as_ref().err().map(|f| f.message.clone());
                    events.push((kind, id, attempt, retry_at, error));
                }
            }
        }
        if events.is_empty() {
            return self.commit_soon();
        }
        let committed = self.flush();
        let me = Rc::clone(self);
        super::task::spawn(Box::pin(async move {
            if committed.await.is_ok() {
                for (kind, id, attempt, retry_at, error) in events {
                    me.events()
                        .emit(kind, &detail(id, attempt, error.as_deref(), retry_at));
                }
            }
        }));
    }

    /// Sets the one timer to the engine's next wake-up, if that is earlier
    /// than the timer already set (`now`: the time of the pump).
    pub(crate) fn schedule_timer(self: &Rc<Self>, now: u64) {
        let Ok(mut st) = self.state() else { return };
        if st.phase != Phase::Open || !self.processing.active() {
            st.timer = None;
            return;
        }
        let Some(at) = st.engine.next_wake() else {
            return;
        };
        if st.timer.as_ref().is_some_and(|(t, _)| *t <= at) {
            return;
        }
        let delay = at.saturating_sub(now).min(MAX_TIMER_MS) as u32;
        let weak = Rc::downgrade(self);
        let timeout = super::task::timeout(
            delay,
            Box::new(move || {
                if let Some(me) = weak.upgrade() {
                    if let Ok(mut st) = me.state() {
                        st.timer = None;
                    }
                    me.pump();
                }
            }),
        );
        st.timer = Some((at, timeout));
    }
}

/// A failed try: retried after the backoff, or no sooner than the time
/// the failure asked for.
fn nack(
    engine: &mut crate::core::Engine<JsValue>,
    token: crate::core::LeaseToken,
    failure: &Failure,
    now: u64,
) -> crate::core::Result<Settled> {
    match failure.retry_at {
        Some(at) => engine.nack_after(token, &failure.message, at, now),
        None => engine.nack(token, &failure.message, now),
    }
}
