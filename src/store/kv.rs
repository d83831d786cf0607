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
//! `LogImage` says so (after at least 64 commits here), the store writes the
//! image as a new snapshot, then deletes the older markers (first) and their
//! parts; what a crash leaves behind, the next load deletes.
//!
//! A log commit whose parts cannot all be read (corrupt, unknown version, a
//! part missing) is applied not at all: the load turns it into a dead letter
//! holding the raw values (`quarantine`), then writes a fresh snapshot so
//! the unreadable keys go. Keys under the prefix that this
//! layout does not name are left alone.
//!
//! Like the IndexedDB store it expects one writer per queue (the runtime's
//! lock) and one commit at a time (the runtime's commit loop).

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use super::cipher::Cipher;
use super::codec::{decode_batch, decode_chunk, encode_batch, encode_snapshot, SCHEMA_VERSION};
use super::kv_adapter::KvAdapter;
use super::kv_keys::{self, Key};
use super::log_image::LogImage;
use super::quarantine::{self, Unreadable};
use super::{Store, StoreError};
use crate::core::{sort, Mutation, Records};

/// Most mutations in one stored value: ~128 small messages stay well under
/// the 128 KiB a Durable Object value may hold.
pub const PART_RECORDS: usize = 128;
/// Compact once the log holds more commits than this (or messages / 4, if more).
const MIN_COMPACT_COMMITS: usize = 64;

const LOG: &str = "log";
const SNAPSHOT: &str = "snapshot";

/// A store whose records live in a JS key-value adapter.
pub struct KvStore {
    adapter: KvAdapter,
    prefix: String,
    cipher: Option<Cipher>,
    state: RefCell<State>,
}

impl core::fmt::Debug for KvStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KvStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

struct State {
    /// What every successful commit left behind, and when to compact.
    image: LogImage,
    /// The next commit's sequence number.
    next_seq: u64,
    /// The commits whose markers are stored now (the snapshot first, if any).
    live: Vec<Commit>,
}

/// One stored commit: its sequence number, kind and number of parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Commit {
    seq: u64,
    snapshot: bool,
    parts: u32,
}

/// What `load` found under the prefix.
#[derive(Default)]
struct Listed {
    /// Markers sorted by `seq`: the raw value, and the commit or why it is unreadable.
    markers: Vec<(u64, JsValue, Result<Commit, String>)>,
    /// Parts sorted by `(seq, part)`.
    parts: Vec<((u64, u32), JsValue)>,
    max_seq: Option<u64>,
}

impl Listed {
    fn part(&self, seq: u64, part: u32) -> Option<&JsValue> {
        let i = self
            .parts
            .binary_search_by_key(&(seq, part), |p| p.0)
            .ok()?;
        Some(&self.parts[i].1)
    }

    /// Every part stored with `seq`, in order.
    fn parts_of(&self, seq: u64) -> impl Iterator<Item = &JsValue> {
        let start = self.parts.partition_point(|p| p.0 .0 < seq);
        self.parts[start..]
            .iter()
            .take_while(move |p| p.0 .0 == seq)
            .map(|p| &p.1)
    }

    fn has_marker(&self, seq: u64) -> bool {
        self.markers.binary_search_by_key(&seq, |m| m.0).is_ok()
    }
}

impl KvStore {
    /// A store for queue `name` in `adapter` (payloads sealed with `key`, if given).
    pub fn new(
        adapter: KvAdapter,
        name: &str,
        key: Option<web_sys::CryptoKey>,
    ) -> Result<KvStore, StoreError> {
        Ok(KvStore {
            adapter,
            prefix: kv_keys::prefix(name),
            cipher: key.map(Cipher::new).transpose()?,
            state: RefCell::new(State {
                image: LogImage::new(MIN_COMPACT_COMMITS),
                next_seq: 0,
                live: Vec::new(),
            }),
        })
    }

