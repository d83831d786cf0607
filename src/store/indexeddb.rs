//! `IndexedDbStore`: the browser backend (wasm32), in database `wasmq:{name}`.
//!
//! Layout (IndexedDB's cost is per record, not per byte — see
//! `design.md`, "Storage layout: measured"):
//! - object store `log` (auto-increment keys): one record per committed
//!   batch, appended by one `add` in one readwrite transaction;
//! - object store `snapshot` (keys 0, 1, …): the image as of some log key,
//!   in chunks of at most 1,000 records.
//!
//! Both hold the same kind of value, `{ v: 1, t, n, s, p }`: a list of
//! mutations stored by column, with payloads kept as structured-clone
//! values (`codec` describes it).
//!
//! Invariant: snapshot + the remaining log, applied in key order, is the
//! whole state. Compaction keeps it by rewriting the snapshot *and*
//! deleting the log keys it covers in one transaction over both stores, so
//! there is no "covered up to" marker to get out of step.
//!
//! The store keeps no records in memory: when to compact is `Compaction`'s
//! (seeded by [`load`], updated when each commit's transaction completes,
//! in completion order; folded after at least 512 batches here), and the
//! snapshot is encoded from the state the caller will hold once a commit
//! is durable (`IndexedDbStore::fold`, handed to `commit_folding`), then
//! written once that commit's transaction completed, covering the log up
//! to its key. Compaction runs in the background (nothing awaits it); one
//! that fails leaves the old snapshot and the whole log in place. The
//! browser plumbing (the open, each transaction as one promise) is
//! JavaScript, `idb.js` (bindings in `idb.rs`); unreadable values are
//! `quarantine`'s.
//!
//! One connection must be the only writer of its database (the runtime's
//! multi-tab lock is there for that): compaction trusts that the state it
//! was handed covers every log key up to the commit it follows. A reader catching up from the log must load afresh when the
//! keys it has not seen were folded into the snapshot.
//!
//! [`load`]: IndexedDbStore::load

use std::cell::RefCell;
use std::rc::Rc;

use crate::oneshot;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::cipher::Cipher;
use super::codec::{
    array_from, decode_batch, decode_chunk, encode_batch, CHUNK_RECORDS,
};
use super::idb;
use super::js_error::{dom_error, unavailable};
use super::compaction::{Compaction, Fold};
use super::quarantine::{self, Unreadable};
use super::{Durability, Store, StoreError, StoreErrorKind};
use crate::core::quote::quoted;
use crate::core::{Image, Mutation, Records};
use crate::js::console::warn;

const DB_VERSION: u32 = 1;
const LOG: &str = "log";
const SNAPSHOT: &str = "snapshot";
/// Compact once the log holds more batches than this (or messages / 4, if more).
const MIN_COMPACT_BATCHES: usize = 512;

/// Hears how a commit or a compaction ended.
type Outcome = oneshot::Receiver<Result<(), StoreError>>;

/// What `load` read: snapshot chunks and log records, with their keys.
struct Stored {
    chunks: Array,
    chunk_keys: Array,
    batches: Array,
    keys: Array,
}

/// A store in IndexedDB. Commits go to the log; loads read snapshot + log.
pub struct IndexedDbStore {
    inner: Rc<Inner>,
}

impl core::fmt::Debug for IndexedDbStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IndexedDbStore")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// The connection (`idb.js`'s, with the durability of its readwrite
    /// transactions), which closes itself on `versionchange`.
    db: JsValue,
    /// `wasmq:{name}`.
    name: String,
    /// Seals payloads before they are stored, when an encryption key was given.
    cipher: Option<Cipher>,
    /// The log's length and when to fold it: exact once `load` has seeded
    /// it (the runtime loads on open), then updated as each commit's
    /// transaction completes.
    log: RefCell<Compaction>,
    state: RefCell<State>,
}

struct State {
    /// `load` has seeded `log`, and it has tracked every commit since.
    exact: bool,
    /// Highest log key committed or loaded by this connection.
    covered_key: Option<f64>,
}

impl State {
    fn cover(&mut self, key: f64) {
        self.covered_key = Some(self.covered_key.map_or(key, |k| k.max(key)));
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        idb::close(&self.db);
    }
}

impl IndexedDbStore {
    /// Whether this global scope has `indexedDB` (window or worker; false in Node).
    pub fn is_available() -> bool {
        factory().is_ok()
    }

