//! Rate limits (`Config::rate_limit` per queue, `Config::group_rate_limit`
//! per FIFO group): at most `max` lease starts in any `interval_ms`.
//!
//! Each limit is a sliding window kept exactly: the times of its last `max`
//! starts, oldest first. A start at `now` is allowed when fewer than `max`
//! starts were made, or the oldest of the last `max` is at least
//! `interval_ms` old; so the next allowed start is `oldest + interval_ms`.
//! The queue's limit stops `lease` (it returns fewer) and `next_wake` names
//! the time it lets work start. A group whose limit is spent keeps its head
//! out of `ready`, in `paced` until that time (so `lease` never scans past
//! held-back groups).
//!
//! The start times are not stored (no record layout change). After
//! `from_records` (a reopen, takeover or rollback) the previous instance may
//! have spent the whole window just before it stopped, and its acked starts
//! left no trace, so the rebuilt engine starts nothing for one interval
//! (per limit) from the rebuild time: that is the only rule that never
//! exceeds a limit without knowing those times. A store that was never
//! leased from (no lease number handed out, no attempt made) has no
//! earlier starts and is not held. [`Engine::keep_pace`] hands a rebuilt
//! engine the exact memory of the engine it replaces in the same instance
//! (a rollback), so that case need not wait.

use std::collections::HashMap;

use super::Engine;
use crate::core::deadlines::Deadlines;
use crate::core::rate_window::RateWindow as Window;

/// The memory of the rate limits.
#[derive(Debug, Clone, Default)]
pub(super) struct Pace {
    queue: Window,
    groups: HashMap<String, Window>,
    /// `(time, group)`: from `time` on, the group's window may no longer
    /// limit anything and can be forgotten (checked when popped).
    idle: Deadlines,
    /// After a rebuild: no start before this.
    hold: u64,
    /// After a rebuild: no group start before this.
    group_hold: u64,
}

impl<P: Clone> Engine<P> {
    /// The earliest time the queue's limit allows a start (at or before the
    /// clock: now).
    pub(super) fn queue_start_at(&self) -> u64 {
        match self.config.rate_limit {
            None => 0,
            Some(limit) => self.pace.hold.max(self.pace.queue.next_start(limit)),
        }
    }

    /// The earliest time `group`'s limit allows one of its jobs to start.
    pub(super) fn group_start_at(&self, group: &str) -> u64 {
        match self.config.group_rate_limit {
            None => 0,
            Some(limit) => {
                let window = self
                    .pace
                    .groups
                    .get(group)
                    .map_or(0, |w| w.next_start(limit));
                self.pace.group_hold.max(window)
            }
        }
    }

    /// Counts a lease start now (of a job of `group`, if any).
    pub(super) fn record_start(&mut self, group: Option<&str>) {
        let now = self.clock;
        if let Some(limit) = self.config.rate_limit {
            self.pace.queue.record(now, limit);
        }
        if let (Some(limit), Some(g)) = (self.config.group_rate_limit, group) {
            self.pace
                .groups
                .entry(g.to_owned())
                .or_default()
                .record(now, limit);
            let idle_at = now.saturating_add(limit.interval_ms);
            self.pace.idle.push(idle_at, g.to_owned());
        }
    }

    /// Forgets the windows of groups whose every start is an interval old:
    /// they limit nothing, and the memory stays proportional to the groups
    /// started within the last interval.
    pub(super) fn forget_idle_windows(&mut self) {
        let Some(limit) = self.config.group_rate_limit else {
            return;
        };
        while let Some((_, group)) = self.pace.idle.pop_due(self.clock) {
            let idle = self
                .pace
                .groups
                .get(&group)
                .map_or(true, |w| w.idle(self.clock, limit));
            if idle {
                self.pace.groups.remove(&group);
            }
        }
    }

    /// Group heads whose limit now lets them start go to `ready`.
    pub(super) fn promote_paced(&mut self) {
        while let Some(&slot) = self.paced.first() {
            if slot.time() > self.clock {
                break;
            }
            self.paced.pop_first();
            let group = self
                .messages
                .get(&slot.timed_id())
                .and_then(|e| e.meta.group().map(str::to_owned));
            if let Some(g) = group {
                self.refresh_group(&g);
            }
        }
    }

    /// The conservative rule after a rebuild at `now_ms` (see the module
    /// comment): nothing starts for one interval of each limit.
    pub(super) fn hold_after_rebuild(&mut self, now_ms: u64) {
        if let Some(limit) = self.config.rate_limit {
            self.pace.hold = now_ms.saturating_add(limit.interval_ms);
        }
        if let Some(limit) = self.config.group_rate_limit {
            self.pace.group_hold = now_ms.saturating_add(limit.interval_ms);
        }
    }

    /// Takes over the rate limits' memory of `previous`, the engine this one
    /// replaces in the same instance (a rollback rebuild): the starts it
    /// counted are exact, so the rebuild hold is dropped. Group heads held
    /// back are placed again under the exact memory. Never use it across
    /// instances (another instance's starts are not in `previous`).
    pub fn keep_pace(&mut self, previous: &Engine<P>) {
        self.pace = previous.pace.clone();
        let groups: Vec<String> = self.groups.keys().cloned().collect();
        for g in groups {
            self.refresh_group(&g);
        }
        self.promote_paced();
    }
}