    fn marker_key(&self, seq: u64) -> String {
        kv_keys::marker_key(&self.prefix, seq)
    }

    fn part_key(&self, seq: u64, part: u32) -> String {
        kv_keys::part_key(&self.prefix, seq, part)
    }

    fn reserve_seq(&self) -> u64 {
        let mut state = self.state.borrow_mut();
        let seq = state.next_seq;
        state.next_seq += 1;
        seq
    }

    /// Puts `values` as the parts of commit `seq`, then its marker. On a
    /// failure the parts written are deleted (best effort: a load deletes
    /// what is left) and nothing counts.
    async fn write(
        &self,
        seq: u64,
        snapshot: bool,
        values: Vec<JsValue>,
    ) -> Result<Commit, StoreError> {
        let commit = Commit {
            seq,
            snapshot,
            parts: values.len() as u32,
        };
        let written = async {
            if let Some(cipher) = &self.cipher {
                for value in &values {
                    cipher.seal(value).await?;
                }
            }
            for (i, value) in values.iter().enumerate() {
                self.adapter
                    .put(&self.part_key(seq, i as u32), value)
                    .await?;
            }
            self.adapter
                .put(&self.marker_key(seq), &marker_value(&commit))
                .await
        };
        if let Err(e) = written.await {
            for part in 0..commit.parts {
                let _ = self.adapter.delete(&self.part_key(seq, part)).await;
            }
            return Err(e);
        }
        Ok(commit)
    }

    /// Deletes the markers (first) and then the parts of `commits`.
    async fn delete_commits(&self, commits: &[Commit]) -> Result<(), StoreError> {
        for c in commits {
            self.adapter.delete(&self.marker_key(c.seq)).await?;
        }
        for c in commits {
            for part in 0..c.parts {
                self.adapter.delete(&self.part_key(c.seq, part)).await?;
            }
        }
        Ok(())
    }

    /// Writes the image as a new snapshot and deletes every older commit.
    pub async fn compact(&self) -> Result<(), StoreError> {
        let covered = self.state.borrow_mut().image.compaction_started();
        let written = self.write_snapshot().await;
        self.state
            .borrow_mut()
            .image
            .compaction_ended(covered, written.is_ok());
        written
    }

    async fn write_snapshot(&self) -> Result<(), StoreError> {
        let chunks = encode_snapshot(self.state.borrow().image.records(), PART_RECORDS)?;
        let seq = self.reserve_seq();
        let snapshot = self.write(seq, true, chunks).await?;
        let old = core::mem::replace(&mut self.state.borrow_mut().live, vec![snapshot]);
        // The snapshot already supersedes them; what is left, a load deletes.
        if let Err(e) = self.delete_commits(&old).await {
            warn(&format!("old commits not deleted yet: {e}"));
        }
        Ok(())
    }

    /// Compacts when `LogImage` says it is due; a failure waits for more commits.
    async fn maybe_compact(&self) {
        if !self.state.borrow().image.compaction_due(false) {
            return;
        }
        if let Err(e) = self.compact().await {
            warn(&format!(
                "compaction failed, the log stays authoritative: {e}"
            ));
        }
    }

    /// Writes `batch` as one log commit (its parts, then its marker).
    async fn append(&self, batch: &[Mutation<JsValue>]) -> Result<(), StoreError> {
        let values = batch
            .chunks(PART_RECORDS)
            .map(encode_batch)
            .collect::<Result<Vec<_>, _>>()?;
        let seq = self.reserve_seq();
        let commit = self.write(seq, false, values).await?;
        self.state.borrow_mut().live.push(commit);
        Ok(())
    }

