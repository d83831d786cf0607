//! The runtime's scenarios in headless Chrome, on IndexedDB
//! (`wasm-pack test --headless --chrome`).
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use js_sys::Promise;
use queue_scenarios::support::*;
use queue_scenarios::*;
use wasm_bindgen_test::wasm_bindgen_test as test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const STORAGE: &str = "indexeddb";

#[test]
async fn reopen_1000() {
    reopen_processes_everything_once(STORAGE).await;
}

#[test]
async fn retries() {
    retries_follow_the_backoff(STORAGE).await;
}

#[test]
async fn dead_and_redrive() {
    dead_letters_and_redrive(STORAGE).await;
}

#[test]
async fn idempotency() {
    idempotency_key_survives_reopen(STORAGE).await;
}

#[test]
async fn crash_recovery() {
    crashed_lease_is_delivered_again(STORAGE).await;
}

#[test]
async fn concurrency() {
    concurrency_limit_holds(STORAGE).await;
}

#[test]
async fn groups() {
    group_order_holds(STORAGE).await;
}

#[test]
async fn delays() {
    delayed_job_waits(STORAGE).await;
}

#[test]
async fn bad_input() {
    bad_input_is_refused_and_changes_nothing(STORAGE).await;
}

#[test]
async fn two_instances() {
    two_instances_share_the_work(STORAGE).await;
}

#[test]
async fn leader_crash() {
    leader_crash_is_taken_over(STORAGE).await;
}

#[cfg(feature = "test-hooks")]
#[test]
async fn panic_hook() {
    panic_is_reported_and_module_survives(STORAGE).await;
}

#[test]
async fn payload_copies() {
    handler_gets_a_copy_of_the_payload(STORAGE).await;
}

#[test]
async fn pause_resume() {
    pause_holds_jobs_until_resume(STORAGE).await;
}

/// A commit that fails (here: the database deleted underneath) rejects the
/// callers of that batch with a storage error, rolls the queue back to what
/// is stored, and reports an `error` event.
#[test]
async fn failed_commit_rolls_back() {
    let storage = STORAGE;
    let name = fresh("rollback", storage).await;
    let q = open(&name, storage, "{}").await;
    let errors = record_events(&q, "error");
    enqueue(&q, js("1"), "").await.unwrap();
    let before = stats_json(&q);
    let factory: web_sys::IdbFactory = get(&js_sys::global(), "indexedDB").into();
    let deleting = factory.delete_database(&format!("wasmq:{name}")).unwrap();
    let done = Promise::new(&mut |resolve, _| deleting.set_onsuccess(Some(&resolve)));
    wait(done).await.unwrap();
    let err = enqueue(&q, js("2"), "").await.unwrap_err();
    assert!(
        ["STORAGE_UNAVAILABLE", "STORAGE_FAILED"].contains(&code(&err).as_str()),
        "{err:?}"
    );
    assert_eq!(stats_json(&q), before, "rolled back to what was stored");
    assert_eq!(errors.borrow().len(), 1, "an error event");
    let _ = wait(q.close()).await;
}

#[cfg(feature = "test-hooks")]
#[test]
async fn storage_faults() {
    storage_faults_reject_their_batch_and_the_queue_recovers(STORAGE).await;
}

hardening_tests!(STORAGE);
