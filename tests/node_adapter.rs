//! The runtime's scenarios in Node on a key-value storage adapter (the
//! shape of a Durable Object's storage, over a `Map`), and what is the
//! adapter store's own: its layout, commits cut short, quota errors,
//! compaction, unreadable values, bad adapters and encryption at rest.
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use js_sys::{Array, Map, Reflect};
use queue_scenarios::support::{self, *};
use queue_scenarios::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;
use wasmq::core::{Extras, MessageId, MessageRecord, MessageState, Mutation, Record, Records};
use wasmq::store::kv::KvStore;
use wasmq::store::kv_adapter::KvAdapter;
use wasmq::store::{Store, StoreError, StoreErrorKind};

mod store_contract;

/// The `Store` contract on the adapter store, over the module's test
/// adapter (a `Map` behind async methods that structured-clone values).
struct Adapter;

impl store_contract::Backend for Adapter {
    type S = KvStore;
    async fn open(&self, name: &str) -> KvStore {
        let adapter = KvAdapter::new(&test_adapter()).expect("the test adapter has its methods");
        KvStore::new(adapter, name, None).expect("an adapter store without a key")
    }

    async fn commit_after(
        &self,
        store: &KvStore,
        batch: Vec<Mutation<JsValue>>,
        after: &Records<JsValue>,
    ) -> Result<(), StoreError> {
        let fold = store.fold(after);
        store.commit_folding(batch, fold).await
    }
}

impl store_contract::Refusing for Adapter {
    /// A function: the adapter's `structuredClone` throws on it.
    fn refused(&self) -> Vec<Mutation<JsValue>> {
        let f = js_sys::Function::new_no_args("return 1");
        vec![Mutation::Put(Record::Payload(MessageId(9), f.into()))]
    }
}

store_contract::store_contract_tests!(Adapter; refusing);

const STORAGE: &str = "adapter";

scenario_tests!(STORAGE);

/// An adapter over its own `Map` (its `map` property). While `failMarkers`
/// is set, puts of commit markers reject, as a crash between a commit's
/// parts and its marker would leave things; while `quota` is set every put
/// throws a `QuotaExceededError`.
fn faulty_adapter() -> JsValue {
    eval(
        "(() => {
            const map = new Map();
            const adapter = {
                map, failMarkers: false, quota: false,
                async put(key, value) {
                    if (adapter.quota) throw new DOMException('storage is full', 'QuotaExceededError');
                    if (adapter.failMarkers && key.includes('/c/')) throw new Error('lost power');
                    map.set(key, structuredClone(value));
                },
                async delete(key) { return map.delete(key); },
                list({ prefix }) {
                    return [...map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, structuredClone(v)]);
                },
            };
            return adapter;
        })()",
    )
}

fn map_of(adapter: &JsValue) -> Map {
    get(adapter, "map").into()
}

/// The keys of `map` under queue `name`'s prefix, sorted, without the prefix.
fn keys(map: &Map, name: &str) -> Vec<String> {
    let prefix = format!("wasmq:{name}/");
    let mut out: Vec<String> = map
        .keys()
        .into_iter()
        .filter_map(|k| k.ok()?.as_string())
        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
        .collect();
    out.sort();
    out
}

fn markers(map: &Map, name: &str) -> Vec<(String, JsValue)> {
    keys(map, name)
        .into_iter()
        .filter(|k| k.starts_with("c/"))
        .map(|k| {
            let v = map.get(&format!("wasmq:{name}/{k}").into());
            (k, v)
        })
        .collect()
}

async fn open_on(name: &str, adapter: &JsValue, extra: &str) -> Result<Queue, JsValue> {
    let opts = js(extra);
    Reflect::set(&opts, &"storage".into(), adapter).unwrap();
    Queue::open_with(name, &opts).await
}

fn set(obj: &JsValue, key: &str, value: JsValue) {
    Reflect::set(obj, &key.into(), &value).unwrap();
}

/// Processes everything with a handler that succeeds, until drained.
async fn process_all(q: &Queue) {
    q.process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .unwrap();
    wait(q.drained()).await.unwrap();
}

