//! `KvStore`: a store over a key-value object the application hands in
//! (`storage: adapter`) — a Durable Object's storage, Deno KV behind a
//! small wrapper — so runtimes without IndexedDB keep their queue.
//!
//! Only one thing is asked of the adapter: a `put` of one key is atomic.
//! Under the prefix `wasmq:{name}/` the store writes
//! - `d/{seq}/{part}`: the parts of commit `seq`, each a list of at most
//!   [`PART_RECORDS`] mutations in the IndexedDB store's column format
//!   (`codec`), so that no value outgrows an adapter's value limit;
//! - `c/{seq}`: the commit's marker `{ v: 1, kind: "log" | "snapshot",
//!   parts }`, put after all its parts. A commit counts once its marker is
//!   stored: parts without a marker (a crash, a failed put) are ignored and
//!   deleted by the next load.
//!
//! `seq` (16 digits) increases with every commit. The state is the newest
//! snapshot and every log commit after it, applied in `seq` order. When
//! `Compaction` says so (after at least 64 commits here), the store writes
//! a new snapshot right after a commit, of the state that commit left (the
//! caller's, handed in as a `Fold`: the store keeps no records), then
//! deletes the older markers (first) and their parts; what a crash leaves
//! behind, the next load deletes.
//!
//! A log commit whose parts cannot all be read (corrupt, unknown version, a
//! part missing) is applied not at all: the load turns it into a dead letter
//! holding the raw values (`quarantine`), then writes a fresh snapshot so
//! the unreadable keys go. Keys under the prefix that this
//! layout does not name are left alone.
//!
//! Like the IndexedDB store it expects one writer per queue (the runtime's
//! lock) and one commit at a time (the runtime's commit loop).
//!
//! The adapter's calls, the key layout and the listing's bookkeeping (which
//! commits to replay, which keys are garbage, the next `seq`) are
//! JavaScript, `kv.js` (bindings in `kv_adapter.rs`): a load is one promise
//! for its listing and one for its sweep, a commit or a compaction one.
//! What stays here is encoding, encryption, replay, quarantine and the
//! compaction policy (`Compaction`).

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::cipher::Cipher;
use super::codec::{
    array_from, decode_batch, decode_chunk, encode_batch, SCHEMA_VERSION,
};
use super::kv_adapter::{self, failed, KvAdapter};
use super::compaction::{Compaction, Fold};
use super::quarantine::{self, Unreadable};
use super::{Store, StoreError};
use crate::core::{Image, Mutation, Records};

/// Most mutations in one stored value: ~128 small messages stay well under
/// the 128 KiB a Durable Object value may hold.
pub const PART_RECORDS: usize = 128;
/// Compact once the log holds more commits than this (or messages / 4, if more).
const MIN_COMPACT_COMMITS: usize = 64;

const LOG: &str = "log";
const SNAPSHOT: &str = "snapshot";

/// A store whose records live in a JS key-value adapter.
pub struct KvStore {
    /// `kv.js`'s handle: the adapter, the prefix, the next `seq`, the live commits.
    handle: JsValue,
    cipher: Option<Cipher>,
    /// The log's length and when to fold it (no records).
    log: RefCell<Compaction>,
}

impl core::fmt::Debug for KvStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KvStore").finish_non_exhaustive()
    }
}

/// Awaits one of `kv.js`'s promises.
async fn settled(promise: Promise) -> Result<JsValue, StoreError> {
    JsFuture::from(promise).await.map_err(|e| failed(&e))
}

impl KvStore {
    /// A store for queue `name` in `adapter` (payloads sealed with `key`, if given).
    pub fn new(
        adapter: KvAdapter,
        name: &str,
        key: Option<web_sys::CryptoKey>,
    ) -> Result<KvStore, StoreError> {
        Ok(KvStore {
            cipher: key.map(Cipher::new).transpose()?,
            handle: adapter.handle(name, SCHEMA_VERSION),
            log: RefCell::new(Compaction::new(MIN_COMPACT_COMMITS)),
        })
    }

