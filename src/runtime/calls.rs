//! Handler calls waiting on a returned promise. Every call of a queue is
//! followed with the same two callbacks (called by `hot.js` with the call's
//! number, so no wasm closure is made per call), and one watchdog timer —
//! not one per call — cuts off calls that outlive their lease deadline
//! (set again for the time left when it fires early).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::failure::Failure;
use super::hot::Call;
use super::{now_ms, Leader};
use crate::core::Lease;

/// Largest delay `setTimeout` takes.
const MAX_TIMER_MS: u64 = i32::MAX as u64;

/// What wasm knows of the outcomes a call's jobs gave themselves
/// (`job.ack()` / `job.fail(error)`) when the call ends.
pub(crate) enum Marks {
    /// The call ended in `hot.js` and no job was marked.
    None,
    /// The call ended in `hot.js` with these marks (`Call::end`'s answer).
    Given(JsValue),
    /// Not known: `conclude` ends the call and reads them (one crossing).
    Ask,
}

/// One handler call whose promise has not settled.
pub(crate) struct Waiting {
    /// The jobs of the call.
    pub leases: Vec<Lease<JsValue>>,
    /// The jobs' `signal`, aborted when the call fails or times out.
    pub call: Call,
    /// When the call is cut off (ms since the epoch).
    pub deadline: u64,
    /// The call's time budget, for the error text.
    pub budget: u32,
}

/// Hashes a call number with one multiply (Fibonacci hashing: distinct
/// and well spread for numbers that count up) instead of SipHash: call
/// numbers come from this queue, not from an adversary, and the map's code
/// is smaller (-76 B gzipped; no speed change measured at concurrency 16).
#[derive(Default)]
pub(crate) struct CallNumberHasher(u64);