#[test]
async fn a_commit_is_parts_then_a_marker_under_the_queue_prefix() {
    let adapter = faulty_adapter();
    let name = fresh("layout", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    assert_eq!(q.storage(), "adapter");
    let map = map_of(&adapter);
    let before = markers(&map, &name).len(); // the origin, stored at the first open
    support::enqueue_many(&q, 300, "").await;
    let found = markers(&map, &name);
    assert_eq!(
        found.len(),
        before + 1,
        "one commit: {:?}",
        keys(&map, &name)
    );
    let (key, marker) = found.last().unwrap();
    assert_eq!(get(marker, "kind").as_string().as_deref(), Some("log"));
    assert_eq!(num(marker, "v"), 1.0);
    // 300 jobs are over 600 mutations (a message and a payload each): parts of ≤ 128.
    let n = num(marker, "parts");
    assert!(n >= 5.0, "{n} parts");
    let seq = &key[2..];
    let parts: Vec<String> = keys(&map, &name)
        .into_iter()
        .filter(|k| k.starts_with(&format!("d/{seq}/")))
        .collect();
    assert_eq!(parts.len() as f64, n);
    assert_eq!(pending_after_reopen_on(q, &name, &adapter).await, 300.0);
}

#[test]
async fn a_commit_cut_short_before_its_marker_is_not_applied_and_its_parts_go() {
    let adapter = faulty_adapter();
    let name = fresh("cut", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    enqueue(&q, js("1"), "").await.unwrap();
    set(&adapter, "failMarkers", true.into());
    let err = enqueue(&q, js("2"), "").await.unwrap_err();
    assert_eq!(code(&err), "STORAGE_FAILED");
    assert_eq!(
        num(&q.stats().unwrap(), "pending"),
        1.0,
        "the queue rolled back"
    );
    set(&adapter, "failMarkers", false.into());
    wait(q.close()).await.unwrap();
    // A crash leaves parts with no marker: the next load ignores and deletes them.
    let map = map_of(&adapter);
    let part = keys(&map, &name)
        .into_iter()
        .find(|k| k.starts_with("d/"))
        .unwrap();
    let value = map.get(&format!("wasmq:{name}/{part}").into());
    let orphan = format!("wasmq:{name}/d/0000000000000050/000000");
    map.set(&orphan.clone().into(), &value);
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "pending"), 1.0);
    assert!(!map.has(&orphan.into()), "the orphan part was deleted");
    // Commits go on after the orphan's number.
    enqueue(&q, js("3"), "").await.unwrap();
    assert_eq!(pending_after_reopen_on(q, &name, &adapter).await, 2.0);
}

