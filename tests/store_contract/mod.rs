//! The `Store` contract (see the trait's documentation), written once and
//! run over every backend: memory and the adapter store in Node
//! (`tests/node_queue.rs`, `tests/node_adapter.rs`), IndexedDB in headless
//! Chrome (`tests/web_indexeddb.rs`). Each backend names how it reopens a
//! queue's records, how it commits as the runtime does (handing a
//! log-structured store the state after the batch, to fold its log from),
//! and which batch, if any, it refuses to store.
//!
//! The stores keep no copy of the records: what a store holds is checked
//! as what a fresh instance over the same medium loads, after every step
//! (commits, a refused commit), not only at the end.

use std::future::Future;

use wasm_bindgen::JsValue;
use wasmq::core::{
    Counters, Extras, KeyRecord, MessageId, MessageRecord, MessageState, Mutation, Record,
    RecordKey, Records,
};
use wasmq::store::{Store, StoreError};

/// A backend under test.
pub trait Backend {
    /// Its store type.
    type S: Store<JsValue>;
    /// A new instance over the records of queue `name`, as a reopen gets
    /// it (a new connection, a new object); the first for a name is empty.
    fn open(&self, name: &str) -> impl Future<Output = Self::S>;
    /// Commits `batch` as the runtime's commit loop does: `after` is the
    /// state once it is durable, from which a log-structured store takes
    /// its snapshot when its log is due to be folded. Default: a plain
    /// commit (the memory store has no log).
    fn commit_after(
        &self,
        store: &Self::S,
        batch: Vec<Mutation<JsValue>>,
        after: &Records<JsValue>,
    ) -> impl Future<Output = Result<(), StoreError>> {
        let _ = after;
        store.commit(batch)
    }
}

/// A backend whose medium can refuse a batch (the memory store keeps any
/// value, so it has no such batch).
pub trait Refusing: Backend {
    /// A batch this backend refuses to store: a payload its medium cannot copy.
    fn refused(&self) -> Vec<Mutation<JsValue>>;
}

const NOW: u64 = 1_700_000_000_000;

/// A name no other test uses.
fn name(test: &str) -> String {
    format!(
        "contract-{test}-{}",
        js_sys::Math::random().to_bits() % 1_000_000_007
    )
}

fn message(id: u64) -> MessageRecord {
    MessageRecord {
        id: MessageId(id),
        enqueued_at_ms: NOW + id,
        due_ms: NOW + id,
        priority: 0,
        max_attempts: 3,
        attempts: 0,
        extras: Extras::new(Some("g".into()), None, None),
        state: MessageState::Waiting,
    }
}

/// A message with its payload (a string: compared by value).
fn put(id: u64, payload: &str) -> [Mutation<JsValue>; 2] {
    [
        Mutation::Put(Record::Message(message(id))),
        Mutation::Put(Record::Payload(MessageId(id), payload.into())),
    ]
}

fn counters(next_id: u64) -> Mutation<JsValue> {
    Mutation::Put(Record::Counters(Counters {
        next_id,
        ..Counters::default()
    }))
}

fn applied(batches: &[Vec<Mutation<JsValue>>]) -> Records<JsValue> {
    let mut image = Records::default();
    for b in batches {
        image.apply_all(b.clone());
    }
    image
}

/// Three batches that overwrite and delete what earlier ones wrote.
fn three_batches() -> Vec<Vec<Mutation<JsValue>>> {
    let mut first: Vec<_> = put(1, "a").into();
    first.extend(put(2, "b"));
    first.push(counters(3));
    let mut second = vec![Mutation::Put(Record::Payload(MessageId(1), "a2".into()))];
    second.extend(put(3, "c"));
    second.push(Mutation::Put(Record::Key(KeyRecord {
        key: "k".into(),
        id: MessageId(3),
        expires_at_ms: NOW + 10,
    })));
    second.push(counters(4));
    let third = vec![
        Mutation::Delete(RecordKey::Message(MessageId(2))),
        Mutation::Delete(RecordKey::Payload(MessageId(2))),
        Mutation::Delete(RecordKey::Key("k".into())),
        Mutation::Put(Record::Origin("origin-1".into())),
    ];
    vec![first, second, third]
}

async fn reloaded<B: Backend>(backend: &B, name: &str) -> Records<JsValue> {
    let store = backend.open(name).await;
    let records = store.load(NOW).await.expect("a reopened store loads");
    store.close();
    records
}

/// Commits `batches[i]` as the runtime does (`Backend::commit_after`).
async fn commit_nth<B: Backend>(
    backend: &B,
    store: &B::S,
    batches: &[Vec<Mutation<JsValue>>],
    i: usize,
) -> Result<(), StoreError> {
    let after = applied(&batches[..=i]);
    backend
        .commit_after(store, batches[i].clone(), &after)
        .await
}

