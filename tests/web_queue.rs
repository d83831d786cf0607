//! The runtime's scenarios in headless Chrome, on IndexedDB
//! (`wasm-pack test --headless --chrome`).
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use queue_scenarios::*;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const STORAGE: &str = "indexeddb";

scenario_tests!(STORAGE);
