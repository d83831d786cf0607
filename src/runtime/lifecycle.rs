//! Starting, pausing and stopping the leader: a change of handler or
//! pause flag, `drained`, `close` and `terminate`, and the checks that
//! resolve their waiters after each change. Both ways of stopping hand the
//! committed state to a store that kept nothing while the leader ran
//! (`AnyStore::hand_over`), before the lock is let go.

use std::rc::Rc;

use crate::oneshot;

use super::{Leader, Phase, QueueError, State};
use crate::store::Store;

fn is_drained(st: &State) -> bool {
    let s = st.engine.stats();
    s.pending + s.delayed + s.in_flight == 0
        && st.running == 0
        && !st.flushing
        && !st.engine.has_mutations()
}

impl Leader {
    /// The instance's handler or pause flag changed: start what may start
    /// now, or (paused, or no handler) stop waking up.
    pub fn processing_changed(self: &Rc<Self>) {
        if self.processing.active() {
            self.pump();
        } else if let Ok(mut st) = self.state() {
            st.timer = None;
        }
    }

    /// Resolves when nothing is pending, delayed or in flight and every change is durable.
    pub async fn drained(self: &Rc<Self>) -> Result<(), QueueError> {
        let rx = {
            let mut st = self.state()?;
            if is_drained(&st) {
                return Ok(());
            }
            let (tx, rx) = oneshot::channel();
            st.drained.push(tx);
            rx
        };
        rx.await.map_err(|_| QueueError::closed())
    }

    /// Stops processing, waits for the jobs in flight to settle and every
    /// change to be committed, then closes the store. Idempotent.
    pub async fn close(self: &Rc<Self>) -> Result<(), QueueError> {
        let idle = {
            let mut st = self.state()?;
            if st.phase == Phase::Closed {
                return Ok(());
            }
            st.phase = Phase::Closing;
            st.timer = None;
            if st.running == 0 {
                None
            } else {
                let (tx, rx) = oneshot::channel();
                st.idle.push(tx);
                Some(rx)
            }
        };
        if let Some(rx) = idle {
            let _ = rx.await;
        }
        let flushed = self.flush().await;
        {
            let mut st = self.state()?;
            st.phase = Phase::Closed;
            // Waiters for `drained` will never see it now.
            st.drained.clear();
            self.store.hand_over(&mut st.engine);
        }
        self.store.close();
        super::panic::unregister(self);
        flushed
    }

    /// Stops at once, as a crashed tab would: no more commits, jobs in flight
    /// are not settled, their leases stay stored and expire, and they are
    /// delivered again by the next instance. Pending callers reject.
    pub fn terminate(self: &Rc<Self>) {
        if let Ok(mut st) = self.state() {
            st.phase = Phase::Closed;
            st.timer = None;
            st.drained.clear();
            st.idle.clear();
            // Uncommitted changes are dropped with the waiters, who see
            // QUEUE_CLOSED; a store that kept nothing gets only what was committed.
            st.engine.take_mutations();
            self.store.hand_over(&mut st.engine);
            st.waiters.clear();
            st.batch_promise = None;
            // Leases not yet committed: their calls never start.
            for round in std::mem::take(&mut st.to_start) {
                st.give_back(&round);
            }
        }
        self.store.close();
        super::panic::unregister(self);
    }

    /// Panics while holding the state, as a bug would (tests of the panic hook).
    #[cfg(feature = "test-hooks")]
    pub fn panic_for_test(&self) {
        let _held = self.state();
        panic!("deliberate panic for a test");
    }

    /// Resolves `drained` and `close` waiters whose condition now holds.
    pub(crate) fn after_change(self: &Rc<Self>) {
        let observer = self.observer.borrow().clone();
        if let Some(observer) = observer {
            observer();
        }
        let Ok(mut st) = self.state() else { return };
        if st.running == 0 {
            for tx in std::mem::take(&mut st.idle) {
                let _ = tx.send(());
            }
        }
        if is_drained(&st) {
            for tx in std::mem::take(&mut st.drained) {
                let _ = tx.send(());
            }
        }
    }

    /// Whether the queue is closed (or closing).
    pub fn is_closed(&self) -> bool {
        self.state()
            .map(|st| st.phase != Phase::Open)
            .unwrap_or(true)
    }
}

impl Drop for Leader {
    /// The last holder let go of a leader that neither closed nor
    /// terminated (an instance dropped while leading terminates it first,
    /// see `leadership.rs`, so this is a backstop): the committed state
    /// still goes to the store.
    fn drop(&mut self) {
        let Leader { store, state, .. } = self;
        let st = state.get_mut();
        if st.phase != Phase::Closed {
            st.engine.take_mutations();
            store.hand_over(&mut st.engine);
        }
    }
}