    /// Opens (creating or upgrading) the database `wasmq:{name}`.
    pub async fn open(
        name: &str,
        key: Option<web_sys::CryptoKey>,
        durability: Durability,
    ) -> Result<IndexedDbStore, StoreError> {
        let cipher = key.map(Cipher::new).transpose()?;
        let db_name = format!("wasmq:{name}");
        let db = open_database(&db_name, DB_VERSION, durability).await?;
        Ok(IndexedDbStore {
            inner: Rc::new(Inner {
                db,
                name: db_name,
                cipher,
                log: RefCell::new(Compaction::new(MIN_COMPACT_BATCHES)),
                state: RefCell::new(State {
                    exact: false,
                    covered_key: None,
                }),
            }),
        })
    }

    /// Folds the log into a snapshot of `state` now, which must be what is
    /// committed (what a `load` would return; the store also folds by
    /// itself once the log is long, see [`fold`]). Resolves `true` once
    /// done; `false` when there was nothing to fold or it cannot be done
    /// safely now (before the first `load`, while a compaction runs, or
    /// while undecodable records are stored). A failure leaves the log
    /// authoritative.
    ///
    /// [`fold`]: IndexedDbStore::fold
    pub async fn compact(&self, state: &dyn Image<JsValue>) -> Result<bool, StoreError> {
        let covered = {
            let st = self.inner.state.borrow();
            match st.covered_key {
                Some(key) if st.exact && self.inner.log.borrow().may_fold_now() => key,
                _ => return Ok(false),
            }
        };
        let fold = Fold::encode(&self.inner.log, state, CHUNK_RECORDS)?;
        match self.inner.start_compaction(fold, covered).await {
            Ok(result) => result.map(|()| true),
            Err(_) => Err(StoreError::new(
                StoreErrorKind::Failed,
                "IndexedDB never reported how the compaction ended",
            )),
        }
    }

    /// The snapshot to write once the next commit is durable, if the log
    /// is due to be folded then: `after` is the state the caller will hold
    /// once that commit succeeds (everything committed plus its batch).
    /// Hand it to [`commit_folding`] with that batch. `None`: not due (or
    /// the snapshot did not encode; that waits as a failed compaction).
    ///
    /// [`commit_folding`]: IndexedDbStore::commit_folding
    pub fn fold(&self, after: &dyn Image<JsValue>) -> Option<Fold> {
        let exact = self.inner.state.borrow().exact;
        Fold::when_due(&self.inner.log, exact, after, CHUNK_RECORDS)
    }

    /// `commit`, then (with `fold`, from [`fold`] for this batch) the
    /// compaction that writes it, started once the commit is durable.
    ///
    /// [`fold`]: IndexedDbStore::fold
    pub async fn commit_folding(
        &self,
        batch: Vec<Mutation<JsValue>>,
        fold: Option<Fold>,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let value = encode_batch(&batch)?;
        drop(batch);
        if let Some(cipher) = &self.inner.cipher {
            cipher.seal(&value).await?;
        }
        // Issued now; its outcome is handled in a task of its own, so that
        // the bookkeeping follows it even if this future is dropped.
        let added = idb::append(&self.inner.db, &value, &JsValue::UNDEFINED);
        let inner = Rc::clone(&self.inner);
        let outcome: Outcome = settle(added, move |added| {
            // DataCloneError: a payload structured clone cannot copy.
            let key = added.map_err(|e| {
                idb::failed(&e, "cannot start an IndexedDB commit", "cannot store the batch")
            })?;
            inner.committed(key.as_f64(), fold);
            Ok(())
        });
        outcome.await.unwrap_or_else(|_| Err(lost()))
    }
}

impl Store<JsValue> for IndexedDbStore {
    async fn load(&self, now_ms: u64) -> Result<Records<JsValue>, StoreError> {
        // The runtime loads before it commits anything, so decoding after the
        // transaction (and after decrypting, which is asynchronous) cannot
        // miss a commit's completion.
        let read = JsFuture::from(idb::read_all(&self.inner.db)).await;
        let read = read.map_err(|e| {
            idb::failed(&e, "cannot start a read of IndexedDB", "cannot read IndexedDB")
        })?;
        let read: Array = read.unchecked_into();
        let column = |i: u32| read.get(i).unchecked_into::<Array>();
        let read = Stored {
            chunks: column(0),
            chunk_keys: column(1),
            batches: column(2),
            keys: column(3),
        };
        if let Some(cipher) = &self.inner.cipher {
            cipher.open(&read.chunks, &read.batches).await?;
        }
        let (mut image, unreadable) = self.inner.loaded(&read);
        if !unreadable.is_empty() {
            self.inner.quarantine(&mut image, unreadable, now_ms).await;
        }
        Ok(image)
    }

    fn close(&self) {
        idb::close(&self.inner.db);
    }

    async fn commit(&self, batch: Vec<Mutation<JsValue>>) -> Result<(), StoreError> {
        self.commit_folding(batch, None).await
    }
}

