//! Encryption at rest in headless Chrome: payloads never reach IndexedDB in
//! plaintext, the right key reads them back, a wrong key is refused with
//! `DECRYPT_FAILED` and changes nothing.
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
#[path = "queue_scenarios/support.rs"]
mod support;

use js_sys::{Array, Reflect, JSON};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const SECRET: &str = "top-secret-7f3a";

async fn open_with_key(name: &str, key: &JsValue) -> Result<Queue, JsValue> {
    let opts = js(r#"{"storage": "indexeddb"}"#);
    Reflect::set(&opts, &"encryptionKey".into(), key).unwrap();
    Queue::open_with(name, &opts).await
}

/// Every record of `store` in database `wasmq:{name}`, read raw.
async fn raw_records(name: &str, store: &str) -> Vec<JsValue> {
    let factory: web_sys::IdbFactory = get(&js_sys::global(), "indexedDB").into();
    let opening = factory.open(&format!("wasmq:{name}")).unwrap();
    let opened = js_sys::Promise::new(&mut |resolve, _| opening.set_onsuccess(Some(&resolve)));
    wait(opened).await.unwrap();
    let db: web_sys::IdbDatabase = opening.result().unwrap().into();
    let txn = db.transaction_with_str(store).unwrap();
    let all = txn.object_store(store).unwrap().get_all().unwrap();
    let read = js_sys::Promise::new(&mut |resolve, _| all.set_onsuccess(Some(&resolve)));
    wait(read).await.unwrap();
    let records = Array::from(&all.result().unwrap()).iter().collect();
    db.close();
    records
}

fn assert_sealed(record: &JsValue) {
    assert!(
        get(record, "p").is_undefined(),
        "no plaintext payload column"
    );
    let sealed = get(record, "e");
    assert_eq!(num(&get(&sealed, "iv"), "length"), 12.0, "a 96-bit IV");
    let text = JSON::stringify(record).unwrap().as_string().unwrap();
    assert!(!text.contains(SECRET), "plaintext found at rest: {text}");
    assert!(text.contains("\"v\":1"), "metadata and version stay plain");
}

fn payload(i: u32) -> JsValue {
    js(&format!(r#"{{"secret": "{SECRET}", "i": {i}}}"#))
}

#[test]
async fn payloads_are_encrypted_at_rest_and_read_back_with_the_key() {
    let name = fresh("sealed", "indexeddb").await;
    let key = aes_key().await;
    let q = open_with_key(&name, &key).await.unwrap();
    for i in 0..3 {
        enqueue(&q, payload(i), "").await.unwrap();
    }
    wait(q.close()).await.unwrap();

    let log = raw_records(&name, "log").await;
    assert_eq!(
        log.len(),
        4,
        "the origin stored at the first open, then 3 enqueues"
    );
    log.iter().for_each(assert_sealed);
    let ivs: std::collections::HashSet<String> = log
        .iter()
        .map(|r| {
            JSON::stringify(&get(&get(r, "e"), "iv"))
                .unwrap()
                .as_string()
                .unwrap()
        })
        .collect();
    assert_eq!(ivs.len(), 4, "a fresh IV per record");

    let q = open_with_key(&name, &key).await.unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = std::rc::Rc::clone(&seen);
    q.process(
        handler(move |job| {
            let p = get(&job, "payload");
            sink.borrow_mut()
                .push((get(&p, "secret").as_string().unwrap(), num(&p, "i")));
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    let mut seen = seen.take();
    seen.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        seen,
        (0..3)
            .map(|i| (SECRET.to_owned(), i as f64))
            .collect::<Vec<_>>()
    );
    wait(q.close()).await.unwrap();
}

#[test]
async fn a_wrong_key_is_refused_and_changes_nothing() {
    let name = fresh("wrongkey", "indexeddb").await;
    let key = aes_key().await;
    let q = open_with_key(&name, &key).await.unwrap();
    enqueue(&q, payload(1), "").await.unwrap();
    wait(q.close()).await.unwrap();
    let before: Vec<String> = raw_records(&name, "log")
        .await
        .iter()
        .map(|r| JSON::stringify(r).unwrap().as_string().unwrap())
        .collect();

    let err = open_with_key(&name, &aes_key().await)
        .await
        .err()
        .expect("a wrong key is refused");
    assert_eq!(code(&err), "DECRYPT_FAILED");
    let after: Vec<String> = raw_records(&name, "log")
        .await
        .iter()
        .map(|r| JSON::stringify(r).unwrap().as_string().unwrap())
        .collect();
    assert_eq!(before, after, "nothing stored changed");

    let q = open_with_key(&name, &key).await.unwrap();
    assert_eq!(
        num(&q.stats().unwrap(), "pending"),
        1.0,
        "the right key still reads it"
    );
    wait(q.close()).await.unwrap();
}

#[test]
async fn compaction_keeps_payloads_sealed() {
    let name = fresh("sealedsnap", "indexeddb").await;
    let key = aes_key().await;
    let q = open_with_key(&name, &key).await.unwrap();
    // One transaction each: more than 512 batches make the store compact.
    for i in 0..530 {
        enqueue(&q, payload(i), "").await.unwrap();
    }
    // Compaction runs in the background after the commit that crossed the threshold.
    let mut snapshot = Vec::new();
    for _ in 0..250 {
        snapshot = raw_records(&name, "snapshot").await;
        if !snapshot.is_empty() {
            break;
        }
        sleep(20).await;
    }
    assert!(!snapshot.is_empty(), "the log was folded into a snapshot");
    wait(q.close()).await.unwrap();
    snapshot.iter().for_each(assert_sealed);
    raw_records(&name, "log")
        .await
        .iter()
        .for_each(assert_sealed);
    let q = open_with_key(&name, &key).await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "pending"), 530.0);
    wait(q.close()).await.unwrap();
}

#[test]
async fn bad_keys_and_non_json_payloads_are_refused() {
    let name = fresh("badkey", "indexeddb").await;
    let err = open_with_key(&name, &JsValue::from("secret"))
        .await
        .err()
        .unwrap();
    assert_eq!(
        (code(&err), get(&err, "option").as_string()),
        ("INVALID_OPTION".into(), Some("encryptionKey".into()))
    );
    let memory = js(r#"{"storage": "memory"}"#);
    Reflect::set(&memory, &"encryptionKey".into(), &aes_key().await).unwrap();
    let err = Queue::open_with(&name, &memory).await.err().unwrap();
    assert_eq!(
        (code(&err), get(&err, "option").as_string()),
        ("INVALID_OPTION".into(), Some("encryptionKey".into())),
        "nothing to encrypt in memory"
    );
    let message = get(&err, "message").as_string().unwrap();
    assert!(message.contains("keeps nothing at rest"), "{message}");

    let q = open_with_key(&name, &aes_key().await).await.unwrap();
    let big = js_sys::eval("({ n: 10n })").unwrap();
    let err = wait(q.enqueue(big, JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code(&err), "PAYLOAD_NOT_CLONEABLE");
    assert_eq!(num(&q.stats().unwrap(), "pending"), 0.0);
    wait(q.close()).await.unwrap();
}
