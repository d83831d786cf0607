#![cfg(target_arch = "wasm32")]
//! The IndexedDB store in headless Chrome: what is committed is what a
//! reopen loads (through the engine too), compaction keeps it so,
//! structured-clone payloads survive, bad stored records become dead letters, and
//! browser errors come back as `StoreError`s.
//!
//! `wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- --test web_indexeddb`

use js_sys::{Array, Date, Float64Array, Map, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{IdbDatabase, IdbFactory, IdbRequest, IdbTransaction, IdbTransactionMode};

use wasmq::core::{
    Config, Counters, Engine, EnqueueOptions, Extras, KeyRecord, MessageId, MessageRecord,
    MessageState, Mutation, Record, RecordKey, Records, MAX_TIME_MS,
};
use wasmq::store::indexeddb::IndexedDbStore;
use wasmq::store::{Durability, Store, StoreError, StoreErrorKind};

wasm_bindgen_test_configure!(run_in_browser);

mod store_contract;

/// The `Store` contract on IndexedDB: each open is a new connection.
struct IndexedDb;

impl store_contract::Backend for IndexedDb {
    type S = IndexedDbStore;
    async fn open(&self, name: &str) -> IndexedDbStore {
        IndexedDbStore::open(name, None, Durability::DEFAULT)
            .await
            .expect("IndexedDB opens")
    }

    async fn commit_after(
        &self,
        store: &IndexedDbStore,
        batch: Vec<Mutation<JsValue>>,
        after: &Records<JsValue>,
    ) -> Result<(), StoreError> {
        let fold = store.fold(after);
        store.commit_folding(batch, fold).await
    }
}

impl store_contract::Refusing for IndexedDb {
    /// A function: structured clone cannot copy it (`DataCloneError`).
    fn refused(&self) -> Vec<Mutation<JsValue>> {
        let f = js_sys::Function::new_no_args("return 1");
        vec![Mutation::Put(Record::Payload(MessageId(9), f.into()))]
    }
}

store_contract::store_contract_tests!(IndexedDb; refusing);

const NOW: u64 = 1_700_000_000_000;

// ------------------------------------------------------------ raw IndexedDB

fn factory() -> IdbFactory {
    Reflect::get(&js_sys::global(), &"indexedDB".into())
        .unwrap()
        .unchecked_into()
}

/// Resolves with the request's result once it succeeds.
async fn request(req: &IdbRequest) -> JsValue {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap());
        });
        let r = req.clone();
        let err = Closure::once_into_js(move |_: web_sys::Event| {
            let e = r.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &e.unwrap_or(JsValue::UNDEFINED));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .expect("IndexedDB request failed")
}

/// Resolves once the transaction completes.
async fn completed(txn: &IdbTransaction) {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let err = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::NULL);
        });
        txn.set_oncomplete(Some(ok.unchecked_ref()));
        txn.set_onabort(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise).await.expect("transaction failed");
}

/// A database name no other test uses, with any leftover deleted.
async fn fresh(test: &str) -> String {
    let name = format!(
        "{test}-{}-{}",
        Date::now(),
        (js_sys::Math::random() * 1e9) as u64
    );
    let req = factory().delete_database(&format!("wasmq:{name}")).unwrap();
    request(&req).await;
    name
}

/// The database the store created (open it only after the store did).
async fn raw_open(name: &str) -> IdbDatabase {
    let req = factory()
        .open_with_u32(&format!("wasmq:{name}"), 1)
        .unwrap();
    request(&req).await.unchecked_into()
}

async fn raw_count(name: &str, store: &str) -> u32 {
    let db = raw_open(name).await;
    let txn = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readonly)
        .unwrap();
    let n = request(&txn.object_store(store).unwrap().count().unwrap()).await;
    db.close();
    n.as_f64().unwrap() as u32
}