/// Runs `then` with how `promise` settled, in a task of its own (so even when
/// nobody awaits the answer any more); the receiver hears what it returned.
fn settle<T: 'static>(
    promise: Promise,
    then: impl FnOnce(Result<JsValue, JsValue>) -> Result<T, StoreError> + 'static,
) -> oneshot::Receiver<Result<T, StoreError>> {
    let (tx, rx) = oneshot::channel();
    let settled = JsFuture::from(promise);
    spawn_local(async move {
        let _ = tx.send(then(settled.await));
    });
    rx
}

fn lost() -> StoreError {
    StoreError::new(
        StoreErrorKind::Failed,
        "IndexedDB never reported the outcome",
    )
}

impl Inner {
    /// Decodes what `load` read, seeds the bookkeeping, and returns the
    /// records (the caller's, not kept) with the values that could not be
    /// decoded.
    fn loaded(&self, read: &Stored) -> (Records<JsValue>, Vec<Unreadable>) {
        let mut image = Records::default();
        let mut unreadable = Vec::new();
        let key_of = |keys: &Array, i: usize| keys.get(i as u32).as_f64().unwrap_or(f64::NAN);
        for (i, chunk) in read.chunks.iter().enumerate() {
            match decode_chunk(&chunk) {
                Ok(records) => image.apply_all(records.into_iter().map(Mutation::Put)),
                Err(e) => unreadable.push(Unreadable {
                    store: SNAPSHOT,
                    key: key_of(&read.chunk_keys, i),
                    raw: chunk,
                    reason: e.to_string(),
                }),
            }
        }
        for (i, value) in read.batches.iter().enumerate() {
            match decode_batch(&value) {
                Ok(batch) => image.apply_all(batch),
                Err(e) => unreadable.push(Unreadable {
                    store: LOG,
                    key: key_of(&read.keys, i),
                    raw: value,
                    reason: e.to_string(),
                }),
            }
        }
        let mut state = self.state.borrow_mut();
        let log_len = read.batches.length() as usize;
        self.log.borrow_mut().loaded(log_len, !unreadable.is_empty());
        state.exact = true;
        state.covered_key = read.keys.iter().filter_map(|k| k.as_f64()).reduce(f64::max);
        (image, unreadable)
    }

    /// Moves unreadable stored values to the dead letters: their dead
    /// letters added to the log and the values deleted, in one transaction
    /// (the policy is `quarantine`'s).
    async fn quarantine(
        self: &Rc<Self>,
        image: &mut Records<JsValue>,
        bad: Vec<Unreadable>,
        now_ms: u64,
    ) {
        let batch = quarantine::dead_letters(image, &bad, now_ms);
        let moved = self.move_unreadable(&batch, &bad).await;
        if let Ok(key) = moved {
            let from_log = bad.iter().filter(|b| b.store == LOG).count();
            image.apply_all(batch);
            self.log.borrow_mut().quarantined(from_log);
            let mut state = self.state.borrow_mut();
            if let Some(key) = key {
                state.cover(key);
            }
        }
        quarantine::report(bad.len(), &moved.map(drop));
    }

    /// Adds `batch` to the log and deletes the `bad` values; the new log key.
    async fn move_unreadable(
        &self,
        batch: &[Mutation<JsValue>],
        bad: &[Unreadable],
    ) -> Result<Option<f64>, StoreError> {
        let value = encode_batch(batch)?;
        if let Some(cipher) = &self.cipher {
            cipher.seal(&value).await?;
        }
        let deletes = Array::new();
        for b in bad {
            deletes.push(&JsValue::from_str(b.store));
            deletes.push(&JsValue::from_f64(b.key));
        }
        let added = idb::append(&self.db, &value, &deletes);
        let key = JsFuture::from(added).await.map_err(|e| {
            let start = "cannot start moving unreadable records";
            idb::failed(&e, start, "cannot move unreadable records")
        })?;
        Ok(key.as_f64())
    }

    /// A commit's transaction completed with log key `key`; `fold` is the
    /// snapshot of the state it left, if one was due.
    fn committed(self: &Rc<Self>, key: Option<f64>, fold: Option<Fold>) {
        let start = {
            let mut log = self.log.borrow_mut();
            log.committed();
            let mut state = self.state.borrow_mut();
            match key {
                Some(key) => state.cover(key),
                // Cannot tell what compaction may delete: none until reloaded.
                None => state.exact = false,
            }
            match (fold, key) {
                (Some(fold), Some(key)) if state.exact && log.may_fold_now() => {
                    Some((fold, key))
                }
                _ => None,
            }
        };
        if let Some((fold, key)) = start {
            drop(self.start_compaction(fold, key));
        }
    }