/// A queue's first `load` finds nothing, and so does another instance's.
pub async fn contract_fresh_store_loads_nothing<B: Backend>(backend: &B) {
    let name = name("fresh");
    let store = backend.open(&name).await;
    assert_eq!(store.load(NOW).await.unwrap(), Records::default());
    assert_eq!(reloaded(backend, &name).await, Records::default());
    store.close();
}

/// What committed batches left, applied in commit order (later puts
/// replace, deletes remove), is what a fresh instance loads after each
/// commit, and what a reopen loads.
pub async fn contract_commits_load_in_order<B: Backend>(backend: &B) {
    let name = name("order");
    let store = backend.open(&name).await;
    store.load(NOW).await.unwrap();
    let batches = three_batches();
    for i in 0..batches.len() {
        commit_nth(backend, &store, &batches, i).await.unwrap();
        assert_eq!(
            reloaded(backend, &name).await,
            applied(&batches[..=i]),
            "stored after batch {i}"
        );
    }
    store.close();
    let expected = applied(&batches);
    assert_eq!(
        expected.messages.len(),
        2,
        "the batches overwrite and delete"
    );
    assert_eq!(reloaded(backend, &name).await, expected);
}

/// An empty batch succeeds and changes nothing.
pub async fn contract_empty_batch_changes_nothing<B: Backend>(backend: &B) {
    let name = name("empty");
    let store = backend.open(&name).await;
    store.load(NOW).await.unwrap();
    let first = three_batches().remove(0);
    let after = applied(std::slice::from_ref(&first));
    backend
        .commit_after(&store, first.clone(), &after)
        .await
        .unwrap();
    backend
        .commit_after(&store, Vec::new(), &after)
        .await
        .unwrap();
    assert_eq!(reloaded(backend, &name).await, after);
    store.close();
    assert_eq!(reloaded(backend, &name).await, applied(&[first]));
}

/// A refused commit stores nothing of its batch — not for another instance
/// loading right after it, not for a reopen — and the store takes the next
/// commit as if it had not happened.
pub async fn contract_failed_commit_changes_nothing<B: Refusing>(backend: &B) {
    let refused = backend.refused();
    let name = name("failed");
    let store = backend.open(&name).await;
    store.load(NOW).await.unwrap();
    let batches = three_batches();
    commit_nth(backend, &store, &batches, 0).await.unwrap();
    let mut after = applied(&batches[..1]);
    after.apply_all(refused.clone());
    let err = backend.commit_after(&store, refused, &after).await;
    assert!(err.is_err(), "the backend refuses its refused batch");
    assert_eq!(reloaded(backend, &name).await, applied(&batches[..1]));
    commit_nth(backend, &store, &batches, 1).await.unwrap();
    assert_eq!(reloaded(backend, &name).await, applied(&batches[..2]));
    store.close();
    assert_eq!(reloaded(backend, &name).await, applied(&batches[..2]));
}

/// Past any backend's compaction threshold (IndexedDB folds after 512
/// batches, the adapter after 64), committed as the runtime commits (so
/// that the log-structured stores fold), what is stored is exactly what
/// was committed: compaction is invisible.
pub async fn contract_long_logs_compact_invisibly<B: Backend>(backend: &B) {
    let name = name("long");
    let store = backend.open(&name).await;
    store.load(NOW).await.unwrap();
    let mut batches = Vec::new();
    let mut expected = Records::default();
    for i in 1..=600u64 {
        let mut b: Vec<_> = put(i, &format!("p{i}")).into();
        if i % 3 == 0 {
            // Settled: gone again, so the snapshot is not just the log.
            b.push(Mutation::Delete(RecordKey::Message(MessageId(i - 1))));
            b.push(Mutation::Delete(RecordKey::Payload(MessageId(i - 1))));
        }
        b.push(counters(i + 1));
        expected.apply_all(b.clone());
        backend
            .commit_after(&store, b.clone(), &expected)
            .await
            .unwrap();
        batches.push(b);
    }
    assert_eq!(expected, applied(&batches));
    assert_eq!(expected.messages.len(), 400);
    assert_eq!(reloaded(backend, &name).await, expected);
    store.close();
    assert_eq!(reloaded(backend, &name).await, expected);
}

/// Defines the contract as `#[wasm_bindgen_test]` functions over
/// `$backend`; with `refusing`, also the cases of a refused commit.
macro_rules! store_contract_tests {
    ($backend:expr) => {
        $crate::store_contract::store_contract_tests!(@each $backend;
            contract_fresh_store_loads_nothing,
            contract_commits_load_in_order,
            contract_empty_batch_changes_nothing,
            contract_long_logs_compact_invisibly,
        );
    };
    ($backend:expr; refusing) => {
        $crate::store_contract::store_contract_tests!($backend);
        $crate::store_contract::store_contract_tests!(@each $backend;
            contract_failed_commit_changes_nothing,
        );
    };
    (@each $backend:expr; $($test:ident,)*) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $test() {
                $crate::store_contract::$test(&$backend).await;
            }
        )*
    };
}
pub(crate) use store_contract_tests;
