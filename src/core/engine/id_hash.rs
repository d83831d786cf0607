//! `IdHash`: the hasher of the engine's tables keyed by a message id's
//! number. The ids come from a counter (no caller chooses them), so a hash
//! that spreads sequential numbers evenly serves, at a fraction of the cost
//! of std's default SipHash; tables keyed by strings a caller gives (group
//! names, idempotency keys) keep SipHash.

use std::hash::{BuildHasherDefault, Hasher};

/// Hashes a message id (a `u64` from a counter, never chosen by a caller):
/// one multiply by an odd constant and a fold of the high half into the
/// low, where the table takes its bucket from. Sequential ids spread evenly
/// and the hashing costs two instructions instead of SipHash's rounds.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the key is a `u64`); kept correct anyway.
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let m = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = m ^ (m >> 32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The hasher of tables keyed by a message id's number.
pub(super) type IdHash = BuildHasherDefault<IdHasher>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn sequential_ids_fill_the_buckets_evenly() {
        // The table takes a bucket from the low bits of the hash: 4,096
        // sequential ids over 4,096 buckets must leave few empty.
        let hash = IdHash::default();
        let buckets: HashSet<u64> = (1_000_000..1_004_096u64)
            .map(|id| hash.hash_one(id) & 4095)
            .collect();
        assert!(
            buckets.len() > 4096 * 6 / 10,
            "{} buckets used",
            buckets.len()
        );
        assert_ne!(hash.hash_one(1u64), hash.hash_one(2u64));
    }
}
