//! What a queue makes of the IndexedDB data it finds, in headless Chrome:
//! the frozen schema-1 fixture opens with every state intact; an unreadable
//! record becomes a dead letter with its reason while the rest runs; a
//! database deleted underneath is reported and a reopen recovers.
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
#[path = "queue_scenarios/support.rs"]
mod support;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float64Array, Promise, Reflect, Uint8Array, JSON};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use web_sys::{IdbDatabase, IdbFactory, IdbObjectStoreParameters, IdbTransactionMode};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE_V1: &str = include_str!("fixtures/idb_layout_v1.json");

fn factory() -> IdbFactory {
    get(&js_sys::global(), "indexedDB").into()
}

/// Creates database `wasmq:{name}` with the schema-1 object stores and
/// `log` holding `records`, as an older wasmq would have left it.
async fn write_raw_database(name: &str, records: &[JsValue]) {
    let opening = factory()
        .open_with_u32(&format!("wasmq:{name}"), 1)
        .unwrap();
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new({
        let opening = opening.clone();
        move |_| {
            let db: IdbDatabase = opening.result().unwrap().into();
            let params = IdbObjectStoreParameters::new();
            params.set_auto_increment(true);
            db.create_object_store_with_optional_parameters("log", &params)
                .unwrap();
            db.create_object_store("snapshot").unwrap();
        }
    });
    opening.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    wait(Promise::new(&mut |resolve, _| {
        opening.set_onsuccess(Some(&resolve))
    }))
    .await
    .unwrap();
    let db: IdbDatabase = opening.result().unwrap().into();
    let txn = db
        .transaction_with_str_and_mode("log", IdbTransactionMode::Readwrite)
        .unwrap();
    for r in records {
        txn.object_store("log").unwrap().add(r).unwrap();
    }
    wait(Promise::new(&mut |resolve, _| {
        txn.set_oncomplete(Some(&resolve))
    }))
    .await
    .unwrap();
    db.close();
}

/// The fixture's records as stored: `t` a Uint8Array, `n` a Float64Array.
fn fixture_records() -> Vec<JsValue> {
    let fixture = js(FIXTURE_V1);
    Array::from(&get(&fixture, "log"))
        .iter()
        .inspect(|r| {
            let t: Vec<u8> = Array::from(&get(r, "t"))
                .iter()
                .map(|x| x.as_f64().unwrap() as u8)
                .collect();
            let n: Vec<f64> = Array::from(&get(r, "n"))
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            Reflect::set(r, &"t".into(), &Uint8Array::from(&t[..])).unwrap();
            Reflect::set(r, &"n".into(), &Float64Array::from(&n[..])).unwrap();
        })
        .collect()
}

fn text(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().as_string().unwrap()
}

