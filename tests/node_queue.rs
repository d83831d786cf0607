//! The runtime's scenarios in Node, on the memory store (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use queue_scenarios::support::{code, js, wait};
use queue_scenarios::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;

const STORAGE: &str = "memory";

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

scenario_tests!(STORAGE);
