//! `MemoryStore`: keeps the records in memory. The default where IndexedDB
//! is absent (Node, Deno, workerd) and the store of the native tests. Its
//! contents last as long as the object (a `Queue` reopened in the same page
//! with the same name shares it through the runtime's registry).
//!
//! As a `Store` it applies every commit to its records. The runtime does
//! not use it that way (see `AnyStore`): while a queue runs, the engine's
//! state is the only copy; the runtime `take`s the records when it opens
//! and `put`s the engine's committed state back when it stops leading.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Store, StoreError};
use crate::core::{Mutation, Records};

/// An in-memory store; clones share the same records.
#[derive(Debug)]
pub struct MemoryStore<P> {
    records: Rc<RefCell<Records<P>>>,
}

impl<P> Clone for MemoryStore<P> {
    fn clone(&self) -> Self {
        MemoryStore {
            records: Rc::clone(&self.records),
        }
    }
}

impl<P> Default for MemoryStore<P> {
    fn default() -> Self {
        MemoryStore {
            records: Rc::new(RefCell::new(Records::default())),
        }
    }
}

impl<P: Clone> MemoryStore<P> {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of what is stored.
    pub fn snapshot(&self) -> Records<P> {
        self.records.borrow().clone()
    }

    /// Moves out what is stored, leaving nothing (a leader takes it over).
    pub fn take(&self) -> Records<P> {
        std::mem::take(&mut *self.records.borrow_mut())
    }

    /// Stores `records` in place of whatever is held (a leader hands back
    /// its committed state as it stops).
    pub fn put(&self, records: Records<P>) {
        *self.records.borrow_mut() = records;
    }
}

impl<P: Clone> Store<P> for MemoryStore<P> {
    async fn load(&self, _now_ms: u64) -> Result<Records<P>, StoreError> {
        Ok(self.snapshot())
    }

    async fn commit(&self, batch: Vec<Mutation<P>>) -> Result<(), StoreError> {
        self.records.borrow_mut().apply_all(batch);
        Ok(())
    }
}
