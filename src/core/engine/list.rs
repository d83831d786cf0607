//! `jobs`: a paged listing of what waits — pending, delayed and in-flight
//! jobs — filtered by state and group, in id order. Dead letters have
//! `dead_letters`; completed jobs are deleted, so never listed.

use std::ops::Bound;

use super::{Engine, Entry, Slot};
use crate::core::record::{MessageId, MessageState};
use crate::core::sort;

/// Where a listed job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting and due (a FIFO member waiting for its turn included).
    Pending,
    /// Waiting and not yet due (a delay or a retry's backoff).
    Delayed,
    /// Leased to a handler.
    InFlight,
}

impl JobState {
    /// The name JavaScript uses: `"pending"`, `"delayed"`, `"inFlight"`.
    pub fn name(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Delayed => "delayed",
            JobState::InFlight => "inFlight",
        }
    }

    fn bit(self) -> u8 {
        match self {
            JobState::Pending => 1,
            JobState::Delayed => 2,
            JobState::InFlight => 4,
        }
    }
}

/// A set of [`JobState`]s (a filter of `jobs`). `Default` is all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobStates(u8);

impl JobStates {
    /// Pending, delayed and in flight.
    pub const ALL: JobStates = JobStates(7);
    /// No state: lists nothing.
    pub const NONE: JobStates = JobStates(0);

    /// This set with `state` added.
    pub fn with(self, state: JobState) -> Self {
        JobStates(self.0 | state.bit())
    }

    /// Whether `state` is in the set.
    pub fn contains(self, state: JobState) -> bool {
        self.0 & state.bit() != 0
    }
}

impl Default for JobStates {
    fn default() -> Self {
        JobStates::ALL
    }
}

impl FromIterator<JobState> for JobStates {
    fn from_iter<I: IntoIterator<Item = JobState>>(iter: I) -> Self {
        iter.into_iter().fold(JobStates::NONE, JobStates::with)
    }
}

/// A job that waits or runs, as `jobs` lists it (the payload is a clone).
#[derive(Debug, Clone, PartialEq)]
pub struct Job<P> {
    /// Its id.
    pub id: MessageId,
    /// Pending, delayed or in flight, as of the engine's clock.
    pub state: JobState,
    /// Its payload.
    pub payload: P,
    /// Tries so far (an in-flight job's current try included).
    pub attempts: u32,
    /// Tries allowed.
    pub max_attempts: u32,
    /// When it was enqueued.
    pub enqueued_at_ms: u64,
    /// When it is (pending, delayed) or was (in flight) due to run.
    pub due_ms: u64,
    /// In flight: when its lease runs out. `None` otherwise.
    pub deadline_ms: Option<u64>,
    /// Higher runs first.
    pub priority: i32,
    /// Its FIFO group.
    pub group: Option<String>,
    /// The key it was enqueued with.
    pub idempotency_key: Option<String>,
    /// The error of its last failed try, if it was retried.
    pub last_error: Option<String>,
}

impl<P: Clone> Engine<P> {
    /// Jobs in `states` (and in FIFO `group`, if given), in id order, at
    /// most `limit`, starting after `after` (for paging, like
    /// `dead_letters`: pass the last id of a page to get the next). Pending
    /// or delayed is decided by the engine's clock, as `stats` does.
    ///
    /// Cost per page, with `n` messages stored and `k = limit`:
    /// - with a `group`: O(log n + k + the group's members in other
    ///   states passed over), through the group's index;
    /// - `states` without `Pending`: at most O(log n + m log k), `m`
    ///   the delayed and/or in-flight jobs selected: the id range is walked
    ///   until it has passed over `m` messages in other states, then the
    ///   page is taken from the delay and lease indexes instead (in flight
    ///   is bounded by the handlers' concurrency);
    /// - otherwise: O(log n + k + s), `s` the messages in other states in
    ///   the page's id range (dead letters, unselected states). With all
    ///   states that is only dead letters in the range.
    pub fn jobs(
        &self,
        states: JobStates,
        group: Option<&str>,
        after: Option<MessageId>,
        limit: usize,
    ) -> Vec<Job<P>> {
        if limit == 0 || states == JobStates::NONE {
            return Vec::new();
        }
        let ids: Vec<MessageId> = match group {
            Some(name) => {
                let Some(g) = self.groups.get(name) else {
                    return Vec::new();
                };
                let start = after.map_or(Bound::Unbounded, |id| Bound::Excluded(Slot::id(id)));
                g.members
                    .range((start, Bound::Unbounded))
                    .map(|s| s.only_id())
                    .filter(|id| self.listed(*id, states))
                    .take(limit)
                    .collect()
            }
            None if !states.contains(JobState::Pending) => self.sparse_page(states, after, limit),
            None => self
                .messages_after(after)
                .filter(|(_, e)| self.state_of(e).is_some_and(|s| states.contains(s)))
                .take(limit)
                .map(|(id, _)| *id)
                .collect(),
        };
        ids.into_iter().filter_map(|id| self.job(id)).collect()
    }

