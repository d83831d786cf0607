//! `RateWindow`: one sliding-window rate limit, kept exactly — the times of
//! the last `max` starts within the interval, oldest first. A start at `t`
//! fits when fewer than `max` starts happened in `(t - interval, t]`. The
//! engine counts a start when it leases a job; the runtime counts again
//! when it calls the handler (a lease is committed first, so a handler
//! starts a little later than its lease, by a varying lag): the same rule,
//! one implementation, at both points.

use std::collections::VecDeque;

use super::config::RateLimit;

/// The times of the last `max` starts under one limit, oldest first.
#[derive(Debug, Clone, Default)]
pub struct RateWindow(VecDeque<u64>);

impl RateWindow {
    /// The earliest time another start fits under `limit`.
    pub fn next_start(&self, limit: RateLimit) -> u64 {
        self.next_start_for(1, limit)
    }

    /// The earliest time `n` more starts fit at once under `limit` (`n`
    /// over `max` is taken as `max`: when the whole window is free).
    pub fn next_start_for(&self, n: usize, limit: RateLimit) -> u64 {
        let max = limit.max as usize;
        let n = n.clamp(1, max.max(1));
        let len = self.0.len();
        if len + n <= max {
            return 0;
        }
        // These many of the oldest starts must have left the window.
        let leaving = len + n - max;
        self.0
            .get(leaving - 1)
            .map_or(0, |t| t.saturating_add(limit.interval_ms))
    }

    /// Counts a start at `at` (not before the newest counted), forgetting
    /// starts that no longer count (over `max` back, or an interval old):
    /// at most min(max, starts in the last interval) times are kept.
    pub fn record(&mut self, at: u64, limit: RateLimit) {
        while self
            .0
            .front()
            .is_some_and(|t| t.saturating_add(limit.interval_ms) <= at)
        {
            self.0.pop_front();
        }
        let at = self.0.back().map_or(at, |newest| at.max(*newest));
        self.0.push_back(at);
        while self.0.len() > limit.max as usize {
            self.0.pop_front();
        }
    }

    /// Moves the newest `n` starts counted up to `at` (never down): the
    /// runtime counts a handler's start before it calls it, then again at
    /// `at`, when the handler's synchronous part has returned, so that any
    /// clock a handler reads at its start is no later than its count.
    pub fn restamp_newest(&mut self, n: usize, at: u64) {
        for t in self.0.iter_mut().rev().take(n) {
            *t = (*t).max(at);
        }
    }

    /// Whether every start counted is an interval old at `now` (the window
    /// limits nothing and can be dropped).
    pub fn idle(&self, now: u64, limit: RateLimit) -> bool {
        self.0
            .back()
            .map_or(true, |t| t.saturating_add(limit.interval_ms) <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        max: 3,
        interval_ms: 100,
    };

    #[test]
    fn starts_fit_until_max_then_when_the_oldest_leaves() {
        let mut w = RateWindow::default();
        for t in [0, 10, 20] {
            assert!(w.next_start(LIMIT) <= t);
            w.record(t, LIMIT);
        }
        assert_eq!(w.next_start(LIMIT), 100, "the oldest (0) leaves at 100");
        assert_eq!(
            w.next_start_for(2, LIMIT),
            110,
            "two fit once 0 and 10 left"
        );
        assert_eq!(w.next_start_for(3, LIMIT), 120, "the whole window");
        assert_eq!(
            w.next_start_for(9, LIMIT),
            120,
            "more than max: the whole window"
        );
        w.record(100, LIMIT);
        assert_eq!(w.next_start(LIMIT), 110);
        assert!(!w.idle(119, LIMIT));
        assert!(w.idle(200, LIMIT));
    }

    #[test]
    fn restamping_moves_the_newest_starts_up_never_down() {
        let mut w = RateWindow::default();
        for t in [0, 10, 20] {
            w.record(t, LIMIT);
        }
        w.restamp_newest(2, 30);
        assert_eq!(w.next_start(LIMIT), 100, "the oldest is untouched");
        assert_eq!(w.next_start_for(2, LIMIT), 130, "10 and 20 now count at 30");
        w.restamp_newest(1, 5);
        assert_eq!(w.next_start_for(3, LIMIT), 130, "never moved down");
        w.restamp_newest(9, 40);
        assert_eq!(w.next_start(LIMIT), 140, "more than counted: all of them");
    }

    #[test]
    fn no_window_ever_holds_more_than_max() {
        // Starts taken as soon as allowed, n at a time, against a brute-force count.
        let mut w = RateWindow::default();
        let mut starts: Vec<u64> = Vec::new();
        let mut t = 0;
        for step in 0..500u64 {
            let n = (step % 3 + 1) as usize;
            t = t.max(w.next_start_for(n, LIMIT)) + step % 7;
            for _ in 0..n {
                w.record(t, LIMIT);
                starts.push(t);
            }
        }
        for (i, &a) in starts.iter().enumerate() {
            let inside = starts[i..]
                .iter()
                .take_while(|&&s| s < a + LIMIT.interval_ms)
                .count();
            assert!(
                inside <= LIMIT.max as usize,
                "{inside} starts in [{a}, {a}+100)"
            );
        }
    }
}
