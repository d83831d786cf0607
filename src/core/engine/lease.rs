//! The life of a try: `lease`, then `ack` or `nack` (`nack_after` with a
//! caller's earliest retry time), `reject`, or `expire` when the lease ran out.

use super::{Engine, Fields, Slot, Undo};
use crate::core::config::check_duration;
use crate::core::error::{Error, Result};
use crate::core::record::{MessageId, MessageState};

/// Proof of a lease: acking or nacking needs it, and it goes stale when the
/// lease ends, so a late handler cannot settle a job that moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseToken {
    /// The leased message.
    pub id: MessageId,
    /// The lease's sequence number.
    pub lease: u64,
}

/// A message handed to a handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease<P> {
    /// Settles this lease.
    pub token: LeaseToken,
    /// The payload.
    pub payload: P,
    /// Which try this is, from 1.
    pub attempt: u32,
    /// Tries allowed.
    pub max_attempts: u32,
    /// The key it was enqueued with.
    pub idempotency_key: Option<String>,
    /// Its FIFO group.
    pub group: Option<String>,
    /// When it was enqueued.
    pub enqueued_at_ms: u64,
    /// When the lease runs out.
    pub deadline_ms: u64,
}

/// Where a failed try sent the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Scheduled again at this time.
    Retry {
        /// When it is due again.
        due_ms: u64,
    },
    /// Out of attempts: now a dead letter.
    Dead,
}

/// A lease that ran out, and what became of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// The message.
    pub id: MessageId,
    /// Retried or dead.
    pub outcome: Settled,
}

impl<P: Clone> Engine<P> {
    /// Leases up to `max` ready messages: highest priority first, then
    /// earliest due, then enqueue order; at most one per FIFO group. The
    /// attempt counter is incremented (and recorded) now, before any handler
    /// runs, so a job that kills its worker every time still runs out of tries.
    ///
    /// Each lease is a start counted by the rate limits: fewer are returned
    /// when the queue's limit is spent, and a group whose limit is spent is
    /// skipped until its time (`next_wake` names when either lifts).
    pub fn lease(&mut self, now_ms: u64, max: usize) -> Vec<Lease<P>> {
        self.tick(now_ms);
        let mut out = Vec::with_capacity(max.min(self.ready.len()));
        while out.len() < max {
            if self.queue_start_at() > self.clock {
                break;
            }
            let Some(&slot) = self.ready.first() else {
                break;
            };
            let id = slot.ready_id();
            let Some(e) = self.messages.get_mut(&id) else {
                break;
            };
            // Out of the waiting indexes (a ready message is due: it is in
            // `ready`, and its group's head) and in flight in its group, with
            // this one lookup of the message.
            self.ready.pop_first();
            self.pending -= 1;
            if let Some(group) = e.meta.group().and_then(|g| self.groups.get_mut(g)) {
                group.unindex(id, &mut self.paced);
                group.in_flight = Some(id);
            }
            let lease = self.counters.next_lease;
            self.counters.next_lease += 1;
            let deadline_ms = self.clock.saturating_add(self.config.lease_ms);
            self.undo.push(Undo::Fields(id, Fields::of(&e.meta)));
            e.meta.attempts += 1;
            e.meta.state = MessageState::InFlight { lease, deadline_ms };
            out.push(Lease {
                token: LeaseToken { id, lease },
                payload: e.payload.clone(),
                attempt: e.meta.attempts,
                max_attempts: e.meta.max_attempts,
                idempotency_key: e.meta.idempotency_key().map(str::to_owned),
                group: e.meta.group().map(str::to_owned),
                enqueued_at_ms: e.meta.enqueued_at_ms,
                deadline_ms,
            });
            let group = match self.config.group_rate_limit {
                Some(_) => e.meta.group().map(str::to_owned),
                None => None,
            };
            self.leases.insert(Slot::at(deadline_ms, id));
            self.record_start(group.as_deref());
            self.record_message(id);
        }
        if !out.is_empty() {
            self.record_counters();
        }
        out
    }

    /// The job succeeded: the message is deleted (its idempotency key stays
    /// for the rest of its window).
    pub fn ack(&mut self, token: LeaseToken) -> Result<()> {
        let deadline = self.check_lease(token)?;
        self.leases.remove(&Slot::at(deadline, token.id));
        // Removed first: its group (if any) then lets its next member in.
        if let Some(g) = self.remove_message(token.id) {
            self.group_settle_in(token.id, &g, true);
        }
        self.counters.completed += 1;
        self.record_counters();
        Ok(())
    }

