//! `StartGate`: the rate limits applied again at the moment handlers are
//! called. The engine counts a start when it leases a job, but the handler
//! runs only once that lease is committed, a varying lag later; without a
//! second count, handler starts could cluster past `max` in some interval
//! (measured: 116–131 calls in a sliding 100 ms under a limit of 100). The
//! gate delays a call until its jobs fit the window of actual starts — by
//! at most about one commit's lag, since the engine already paced the
//! leases — so what the handler's API sees never exceeds the limit. A start
//! is counted before its call and moved up to the moment the call's
//! synchronous part returned (`restamp`), so a turn preempted or busy
//! between the count and a handler's own clock read cannot let a later
//! call in early.

use std::collections::HashMap;

use wasm_bindgen::JsValue;

use crate::core::{Lease, RateLimit, RateWindow};

/// The queue's and the groups' limits (`rateLimit`, `groupRateLimit`).
pub(crate) type Limits = (Option<RateLimit>, Option<RateLimit>);

/// Actual handler starts under the rate limits.
#[derive(Default)]
pub(crate) struct StartGate {
    queue: RateWindow,
    groups: HashMap<String, RateWindow>,
}

/// How many of `leases` belong to each FIFO group.
fn per_group(leases: &[Lease<JsValue>]) -> Vec<(&str, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for g in leases.iter().filter_map(|l| l.group.as_deref()) {
        match counts.iter_mut().find(|(name, _)| *name == g) {
            Some((_, n)) => *n += 1,
            None => counts.push((g, 1)),
        }
    }
    counts
}

impl StartGate {
    /// When the jobs of one handler call may start (at or before `now`: now).
    ///
    /// The clock has whole milliseconds (`Date.now()`), and a call counted
    /// at `t` may really start anywhere in `[t, t + 1)`: so a call waits one
    /// whole millisecond past the moment the oldest start leaves the
    /// window, and the real gap is at least the interval however the calls
    /// fall within their milliseconds.
    pub(crate) fn opens_at(&self, (queue, group): Limits, leases: &[Lease<JsValue>]) -> u64 {
        let mut at = queue.map_or(0, |l| self.queue.next_start_for(leases.len(), l));
        if let Some(limit) = group {
            for (g, n) in per_group(leases) {
                let window = self.groups.get(g).map_or(0, |w| w.next_start_for(n, limit));
                at = at.max(window);
            }
        }
        match at {
            0 => 0,
            at => at + 1,
        }
    }

    /// Moves the starts of `leases`, just counted, up to `now`: when their
    /// handler call's synchronous part returned (a preempted or busy turn
    /// between the count and the call must not let a later call start
    /// early, as seen by the handlers' own clock reads).
    pub(crate) fn restamp(&mut self, now: u64, (queue, group): Limits, leases: &[Lease<JsValue>]) {
        if queue.is_some() {
            self.queue.restamp_newest(leases.len(), now);
        }
        if group.is_some() {
            for (g, n) in per_group(leases) {
                if let Some(window) = self.groups.get_mut(g) {
                    window.restamp_newest(n, now);
                }
            }
        }
    }

    /// Counts the starts of `leases` at `now`, and forgets groups whose
    /// starts are all an interval old.
    pub(crate) fn record(&mut self, now: u64, (queue, group): Limits, leases: &[Lease<JsValue>]) {
        if let Some(limit) = queue {
            for _ in leases {
                self.queue.record(now, limit);
            }
        }
        if let Some(limit) = group {
            self.groups.retain(|_, w| !w.idle(now, limit));
            for (g, n) in per_group(leases) {
                let window = self.groups.entry(g.to_owned()).or_default();
                for _ in 0..n {
                    window.record(now, limit);
                }
            }
        }
    }
}
