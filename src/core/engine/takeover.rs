//! `recover_leases`: what a new leader does with the leases it finds in
//! flight when it opens or takes over a store.

use super::{Engine, Expired};

/// The last error of a job whose instance stopped while running it.
pub(super) const STOPPED: &str = "the instance running it stopped before the job settled";

impl<P: Clone> Engine<P> {
    /// Ends every lease in flight as a failed try, now: each job is retried
    /// after the backoff (its attempt was counted when it was leased), or is
    /// a dead letter when out of tries, with the last error "the instance
    /// running it stopped ...". Returns them in deadline order; journaled
    /// like `nack`.
    ///
    /// For the runtime to call once, right after it opened or took over a
    /// store (`from_records`): a store has one leader, and a new leader gets
    /// the lock only when the previous one is gone, so no lease it finds can
    /// still be settled. So those jobs run again after the backoff instead of
    /// after the rest of their lease, and a job that kills its instance every
    /// time still ends in the dead letters after `max_attempts`. Not for a
    /// rollback rebuild in a live instance, whose handlers are still running.
    pub fn recover_leases(&mut self, now_ms: u64) -> Vec<Expired> {
        self.tick(now_ms);
        let mut out = Vec::with_capacity(self.leases.len());
        while let Some(slot) = self.leases.pop_first() {
            let id = slot.timed_id();
            let outcome = self.fail(id, STOPPED.to_owned(), Some(0));
            out.push(Expired { id, outcome });
        }
        out
    }
}
