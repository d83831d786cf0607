//! The runtime's scenarios in Node, on the memory store (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use queue_scenarios::support::{code, js, wait};
use queue_scenarios::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;

const STORAGE: &str = "memory";

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

/// Without IndexedDB the default is memory, and asking for IndexedDB is a clear error.
#[test]
async fn node_has_no_indexeddb() {
    let q = Queue::open_with("node-default", &js("{}")).await.unwrap();
    assert_eq!(q.storage(), "memory");
    wait(q.close()).await.unwrap();
    let err = wait(Queue::open(
        "node-idb".into(),
        js(r#"{"storage": "indexeddb"}"#),
    ))
    .await
    .unwrap_err();
    assert_eq!(code(&err), "STORAGE_UNAVAILABLE");
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

#[cfg(feature = "test-hooks")]
#[test]
async fn storage_faults() {
    storage_faults_reject_their_batch_and_the_queue_recovers(STORAGE).await;
}

hardening_tests!(STORAGE);
