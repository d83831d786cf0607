//! The one place a future becomes a promise or a task, and a callback a
//! timer: each is boxed once (`Pin<Box<dyn Future>>`, `Box<dyn FnOnce()>`),
//! so `future_to_promise`, `spawn_local` and the timer's JS closure are
//! compiled once instead of once per future or callback type (wasm size).

use std::future::Future;
use std::pin::Pin;

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;

use super::QueueError;

/// A boxed future of this thread (nothing here is `Send`).
pub type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;

/// A promise resolved with the future's value, rejected with its error as a JS `Error`.
pub fn promise(f: Boxed<Result<JsValue, QueueError>>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { f.await.map_err(|e| e.to_js()) })
}

/// Runs the future to its end on this thread's executor.
pub fn spawn(f: Boxed<()>) {
    wasm_bindgen_futures::spawn_local(f);
}

/// Calls `f` once after `ms` milliseconds, unless the timer is dropped first.
pub fn timeout(ms: u32, f: Box<dyn FnOnce()>) -> Timeout {
    Timeout::new(ms, f)
}