impl Hasher for CallNumberHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(self.0 ^ u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The calls of one queue that wait on a promise.
#[derive(Default)]
pub(crate) struct Calls {
    next: u64,
    waiting: HashMap<u64, Waiting, BuildHasherDefault<CallNumberHasher>>,
    /// The watchdog: when it fires, and the timer.
    watchdog: Option<(u64, Timeout)>,
    /// Tests only: the next watchdog timer is set this many ms short, as
    /// if it fired early (Node fires timers early after a busy turn).
    #[cfg(feature = "test-hooks")]
    early_ms: Option<u32>,
}

impl Leader {
    /// The number of the next handler call (its promise's callbacks get it).
    pub(crate) fn next_call(&self) -> u64 {
        match self.calls.try_borrow_mut() {
            Ok(mut calls) => {
                calls.next += 1;
                calls.next
            }
            Err(_) => 0,
        }
    }

    /// Waits for call `n`, whose promise `hot.js` follows, until it settles
    /// or the call's deadline passes; then settles the call's jobs.
    pub(crate) fn wait_for(self: &Rc<Self>, n: u64, call: Waiting) {
        let Ok(mut calls) = self.calls.try_borrow_mut() else {
            return;
        };
        let deadline = call.deadline;
        calls.waiting.insert(n, call);
        if !calls
            .watchdog
            .as_ref()
            .is_some_and(|(at, _)| *at <= deadline)
        {
            let timer = self.watchdog(deadline, &mut calls);
            calls.watchdog = Some((deadline, timer));
        }
    }

    /// Cuts off the calls whose deadline has passed (when the watchdog is due).
    pub(crate) fn time_out_calls(self: &Rc<Self>, now: u64) {
        let due = {
            let Ok(mut calls) = self.calls.try_borrow_mut() else {
                return;
            };
            if !calls.watchdog.as_ref().is_some_and(|(at, _)| *at <= now) {
                return;
            }
            let late: Vec<u64> = calls
                .waiting
                .iter()
                .filter(|(_, w)| w.deadline <= now)
                .map(|(n, _)| *n)
                .collect();
            let due: Vec<Waiting> = late
                .iter()
                .filter_map(|n| calls.waiting.remove(n))
                .collect();
            let next = calls.waiting.values().map(|w| w.deadline).min();
            let timer = next.map(|at| (at, self.watchdog(at, &mut calls)));
            calls.watchdog = timer;
            due
        };
        for call in due {
            let error = format!("timed out after {} ms (leaseMs)", call.budget);
            let outcome = Err(Failure::retry(error));
            self.conclude(call.leases, &call.call, outcome, Marks::Ask, now);
        }
    }

    /// A call's promise settled (`outcome`, with what is known of its
    /// jobs' `marks`): settle its jobs, unless it was cut off already.
    fn call_settled(self: &Rc<Self>, n: u64, outcome: Result<(), Failure>, marks: Marks) {
        let call = match self.calls.try_borrow_mut() {
            Ok(mut calls) => calls.waiting.remove(&n),
            Err(_) => None,
        };
        if let Some(call) = call {
            let now = now_ms();
            self.conclude(call.leases, &call.call, outcome, marks, now);
            self.pump_at(now);
        }
    }

    /// Aborts the signal of a failed call, then acks or nacks its jobs (at
    /// `now`): each job that settled itself by its own outcome, the rest by
    /// the call's. `marks`: the jobs' own outcomes, when the call ended in
    /// `hot.js` (only a call that succeeded does: a failed one is aborted
    /// first, and ended here, so a mark made when its signal aborts counts).
    pub(crate) fn conclude(
        self: &Rc<Self>,
        leases: Vec<Lease<JsValue>>,
        call: &Call,
        outcome: Result<(), Failure>,
        marks: Marks,
        now: u64,
    ) {
        if outcome.is_err() {
            call.abort();
        }
        let own = match marks {
            Marks::None => Vec::new(),
            Marks::Given(marks) => Failure::own_outcomes(&marks, leases.len()),
            Marks::Ask => Failure::own_outcomes(&call.end(), leases.len()),
        };
        self.settle_each(leases, outcome, own, now);
    }

    /// The watchdog's timer, due at `at`. When it fires the calls past
    /// their deadline are cut off (by the pump, which does that first, even
    /// while paused); a timer that fired before `at` sets itself again for
    /// the time left, or a paused queue (no engine timer to cover for it)
    /// would let a hanging call outlive its deadline until `resume()`.
    fn watchdog(self: &Rc<Self>, at: u64, calls: &mut Calls) -> Timeout {
        let delay = at.saturating_sub(now_ms()).min(MAX_TIMER_MS) as u32;
        let delay = delay.saturating_sub(calls.take_early_ms());
        let weak = Rc::downgrade(self);
        super::task::timeout(
            delay,
            Box::new(move || {
                if let Some(me) = weak.upgrade() {
                    let now = now_ms();
                    me.rearm_early_watchdog(now);
                    me.pump_at(now);
                }
            }),
        )
    }

    /// The watchdog fired at `now`: if that is before it was due, it is set
    /// again for the time left.
    fn rearm_early_watchdog(self: &Rc<Self>, now: u64) {
        let Ok(mut calls) = self.calls.try_borrow_mut() else {
            return;
        };
        if let Some(at) = calls
            .watchdog
            .as_ref()
            .map(|(at, _)| *at)
            .filter(|at| *at > now)
        {
            let timer = self.watchdog(at, &mut calls);
            calls.watchdog = Some((at, timer));
        }
    }

    /// Tests only: the next watchdog timer fires `ms` before its time.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn fire_watchdog_early(&self, ms: u32) {
        if let Ok(mut calls) = self.calls.try_borrow_mut() {
            calls.early_ms = Some(ms);
        }
    }

    /// The queue's two callbacks, `resolved(n, marks, marked)` and
    /// `rejected(n, error, 0)` (see `hot::call_handler`), made on first use
    /// and lent to every call (no clone per call). They hold the queue
    /// weakly: a promise that settles after the queue is gone does nothing.
    pub(crate) fn callbacks(self: &Rc<Self>) -> &(js_sys::Function, js_sys::Function) {
        self.callbacks.get_or_init(|| {
            let callback = |ok: bool| -> js_sys::Function {
                let weak = Rc::downgrade(self);
                Closure::<dyn Fn(f64, JsValue, f64)>::new(
                    move |n: f64, value: JsValue, marked: f64| {
                        if let Some(me) = weak.upgrade() {
                            let (outcome, marks) = match (ok, marked != 0.0) {
                                (true, true) => (Ok(()), Marks::Given(value)),
                                (true, false) => (Ok(()), Marks::None),
                                (false, _) => (Err(Failure::thrown(&value)), Marks::Ask),
                            };
                            me.call_settled(n as u64, outcome, marks);
                        }
                    },
                )
                .into_js_value()
                .unchecked_into()
            };
            (callback(true), callback(false))
        })
    }
}

impl Calls {
    /// How much earlier than due the next watchdog timer is set (tests only;
    /// see `Leader::fire_watchdog_early`).
    #[cfg(feature = "test-hooks")]
    fn take_early_ms(&mut self) -> u32 {
        self.early_ms.take().unwrap_or(0)
    }

    #[cfg(not(feature = "test-hooks"))]
    fn take_early_ms(&mut self) -> u32 {
        0
    }
}
