//! `StoredMessages`: the messages of a store's image, by id, in a vector
//! sorted by id rather than a `BTreeMap` (one B-tree copy fewer in the
//! wasm, and a denser image). Ids are handed out in increasing order, so an
//! insert is almost always an append; a delete leaves a hole (an entry with
//! neither record) that keeps the order, swept once holes outnumber the
//! entries in use, and by `compact` after a load. Lookups are a binary search.

use super::record::{MessageId, MessageRecord};

/// A stored message: its metadata record and its payload record, each of
/// which an image may hold without the other (a half-written or damaged
/// store; `Engine::from_records` drops such a message).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage<P> {
    /// Its metadata, if stored.
    pub meta: Option<MessageRecord>,
    /// Its payload, if stored.
    pub payload: Option<P>,
}

impl<P> StoredMessage<P> {
    fn is_hole(&self) -> bool {
        self.meta.is_none() && self.payload.is_none()
    }
}

/// Messages by id (never one with neither record).
#[derive(Debug, Clone)]
pub struct StoredMessages<P> {
    slots: Vec<(MessageId, StoredMessage<P>)>,
    holes: usize,
}

impl<P> Default for StoredMessages<P> {
    fn default() -> Self {
        StoredMessages {
            slots: Vec::new(),
            holes: 0,
        }
    }
}

impl<P: PartialEq> PartialEq for StoredMessages<P> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<P> StoredMessages<P> {
    fn find(&self, id: MessageId) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&id, |s| s.0)
    }

    /// How many messages.
    pub fn len(&self) -> usize {
        self.slots.len() - self.holes
    }

    /// No message at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Message `id`.
    pub fn get(&self, id: &MessageId) -> Option<&StoredMessage<P>> {
        let i = self.find(*id).ok()?;
        self.slots.get(i).map(|s| &s.1).filter(|s| !s.is_hole())
    }

    /// Message `id`, to fill in one of its records (`clear` empties one).
    pub(crate) fn get_mut(&mut self, id: &MessageId) -> Option<&mut StoredMessage<P>> {
        let i = self.find(*id).ok()?;
        self.slots
            .get_mut(i)
            .map(|s| &mut s.1)
            .filter(|s| !s.is_hole())
    }

    /// Stores `message` as message `id`, replacing what was there.
    pub fn insert(&mut self, id: MessageId, message: StoredMessage<P>) {
        if message.is_hole() {
            self.remove(&id);
            return;
        }
        match self.find(id) {
            Ok(i) => {
                if let Some(slot) = self.slots.get_mut(i) {
                    if slot.1.is_hole() {
                        self.holes -= 1;
                    }
                    slot.1 = message;
                }
            }
            Err(i) => self.slots.insert(i, (id, message)),
        }
    }

    /// Forgets message `id`.
    pub fn remove(&mut self, id: &MessageId) {
        self.clear(*id, |s| {
            s.meta = None;
            s.payload = None;
        });
    }

    /// Empties one record of message `id` with `clear`; the message is gone
    /// once it holds neither.
    pub(crate) fn clear(&mut self, id: MessageId, clear: impl FnOnce(&mut StoredMessage<P>)) {
        let Some(s) = self.get_mut(&id) else {
            return;
        };
        clear(s);
        if s.is_hole() {
            self.holes += 1;
            if self.holes > 32 && self.holes > self.len() {
                self.sweep();
            }
        }
    }

    /// Drops the holes and the spare capacity.
    pub fn compact(&mut self) {
        self.sweep();
        self.slots.shrink_to_fit();
    }

    fn sweep(&mut self) {
        self.slots.retain(|s| !s.1.is_hole());
        self.holes = 0;
    }

    /// Every message with its id, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&MessageId, &StoredMessage<P>)> {
        self.slots
            .iter()
            .filter(|s| !s.1.is_hole())
            .map(|(id, s)| (id, s))
    }

    /// Every id, in order.
    pub fn keys(&self) -> impl Iterator<Item = &MessageId> {
        self.iter().map(|(id, _)| id)
    }

    /// Every message, in id order.
    pub fn values(&self) -> impl Iterator<Item = &StoredMessage<P>> {
        self.iter().map(|(_, s)| s)
    }
}

impl<P> IntoIterator for StoredMessages<P> {
    type Item = (MessageId, StoredMessage<P>);
    type IntoIter = std::iter::Filter<
        std::vec::IntoIter<(MessageId, StoredMessage<P>)>,
        fn(&(MessageId, StoredMessage<P>)) -> bool,
    >;

    /// Every message with its id, in id order.
    fn into_iter(self) -> Self::IntoIter {
        self.slots.into_iter().filter(|s| !s.1.is_hole())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(p: u32) -> StoredMessage<u32> {
        StoredMessage {
            meta: None,
            payload: Some(p),
        }
    }

    fn ids(m: &StoredMessages<u32>) -> Vec<u64> {
        m.keys().map(|id| id.0).collect()
    }

    #[test]
    fn keeps_id_order_whatever_the_insert_order() {
        let mut m = StoredMessages::default();
        for id in [5, 1, 9, 3, 7, 3] {
            m.insert(MessageId(id), payload(id as u32));
        }
        assert_eq!(ids(&m), [1, 3, 5, 7, 9]);
        assert_eq!(m.len(), 5);
        assert_eq!(m.get(&MessageId(7)), Some(&payload(7)));
        assert_eq!(m.get(&MessageId(4)), None);
    }

    #[test]
    fn a_removed_message_is_gone_and_can_come_back() {
        let mut m = StoredMessages::default();
        for id in 0..10 {
            m.insert(MessageId(id), payload(id as u32));
        }
        m.remove(&MessageId(4));
        m.remove(&MessageId(4));
        m.clear(MessageId(6), |s| s.payload = None);
        assert_eq!(m.len(), 8);
        assert_eq!(m.get(&MessageId(4)), None);
        assert_eq!(m.get_mut(&MessageId(6)), None);
        assert_eq!(ids(&m), [0, 1, 2, 3, 5, 7, 8, 9]);
        m.insert(MessageId(4), payload(40));
        assert_eq!(m.get(&MessageId(4)), Some(&payload(40)));
        assert_eq!(m.len(), 9);
    }

    #[test]
    fn holes_do_not_count_in_equality_and_are_swept() {
        let mut a = StoredMessages::default();
        let mut b = StoredMessages::default();
        for id in 0..1000 {
            a.insert(MessageId(id), payload(1));
            if id % 10 == 0 {
                b.insert(MessageId(id), payload(1));
            }
        }
        for id in (0..1000).filter(|id| id % 10 != 0) {
            a.remove(&MessageId(id));
        }
        assert_eq!(a, b);
        assert!(
            a.slots.len() < 300,
            "swept along the way: {}",
            a.slots.len()
        );
        a.compact();
        assert_eq!(a.slots.len(), 100);
        assert_eq!(a, b);
        let all: Vec<u64> = a.into_iter().map(|(id, _)| id.0).collect();
        assert_eq!(all, (0..1000).step_by(10).collect::<Vec<_>>());
    }
}