    /// Seals `values` in place (with a key).
    async fn seal(&self, values: &Array) -> Result<(), StoreError> {
        match &self.cipher {
            Some(cipher) => cipher.seal(values).await,
            None => Ok(()),
        }
    }

    /// The snapshot to write right after the next commit, if the log is
    /// due to be folded then: `after` is the state the caller will hold once
    /// that commit succeeds. Hand it to [`commit_folding`] with that batch.
    ///
    /// [`commit_folding`]: KvStore::commit_folding
    pub fn fold(&self, after: &dyn Image<JsValue>) -> Option<Fold> {
        Fold::when_due(&self.log, true, after, PART_RECORDS)
    }

    /// `commit`, then (with `fold`, from [`fold`] for this batch) a new
    /// snapshot of the state it left; a failed compaction waits for more
    /// commits and leaves the log authoritative (the commit stands).
    ///
    /// [`fold`]: KvStore::fold
    pub async fn commit_folding(
        &self,
        batch: Vec<Mutation<JsValue>>,
        fold: Option<Fold>,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.append(&batch).await?;
        drop(batch);
        self.log.borrow_mut().committed();
        if let Some(fold) = fold.filter(|_| self.log.borrow().may_fold_now()) {
            if let Err(e) = self.compact(fold).await {
                warn(&format!(
                    "compaction failed, the log stays authoritative: {e}"
                ));
            }
        }
        Ok(())
    }

    /// Writes `fold` as a new snapshot and deletes every older commit.
    async fn compact(&self, fold: Fold) -> Result<(), StoreError> {
        let covered = self.log.borrow_mut().started(fold.messages);
        let written = self.write_snapshot(fold.chunks).await;
        self.log.borrow_mut().ended(covered, written.is_ok());
        written
    }

    async fn write_snapshot(&self, chunks: Vec<JsValue>) -> Result<(), StoreError> {
        let chunks = array_from(chunks);
        self.seal(&chunks).await?;
        let left = settled(kv_adapter::compact(&self.handle, &chunks)).await?;
        // The snapshot already supersedes them; what is left, a load deletes.
        if !left.is_undefined() {
            warn(&format!("old commits not deleted yet: {}", failed(&left)));
        }
        Ok(())
    }

    /// Writes `batch` as one log commit (its parts, then its marker).
    async fn append(&self, batch: &[Mutation<JsValue>]) -> Result<(), StoreError> {
        let values = batch
            .chunks(PART_RECORDS)
            .map(encode_batch)
            .collect::<Result<Vec<_>, _>>()?;
        let values = array_from(values);
        self.seal(&values).await?;
        settled(kv_adapter::append(&self.handle, &values))
            .await
            .map(drop)
    }

    /// Moves unreadable values into dead letters (a log commit), then writes
    /// a snapshot so that they are deleted (the policy is `quarantine`'s).
    async fn quarantine(&self, image: &mut Records<JsValue>, bad: Vec<Unreadable>, now_ms: u64) {
        let batch = quarantine::dead_letters(image, &bad, now_ms);
        let moved = self.append(&batch).await;
        quarantine::report(bad.len(), &moved);
        if moved.is_err() {
            return;
        }
        image.apply_all(batch);
        self.log.borrow_mut().quarantined(0);
        let compacted = match Fold::encode(&self.log, image, PART_RECORDS) {
            Ok(fold) => self.compact(fold).await,
            Err(e) => Err(e),
        };
        if let Err(e) = compacted {
            warn(&format!("unreadable values not deleted yet: {e}"));
        }
    }
}

