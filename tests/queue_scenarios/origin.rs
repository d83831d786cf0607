//! The queue's origin: a random id made and stored when a queue's database
//! is first opened, kept with the jobs across reopens and failed commits,
//! one per queue.

use wasm_bindgen::prelude::*;

use super::support::*;

fn origin_of(q: &wasmq::api::Queue) -> String {
    q.origin().expect("a leading instance knows the origin")
}

/// 32 hex digits, the same after a reopen, another for another queue,
/// `undefined` in a follower.
pub async fn origin_is_kept_with_the_jobs(storage: &str) {
    let name = fresh("origin", storage).await;
    let q = open(&name, storage, "{}").await;
    let origin = origin_of(&q);
    assert_eq!(origin.len(), 32, "{origin}");
    assert!(origin
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    enqueue(&q, JsValue::from(1), "").await.unwrap();
    let follower = open(&name, storage, "{}").await;
    assert!(!follower.is_leader());
    assert_eq!(follower.origin(), None);
    wait(follower.close()).await.unwrap();
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    assert_eq!(origin_of(&q), origin, "stored with the jobs");
    let other = open(&fresh("origin-other", storage).await, storage, "{}").await;
    assert_ne!(origin_of(&other), origin, "one origin per queue");
    wait(other.close()).await.unwrap();
    wait(q.close()).await.unwrap();
}

/// A failed commit (and the rollback after it) keeps the origin.
#[cfg(feature = "test-hooks")]
pub async fn origin_survives_a_failed_commit(storage: &str) {
    let name = fresh("origin-fault", storage).await;
    let q = open(&name, storage, "{}").await;
    let origin = origin_of(&q);
    q.fail_next_commit("STORAGE_FAILED");
    let err = enqueue(&q, JsValue::from(1), "").await.unwrap_err();
    assert_eq!(code(&err), "STORAGE_FAILED");
    assert_eq!(origin_of(&q), origin, "the same origin after the rollback");
    enqueue(&q, JsValue::from(2), "").await.unwrap();
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    assert_eq!(origin_of(&q), origin, "the stored origin");
    wait(q.close()).await.unwrap();
}
