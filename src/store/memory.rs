//! `MemoryStore`: keeps the records in memory. The default where IndexedDB
//! is absent (Node, Deno, workerd) and the store of the native tests. Its
//! contents last as long as the object (a `Queue` reopened in the same page
//! with the same name shares it through the runtime's registry).

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
}

impl<P: Clone> Store<P> for MemoryStore<P> {
    async fn load(&self, _now_ms: u64) -> Result<Records<P>, StoreError> {
        Ok(self.snapshot())
    }

    fn image(&self) -> Records<P> {
        self.snapshot()
    }

    async fn commit(&self, batch: Vec<Mutation<P>>) -> Result<(), StoreError> {
        self.records.borrow_mut().apply_all(batch);
        Ok(())
    }
}