impl Store<JsValue> for KvStore {
    async fn load(&self, now_ms: u64) -> Result<Records<JsValue>, StoreError> {
        let listed: Array = settled(kv_adapter::read(&self.handle))
            .await?
            .unchecked_into();
        if let Some(cipher) = &self.cipher {
            cipher.open(&listed.get(1), &JsValue::UNDEFINED).await?;
        }
        let mut image = Records::default();
        let (log_len, unreadable) = replay(listed.get(0).unchecked_ref(), &mut image);
        self.log
            .borrow_mut()
            .loaded(log_len, !unreadable.is_empty());
        if let Err(e) = settled(kv_adapter::sweep(&self.handle)).await {
            warn(&format!("leftover keys not deleted yet: {e}"));
        }
        if !unreadable.is_empty() {
            self.quarantine(&mut image, unreadable, now_ms).await;
        }
        Ok(image)
    }

    async fn commit(&self, batch: Vec<Mutation<JsValue>>) -> Result<(), StoreError> {
        self.commit_folding(batch, None).await
    }
}

/// Decodes the commits `kv.js` listed (`rows`, opened) into `image`;
/// returns how many log commits were applied and what could not be read.
fn replay(rows: &Array, image: &mut Records<JsValue>) -> (usize, Vec<Unreadable>) {
    let mut log_len = 0;
    let mut unreadable = Vec::new();
    for row in rows.iter() {
        let row: Array = row.unchecked_into();
        let seq = row.get(0).as_f64().unwrap_or(f64::NAN);
        let kind = row.get(1);
        if let Some(reason) = kind.as_string() {
            // The marker and whatever parts carry its `seq`, as they are.
            unreadable.push(unreadable_value(LOG, seq, row.get(2), reason));
            continue;
        }
        let read = Read {
            seq,
            parts: row.get(4).as_f64().unwrap_or(0.0) as usize,
            marker: row.get(2),
            values: row.get(3).unchecked_into(),
        };
        if kind.as_bool() == Some(true) {
            unreadable.extend(read.apply_snapshot(image));
        } else {
            log_len += 1;
            unreadable.extend(read.apply_log(image));
        }
    }
    (log_len, unreadable)
}

/// One live commit as read: its `seq`, how many parts its marker names,
/// the marker and the parts found (opened).
struct Read {
    seq: f64,
    parts: usize,
    marker: JsValue,
    values: Array,
}

impl Read {
    /// Why not all parts were found, if they were not.
    fn missing(&self) -> Option<String> {
        let missing = self.parts.saturating_sub(self.values.length() as usize);
        (missing > 0).then(|| format!("{missing} of its {} parts are missing", self.parts))
    }

    /// A snapshot's chunks hold whole records: each is applied to `image`,
    /// or found unreadable, on its own.
    fn apply_snapshot(self, image: &mut Records<JsValue>) -> Vec<Unreadable> {
        let seq = self.seq;
        let mut bad = Vec::new();
        if let Some(why) = self.missing() {
            bad.push(unreadable_value(SNAPSHOT, seq, self.marker.clone(), why));
        }
        for value in self.values.iter() {
            match decode_chunk(&value) {
                Ok(records) => image.apply_all(records.into_iter().map(Mutation::Put)),
                Err(e) => bad.push(unreadable_value(SNAPSHOT, seq, value, e.0)),
            }
        }
        bad
    }

    /// A log commit is applied to `image` whole, or not at all (then it is unreadable).
    fn apply_log(self, image: &mut Records<JsValue>) -> Option<Unreadable> {
        let decoded: Result<Vec<_>, String> = match self.missing() {
            Some(why) => Err(why),
            None => self
                .values
                .iter()
                .map(|v| decode_batch(&v).map_err(|e| e.0))
                .collect(),
        };
        match decoded {
            Ok(batches) => {
                image.apply_all(batches.into_iter().flatten());
                None
            }
            Err(why) => {
                let raw: Array = core::iter::once(self.marker)
                    .chain(self.values.iter())
                    .collect();
                Some(unreadable_value(LOG, self.seq, raw.into(), why))
            }
        }
    }
}

fn unreadable_value(store: &'static str, seq: f64, raw: JsValue, reason: String) -> Unreadable {
    Unreadable {
        store,
        key: seq,
        raw,
        reason,
    }
}

fn warn(message: &str) {
    crate::js::console::warn(message, &JsValue::UNDEFINED);
}
