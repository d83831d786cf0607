//! Group commit: every mutation made in one turn of the event loop goes to
//! the store as one batch; one commit in flight at a time, the next batch
//! accumulating meanwhile. A committed batch drops its undo in the engine
//! (`Engine::committed`); a failed one rejects every caller of that batch
//! and of the one accumulating, and rolls the engine back to the state
//! before it (`Engine::roll_back`: the engine's own undo; the stores keep
//! no copy of the records). Right after a batch is drained the engine's
//! state is what the store will hold once that batch is durable: the one
//! moment a log-structured store may take its snapshot from it
//! (`AnyStore::fold`), to write once the commit succeeded.

use std::rc::Rc;

use crate::oneshot;

use super::events::names;
use super::{now_ms, Leader, QueueError};
use crate::store::{StoreError, StoreErrorKind};

impl Leader {
    /// Resolves when everything the engine changed so far is durable.
    pub(crate) fn flush(
        self: &Rc<Self>,
    ) -> impl std::future::Future<Output = Result<(), QueueError>> {
        let (tx, rx) = oneshot::channel();
        let start = match self.state() {
            Ok(mut st) => {
                st.waiters.push(tx);
                !std::mem::replace(&mut st.flushing, true)
            }
            Err(e) => {
                let _ = tx.send(Err(StoreError::new(
                    StoreErrorKind::Failed,
                    e.into_message(),
                )));
                false
            }
        };
        if start {
            self.spawn_commit_loop();
        }
        async move {
            match rx.await {
                Ok(result) => result.map_err(QueueError::from),
                Err(_) => Err(QueueError::closed()),
            }
        }
    }

    /// Makes sure the commit loop runs, for changes nobody waits on (the
    /// settling of a call no listener hears of): no channel for a waiter.
    pub(crate) fn commit_soon(self: &Rc<Self>) {
        let start = match self.state() {
            Ok(mut st) => !std::mem::replace(&mut st.flushing, true),
            Err(_) => false,
        };
        if start {
            self.spawn_commit_loop();
        }
    }

    fn spawn_commit_loop(self: &Rc<Self>) {
        let me = Rc::clone(self);
        super::task::spawn(Box::pin(async move { me.commit_loop().await }));
    }

    async fn commit_loop(self: Rc<Self>) {
        loop {
            let next = {
                let Ok(mut st) = self.state() else { return };
                // Asked before the drain: an engine that does not journal
                // (see `AnyStore::needs_journal`) drains an empty batch
                // for a turn that changed something, which still commits.
                let changed = st.engine.has_mutations();
                let batch = st.engine.take_mutations();
                // Before any await: the engine holds exactly what the store
                // will once this batch is durable.
                let fold = if changed {
                    self.store.fold(&st.engine)
                } else {
                    None
                };
                if !changed {
                    // Nothing to store: settled at once.
                    st.engine.committed();
                }
                let waiters = std::mem::take(&mut st.waiters);
                let rounds = std::mem::take(&mut st.to_start);
                st.batch_promise = None;
                if !changed && waiters.is_empty() && rounds.is_empty() {
                    st.flushing = false;
                    None
                } else {
                    Some((changed, batch, fold, waiters, rounds))
                }
            };
            let Some((changed, batch, fold, waiters, rounds)) = next else {
                self.after_change();
                return;
            };
            let result = if !changed {
                Ok(())
            } else {
                let result = match self.injected_fault() {
                    Some(fault) => Err(fault),
                    None => self.store.commit_folding(batch, fold).await,
                };
                match &result {
                    Ok(()) => {
                        if let Ok(mut st) = self.state() {
                            st.engine.committed();
                        }
                    }
                    Err(e) => self.roll_back(e),
                }
                result
            };
            for w in waiters {
                let _ = w.send(result.clone());
            }
            self.start_rounds(rounds, result.is_ok());
        }
    }

    /// A fault a test asked for: the next commit fails as the store would
    /// have failed it (storing nothing).
    #[cfg(feature = "test-hooks")]
    fn injected_fault(&self) -> Option<StoreError> {
        self.faults.borrow_mut().pop_front()
    }

    #[cfg(not(feature = "test-hooks"))]
    fn injected_fault(&self) -> Option<StoreError> {
        None
    }

    /// Makes the next commit not yet failed fail with `kind` (tests only).
    #[cfg(feature = "test-hooks")]
    pub fn fail_next_commit(&self, kind: StoreErrorKind) {
        let error = StoreError::new(kind, "injected fault: the commit stored nothing");
        self.faults.borrow_mut().push_back(error);
    }

    /// Takes the engine back to the state before the failed batch (what the
    /// store holds; the rate limits keep their memory) and rejects the
    /// callers whose changes were built on it (the leases taken since do
    /// not start either).
    fn roll_back(self: &Rc<Self>, error: &StoreError) {
        let Ok(mut st) = self.state() else { return };
        st.engine.roll_back(now_ms());
        st.batch_promise = None;
        for w in std::mem::take(&mut st.waiters) {
            let _ = w.send(Err(error.clone()));
        }
        let rounds = std::mem::take(&mut st.to_start);
        drop(st);
        self.start_rounds(rounds, false);
        let detail = QueueError::from(error.clone()).to_js();
        self.events().emit(names::ERROR, &detail);
    }
}
