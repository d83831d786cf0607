//! Durability and persistence in headless Chrome: every readwrite
//! transaction of the IndexedDB store carries the queue's `durability`
//! (strict by default), and `persist: true` reports what the browser
//! granted — a refusal is not an error and the queue works.
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
#[path = "queue_scenarios/support.rs"]
mod support;

use js_sys::Array;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Records the durability of every readwrite transaction from now on
/// (what the browser applied, where it says: `IDBTransaction.durability`).
fn spy_on_transactions() -> JsValue {
    eval(
        "(() => {
            const seen = (globalThis.__wasmqDurability = []);
            if (!globalThis.__wasmqSpy) {
                globalThis.__wasmqSpy = true;
                const original = IDBDatabase.prototype.transaction;
                IDBDatabase.prototype.transaction = function (stores, mode, options) {
                    const txn = original.apply(this, arguments);
                    if (mode === 'readwrite') {
                        globalThis.__wasmqDurability.push(txn.durability ?? options?.durability ?? 'none');
                    }
                    return txn;
                };
            }
            return seen;
        })()",
    )
}

async fn enqueue_and_process(q: &Queue, n: u32) {
    enqueue_many(q, n, "").await;
    q.process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .unwrap();
    wait(q.drained()).await.unwrap();
}

#[test]
async fn every_readwrite_transaction_carries_the_durability() {
    for (option, expected) in [
        ("", "strict"),
        (r#", "durability": "strict""#, "strict"),
        (r#", "durability": "relaxed""#, "relaxed"),
    ] {
        let name = fresh("durability", "indexeddb").await;
        let seen = spy_on_transactions();
        let q = open(
            &name,
            "indexeddb",
            &format!(r#"{{"concurrency": 4{option}}}"#),
        )
        .await;
        enqueue_and_process(&q, 20).await;
        wait(q.close()).await.unwrap();
        let seen: Vec<String> = Array::from(&seen)
            .iter()
            .filter_map(|d| d.as_string())
            .collect();
        assert!(seen.len() >= 2, "{option}: commits were made: {seen:?}");
        assert!(seen.iter().all(|d| d == expected), "{option}: {seen:?}");
        let q = open(&name, "indexeddb", "{}").await;
        assert_eq!(
            num(&q.stats().unwrap(), "completed"),
            20.0,
            "{option}: durable"
        );
        wait(q.close()).await.unwrap();
    }
}

/// Sets `navigator.storage.persist` to answer `granted` (an own property
/// shadowing the browser's), or removes the stand-in with `None`.
fn stub_persist(granted: Option<bool>) {
    let js = match granted {
        Some(g) => format!(
            "Object.defineProperty(navigator.storage, 'persist', {{ value: async () => {g}, configurable: true }})"
        ),
        None => "delete navigator.storage.persist".into(),
    };
    eval(&js);
}

#[test]
async fn persist_reports_what_the_browser_granted() {
    for granted in [true, false] {
        stub_persist(Some(granted));
        let name = fresh("persist", "indexeddb").await;
        let q = open(&name, "indexeddb", r#"{"persist": true}"#).await;
        assert_eq!(q.persisted(), Some(granted));
        // Refused or not, the queue works.
        enqueue_and_process(&q, 3).await;
        assert_eq!(num(&q.stats().unwrap(), "completed"), 3.0);
        wait(q.close()).await.unwrap();
    }
    // A browser that asks its user (Firefox) may not answer for long: open
    // does not wait past a second, `persisted` is false until the answer.
    eval(
        "Object.defineProperty(navigator.storage, 'persist', { value: () => new Promise((r) => { globalThis.__wasmqAnswer = r; }), configurable: true })",
    );
    let name = fresh("persist", "indexeddb").await;
    let q = open(&name, "indexeddb", r#"{"persist": true}"#).await;
    assert_eq!(q.persisted(), Some(false), "no answer yet");
    eval("globalThis.__wasmqAnswer(true)");
    assert!(
        until(2_000, || q.persisted() == Some(true)).await,
        "the late answer is taken"
    );
    wait(q.close()).await.unwrap();
    stub_persist(None);
    let name = fresh("persist", "indexeddb").await;
    let q = open(&name, "indexeddb", "{}").await;
    assert_eq!(q.persisted(), None, "not asked");
    wait(q.close()).await.unwrap();
    // The browser's own answer, as `navigator.storage.persisted()` reports it after.
    let q = open(&name, "indexeddb", r#"{"persist": true}"#).await;
    let now = wait(eval("navigator.storage.persisted()").into())
        .await
        .unwrap();
    assert_eq!(q.persisted(), now.as_bool(), "what the browser granted");
    wait(q.close()).await.unwrap();
}

#[test]
async fn durability_and_persist_are_refused_with_the_memory_store() {
    for (opts, option) in [
        (
            r#"{"storage": "memory", "durability": "strict"}"#,
            "durability",
        ),
        (r#"{"storage": "memory", "persist": true}"#, "persist"),
        (r#"{"durability": "fast"}"#, "durability"),
        (r#"{"persist": "yes"}"#, "persist"),
    ] {
        let err = Queue::open_with("refused", &js(opts)).await.err().unwrap();
        assert_eq!(
            (code(&err), get(&err, "option").as_string()),
            ("INVALID_OPTION".into(), Some(option.into())),
            "{opts}"
        );
    }
}