    /// Reads and sorts every key under the prefix.
    async fn list(&self) -> Result<Listed, StoreError> {
        let mut listed = Listed::default();
        for (key, value) in self.adapter.list(&self.prefix).await? {
            // `strip_prefix`, not `&key[len..]`: no str slicing, whose panic path brings core::fmt's `char` Debug.
            let Some(parsed) = key.strip_prefix(self.prefix.as_str()).and_then(kv_keys::parse) else {
                continue;
            };
            let seq = match parsed {
                Key::Marker(seq) => {
                    let commit = read_marker(seq, &value);
                    listed.markers.push((seq, value, commit));
                    seq
                }
                Key::Part(seq, part) => {
                    listed.parts.push(((seq, part), value));
                    seq
                }
            };
            listed.max_seq = Some(listed.max_seq.map_or(seq, |m| m.max(seq)));
        }
        sort::sort_by_key(&mut listed.markers, |m| m.0);
        sort::sort_by_key(&mut listed.parts, |p| p.0);
        Ok(listed)
    }

    /// Decrypts (with a key) and decodes the live commits into `image`;
    /// returns the commits applied and what could not be read.
    async fn replay(
        &self,
        listed: &Listed,
        image: &mut Records<JsValue>,
    ) -> Result<(Vec<Commit>, Vec<Unreadable>), StoreError> {
        let first = listed
            .markers
            .iter()
            .rev()
            .find(|(_, _, m)| matches!(m, Ok(c) if c.snapshot))
            .map_or(0, |m| m.0);
        let mut live = Vec::new();
        let mut unreadable = Vec::new();
        for (seq, raw, marker) in listed.markers.iter().filter(|m| m.0 >= first) {
            let commit = match marker {
                Ok(c) => *c,
                Err(reason) => {
                    // The marker and whatever parts carry its `seq`, as they are.
                    let raw: Array = core::iter::once(raw)
                        .chain(listed.parts_of(*seq))
                        .cloned()
                        .collect();
                    unreadable.push(unreadable_value(LOG, *seq, raw.into(), reason.clone()));
                    continue;
                }
            };
            let values: Vec<JsValue> = (0..commit.parts)
                .filter_map(|part| listed.part(commit.seq, part).cloned())
                .collect();
            if let Some(cipher) = &self.cipher {
                for value in &values {
                    cipher.open(value).await?;
                }
            }
            let read = Read {
                commit,
                marker: raw,
                values,
            };
            if commit.snapshot {
                unreadable.extend(read.apply_snapshot(image));
            } else {
                unreadable.extend(read.apply_log(image));
            }
            live.push(commit);
        }
        Ok((live, unreadable))
    }

    /// Keys no commit needs: markers before the newest snapshot `first`,
    /// and parts before it or without a marker (markers first).
    async fn delete_garbage(&self, listed: &Listed, first: u64) -> Result<(), StoreError> {
        for (seq, ..) in listed.markers.iter().filter(|m| m.0 < first) {
            self.adapter.delete(&self.marker_key(*seq)).await?;
        }
        for &((seq, part), _) in &listed.parts {
            if seq < first || !listed.has_marker(seq) {
                self.adapter.delete(&self.part_key(seq, part)).await?;
            }
        }
        Ok(())
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
        image.apply_all(batch.clone());
        self.state.borrow_mut().image.quarantined(batch, 0);
        if let Err(e) = self.compact().await {
            warn(&format!("unreadable values not deleted yet: {e}"));
        }
    }
}

impl Store<JsValue> for KvStore {
    async fn load(&self, now_ms: u64) -> Result<Records<JsValue>, StoreError> {
        let listed = self.list().await?;
        let mut image = Records::default();
        let (live, unreadable) = self.replay(&listed, &mut image).await?;
        // Replayed in id order, the maps are half-full B-trees: repack them
        // before the copy, so that both copies are compact.
        image.compact();
        let first = live.iter().find(|c| c.snapshot).map_or(0, |c| c.seq);
        {
            let mut state = self.state.borrow_mut();
            let log_len = live.iter().filter(|c| !c.snapshot).count();
            state
                .image
                .loaded(image.clone(), log_len, !unreadable.is_empty());
            state.next_seq = listed.max_seq.map_or(1, |m| m + 1);
            state.live = live;
        }
        if let Err(e) = self.delete_garbage(&listed, first).await {
            warn(&format!("leftover keys not deleted yet: {e}"));
        }
        if !unreadable.is_empty() {
            self.quarantine(&mut image, unreadable, now_ms).await;
        }
        Ok(image)
    }