    /// Starts writing `fold` as the snapshot that covers the log up to key
    /// `covered`: sealing (with an encryption key) and the transaction run
    /// in the background, and the receiver (if anyone wants it) hears the
    /// outcome.
    fn start_compaction(self: &Rc<Self>, fold: Fold, covered: f64) -> Outcome {
        let compacted = self.log.borrow_mut().started(fold.messages);
        let (tx, rx) = oneshot::channel();
        let inner = Rc::clone(self);
        spawn_local(async move {
            let outcome = inner.write_snapshot(fold.chunks, covered).await;
            inner.compacted(compacted, &outcome);
            let _ = tx.send(outcome);
        });
        rx
    }

    /// Seals the chunks (when encrypting), then in one transaction replaces
    /// the snapshot and deletes the log up to `covered`. Runs in a task of
    /// its own, which updates the state when it ends.
    async fn write_snapshot(&self, chunks: Vec<JsValue>, covered: f64) -> Result<(), StoreError> {
        let chunks = array_from(chunks);
        if let Some(cipher) = &self.cipher {
            cipher.seal(&chunks).await?;
        }
        let written = idb::write_snapshot(&self.db, &chunks, covered);
        JsFuture::from(written).await.map_err(|e| {
            idb::failed(&e, "cannot start a compaction", "cannot write the snapshot")
        })?;
        Ok(())
    }

    /// A compaction of the first `compacted` log records ended.
    fn compacted(&self, compacted: usize, outcome: &Result<(), StoreError>) {
        self.log.borrow_mut().ended(compacted, outcome.is_ok());
        if let Err(e) = outcome {
            warn(
                &format!("compaction failed, the log stays authoritative: {e}"),
                &JsValue::UNDEFINED,
            );
        }
    }
}

/// `indexedDB` of this global scope (window or worker).
fn factory() -> Result<JsValue, StoreError> {
    let global = js_sys::global();
    let value = Reflect::get(&global, &JsValue::from_str("indexedDB"))
        .map_err(|e| unavailable(&e, "IndexedDB is not accessible here"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(StoreError::new(
            StoreErrorKind::Unavailable,
            "IndexedDB is not available in this runtime",
        ))
    }
}

/// Decodes one stored value (a `log` record, or with `chunk` a `snapshot`
/// chunk) as opening would: how many mutations it holds, or why it is
/// unreadable. For diagnostics and for fuzzing the decoder; never panics.
pub fn decode_stored(value: &JsValue, chunk: bool) -> Result<usize, String> {
    let decoded = if chunk {
        decode_chunk(value).map(|r| r.len())
    } else {
        decode_batch(value).map(|m| m.len())
    };
    decoded.map_err(|e| e.to_string())
}

/// Opens database `wasmq:{name}` at `version` as a later layout would (its
/// upgrade finds both object stores and adds nothing) and closes it: how a
/// test provokes a `blocked` upgrade while only layout 1 exists. Built only
/// with `test-hooks`.
#[cfg(feature = "test-hooks")]
pub async fn open_at_version_for_test(name: &str, version: u32) -> Result<(), StoreError> {
    let db = open_database(&format!("wasmq:{name}"), version, Durability::DEFAULT).await?;
    idb::close(&db);
    Ok(())
}

/// Opens database `db_name` at `version` (creating its object stores): the
/// connection, or why not (`Unavailable`). A `blocked` open (another
/// connection at an older version does not close) fails at once; should it
/// succeed later, that connection is closed right away, and so is one made
/// after this future was dropped.
async fn open_database(
    db_name: &str,
    version: u32,
    durability: Durability,
) -> Result<JsValue, StoreError> {
    /// Abandons the open unless it settled.
    struct Waiting(Option<Promise>);
    impl Drop for Waiting {
        fn drop(&mut self) {
            if let Some(opening) = &self.0 {
                idb::abandon(opening);
            }
        }
    }
    let factory = factory()?;
    let closing = format!(
        "wasmq: closing {}: another tab is upgrading or deleting it",
        quoted(db_name)
    );
    let opening = idb::open(&factory, db_name, version, durability.name(), &closing);
    let mut waiting = Waiting(Some(opening.clone()));
    let opened = JsFuture::from(opening).await;
    waiting.0 = None;
    match opened {
        Ok(db) if db.is_null() => Err(StoreError::new(
            StoreErrorKind::Unavailable,
            format!(
                "opening IndexedDB database {} is blocked by another \
                 connection (close other tabs using an older version of this page)",
                quoted(db_name)
            ),
        )),
        Ok(db) => Ok(db),
        // The request's error (`null`: none given), or what `open` threw.
        Err(e) => {
            let context = format!("cannot open IndexedDB database {}", quoted(db_name));
            let mut err = if e.is_null() {
                dom_error(None, &context)
            } else {
                unavailable(&e, &context)
            };
            err.kind = StoreErrorKind::Unavailable;
            Err(err)
        }
    }
}
