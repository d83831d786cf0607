//! `Messages`: the engine's stored messages by id. A hash table (keyed by
//! the id's number, with [`IdHash`]) finds a message's place in a slab for
//! the lookups every operation makes (a lease or an ack looks its message
//! up several times), and an ordered index of the ids ([`Index`], the
//! engine's one B-tree key type) serves the walks in id order (`jobs`,
//! `records`, `same_state`).
//!
//! This replaces a `BTreeMap<MessageId, Entry<P>>`: that was one more copy of
//! the B-tree code in the wasm (with a large value type, so its node moves
//! were the costliest), and each lookup was a tree search.

use std::collections::HashMap;
use std::ops::Bound;

use super::id_hash::IdHash;
use super::{Entry, Index, Slot};
use crate::core::record::MessageId;

/// Entries per chunk of the slab.
const CHUNK: usize = 256;

/// The stored messages: by id, and the ids in order.
///
/// The entries live in a slab of fixed-size chunks (a freed place is
/// reused by the next message), and the table maps an id to its place: a
/// table of small values, so that growing it (which, like any hash table,
/// holds the old and the new array for a moment) costs 16 bytes a message,
/// not the size of an entry, and no entry is ever moved.
#[derive(Debug, Clone)]
pub(super) struct Messages<P> {
    place: HashMap<u64, u32, IdHash>,
    chunks: Vec<Box<[Option<Entry<P>>]>>,
    /// Places freed, reused first.
    free: Vec<u32>,
    /// Places ever used (the slab's high-water mark).
    used: u32,
    order: Index,
}

impl<P> Default for Messages<P> {
    fn default() -> Self {
        Messages {
            place: HashMap::default(),
            chunks: Vec::new(),
            free: Vec::new(),
            used: 0,
            order: Index::new(),
        }
    }
}

impl<P> Messages<P> {
    fn at(&self, place: u32) -> Option<&Entry<P>> {
        let place = place as usize;
        self.chunks.get(place / CHUNK)?.get(place % CHUNK)?.as_ref()
    }

    fn at_mut(&mut self, place: u32) -> Option<&mut Option<Entry<P>>> {
        let place = place as usize;
        self.chunks.get_mut(place / CHUNK)?.get_mut(place % CHUNK)
    }

    /// How many messages are stored.
    pub(super) fn len(&self) -> usize {
        self.place.len()
    }

    /// The message `id`.
    pub(super) fn get(&self, id: &MessageId) -> Option<&Entry<P>> {
        self.at(*self.place.get(&id.0)?)
    }

    /// The message `id`, to change (its id must stay).
    pub(super) fn get_mut(&mut self, id: &MessageId) -> Option<&mut Entry<P>> {
        let place = *self.place.get(&id.0)?;
        self.at_mut(place)?.as_mut()
    }

    /// Whether message `id` is stored.
    pub(super) fn contains_key(&self, id: &MessageId) -> bool {
        self.place.contains_key(&id.0)
    }

    /// Stores message `id` (replacing one stored under that id).
    pub(super) fn insert(&mut self, id: MessageId, entry: Entry<P>) {
        if let Some(slot) = self
            .place
            .get(&id.0)
            .copied()
            .and_then(|place| self.at_mut(place))
        {
            *slot = Some(entry);
            return;
        }
        let place = match self.free.pop() {
            Some(place) => place,
            None => {
                if self.used as usize % CHUNK == 0 {
                    self.chunks.push((0..CHUNK).map(|_| None).collect());
                }
                self.used += 1;
                self.used - 1
            }
        };
        if let Some(slot) = self.at_mut(place) {
            *slot = Some(entry);
        }
        self.place.insert(id.0, place);
        self.order.insert(Slot::id(id));
    }

    /// Takes message `id` out.
    pub(super) fn remove(&mut self, id: &MessageId) -> Option<Entry<P>> {
        let place = self.place.remove(&id.0)?;
        self.order.remove(&Slot::id(*id));
        self.free.push(place);
        self.at_mut(place)?.take()
    }

