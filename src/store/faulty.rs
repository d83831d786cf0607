//! `FaultyStore`: a test double that wraps any store and fails the commits
//! it is told to, as a full disk or an aborted transaction would — all or
//! nothing, like every store. Used to prove that a failed commit leaves the
//! store as it was and that the engine can be rolled back to it.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::{Store, StoreError, StoreErrorKind};
use crate::core::{Mutation, Records};

/// Wraps `S`; each queued fault fails one later commit, in order.
#[derive(Debug, Default)]
pub struct FaultyStore<S> {
    inner: S,
    faults: RefCell<VecDeque<StoreErrorKind>>,
}

impl<S> FaultyStore<S> {
    /// A wrapper that fails nothing until told.
    pub fn new(inner: S) -> Self {
        FaultyStore {
            inner,
            faults: RefCell::new(VecDeque::new()),
        }
    }

    /// The next commit not yet failed fails with `kind` (and stores nothing).
    pub fn fail_next_commit(&self, kind: StoreErrorKind) {
        self.faults.borrow_mut().push_back(kind);
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<P, S: Store<P>> Store<P> for FaultyStore<S> {
    async fn load(&self, now_ms: u64) -> Result<Records<P>, StoreError> {
        self.inner.load(now_ms).await
    }

    async fn commit(&self, batch: Vec<Mutation<P>>) -> Result<(), StoreError> {
        let fault = self.faults.borrow_mut().pop_front();
        match fault {
            Some(kind) => Err(StoreError::new(
                kind,
                "injected fault: the commit stored nothing",
            )),
            None => self.inner.commit(batch).await,
        }
    }

    fn close(&self) {
        self.inner.close()
    }
}