/// Writes `values` into `store` (auto keys for `log`, given keys otherwise).
async fn raw_write(name: &str, store: &str, values: &[(Option<f64>, JsValue)]) {
    let db = raw_open(name).await;
    let txn = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite)
        .unwrap();
    let os = txn.object_store(store).unwrap();
    for (key, value) in values {
        match key {
            Some(k) => os.put_with_key(value, &JsValue::from_f64(*k)).unwrap(),
            None => os.add(value).unwrap(),
        };
    }
    completed(&txn).await;
    db.close();
}

// ------------------------------------------------------------ helpers

fn obj(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v)
        .map(String::from)
        .unwrap_or_else(|_| "<not JSON>".into())
}

fn get(v: &JsValue, field: &str) -> JsValue {
    Reflect::get(v, &field.into()).unwrap()
}

/// Same messages, keys and counters, and payloads equal as JSON.
fn assert_same(actual: &Records<JsValue>, expected: &Records<JsValue>) {
    let metas = |r: &Records<JsValue>| r.metas().cloned().collect::<Vec<_>>();
    assert_eq!(metas(actual), metas(expected));
    assert_eq!(actual.keys, expected.keys);
    assert_eq!(actual.counters, expected.counters);
    let ids = |r: &Records<JsValue>| r.payloads().map(|(id, _)| id).collect::<Vec<_>>();
    assert_eq!(ids(actual), ids(expected));
    for (id, p) in actual.payloads() {
        assert_eq!(
            json(p),
            json(expected.payload(id).unwrap()),
            "payload of {id}"
        );
    }
}

fn message(id: u64, state: MessageState) -> MessageRecord {
    MessageRecord {
        id: MessageId(id),
        enqueued_at_ms: NOW,
        due_ms: NOW + id,
        priority: 0,
        max_attempts: 5,
        attempts: 0,
        extras: Extras::default(),
        state,
    }
}

fn put_message(m: MessageRecord, payload: JsValue) -> [Mutation<JsValue>; 2] {
    let id = m.id;
    [
        Mutation::Put(Record::Message(m)),
        Mutation::Put(Record::Payload(id, payload)),
    ]
}

async fn open_loaded(name: &str) -> (IndexedDbStore, Records<JsValue>) {
    let store = IndexedDbStore::open(name, None, Durability::DEFAULT)
        .await
        .unwrap();
    let records = store.load(NOW).await.unwrap();
    (store, records)
}

/// What another connection loads from database `name` now (the first one
/// may still be open): the store keeps no records, so this is what it holds.
async fn loaded_now(name: &str) -> Records<JsValue> {
    let (store, records) = open_loaded(name).await;
    store.close();
    records
}

/// Commits what `engine` changed as the runtime's commit loop does: the
/// store may take a snapshot of the engine as it is once the batch is
/// drained (`fold`), to write once the batch is durable.
async fn commit_engine(store: &IndexedDbStore, engine: &mut Engine<JsValue>) {
    let batch = engine.take_mutations();
    let fold = store.fold(engine);
    store.commit_folding(batch, fold).await.unwrap();
    engine.committed();
}

