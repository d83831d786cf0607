//! `Journal`: the record changes made since the last drain, for the store.
//!
//! A driver whose store keeps nothing while it runs turns it off
//! (`Engine::skip_journal`): then no change is built at all (no metadata,
//! payload or key copies), but the journal still knows that one was made,
//! so a turn that changed something still counts as a batch.

use crate::core::record::Mutation;

/// The changes since the last drain, or (turned off) whether there were any.
#[derive(Debug, Clone)]
pub(super) struct Journal<P> {
    changes: Vec<Mutation<P>>,
    on: bool,
    /// Turned off: a change was made since the last drain.
    unbuilt: bool,
}

impl<P> Journal<P> {
    pub(super) fn new() -> Self {
        Journal {
            changes: Vec::new(),
            on: true,
            unbuilt: false,
        }
    }

    /// Appends `make()`, or (turned off) notes that a change was made
    /// without building it.
    #[inline]
    pub(super) fn push(&mut self, make: impl FnOnce() -> Mutation<P>) {
        if self.on {
            self.changes.push(make());
        } else {
            self.unbuilt = true;
        }
    }

    /// [`Journal::push`] of a change `make()` may not find (then, journaling,
    /// nothing is appended); turned off, `make` is not called at all.
    #[inline]
    pub(super) fn push_found(&mut self, make: impl FnOnce() -> Option<Mutation<P>>) {
        if !self.on {
            self.unbuilt = true;
        } else if let Some(change) = make() {
            self.changes.push(change);
        }
    }

    /// Whether a change was made since the last drain.
    pub(super) fn has_changes(&self) -> bool {
        self.unbuilt || !self.changes.is_empty()
    }

    /// Drains the changes (none when turned off).
    pub(super) fn take(&mut self) -> Vec<Mutation<P>> {
        self.unbuilt = false;
        std::mem::take(&mut self.changes)
    }

    /// Forgets the changes since the last drain (they were undone).
    pub(super) fn clear(&mut self) {
        self.changes.clear();
        self.unbuilt = false;
    }

    /// Stops building changes, for good; those built so far are dropped but
    /// still count as changes.
    pub(super) fn turn_off(&mut self) {
        self.on = false;
        if !self.changes.is_empty() {
            self.changes.clear();
            self.unbuilt = true;
        }
    }
}