    /// The job failed with `error`: retried after the backoff, or a dead
    /// letter when it has used all its tries.
    pub fn nack(&mut self, token: LeaseToken, error: &str, now_ms: u64) -> Result<Settled> {
        let deadline = self.check_lease(token)?;
        self.tick(now_ms);
        self.leases.remove(&Slot::at(deadline, token.id));
        Ok(self.fail(token.id, error.to_owned(), Some(0)))
    }

    /// `nack`, with the earliest time the caller allows the next try (an
    /// HTTP `Retry-After`): retried at `max(now + backoff, retry_at_ms)`, or
    /// a dead letter when out of tries, like `nack`. `retry_at_ms` beyond
    /// `MAX_TIME_MS` is `InvalidOption` (option `retryAt`), nothing changed.
    pub fn nack_after(
        &mut self,
        token: LeaseToken,
        error: &str,
        retry_at_ms: u64,
        now_ms: u64,
    ) -> Result<Settled> {
        check_duration("retryAt", retry_at_ms)?;
        let deadline = self.check_lease(token)?;
        self.tick(now_ms);
        self.leases.remove(&Slot::at(deadline, token.id));
        Ok(self.fail(token.id, error.to_owned(), Some(retry_at_ms)))
    }

    /// The job failed with `error` in a way no retry can mend (a relay's
    /// "400 Bad Request"): a dead letter at once, whatever tries are left.
    pub fn reject(&mut self, token: LeaseToken, error: &str, now_ms: u64) -> Result<()> {
        let deadline = self.check_lease(token)?;
        self.tick(now_ms);
        self.leases.remove(&Slot::at(deadline, token.id));
        if let Some(e) = self.messages.get_mut(&token.id) {
            self.undo.push(Undo::Fields(token.id, Fields::of(&e.meta)));
            let before = e.meta.replace_last_error(Some(error.to_owned()));
            self.undo.push(Undo::LastError(token.id, before));
        }
        self.bury(token.id);
        Ok(())
    }

    /// Ends every lease whose deadline passed: each message is retried at
    /// once, or becomes a dead letter when out of tries.
    pub fn expire(&mut self, now_ms: u64) -> Vec<Expired> {
        self.tick(now_ms);
        let mut out = Vec::new();
        while let Some(&slot) = self.leases.first() {
            let (deadline, id) = (slot.time(), slot.timed_id());
            if deadline > self.clock {
                break;
            }
            self.leases.pop_first();
            let error = format!("lease expired: no ack within {} ms", self.config.lease_ms);
            let outcome = self.fail(id, error, None);
            out.push(Expired { id, outcome });
        }
        out
    }

    fn check_lease(&self, token: LeaseToken) -> Result<u64> {
        match self.messages.get(&token.id).map(|e| &e.meta.state) {
            Some(MessageState::InFlight { lease, deadline_ms }) if *lease == token.lease => {
                Ok(*deadline_ms)
            }
            _ => Err(Error::StaleLease),
        }
    }

    /// Makes in-flight message `id` a dead letter now (the caller saved its
    /// fields for the undo).
    fn bury(&mut self, id: MessageId) {
        let Some(e) = self.messages.get_mut(&id) else {
            return;
        };
        e.meta.state = MessageState::Dead {
            failed_at_ms: self.clock,
        };
        self.group_settle(id, true);
        self.index_dead(id);
        self.record_message(id);
    }

    /// Ends a failed try: dead letter when out of tries, else waiting again,
    /// after the backoff and no earlier than `Some(not_before)`, or at once
    /// (`None`: an expired lease).
    pub(super) fn fail(&mut self, id: MessageId, error: String, backoff: Option<u64>) -> Settled {
        let Some(e) = self.messages.get_mut(&id) else {
            return Settled::Dead;
        };
        self.undo.push(Undo::Fields(id, Fields::of(&e.meta)));
        let before = e.meta.replace_last_error(Some(error));
        self.undo.push(Undo::LastError(id, before));
        if e.meta.attempts >= e.meta.max_attempts {
            self.bury(id);
            return Settled::Dead;
        }
        let due_ms = match backoff {
            Some(not_before) => {
                let delay = self.config.retry_delay(e.meta.attempts, &mut self.rng);
                self.clock.saturating_add(delay).max(not_before)
            }
            None => self.clock,
        };
        e.meta.due_ms = due_ms;
        e.meta.state = MessageState::Waiting;
        self.counters.retried += 1;
        self.group_settle(id, false);
        self.index_waiting(id);
        self.record_message(id);
        self.record_counters();
        Settled::Retry { due_ms }
    }
}