/// Polls (up to ~5 s) until the `log` object store of `name` holds `n` records.
async fn log_reaches(name: &str, n: u32) -> u32 {
    let mut count = raw_count(name, "log").await;
    for _ in 0..500 {
        if count == n {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
        count = raw_count(name, "log").await;
    }
    count
}

// ------------------------------------------------------------ tests

#[wasm_bindgen_test]
fn indexeddb_is_available_in_a_page() {
    assert!(IndexedDbStore::is_available());
}

#[wasm_bindgen_test]
async fn commit_then_reopen_loads_what_was_committed() {
    let name = fresh("roundtrip").await;
    let (store, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &Records::default());

    let mut batch1 = vec![Mutation::Put(Record::Counters(Counters {
        next_id: 4,
        next_lease: 8,
        completed: 1,
        retried: 2,
    }))];
    let mut m1 = message(1, MessageState::Waiting);
    m1.extras = Extras::new(Some("g".into()), Some("k1".into()), None);
    m1.priority = -7;
    batch1.extend(put_message(m1, obj(&[("a", 1.into())])));
    let mut m2 = message(
        2,
        MessageState::InFlight {
            lease: 7,
            deadline_ms: NOW + 30_000,
        },
    );
    m2.attempts = 1;
    batch1.extend(put_message(m2.clone(), "text".into()));
    batch1.push(Mutation::Put(Record::Key(KeyRecord {
        key: "k1".into(),
        id: MessageId(1),
        expires_at_ms: NOW + 86_400_000,
    })));

    m2.state = MessageState::Dead {
        failed_at_ms: NOW + 5,
    };
    m2.replace_last_error(Some("boom: ünïcödé".into()));
    let mut m3 = message(3, MessageState::Waiting);
    m3.due_ms = MAX_TIME_MS;
    m3.priority = i32::MAX;
    m3.max_attempts = 1_000_000;
    let mut batch2 = vec![
        Mutation::Put(Record::Message(m2)),
        Mutation::Delete(RecordKey::Message(MessageId(1))),
        Mutation::Delete(RecordKey::Payload(MessageId(1))),
        Mutation::Delete(RecordKey::Key("k1".into())),
        Mutation::Delete(RecordKey::Key("never-there".into())),
    ];
    batch2.extend(put_message(m3, JsValue::from_f64(42.5)));
    batch2.push(Mutation::Put(Record::Key(KeyRecord {
        key: "k2".into(),
        id: MessageId(3),
        expires_at_ms: MAX_TIME_MS,
    })));
    let batch3 = vec![
        Mutation::Delete(RecordKey::Counters),
        Mutation::Put(Record::Counters(Counters {
            next_id: 4,
            next_lease: 9,
            completed: 3,
            retried: 4,
        })),
    ];

    let mut expected = Records::default();
    for batch in [batch1, batch2, batch3] {
        expected.apply_all(batch.clone());
        store.commit(batch).await.unwrap();
    }
    assert_same(&loaded_now(&name).await, &expected);
    store.close();

    let (again, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &expected);
    assert_eq!(raw_count(&name, "log").await, 3, "one log record per batch");
    // The load counted the log it read: a compaction from what it loaded
    // folds all of it, and the result reads back the same.
    assert!(again.compact(&loaded).await.unwrap());
    assert_eq!(raw_count(&name, "log").await, 0);
    assert_same(&loaded_now(&name).await, &expected);
    again.close();
}

#[wasm_bindgen_test]
async fn a_thousand_enqueues_survive_a_reopen() {
    let name = fresh("engine").await;
    let config = Config::default();
    let (store, records) = open_loaded(&name).await;
    let mut engine = Engine::from_records(config.clone(), records, NOW).unwrap();
    let mut ids = Vec::new();
    for chunk in 0..4i32 {
        for i in chunk * 250..(chunk + 1) * 250 {
            let options = EnqueueOptions {
                idempotency_key: (i % 10 == 0).then(|| format!("key-{i}")),
                priority: i % 3,
                ..EnqueueOptions::default()
            };
            let payload = obj(&[
                ("n", i.into()),
                ("to", format!("user{i}@example.com").into()),
            ]);
            ids.push((i, engine.enqueue(payload, options, NOW).unwrap().id()));
        }
        store.commit(engine.take_mutations()).await.unwrap();
    }
    store.close();

    let (store, records) = open_loaded(&name).await;
    let rebuilt = Engine::from_records(config, records, NOW).unwrap();
    assert_eq!(rebuilt.stats().pending, 1000);
    assert_eq!(rebuilt.stats().stored(), 1000);
    for (i, id) in ids {
        let payload = rebuilt.payload(id).expect("payload");
        assert_eq!(get(payload, "n").as_f64(), Some(f64::from(i)));
        assert_eq!(
            get(payload, "to").as_string(),
            Some(format!("user{i}@example.com"))
        );
    }
    assert_eq!(rebuilt.key_owner("key-990"), engine.key_owner("key-990"));
    assert!(rebuilt.key_owner("key-990").is_some());
    store.close();
}

#[wasm_bindgen_test]
async fn compaction_shrinks_the_log_and_keeps_the_state() {
    let name = fresh("compaction").await;
    let config = Config::default();
    let (store, records) = open_loaded(&name).await;
    let mut engine = Engine::from_records(config.clone(), records, NOW).unwrap();
    let mut batches = 0;
    let mut now = NOW;
    for i in 0..600u32 {
        now += 1;
        for j in 0..2 {
            let options = EnqueueOptions {
                idempotency_key: (i % 7 == 0).then(|| format!("key-{i}-{j}")),
                group: (i % 11 == 0).then(|| "g".to_owned()),
                ..EnqueueOptions::default()
            };
            engine
                .enqueue(obj(&[("n", (2 * i + j).into())]), options, now)
                .unwrap();
        }
        commit_engine(&store, &mut engine).await;
        batches += 1;
        // Acks, retries (waiting with an error), leases left in flight.
        let settle = match i % 3 {
            0 => Some(true),
            1 if i % 5 == 0 => Some(false),
            _ => None,
        };
        if let Some(ack) = settle {
            let lease = engine.lease(now, 1).pop().unwrap();
            if ack {
                engine.ack(lease.token).unwrap();
            } else {
                engine.nack(lease.token, "boom", now).unwrap();
            }
            commit_engine(&store, &mut engine).await;
            batches += 1;
        }
        if i % 50 == 0 {
            engine.lease(now, 1);
            commit_engine(&store, &mut engine).await;
            batches += 1;
        }
    }
    let log = raw_count(&name, "log").await;
    let snapshot = raw_count(&name, "snapshot").await;
    console_log!(
        "{batches} batches, {} messages: log holds {log}, snapshot {snapshot} chunk(s)",
        engine.stats().stored()
    );
    assert!(log < 513, "the log was compacted: {log} records left");
    assert!(snapshot >= 2, "more than 1,000 records need several chunks");
    assert_same(&loaded_now(&name).await, &engine.records());
    store.close();

    let (store, records) = open_loaded(&name).await;
    assert_same(&records, &engine.records());
    let rebuilt = Engine::from_records(config, records, now).unwrap();
    assert_eq!(rebuilt.stats(), engine.stats());
    store.close();
}

/// The snapshot a store takes when its log is due (`fold`) is written only
/// once the commit it was taken for is durable: a refused commit drops it
/// (here, a snapshot of a state that never was would show message 999),
/// and the next durable commit's fold replaces the whole log.
#[wasm_bindgen_test]
async fn a_fold_is_written_after_its_commit_and_dropped_with_a_refused_one() {
    let name = fresh("fold").await;
    let (store, _) = open_loaded(&name).await;
    let mut expected = Records::default();
    for id in 1..=513 {
        let batch: Vec<_> = put_message(message(id, MessageState::Waiting), "x".into()).into();
        expected.apply_all(batch.clone());
        store.commit(batch).await.unwrap();
    }
    assert_eq!(
        raw_count(&name, "log").await,
        513,
        "plain commits never fold"
    );

    let mut never = expected.clone();
    never.apply_all(put_message(
        message(999, MessageState::Waiting),
        "never".into(),
    ));
    let fold = store.fold(&never);
    assert!(fold.is_some(), "past 512 log records a fold is due");
    let function = js_sys::Function::new_no_args("return 1");
    let refused: Vec<_> = put_message(message(514, MessageState::Waiting), function.into()).into();
    assert!(store.commit_folding(refused, fold).await.is_err());
    assert_eq!(log_reaches(&name, 0).await, 513, "nothing folded");
    assert_eq!(raw_count(&name, "snapshot").await, 0);
    assert_same(&loaded_now(&name).await, &expected);

    let batch: Vec<_> = put_message(message(515, MessageState::Waiting), "y".into()).into();
    expected.apply_all(batch.clone());
    let fold = store.fold(&expected);
    assert!(fold.is_some(), "still due");
    store.commit_folding(batch, fold).await.unwrap();
    assert_eq!(log_reaches(&name, 0).await, 0, "the whole log folded");
    assert!(raw_count(&name, "snapshot").await >= 1);
    assert_same(&loaded_now(&name).await, &expected);
    assert!(store.fold(&expected).is_none(), "not due again at once");
    store.close();
}

#[wasm_bindgen_test]
async fn compact_on_demand_folds_the_whole_log() {
    let name = fresh("compact").await;
    let store = IndexedDbStore::open(&name, None, Durability::DEFAULT)
        .await
        .unwrap();
    let batch: Vec<_> = put_message(message(1, MessageState::Waiting), "one".into()).into();
    store.commit(batch).await.unwrap();
    let mut first = Records::default();
    first.apply_all(put_message(message(1, MessageState::Waiting), "one".into()));
    assert!(
        !store.compact(&first).await.unwrap(),
        "not before the first load"
    );
    let mut expected = store.load(NOW).await.unwrap();
    for id in 2..5 {
        let batch: Vec<_> = put_message(message(id, MessageState::Waiting), "x".into()).into();
        expected.apply_all(batch.clone());
        store.commit(batch).await.unwrap();
    }
    assert!(store.compact(&expected).await.unwrap());
    assert_eq!(raw_count(&name, "log").await, 0);
    assert_eq!(raw_count(&name, "snapshot").await, 1);
    assert!(
        !store.compact(&expected).await.unwrap(),
        "nothing left to fold"
    );
    // Snapshot + a log tail.
    let batch = vec![Mutation::Delete(RecordKey::Payload(MessageId(3)))];
    expected.apply_all(batch.clone());
    store.commit(batch).await.unwrap();
    store.close();

    let (store, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &expected);
    assert_eq!(loaded.payloads().count(), 3);
    store.close();
}

#[wasm_bindgen_test]
async fn structured_payloads_round_trip() {
    let name = fresh("structured").await;
    let (store, _) = open_loaded(&name).await;
    let bytes = Uint8Array::from(&[1u8, 2, 3, 255][..]);
    let map = Map::new();
    map.set(&"k".into(), &7.into());
    map.set(&3.into(), &obj(&[("deep", true.into())]));
    let nested = obj(&[
        (
            "list",
            Array::of2(&1.into(), &obj(&[("b", "x".into())])).into(),
        ),
        ("none", JsValue::NULL),
    ]);
    let payload = obj(&[
        ("nested", nested.clone()),
        (
            "when",
            Date::new(&JsValue::from_f64(1_234_567_890_123.0)).into(),
        ),
        ("bytes", bytes.into()),
        ("map", map.into()),
    ]);
    let mut batch = Vec::new();
    batch.extend(put_message(message(0, MessageState::Waiting), payload));
    batch.extend(put_message(
        message(1, MessageState::Waiting),
        Uint8Array::from(&[9u8; 16][..]).into(),
    ));
    store.commit(batch).await.unwrap();
    store.close();

    let (store, records) = open_loaded(&name).await;
    let p = records.payload(MessageId(0)).unwrap();
    assert_eq!(json(&get(p, "nested")), json(&nested));
    let when = get(p, "when");
    assert!(when.is_instance_of::<Date>());
    assert_eq!(
        when.unchecked_into::<Date>().get_time(),
        1_234_567_890_123.0
    );
    let bytes = get(p, "bytes");
    assert!(bytes.is_instance_of::<Uint8Array>());
    assert_eq!(
        bytes.unchecked_into::<Uint8Array>().to_vec(),
        vec![1, 2, 3, 255]
    );
    let map = get(p, "map");
    assert!(map.is_instance_of::<Map>());
    let map: Map = map.unchecked_into();
    assert_eq!(map.size(), 2);
    assert_eq!(map.get(&"k".into()).as_f64(), Some(7.0));
    assert_eq!(get(&map.get(&3.into()), "deep").as_bool(), Some(true));
    let raw = records.payload(MessageId(1)).unwrap();
    assert_eq!(
        raw.clone().unchecked_into::<Uint8Array>().to_vec(),
        vec![9u8; 16]
    );
    store.close();
}

#[wasm_bindgen_test]
async fn unreadable_records_become_dead_letters_and_the_rest_loads() {
    let name = fresh("corrupt").await;
    let (store, _) = open_loaded(&name).await;
    let mut expected = Records::default();
    let first: Vec<_> = put_message(message(1, MessageState::Waiting), "one".into()).into();
    expected.apply_all(first.clone());
    store.commit(first).await.unwrap();
    store.close();

    let num = JsValue::from_f64;
    let arr = |items: &[JsValue]| JsValue::from(items.iter().collect::<Array>());
    // A stored value in the log's format: `{ v, t, n, s, p }`.
    let rec = |v: f64, tags: &[u8], numbers: &[f64], strings: &[JsValue], payloads: &[JsValue]| {
        obj(&[
            ("v", num(v)),
            ("t", Uint8Array::from(tags).into()),
            ("n", Float64Array::from(numbers).into()),
            ("s", arr(strings)),
            ("p", arr(payloads)),
        ])
    };
    // A message record's numbers: id, enqueuedAt, due, priority, maxAttempts,
    // attempts, state, a, b, flags.
    let meta = [2.0, 1.0, 1.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let mut negative = meta;
    negative[1] = -1.0;
    let mut fraction = meta;
    fraction[0] = 2.5;
    let mut bad_state = meta;
    bad_state[6] = 3.0;
    raw_write(
        &name,
        "log",
        &[
            (None, rec(99.0, &[], &[], &[], &[])),
            (None, "garbage".into()),
            (None, JsValue::NULL),
            (None, obj(&[("v", num(1.0))])),
            (
                None,
                obj(&[
                    ("v", num(1.0)),
                    ("t", arr(&[num(0.0)])),
                    ("n", arr(&[])),
                    ("s", arr(&[])),
                    ("p", arr(&[])),
                ]),
            ),
            (None, rec(1.0, &[42], &[], &[], &[])),
            (None, rec(1.0, &[0], &negative, &[], &[])),
            (None, rec(1.0, &[0], &fraction, &[], &[])),
            (None, rec(1.0, &[0], &bad_state, &[], &[])),
            // Says it has a group, but no string follows.
            (
                None,
                rec(
                    1.0,
                    &[0],
                    &[2.0, 1.0, 1.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                    &[],
                    &[],
                ),
            ),
            // A key whose "string" is a number.
            (None, rec(1.0, &[2], &[1.0, 5.0], &[num(7.0)], &[])),
            // A payload record without its payload.
            (None, rec(1.0, &[1], &[2.0], &[], &[])),
            // A valid delete of message 1's payload, then a number too many:
            // the whole batch is refused, so the payload stays.
            (None, rec(1.0, &[5], &[1.0, 9.0], &[], &[])),
        ],
    )
    .await;
    raw_write(
        &name,
        "snapshot",
        &[
            // A delete has no place in a snapshot.
            (Some(5.0), rec(1.0, &[4], &[1.0], &[], &[])),
            (Some(6.0), arr(&[num(1.0)])),
        ],
    )
    .await;

    // Each unreadable value became a dead letter (raw value as payload, the
    // reason as last error) and left the log and the snapshot, atomically.
    let (store, loaded) = open_loaded(&name).await;
    assert_eq!(
        loaded.message(MessageId(1)).unwrap(),
        expected.message(MessageId(1)).unwrap()
    );
    let dead: Vec<&MessageRecord> = loaded.metas().filter(|m| m.id != MessageId(1)).collect();
    assert_eq!(dead.len(), 15, "13 log records and 2 snapshot chunks");
    for m in &dead {
        assert!(matches!(m.state, MessageState::Dead { .. }), "{m:?}");
        let reason = m.last_error().unwrap_or_default();
        assert!(reason.starts_with("unreadable stored record"), "{reason}");
        assert!(loaded.payload(m.id).is_some(), "the raw value is kept");
    }
    assert!(dead
        .iter()
        .any(|m| m.last_error().unwrap_or_default().contains("99")));
    assert_eq!(
        json(
            loaded
                .payload(
                    dead.iter()
                        .find(|m| m.last_error().unwrap_or_default().contains("log key 3"))
                        .unwrap()
                        .id
                )
                .unwrap()
        ),
        "\"garbage\""
    );
    assert_eq!(raw_count(&name, "snapshot").await, 0);
    assert_eq!(
        raw_count(&name, "log").await,
        2,
        "the good batch and the dead letters"
    );
    let mut expected = loaded.clone();
    let second: Vec<_> = put_message(message(100, MessageState::Waiting), "two".into()).into();
    expected.apply_all(second.clone());
    store.commit(second).await.unwrap();
    store.close();

    let (store, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &expected);
    store.close();
}

#[wasm_bindgen_test]
async fn an_empty_batch_commits_without_a_transaction() {
    let name = fresh("empty").await;
    let (store, _) = open_loaded(&name).await;
    store.commit(Vec::new()).await.unwrap();
    assert_eq!(raw_count(&name, "log").await, 0);
    store.close();
}

#[wasm_bindgen_test]
async fn an_uncloneable_payload_fails_the_commit_and_changes_nothing() {
    let name = fresh("uncloneable").await;
    let (store, _) = open_loaded(&name).await;
    let good: Vec<_> = put_message(message(1, MessageState::Waiting), "ok".into()).into();
    let mut expected = Records::default();
    expected.apply_all(good.clone());
    store.commit(good).await.unwrap();

    let function = js_sys::Function::new_no_args("return 1");
    let bad: Vec<_> = put_message(message(2, MessageState::Waiting), function.into()).into();
    let err = store.commit(bad).await.unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Failed);
    assert!(err.message.contains("DataCloneError"), "{err}");
    assert_same(&loaded_now(&name).await, &expected);
    store.close();

    let (store, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &expected);
    store.close();
}

#[wasm_bindgen_test]
async fn another_connection_deleting_the_database_is_not_blocked() {
    let name = fresh("versionchange").await;
    let (store, _) = open_loaded(&name).await;
    // Would hang on `blocked` if the store kept its connection open.
    let req = factory().delete_database(&format!("wasmq:{name}")).unwrap();
    request(&req).await;
    let batch: Vec<_> = put_message(message(1, MessageState::Waiting), "x".into()).into();
    let err = store.commit(batch).await.unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Unavailable, "{err}");
}

/// A commit whose future is dropped once its transaction is issued still
/// completes, and the store's bookkeeping (its "image" of the log: length
/// and highest key; it keeps no records) follows it.
#[wasm_bindgen_test]
async fn a_commit_whose_future_is_dropped_still_updates_the_image() {
    use futures::FutureExt;
    let name = fresh("dropped").await;
    let (store, _) = open_loaded(&name).await;
    let mut expected = Records::default();
    let first: Vec<_> = put_message(message(1, MessageState::Waiting), "one".into()).into();
    expected.apply_all(first.clone());
    // Polled once (which issues its transaction), then dropped before it completes.
    assert!(
        store.commit(first).now_or_never().is_none(),
        "not done at once"
    );
    // Transactions over the log complete in order: the first is done when this one is.
    let second: Vec<_> = put_message(message(2, MessageState::Waiting), "two".into()).into();
    expected.apply_all(second.clone());
    store.commit(second).await.unwrap();
    assert_same(&loaded_now(&name).await, &expected);
    assert_eq!(raw_count(&name, "log").await, 2);
    // The store counted the dropped commit too: a compaction from what is
    // committed folds both log records.
    assert!(store.compact(&expected).await.unwrap());
    assert_eq!(raw_count(&name, "log").await, 0);
    store.close();

    let (store, loaded) = open_loaded(&name).await;
    assert_same(&loaded, &expected);
    store.close();
}
