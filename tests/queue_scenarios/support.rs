//! Helpers for driving the `Queue` API from wasm tests the way JavaScript
//! does: options as JSON, handlers as JS functions, promises awaited.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasmq::api::Queue;

/// Parses a JSON literal into a JS value.
pub fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON is valid")
}

/// Reads a property.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads a numeric property.
pub fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(f64::NAN)
}

/// The `code` of a rejected WasmqError.
pub fn code(err: &JsValue) -> String {
    get(err, "code")
        .as_string()
        .unwrap_or_else(|| format!("no code: {err:?}"))
}

/// Awaits a promise.
pub async fn wait(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// Sleeps on the event loop.
pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// A fresh name and a clean slate for it in `storage`.
pub async fn fresh(name: &str, storage: &str) -> String {
    let name = format!(
        "{name}-{}",
        js_sys::Math::random().to_bits() % 1_000_000_007
    );
    if storage == "memory" {
        Queue::drop_memory(&name);
    }
    name
}

/// Opens `name` on `storage` with extra options given as JSON.
pub async fn open(name: &str, storage: &str, extra: &str) -> Queue {
    open_value(name, storage, &js(extra)).await
}

/// The `storage` option for a storage name: the name itself, or for
/// `"adapter"` the shared [`test_adapter`].
pub fn storage_option(storage: &str) -> JsValue {
    if storage == "adapter" {
        test_adapter()
    } else {
        storage.into()
    }
}

/// A key-value adapter over one `Map` (its `map` property) shared by every
/// test of the module, shaped like a Durable Object's storage: async
/// `put` / `delete` / `list({ prefix })`, values structured-cloned both ways.
pub fn test_adapter() -> JsValue {
    eval(
        "globalThis.__wasmqTestAdapter ??= (() => {
            const map = new Map();
            return {
                map,
                async put(key, value) { map.set(key, structuredClone(value)); },
                async delete(key) { return map.delete(key); },
                async list({ prefix }) {
                    return new Map([...map].filter(([k]) => k.startsWith(prefix))
                        .map(([k, v]) => [k, structuredClone(v)]));
                },
            };
        })()",
    )
}

/// Opens `name` on `storage` with an options object (which gets `storage` set).
pub async fn open_value(name: &str, storage: &str, opts: &JsValue) -> Queue {
    Reflect::set(opts, &"storage".into(), &storage_option(storage)).unwrap();
    Queue::open_with(name, opts).await.expect("queue opens")
}

/// A message id (or anything, to test refusals) as `redrive`'s and
/// `purge`'s argument.
pub fn id_arg(v: JsValue) -> wasmq::api::IdOrAll {
    v.unchecked_into()
}

/// Evaluates a JavaScript expression (a function, a `Proxy`, `NaN`...).
pub fn eval(expression: &str) -> JsValue {
    js_sys::eval(&format!("({expression})")).expect("test expression is valid")
}

/// A fresh AES-GCM key that may encrypt and decrypt (`crypto.subtle`, in
/// browsers and in Node alike).
pub async fn aes_key() -> JsValue {
    let made = eval(
        "crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])",
    );
    JsFuture::from(Promise::from(made))
        .await
        .expect("WebCrypto makes an AES-GCM key")
}

/// Closes `q`, reopens `name` and returns how many jobs are pending there:
/// what the store holds.
pub async fn pending_after_reopen(q: Queue, name: &str, storage: &str) -> f64 {
    pending_after_reopen_on(q, name, &storage_option(storage)).await
}

/// [`pending_after_reopen`] with the `storage` option as a value (a
/// particular adapter object).
pub async fn pending_after_reopen_on(q: Queue, name: &str, storage: &JsValue) -> f64 {
    wait(q.close()).await.unwrap();
    let opts = js("{}");
    Reflect::set(&opts, &"storage".into(), storage).unwrap();
    let q = Queue::open_with(name, &opts).await.expect("queue opens");
    let pending = num(&q.stats().unwrap(), "pending");
    wait(q.close()).await.unwrap();
    pending
}

/// `enqueue(payload, options)` awaited.
pub async fn enqueue(q: &Queue, payload: JsValue, opts: &str) -> Result<JsValue, JsValue> {
    wait(q.enqueue(
        payload,
        if opts.is_empty() {
            JsValue::UNDEFINED
        } else {
            js(opts)
        },
    ))
    .await
}

/// Enqueues `n` numbered payloads in one turn (one group commit) and awaits them all.
pub async fn enqueue_many(q: &Queue, n: u32, opts: &str) -> Vec<JsValue> {
    let all = js_sys::Array::new();
    for i in 0..n {
        let o = if opts.is_empty() {
            JsValue::UNDEFINED
        } else {
            js(opts)
        };
        all.push(&q.enqueue(JsValue::from(i), o));
    }
    let done = wait(Promise::all(&all)).await.expect("all enqueues commit");
    js_sys::Array::from(&done).iter().collect()
}

/// Queue options for scenarios that retry: a fixed 1 ms backoff, no jitter.
pub const QUICK_RETRY: &str = r#"{"backoff": {"type": "fixed", "delayMs": 1, "jitter": false}}"#;

/// A handler from a Rust closure returning a value or a promise.
pub fn handler(f: impl FnMut(JsValue) -> JsValue + 'static) -> JsValue {
    Closure::<dyn FnMut(JsValue) -> JsValue>::new(f).into_js_value()
}

/// A promise that settles after `ms` with `Ok(undefined)` or a rejection with `Error(message)`.
pub fn settle_after(ms: u32, error: Option<String>) -> JsValue {
    wasm_bindgen_futures::future_to_promise(async move {
        sleep(ms).await;
        match error {
            None => Ok(JsValue::UNDEFINED),
            Some(m) => Err(js_sys::Error::new(&m).into()),
        }
    })
    .into()
}

/// Processes `q` with a handler that records `(id, attempt)` of each job it
/// gets and acks it, until drained; returns what it recorded.
pub async fn runs_until_drained(q: &Queue) -> Vec<(f64, f64)> {
    let runs: Rc<RefCell<Vec<(f64, f64)>>> = Rc::default();
    let sink = Rc::clone(&runs);
    q.process(
        handler(move |job| {
            sink.borrow_mut()
                .push((num(&job, "id"), num(&job, "attempt")));
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .expect("process");
    wait(q.drained()).await.expect("drained");
    runs.take()
}

/// Collects the `detail` of every event of `kind`.
pub fn record_events(q: &Queue, kind: &str) -> Rc<RefCell<Vec<JsValue>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&seen);
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        sink.borrow_mut().push(get(&e, "detail"))
    });
    let f: Function = listener.into_js_value().unchecked_into();
    q.add_event_listener(kind, &f).expect("listener added");
    seen
}

/// Stats as a JSON string, for before/after comparisons.
pub fn stats_json(q: &Queue) -> String {
    JSON::stringify(&q.stats().expect("stats"))
        .unwrap()
        .as_string()
        .unwrap()
}

/// Waits (polling the event loop) until `cond` holds, for at most `ms`.
pub async fn until(ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    let start = js_sys::Date::now();
    while !cond() {
        if js_sys::Date::now() - start > ms as f64 {
            return false;
        }
        sleep(5).await;
    }
    true
}