    /// The messages with an id above `after` (all with `None`), in id order.
    pub(super) fn after(
        &self,
        after: Option<MessageId>,
    ) -> impl Iterator<Item = (MessageId, &Entry<P>)> + '_ {
        let start = after.map_or(Bound::Unbounded, |id| Bound::Excluded(Slot::id(id)));
        self.order
            .range((start, Bound::Unbounded))
            .filter_map(|s| self.get(&s.only_id()).map(|e| (s.only_id(), e)))
    }

    /// Every message, in id order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (MessageId, &Entry<P>)> + '_ {
        self.after(None)
    }
}

impl<P> std::ops::Index<&MessageId> for Messages<P> {
    type Output = Entry<P>;

    /// The message `id`; only for an id an index holds (the indexes hold
    /// stored messages only), so it is there.
    fn index(&self, id: &MessageId) -> &Entry<P> {
        match self.get(id) {
            Some(entry) => entry,
            None => panic!("message {id} is not stored"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::{MessageRecord, MessageState};

    fn entry(id: u64, payload: u32) -> Entry<u32> {
        Entry {
            meta: MessageRecord {
                id: MessageId(id),
                enqueued_at_ms: 0,
                due_ms: 0,
                priority: 0,
                group: None,
                idempotency_key: None,
                max_attempts: 1,
                attempts: 0,
                last_error: None,
                state: MessageState::Waiting,
            },
            payload,
        }
    }

    fn ids(m: &Messages<u32>, after: Option<MessageId>) -> Vec<u64> {
        m.after(after).map(|(id, _)| id.0).collect()
    }

    #[test]
    fn finds_replaces_and_removes_by_id_and_walks_in_id_order() {
        let mut m = Messages::default();
        for id in [5, 1, 3, 700, 2] {
            m.insert(MessageId(id), entry(id, id as u32));
        }
        assert_eq!(m.len(), 5);
        assert_eq!(ids(&m, None), vec![1, 2, 3, 5, 700]);
        assert_eq!(ids(&m, Some(MessageId(3))), vec![5, 700]);
        assert_eq!(m.get(&MessageId(700)).map(|e| e.payload), Some(700));
        m.insert(MessageId(3), entry(3, 33));
        assert_eq!(m.len(), 5, "a replace stores no second entry");
        assert_eq!(m[&MessageId(3)].payload, 33);
        if let Some(e) = m.get_mut(&MessageId(1)) {
            e.payload = 11;
        }
        assert_eq!(m.remove(&MessageId(1)).map(|e| e.payload), Some(11));
        assert!(m.remove(&MessageId(1)).is_none());
        assert!(!m.contains_key(&MessageId(1)));
        assert!(m.get(&MessageId(4)).is_none());
        assert_eq!(ids(&m, None), vec![2, 3, 5, 700]);
    }

    #[test]
    fn freed_places_are_reused_so_the_slab_stays_the_size_of_the_most_stored() {
        let mut m = Messages::default();
        // A steady state: 10 stored at a time, 10,000 passing through.
        for id in 0..10_000u64 {
            m.insert(MessageId(id), entry(id, id as u32));
            if id >= 10 {
                let gone = id - 10;
                assert_eq!(
                    m.remove(&MessageId(gone)).map(|e| e.payload),
                    Some(gone as u32)
                );
            }
        }
        assert_eq!(m.len(), 10);
        assert!(m.used <= 11, "places used: {}", m.used);
        assert_eq!(m.chunks.len(), 1);
        assert_eq!(ids(&m, None), (9_990..10_000).collect::<Vec<_>>());
        for id in 9_990..10_000u64 {
            assert_eq!(m.get(&MessageId(id)).map(|e| e.payload), Some(id as u32));
        }
        // More than a chunk at once takes more chunks, each entry still found.
        for id in 20_000..20_600u64 {
            m.insert(MessageId(id), entry(id, id as u32));
        }
        assert_eq!(m.chunks.len(), 3);
        assert!((20_000..20_600).all(|id| m[&MessageId(id)].payload == id as u32));
    }
}