#[test]
async fn a_full_adapter_is_quota_exceeded_and_changes_nothing() {
    let adapter = faulty_adapter();
    let name = fresh("quota", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    enqueue(&q, js("1"), "").await.unwrap();
    let before = keys(&map_of(&adapter), &name);
    set(&adapter, "quota", true.into());
    let err = enqueue(&q, js("2"), "").await.unwrap_err();
    assert_eq!(code(&err), "QUOTA_EXCEEDED");
    assert_eq!(keys(&map_of(&adapter), &name), before, "nothing stored");
    set(&adapter, "quota", false.into());
    enqueue(&q, js("3"), "").await.unwrap();
    assert_eq!(pending_after_reopen_on(q, &name, &adapter).await, 2.0);
}

/// A message waiting in the store, with a string payload.
fn put(id: u64, payload: JsValue) -> [Mutation<JsValue>; 2] {
    let meta = MessageRecord {
        id: MessageId(id),
        enqueued_at_ms: 1,
        due_ms: 1,
        priority: 0,
        max_attempts: 3,
        attempts: 0,
        extras: Extras::default(),
        state: MessageState::Waiting,
    };
    [
        Mutation::Put(Record::Message(meta)),
        Mutation::Put(Record::Payload(MessageId(id), payload)),
    ]
}

fn kinds(adapter: &JsValue, name: &str) -> Vec<String> {
    markers(&map_of(adapter), name)
        .iter()
        .map(|(_, m)| get(m, "kind").as_string().unwrap())
        .collect()
}

async fn load_on(adapter: &JsValue, name: &str) -> Records<JsValue> {
    let store = KvStore::new(KvAdapter::new(adapter).unwrap(), name, None).unwrap();
    store.load(0).await.unwrap()
}

/// The snapshot a store takes when its log is due (`fold`) is written only
/// once the commit it was taken for is durable: a refused commit drops it
/// (a snapshot of a state that never was would show message 999), and the
/// next durable commit's fold becomes the one snapshot.
#[test]
async fn a_fold_is_written_after_its_commit_and_dropped_with_a_refused_one() {
    let adapter = faulty_adapter();
    let name = fresh("fold", STORAGE).await;
    let store = KvStore::new(KvAdapter::new(&adapter).unwrap(), &name, None).unwrap();
    store.load(0).await.unwrap();
    let mut expected = Records::default();
    for id in 1..=65 {
        let batch: Vec<_> = put(id, "x".into()).into();
        expected.apply_all(batch.clone());
        store.commit(batch).await.unwrap();
    }
    assert_eq!(kinds(&adapter, &name).len(), 65, "plain commits never fold");

    let mut never = expected.clone();
    never.apply_all(put(999, "never".into()));
    let fold = store.fold(&never);
    assert!(fold.is_some(), "past 64 commits a fold is due");
    let function = js_sys::Function::new_no_args("return 1");
    let refused: Vec<_> = put(66, function.into()).into();
    assert!(store.commit_folding(refused, fold).await.is_err());
    assert!(!kinds(&adapter, &name).contains(&"snapshot".to_owned()));
    assert_eq!(load_on(&adapter, &name).await, expected);

    let batch: Vec<_> = put(67, "y".into()).into();
    expected.apply_all(batch.clone());
    let fold = store.fold(&expected);
    assert!(fold.is_some(), "still due");
    store.commit_folding(batch, fold).await.unwrap();
    assert_eq!(
        kinds(&adapter, &name),
        ["snapshot"],
        "the older commits went"
    );
    assert_eq!(load_on(&adapter, &name).await, expected);
    assert!(store.fold(&expected).is_none(), "not due again at once");
}

#[test]
async fn a_long_log_is_compacted_into_a_snapshot_and_reopens_whole() {
    let adapter = faulty_adapter();
    let name = fresh("compact", STORAGE).await;
    let q = open_on(&name, &adapter, r#"{"maxAttempts": 1}"#)
        .await
        .unwrap();
    for i in 0..150 {
        enqueue(&q, JsValue::from(i), "").await.unwrap();
    }
    let map = map_of(&adapter);
    let found = markers(&map, &name);
    let kinds: Vec<String> = found
        .iter()
        .map(|(_, m)| get(m, "kind").as_string().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "snapshot").count(),
        1,
        "{kinds:?}"
    );
    assert!(
        kinds.len() < 100,
        "older commits were deleted: {}",
        kinds.len()
    );
    // Every part belongs to a stored marker.
    let seqs: Vec<String> = found.iter().map(|(k, _)| k[2..].to_owned()).collect();
    for k in keys(&map, &name).iter().filter(|k| k.starts_with("d/")) {
        assert!(seqs.contains(&k[2..18].to_owned()), "stray part {k}");
    }
    q.process(
        handler(|job| {
            if num(&job, "payload") as u32 % 10 == 0 {
                js_sys::Promise::reject(&js_sys::Error::new("every tenth fails").into()).into()
            } else {
                JsValue::UNDEFINED
            }
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    wait(q.close()).await.unwrap();
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    let s = q.stats().unwrap();
    assert_eq!(
        (num(&s, "pending"), num(&s, "completed"), num(&s, "dead")),
        (0.0, 135.0, 15.0)
    );
    wait(q.close()).await.unwrap();
}

#[test]
async fn an_unreadable_commit_becomes_a_dead_letter_once() {
    let adapter = faulty_adapter();
    let name = fresh("unreadable", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap();
    enqueue(&q, js(r#"{"n": 2}"#), "").await.unwrap();
    wait(q.close()).await.unwrap();
    let map = map_of(&adapter);
    let last_part = keys(&map, &name)
        .into_iter()
        .rfind(|k| k.starts_with("d/"))
        .unwrap();
    map.set(
        &format!("wasmq:{name}/{last_part}").into(),
        &js(r#"{"v": 99, "from": "a future build"}"#),
    );
    for round in 0..2 {
        let q = open_on(&name, &adapter, "{}").await.unwrap();
        let s = q.stats().unwrap();
        assert_eq!(
            (num(&s, "pending"), num(&s, "dead")),
            (1.0, 1.0),
            "round {round}"
        );
        let letters = wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap();
        let letter = Array::from(&letters).get(0);
        let error = get(&letter, "lastError").as_string().unwrap_or_default();
        assert!(error.contains("unreadable stored record"), "{error}");
        assert!(error.contains("unknown schema version 99"), "{error}");
        wait(q.close()).await.unwrap();
    }
    let left = keys(&map, &name);
    assert!(
        left.iter().all(|k| !k.ends_with(&last_part[2..])),
        "the unreadable value was deleted once quarantined: {left:?}"
    );
}

#[test]
async fn bad_adapters_are_refused_clearly() {
    for (adapter, want) in [
        ("({ put() {}, delete() {} })", "no `list` method"),
        ("({ put: 1, delete() {}, list() {} })", "no `put` method"),
        ("null", "is not an object"),
        ("42", "is not an object"),
        ("'disk'", "\"disk\""),
    ] {
        let err = open_on("bad-adapter", &eval(adapter), "{}")
            .await
            .err()
            .unwrap_or_else(|| panic!("{adapter} was accepted"));
        assert_eq!(code(&err), "INVALID_OPTION", "{adapter}");
        assert_eq!(get(&err, "option").as_string().as_deref(), Some("storage"));
        let message = get(&err, "message").as_string().unwrap();
        assert!(message.contains(want), "{adapter}: {message}");
    }
    for (adapter, want) in [
        (
            "({ put() {}, delete() {}, list() { return 5; } })",
            "not iterable",
        ),
        (
            "({ put() {}, delete() {}, list() { return [['wasmq:bad-list/c/0000000000000001']].concat([7]); } })",
            "not a [key, value] pair",
        ),
        (
            "({ put() {}, delete() {}, async list() { throw new Error('backend down'); } })",
            "backend down",
        ),
    ] {
        let err = open_on("bad-list", &eval(adapter), "{}")
            .await
            .err()
            .unwrap_or_else(|| panic!("{adapter} opened"));
        assert_eq!(code(&err), "STORAGE_FAILED", "{adapter}");
        let message = get(&err, "message").as_string().unwrap();
        assert!(message.contains(want), "{adapter}: {message}");
    }
}

#[test]
async fn payloads_are_sealed_in_the_adapter_and_a_wrong_key_is_refused() {
    let adapter = faulty_adapter();
    let name = fresh("sealed", STORAGE).await;
    let key = aes_key().await;
    let with_key = |key: &JsValue| {
        let opts = js("{}");
        set(&opts, "encryptionKey", key.clone());
        opts
    };
    let opts = with_key(&key);
    set(&opts, "storage", adapter.clone());
    let q = Queue::open_with(&name, &opts).await.unwrap();
    enqueue(&q, js(r#"{"secret": "top-secret-7f3a"}"#), "")
        .await
        .unwrap();
    wait(q.close()).await.unwrap();
    let map = map_of(&adapter);
    for k in keys(&map, &name).iter().filter(|k| k.starts_with("d/")) {
        let value = map.get(&format!("wasmq:{name}/{k}").into());
        assert!(
            get(&value, "p").is_undefined(),
            "no plaintext column in {k}"
        );
        assert!(!get(&value, "e").is_undefined(), "a sealed column in {k}");
    }
    let before = keys(&map, &name);
    let wrong = with_key(&aes_key().await);
    set(&wrong, "storage", adapter.clone());
    let err = Queue::open_with(&name, &wrong).await.err().unwrap();
    assert_eq!(code(&err), "DECRYPT_FAILED");
    assert_eq!(keys(&map, &name), before, "a wrong key touches nothing");
    let q = Queue::open_with(&name, &opts).await.unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(None));
    let sink = seen.clone();
    q.process(
        handler(move |job| {
            *sink.borrow_mut() = get(&get(&job, "payload"), "secret").as_string();
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(seen.borrow().as_deref(), Some("top-secret-7f3a"));
    wait(q.close()).await.unwrap();
}

#[test]
async fn the_shared_test_adapter_holds_every_scenario_queue_apart() {
    // The scenarios above share one adapter; each queue stays under its own prefix.
    let adapter = test_adapter();
    let a = fresh("apart", STORAGE).await;
    let b = format!("{a}/c");
    let qa = open_on(&a, &adapter, "{}").await.unwrap();
    let qb = open_on(&b, &adapter, "{}").await.unwrap();
    support::enqueue_many(&qa, 3, "").await;
    support::enqueue_many(&qb, 5, "").await;
    wait(qa.close()).await.unwrap();
    wait(qb.close()).await.unwrap();
    let qa = open_on(&a, &adapter, "{}").await.unwrap();
    assert_eq!(
        num(&qa.stats().unwrap(), "pending"),
        3.0,
        "queue {a} reads only its own keys"
    );
    process_all(&qa).await;
    wait(qa.close()).await.unwrap();
    let qb = open_on(&b, &adapter, "{}").await.unwrap();
    assert_eq!(num(&qb.stats().unwrap(), "pending"), 5.0);
    wait(qb.close()).await.unwrap();
}

#[test]
async fn an_adapter_method_gone_after_open_is_storage_unavailable() {
    let adapter = faulty_adapter();
    let name = fresh("gone", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    enqueue(&q, js("1"), "").await.unwrap();
    let put = get(&adapter, "put");
    set(&adapter, "put", JsValue::UNDEFINED);
    let err = enqueue(&q, js("2"), "").await.unwrap_err();
    assert_eq!(code(&err), "STORAGE_UNAVAILABLE");
    let message = get(&err, "message").as_string().unwrap();
    assert!(
        message.contains("storage adapter `put` is no longer a function"),
        "{message}"
    );
    assert_eq!(num(&q.stats().unwrap(), "pending"), 1.0, "rolled back");
    set(&adapter, "put", put);
    enqueue(&q, js("3"), "").await.unwrap();
    assert_eq!(pending_after_reopen_on(q, &name, &adapter).await, 2.0);
}

#[test]
async fn a_list_whose_iteration_throws_is_storage_failed_with_its_error() {
    let adapter = eval(
        "({ put() {}, delete() {}, list() { return { [Symbol.iterator]() { return { next() { throw new TypeError('cursor lost'); } }; } }; } })",
    );
    let err = open_on("bad-iteration", &adapter, "{}")
        .await
        .err()
        .expect("it does not open");
    assert_eq!(code(&err), "STORAGE_FAILED");
    let message = get(&err, "message").as_string().unwrap();
    assert!(
        message.contains("storage adapter `list`: TypeError: cursor lost"),
        "{message}"
    );
}

/// The stored format, written out by hand: `p` sealed as `e: { iv, ct }`,
/// AES-GCM with a 96-bit IV of the UTF-8 JSON of `p`, and opened back.
fn format_by_hand() -> JsValue {
    eval(
        "{
            async seal(key, value) {
                const iv = crypto.getRandomValues(new Uint8Array(12));
                const plain = new TextEncoder().encode(JSON.stringify(value.p));
                value.e = { iv, ct: new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain)) };
                delete value.p;
            },
            async open(key, value) {
                if (value.p !== undefined || value.e.iv.length !== 12) throw new Error('not sealed as specified');
                const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: value.e.iv }, key, value.e.ct);
                value.p = JSON.parse(new TextDecoder().decode(plain));
                delete value.e;
            },
        }",
    )
}

/// Runs `how` (`seal` or `open`) of [`format_by_hand`] on every stored value of queue `name`.
async fn by_hand(how: &str, key: &JsValue, adapter: &JsValue, name: &str) {
    let map = map_of(adapter);
    let f: js_sys::Function = get(&format_by_hand(), how).into();
    let values = keys(&map, name).into_iter().filter(|k| k.starts_with("d/"));
    for k in values {
        let value = map.get(&format!("wasmq:{name}/{k}").into());
        wait(f.call2(&JsValue::NULL, key, &value).unwrap().into())
            .await
            .unwrap_or_else(|e| panic!("{how} {k} by hand: {e:?}"));
    }
}

/// The JSON of every payload a queue on `adapter` (options `opts`) hands
/// its handler until drained, sorted.
async fn payloads_read(name: &str, opts: &JsValue) -> Vec<String> {
    let q = Queue::open_with(name, opts).await.unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    q.process(
        handler(move |job| {
            let text = js_sys::JSON::stringify(&get(&job, "payload")).unwrap();
            sink.borrow_mut().push(text.as_string().unwrap());
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    wait(q.close()).await.unwrap();
    let mut seen = seen.take();
    seen.sort();
    seen
}

#[test]
async fn the_sealed_format_stays_the_one_specified_both_ways() {
    let key = aes_key().await;
    let options = |key: Option<&JsValue>, adapter: &JsValue| {
        let opts = js("{}");
        set(&opts, "storage", adapter.clone());
        if let Some(key) = key {
            set(&opts, "encryptionKey", key.clone());
        }
        opts
    };
    let want = vec![r#"{"n":1}"#.to_owned(), r#"{"n":2}"#.to_owned()];
    // Sealed by hand (as any earlier version sealed), opened by the store.
    let adapter = faulty_adapter();
    let name = fresh("by-hand", STORAGE).await;
    let q = open_on(&name, &adapter, "{}").await.unwrap();
    enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap();
    enqueue(&q, js(r#"{"n": 2}"#), "").await.unwrap();
    wait(q.close()).await.unwrap();
    by_hand("seal", &key, &adapter, &name).await;
    assert_eq!(
        payloads_read(&name, &options(Some(&key), &adapter)).await,
        want
    );
    // Sealed by the store, opened by hand.
    let adapter = faulty_adapter();
    let name = fresh("by-store", STORAGE).await;
    let q = Queue::open_with(&name, &options(Some(&key), &adapter))
        .await
        .unwrap();
    enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap();
    enqueue(&q, js(r#"{"n": 2}"#), "").await.unwrap();
    wait(q.close()).await.unwrap();
    by_hand("open", &key, &adapter, &name).await;
    assert_eq!(payloads_read(&name, &options(None, &adapter)).await, want);
}

#[test]
async fn sealing_and_opening_failures_keep_their_kind_and_message() {
    let key = aes_key().await;
    let adapter = faulty_adapter();
    let name = fresh("seal-fails", STORAGE).await;
    let kv = |adapter: &JsValue| KvAdapter::new(adapter).expect("the adapter has its methods");
    let key_of = || Some(key.clone().unchecked_into::<web_sys::CryptoKey>());
    let store = KvStore::new(kv(&adapter), &name, key_of()).unwrap();
    store.load(0).await.unwrap();
    let put = |id: u64| Mutation::Put(Record::Payload(MessageId(id), js(r#"{"s": 1}"#)));
    store.commit(vec![put(1)]).await.unwrap();
    store.commit(vec![put(2)]).await.unwrap();
    let before = keys(&map_of(&adapter), &name);

    // A commit whose sealing fails is STORAGE_FAILED with WebCrypto's reason.
    eval("crypto.subtle.encrypt = async () => { throw new Error('hsm unplugged'); }");
    let err = store.commit(vec![put(3)]).await.unwrap_err();
    js_sys::eval("delete crypto.subtle.encrypt").unwrap();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (StoreErrorKind::Failed, "cannot encrypt: hsm unplugged")
    );
    assert_eq!(keys(&map_of(&adapter), &name), before, "nothing stored");

    // A wrong key, or a damaged value among good ones: DECRYPT_FAILED.
    let wrong: web_sys::CryptoKey = aes_key().await.unchecked_into();
    let err = KvStore::new(kv(&adapter), &name, Some(wrong))
        .unwrap()
        .load(0)
        .await
        .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::DecryptFailed);
    assert!(
        err.message
            .starts_with("cannot decrypt stored payloads (wrong encryptionKey?): "),
        "{}",
        err.message
    );
    let map = map_of(&adapter);
    let last = before.iter().rfind(|k| k.starts_with("d/")).unwrap();
    let last = map.get(&format!("wasmq:{name}/{last}").into());
    Reflect::delete_property(&get(&last, "e").into(), &"iv".into()).unwrap();
    let err = KvStore::new(kv(&adapter), &name, key_of())
        .unwrap()
        .load(0)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (StoreErrorKind::DecryptFailed, "sealed value has no iv")
    );
    assert_eq!(keys(&map_of(&adapter), &name), before, "nothing changed");
}
