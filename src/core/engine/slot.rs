//! `Slot`: the one key type of every ordered index of the engine (`ready`,
//! `future`, `leases`, `dead`, group members). Each distinct `BTreeSet` key
//! type is a separate copy of the B-tree code in the wasm (several KB each);
//! with one key type there is one copy. A slot orders as its fields do, left
//! to right, so each index keeps the order it had with its own tuple.

use std::collections::BTreeSet;

use crate::core::record::MessageId;

/// Three ordered numbers; what they mean depends on the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Slot(u64, u64, u64);

/// An ordered index of slots.
pub(super) type Index = BTreeSet<Slot>;

impl Slot {
    /// A message by id alone (`dead`, group members).
    pub(super) fn id(id: MessageId) -> Self {
        Slot(id.0, 0, 0)
    }

    /// A message at a time (`future` by due time, `leases` by deadline).
    pub(super) fn at(time_ms: u64, id: MessageId) -> Self {
        Slot(time_ms, id.0, 0)
    }

    /// A message in `ready`: highest priority first, then earliest due
    /// time, then lowest id.
    pub(super) fn ready(priority: i32, due_ms: u64, id: MessageId) -> Self {
        // Decreasing in `priority`, from 0 for i32::MAX to 2^32 - 1 for i32::MIN.
        let rank = (i64::from(i32::MAX) - i64::from(priority)) as u64;
        Slot(rank, due_ms, id.0)
    }

    /// The time of an [`Slot::at`] slot.
    pub(super) fn time(self) -> u64 {
        self.0
    }

    /// The message of an [`Slot::at`] slot.
    pub(super) fn timed_id(self) -> MessageId {
        MessageId(self.1)
    }

    /// The message of an [`Slot::id`] slot.
    pub(super) fn only_id(self) -> MessageId {
        MessageId(self.0)
    }

    /// The message of a [`Slot::ready`] slot.
    pub(super) fn ready_id(self) -> MessageId {
        MessageId(self.2)
    }
}