    fn image(&self) -> Records<JsValue> {
        self.state.borrow().image.records().clone()
    }

    async fn commit(&self, batch: Vec<Mutation<JsValue>>) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.append(&batch).await?;
        self.state.borrow_mut().image.committed(batch);
        self.maybe_compact().await;
        Ok(())
    }
}

fn marker_value(commit: &Commit) -> JsValue {
    let obj = Object::new();
    let kind = if commit.snapshot { SNAPSHOT } else { LOG };
    let _ = Reflect::set(&obj, &"v".into(), &SCHEMA_VERSION.into());
    let _ = Reflect::set(&obj, &"kind".into(), &kind.into());
    let _ = Reflect::set(&obj, &"parts".into(), &commit.parts.into());
    obj.into()
}

/// Reads a marker without trusting it.
fn read_marker(seq: u64, value: &JsValue) -> Result<Commit, String> {
    if !value.is_object() {
        return Err("the commit marker is not an object".into());
    }
    let field = |name: &str| Reflect::get(value, &name.into()).unwrap_or_default();
    if field("v").as_f64() != Some(f64::from(SCHEMA_VERSION)) {
        return Err(format!(
            "unknown schema version in the commit marker (this build reads {SCHEMA_VERSION})"
        ));
    }
    let snapshot = match field("kind").as_string().as_deref() {
        Some(LOG) => false,
        Some(SNAPSHOT) => true,
        _ => return Err("the commit marker's `kind` is neither \"log\" nor \"snapshot\"".into()),
    };
    let parts = field("parts").as_f64().unwrap_or(-1.0);
    if !(parts >= 1.0 && parts <= f64::from(u32::MAX) && parts.fract() == 0.0) {
        return Err("the commit marker's `parts` is not a positive integer".into());
    }
    Ok(Commit {
        seq,
        snapshot,
        parts: parts as u32,
    })
}

/// One live commit as read: its marker and the parts found (opened).
struct Read<'a> {
    commit: Commit,
    marker: &'a JsValue,
    values: Vec<JsValue>,
}

impl Read<'_> {
    /// Why not all parts were found, if they were not.
    fn missing(&self) -> Option<String> {
        let missing = self.commit.parts as usize - self.values.len();
        (missing > 0).then(|| format!("{missing} of its {} parts are missing", self.commit.parts))
    }

    /// A snapshot's chunks hold whole records: each is applied to `image`,
    /// or found unreadable, on its own.
    fn apply_snapshot(self, image: &mut Records<JsValue>) -> Vec<Unreadable> {
        let seq = self.commit.seq;
        let mut bad = Vec::new();
        if let Some(why) = self.missing() {
            bad.push(unreadable_value(SNAPSHOT, seq, self.marker.clone(), why));
        }
        for value in self.values {
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
                .map(|v| decode_batch(v).map_err(|e| e.0))
                .collect(),
        };
        match decoded {
            Ok(batches) => {
                image.apply_all(batches.into_iter().flatten());
                None
            }
            Err(why) => {
                let raw: Array = core::iter::once(self.marker.clone())
                    .chain(self.values)
                    .collect();
                Some(unreadable_value(LOG, self.commit.seq, raw.into(), why))
            }
        }
    }
}

fn unreadable_value(store: &'static str, seq: u64, raw: JsValue, reason: String) -> Unreadable {
    Unreadable {
        store,
        key: seq as f64,
        raw,
        reason,
    }
}

fn warn(message: &str) {
    crate::js::console::warn(message, &JsValue::UNDEFINED);
}