#[test]
async fn the_schema_1_fixture_opens_with_every_state_intact() {
    let name = fresh("fixture-v1", "indexeddb").await;
    write_raw_database(&name, &fixture_records()).await;
    let q = open(&name, "indexeddb", r#"{"maxAttempts": 2}"#).await;
    let s = q.stats().unwrap();
    // Every record decodes; the lease of id 2, left in flight by the
    // instance that wrote the fixture, is taken over at open: a failed try,
    // retried after the 1 s backoff (so delayed, and `retried` counts it).
    assert_eq!(
        text(&s),
        r#"{"pending":2,"delayed":1,"inFlight":0,"completed":1,"retried":3,"dead":1}"#
    );
    let waiting = Array::from(
        &wait(q.jobs(js(r#"{"states": ["delayed"]}"#)))
            .await
            .unwrap(),
    );
    assert_eq!(waiting.length(), 1);
    let taken = waiting.get(0);
    assert_eq!(
        (num(&taken, "id"), num(&taken, "attempts")),
        (2.0, 1.0),
        "the lease counted as its one try"
    );
    let error = get(&taken, "lastError").as_string().unwrap_or_default();
    assert!(error.contains("instance running it stopped"), "{error:?}");
    let dead = Array::from(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    assert_eq!(dead.length(), 1);
    let letter = dead.get(0);
    assert_eq!(
        (
            num(&letter, "id"),
            num(&letter, "attempts"),
            get(&letter, "lastError").as_string()
        ),
        (0.0, 2.0, Some("smtp 550 again".to_owned()))
    );
    assert_eq!(
        get(&letter, "idempotencyKey").as_string().as_deref(),
        Some("welcome:1")
    );
    // Keys are live while their messages exist: both dedup.
    let again = enqueue(&q, js("1"), r#"{"idempotencyKey": "welcome:1"}"#)
        .await
        .unwrap();
    assert_eq!(
        (num(&again, "id"), get(&again, "duplicate").as_bool()),
        (0.0, Some(true))
    );
    let again = enqueue(&q, js("1"), r#"{"idempotencyKey": "k2"}"#)
        .await
        .unwrap();
    assert_eq!(
        (num(&again, "id"), get(&again, "duplicate").as_bool()),
        (2.0, Some(true))
    );

    let ran: Rc<RefCell<Vec<(f64, f64, String)>>> = Rc::default();
    let sink = Rc::clone(&ran);
    q.process(
        handler(move |job| {
            let row = (
                num(&job, "id"),
                num(&job, "attempt"),
                text(&get(&job, "payload")),
            );
            sink.borrow_mut().push(row);
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    let mut ran = ran.take();
    ran.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        ran,
        vec![
            (
                2.0,
                2.0,
                r#"{"to":"inflight@example.com","n":[1,2]}"#.to_owned()
            ),
            (3.0, 1.0, r#""later""#.to_owned()),
            (4.0, 2.0, r#"{"to":"retry@example.com"}"#.to_owned()),
        ],
        "the lease taken over, the delayed and the retried job ran, with their payloads"
    );
    let fresh_id = num(&enqueue(&q, js(r#""new""#), "").await.unwrap(), "id");
    assert_eq!(fresh_id, 5.0, "ids continue after the stored ones");
    wait(q.close()).await.unwrap();
}

#[test]
async fn an_unreadable_record_becomes_a_dead_letter_and_the_rest_runs() {
    let name = fresh("unreadable", "indexeddb").await;
    let mut records = fixture_records();
    records.insert(1, js(r#"{"v": 7, "t": [], "n": [], "s": [], "p": []}"#));
    records.push(JsValue::from("garbage"));
    write_raw_database(&name, &records).await;
    let q = open(&name, "indexeddb", r#"{"maxAttempts": 2}"#).await;
    let dead = Array::from(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    let reasons: Vec<String> = dead
        .iter()
        .filter_map(|d| get(&d, "lastError").as_string())
        .collect();
    assert_eq!(dead.length(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("unreadable stored record") && r.contains('7')),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("unreadable stored record (log key 6)")),
        "{reasons:?}"
    );
    q.process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(
        num(&q.stats().unwrap(), "completed"),
        4.0,
        "never stuck: the readable jobs ran"
    );
    wait(q.close()).await.unwrap();
    let q = open(&name, "indexeddb", "{}").await;
    assert_eq!(
        num(&q.stats().unwrap(), "dead"),
        3.0,
        "moved once, not again on each open"
    );
    wait(q.close()).await.unwrap();
}

#[test]
async fn a_database_deleted_underneath_is_reported_and_a_reopen_recovers() {
    let name = fresh("deleted", "indexeddb").await;
    let q = open(&name, "indexeddb", "{}").await;
    let errors = record_events(&q, "error");
    enqueue(&q, js("1"), "").await.unwrap();
    let deleting = factory().delete_database(&format!("wasmq:{name}")).unwrap();
    wait(Promise::new(&mut |resolve, _| {
        deleting.set_onsuccess(Some(&resolve))
    }))
    .await
    .unwrap();
    let err = enqueue(&q, js("2"), "").await.unwrap_err();
    assert_eq!(code(&err), "STORAGE_UNAVAILABLE", "{err:?}");
    assert_eq!(errors.borrow().len(), 1, "an error event says so");
    let _ = wait(q.close()).await;

    let q = open(&name, "indexeddb", "{}").await;
    assert_eq!(
        num(&q.stats().unwrap(), "pending"),
        0.0,
        "a new, empty database"
    );
    enqueue(&q, js("3"), "").await.unwrap();
    q.process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(
        num(&q.stats().unwrap(), "completed"),
        1.0,
        "the queue works again"
    );
    wait(q.close()).await.unwrap();
}

#[test]
async fn a_database_from_a_newer_layout_is_refused_clearly() {
    let name = fresh("newer", "indexeddb").await;
    let opening = factory()
        .open_with_u32(&format!("wasmq:{name}"), 2)
        .unwrap();
    wait(Promise::new(&mut |resolve, _| {
        opening.set_onsuccess(Some(&resolve))
    }))
    .await
    .unwrap();
    let db: IdbDatabase = opening.result().unwrap().into();
    db.close();
    let opts = js(r#"{"storage": "indexeddb"}"#);
    let err = wasmq::api::Queue::open_with(&name, &opts)
        .await
        .err()
        .expect("refused");
    assert_eq!(code(&err), "STORAGE_UNAVAILABLE");
    let message = get(&err, "message").as_string().unwrap_or_default();
    assert!(
        message.contains("VersionError") || message.contains("version"),
        "{message}"
    );
}

/// An upgrade blocked by another connection that does not close (an old
/// page without wasmq's `versionchange` handler) fails at once with a clear
/// `STORAGE_UNAVAILABLE`; once that connection is gone, opening again works.
#[cfg(feature = "test-hooks")]
#[test]
async fn an_upgrade_blocked_by_another_connection_is_reported_and_a_reopen_recovers() {
    use wasmq::store::indexeddb::open_at_version_for_test;
    let name = fresh("blocked", "indexeddb").await;
    write_raw_database(&name, &[]).await;
    let holding = factory()
        .open_with_u32(&format!("wasmq:{name}"), 1)
        .unwrap();
    wait(Promise::new(&mut |resolve, _| {
        holding.set_onsuccess(Some(&resolve))
    }))
    .await
    .unwrap();
    let blocker: IdbDatabase = holding.result().unwrap().into();

    let err = open_at_version_for_test(&name, 2).await.unwrap_err();
    assert_eq!(err.code(), "STORAGE_UNAVAILABLE");
    assert!(err.message.contains("blocked"), "{err}");

    blocker.close();
    let mut reopened = open_at_version_for_test(&name, 3).await;
    for _ in 0..50 {
        if reopened.is_ok() {
            break;
        }
        sleep(20).await; // the blocked request finishes its own upgrade first
        reopened = open_at_version_for_test(&name, 3).await;
    }
    assert_eq!(
        reopened,
        Ok(()),
        "a reopen recovers once the blocker is gone"
    );
}