    fn messages_after(
        &self,
        after: Option<MessageId>,
    ) -> std::collections::btree_map::Range<'_, MessageId, Entry<P>> {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.messages.range((start, Bound::Unbounded))
    }

    /// A page of delayed and/or in-flight jobs (see `jobs` for the cost).
    fn sparse_page(
        &self,
        states: JobStates,
        after: Option<MessageId>,
        limit: usize,
    ) -> Vec<MessageId> {
        let delayed = states.contains(JobState::Delayed);
        let in_flight = states.contains(JobState::InFlight);
        let selected =
            usize::from(delayed) * self.future.len() + usize::from(in_flight) * self.leases.len();
        let mut page = Vec::new();
        let mut passed = 0usize;
        for (id, e) in self.messages_after(after) {
            if self.state_of(e).is_some_and(|s| states.contains(s)) {
                page.push(*id);
                if page.len() == limit {
                    return page;
                }
            } else {
                passed += 1;
                if passed > selected {
                    break;
                }
            }
        }
        if passed <= selected {
            return page;
        }
        let above = |id: &MessageId| after.map_or(true, |a| *id > a);
        let mut ids: Vec<MessageId> = Vec::new();
        if delayed {
            ids.extend(self.future.iter().map(|s| s.timed_id()).filter(above));
        }
        if in_flight {
            ids.extend(self.leases.iter().map(|s| s.timed_id()).filter(above));
        }
        sort::smallest(&mut ids, limit);
        ids
    }

    fn listed(&self, id: MessageId, states: JobStates) -> bool {
        self.messages
            .get(&id)
            .and_then(|e| self.state_of(e))
            .is_some_and(|s| states.contains(s))
    }

    /// The listing state of a stored message; `None` for a dead letter.
    fn state_of(&self, e: &Entry<P>) -> Option<JobState> {
        match e.meta.state {
            MessageState::Waiting if e.meta.due_ms > self.clock => Some(JobState::Delayed),
            MessageState::Waiting => Some(JobState::Pending),
            MessageState::InFlight { .. } => Some(JobState::InFlight),
            MessageState::Dead { .. } => None,
        }
    }

    fn job(&self, id: MessageId) -> Option<Job<P>> {
        let e = self.messages.get(&id)?;
        let state = self.state_of(e)?;
        let deadline_ms = match e.meta.state {
            MessageState::InFlight { deadline_ms, .. } => Some(deadline_ms),
            _ => None,
        };
        Some(Job {
            id,
            state,
            payload: e.payload.clone(),
            attempts: e.meta.attempts,
            max_attempts: e.meta.max_attempts,
            enqueued_at_ms: e.meta.enqueued_at_ms,
            due_ms: e.meta.due_ms,
            deadline_ms,
            priority: e.meta.priority,
            group: e.meta.group().map(str::to_owned),
            idempotency_key: e.meta.idempotency_key().map(str::to_owned),
            last_error: e.meta.last_error().map(str::to_owned),
        })
    }
}
