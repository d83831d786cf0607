//! Bad and hostile input, as tables of calls (JavaScript expressions): wrong
//! types, NaN, ±Infinity, huge numbers, empty and 1 MB strings, objects
//! that pollute or trap, revoked proxies. Each call gets its typed error
//! naming the option, and the store is unchanged; a polluted
//! `Object.prototype` is ignored.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasmq::api::Queue;

use super::support::*;

/// `enqueue` options refused, and the option each error names.
const BAD_ENQUEUE_OPTIONS: &[(&str, &str)] = &[
    ("{ unknown: 1 }", "unknown"),
    ("{ delayMs: -1 }", "delayMs"),
    ("{ delayMs: 1e300 }", "delayMs"),
    ("{ delayMs: 2 ** 53 }", "delayMs"),
    ("{ delayMs: 1.5 }", "delayMs"),
    ("{ delayMs: NaN }", "delayMs"),
    ("{ delayMs: Infinity }", "delayMs"),
    ("{ delayMs: -Infinity }", "delayMs"),
    ("{ delayMs: '5' }", "delayMs"),
    ("{ delayMs: 5, runAt: 5 }", "runAt"),
    ("{ runAt: new Date(NaN) }", "runAt"),
    ("{ runAt: '2030-01-01' }", "runAt"),
    ("{ runAt: Object.create(new Date()) }", "runAt"),
    ("{ runAt: new Proxy(new Date(), {}) }", "runAt"),
    ("{ maxAttempts: 0 }", "maxAttempts"),
    ("{ maxAttempts: 1e300 }", "maxAttempts"),
    ("{ priority: 'high' }", "priority"),
    ("{ priority: 2 ** 31 }", "priority"),
    ("{ priority: NaN }", "priority"),
    ("{ idempotencyKey: 42 }", "idempotencyKey"),
    ("{ idempotencyKey: null }", "idempotencyKey"),
    ("{ idempotencyKey: '' }", "idempotencyKey"),
    ("{ idempotencyKey: 'k'.repeat(2 ** 20) }", "idempotencyKey"),
    ("{ group: '' }", "group"),
    ("{ group: 'g'.repeat(2 ** 20) }", "group"),
    ("{ idempotencyWindowMs: -1 }", "idempotencyWindowMs"),
    ("{ onDuplicate: 'merge' }", "onDuplicate"),
    ("{ onDuplicate: true }", "onDuplicate"),
    ("{ onDuplicate: 'replace' }", "onDuplicate"),
    (
        r#"JSON.parse('{"__proto__": {"delayMs": 5}}')"#,
        "__proto__",
    ),
    ("'fast'", "options"),
    ("null", "options"),
    ("[1]", "options"),
    ("() => 1", "options"),
    ("{ get delayMs() { throw new Error('getter') } }", "options"),
    (
        "new Proxy({}, { ownKeys() { throw new Error('trap') } })",
        "options",
    ),
    (
        "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()",
        "options",
    ),
];

/// Payloads that cannot be stored (a `Proxy` of plain data can: it is read
/// through its traps, `copies.rs`; of anything else, or revoked, it cannot).
const UNCLONEABLE_PAYLOADS: &[&str] = &[
    "() => 1",
    "Symbol('s')",
    "{ f() {} }",
    "{ get x() { throw new Error('getter') } }",
    "new Proxy(new Map(), {})",
    "{ when: new Proxy(new Date(), {}) }",
    "new Proxy({ a: 1 }, { get() { throw new Error('trap') } })",
    "{ inner: new Proxy({ f() {} }, {}) }",
    "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()",
];

/// `Queue.open` options refused, and the option each error names.
const BAD_OPEN_OPTIONS: &[(&str, &str)] = &[
    ("{ maxAttempts: 0 }", "maxAttempts"),
    ("{ maxAttempts: NaN }", "maxAttempts"),
    ("{ storage: 'disk' }", "storage"),
    ("{ backoff: { type: 'linear' } }", "backoff.type"),
    ("{ backoff: 'fast' }", "backoff"),
    ("{ backoff: { delayMs: -1 } }", "backoff.delayMs"),
    (
        r#"{ backoff: JSON.parse('{"__proto__": {}}') }"#,
        "backoff.__proto__",
    ),
    ("{ leaseMs: 0 }", "leaseMs"),
    ("{ leaseMs: Infinity }", "leaseMs"),
    ("{ leaseMs: 1e300 }", "leaseMs"),
    ("{ concurrency: -2 }", "concurrency"),
    ("{ concurrency: 1e9 }", "concurrency"),
    ("{ validate: 'yes' }", "validate"),
    ("{ maxPayloadBytes: 0 }", "maxPayloadBytes"),
    ("{ maxPayloadBytes: 1.5 }", "maxPayloadBytes"),
    ("{ maxPayloadBytes: '10' }", "maxPayloadBytes"),
    ("{ maxPayloadBytes: NaN }", "maxPayloadBytes"),
    (
        r#"JSON.parse('{"__proto__": {"leaseMs": 1}}')"#,
        "__proto__",
    ),
    ("{ rateLimit: 10 }", "rateLimit"),
    ("{ rateLimit: { max: 10 } }", "rateLimit.intervalMs"),
    ("{ rateLimit: { intervalMs: 1000 } }", "rateLimit.max"),
    (
        "{ rateLimit: { max: 0, intervalMs: 1000 } }",
        "rateLimit.max",
    ),
    (
        "{ rateLimit: { max: 1.5, intervalMs: 1000 } }",
        "rateLimit.max",
    ),
    (
        "{ rateLimit: { max: 1e7, intervalMs: 1000 } }",
        "rateLimit.max",
    ),
    (
        "{ rateLimit: { max: 5, intervalMs: 0 } }",
        "rateLimit.intervalMs",
    ),
    (
        "{ rateLimit: { max: 5, intervalMs: NaN } }",
        "rateLimit.intervalMs",
    ),
    (
        "{ rateLimit: { max: 5, intervalMs: 10, burst: 2 } }",
        "rateLimit.burst",
    ),
    (
        "{ groupRateLimit: { max: -1, intervalMs: 10 } }",
        "groupRateLimit.max",
    ),
    ("{ groupRateLimit: 'slow' }", "groupRateLimit"),
    ("{ durability: 'fast' }", "durability"),
    ("{ durability: true }", "durability"),
    ("{ persist: 'yes' }", "persist"),
    ("[]", "options"),
    ("{ get leaseMs() { throw 1 } }", "options"),
];

/// Queue names refused.
const BAD_NAMES: &[&str] = &["''", "'q'.repeat(2 ** 20)", "7", "null", "Symbol('q')"];

/// `deadLetters` options refused, and the option each error names.
const BAD_PAGES: &[(&str, &str)] = &[
    ("'x'", "options"),
    ("{ page: 1 }", "page"),
    ("{ limit: -1 }", "limit"),
    ("{ limit: 1.5 }", "limit"),
    ("{ limit: Infinity }", "limit"),
    ("{ after: NaN }", "after"),
];

/// `jobs` options refused, and the option each error names.
const BAD_JOBS_OPTIONS: &[(&str, &str)] = &[
    ("'pending'", "options"),
    ("{ state: 'pending' }", "state"),
    ("{ states: 'pending' }", "states"),
    ("{ states: ['pending', 'dead'] }", "states"),
    ("{ states: [1] }", "states"),
    ("{ group: 5 }", "group"),
    ("{ limit: -1 }", "limit"),
    ("{ after: 1.5 }", "after"),
    ("{ get states() { throw new Error('getter') } }", "options"),
];

/// `redrive` / `purge` ids refused.
const BAD_IDS: &[&str] = &[
    "NaN", "-1", "1.5", "'1'", "2 ** 53", "Infinity", "null", "{}",
];

/// `process` options refused.
const BAD_PROCESS_OPTIONS: &[&str] = &[
    "{ concurrency: 0 }",
    "{ concurrency: NaN }",
    "{ concurrency: Infinity }",
    "{ concurrency: '4' }",
];

/// Checks a refusal: a `WasmqError` with `code`, naming `option` when given.
fn refused(result: Result<JsValue, JsValue>, expected: &str, option: Option<&str>, case: &str) {
    let err = result.expect_err(case);
    assert_eq!(code(&err), expected, "{case}: {err:?}");
    assert_eq!(
        get(&err, "name").as_string().as_deref(),
        Some("WasmqError"),
        "{case}"
    );
    if option.is_some() {
        assert_eq!(get(&err, "option").as_string().as_deref(), option, "{case}");
    }
}

/// Every bad call of the tables gets its typed error, and nothing changes.
pub async fn bad_input_is_refused_and_changes_nothing(storage: &str) {
    let name = fresh("bad", storage).await;
    let q = open(&name, storage, "{}").await;
    enqueue(&q, js("0"), "").await.unwrap();
    let before = stats_json(&q);
    for payload in UNCLONEABLE_PAYLOADS {
        let result = wait(q.enqueue(eval(payload), JsValue::UNDEFINED)).await;
        refused(result, "PAYLOAD_NOT_CLONEABLE", None, payload);
    }
    for (opts, option) in BAD_ENQUEUE_OPTIONS {
        let result = wait(q.enqueue(js("1"), eval(opts))).await;
        refused(result, "INVALID_OPTION", Some(option), opts);
    }
    for (opts, option) in BAD_PAGES {
        let result = wait(q.dead_letters(eval(opts))).await;
        refused(result, "INVALID_OPTION", Some(option), opts);
    }
    for id in BAD_IDS {
        refused(
            wait(q.redrive(id_arg(eval(id)))).await,
            "INVALID_OPTION",
            Some("id"),
            id,
        );
        refused(
            wait(q.purge(id_arg(eval(id)))).await,
            "INVALID_OPTION",
            Some("id"),
            id,
        );
    }
    for (opts, option) in BAD_JOBS_OPTIONS {
        let result = wait(q.jobs(eval(opts))).await;
        refused(result, "INVALID_OPTION", Some(option), opts);
    }
    for id in BAD_IDS.iter().chain(&["undefined"]) {
        refused(
            wait(q.cancel(eval(id))).await,
            "INVALID_OPTION",
            Some("id"),
            id,
        );
    }
    refused(
        wait(q.cancel(123_456.into())).await,
        "NOT_FOUND",
        None,
        "cancel",
    );
    refused(
        wait(q.redrive(id_arg(123_456.into()))).await,
        "NOT_FOUND",
        None,
        "redrive",
    );
    refused(
        wait(q.purge(id_arg(123_456.into()))).await,
        "NOT_FOUND",
        None,
        "purge",
    );
    let ok = handler(|_| JsValue::UNDEFINED);
    for opts in BAD_PROCESS_OPTIONS {
        let result = q
            .process(ok.clone(), eval(opts))
            .map(|()| JsValue::UNDEFINED);
        refused(result, "INVALID_OPTION", Some("concurrency"), opts);
    }
    let result = q
        .process(5.into(), JsValue::UNDEFINED)
        .map(|()| JsValue::UNDEFINED);
    refused(result, "INVALID_OPTION", Some("handler"), "handler");
    assert_eq!(stats_json(&q), before, "nothing changed");
    wait(q.close()).await.unwrap();
    let result = wait(q.enqueue(js("1"), JsValue::UNDEFINED)).await;
    refused(result, "QUEUE_CLOSED", None, "closed");

    for (opts, option) in BAD_OPEN_OPTIONS {
        let result = wait(Queue::open(name.clone().into(), eval(opts))).await;
        refused(result, "INVALID_OPTION", Some(option), opts);
    }
    for bad in BAD_NAMES {
        let result = wait(Queue::open(eval(bad), JsValue::UNDEFINED)).await;
        refused(result, "INVALID_OPTION", Some("name"), bad);
    }
    let q = open(&name, storage, "{}").await;
    assert_eq!(stats_json(&q), before, "the store holds only the good job");
    wait(q.close()).await.unwrap();
}

/// Options inherited from a polluted `Object.prototype` are ignored: with
/// `delayMs`, `validate`, `maxAttempts: 0`... set there, an empty options
/// object means the defaults. The pollution is removed before any check.
pub async fn polluted_prototype_is_ignored(storage: &str) {
    let name = fresh("polluted", storage).await;
    let proto = js_sys::Object::get_prototype_of(&js_sys::Object::new());
    let pollution = [
        ("delayMs", JsValue::from(60_000)),
        ("maxAttempts", 0.into()),
        ("idempotencyKey", "".into()),
        ("storage", "disk".into()),
        // A function without a prototype chain: WebKitWebDriver serializes the
        // inherited enumerable properties of what a script returns, so a plain
        // function here (reaching itself through Object.prototype) made the test
        // runner's poll fail with "cannot serialize cyclic structures" whenever
        // it landed while the prototype was polluted. Called, it throws (it has
        // no `call`), which would refuse the enqueue just as its 'polluted' would.
        (
            "validate",
            eval("(() => { const f = () => 'polluted'; Object.setPrototypeOf(f, null); return f; })()"),
        ),
        ("maxPayloadBytes", 1.into()),
        ("limit", (-1).into()),
    ];
    for (key, value) in &pollution {
        Reflect::set(&proto, &(*key).into(), value).unwrap();
    }
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"storage".into(), &storage_option(storage)).unwrap();
    let opened = Queue::open_with(&name, &opts).await;
    let results = match &opened {
        Ok(q) => Some((
            wait(q.enqueue(js(r#"{"n": 1}"#), js("{}"))).await,
            wait(q.dead_letters(js("{}"))).await,
        )),
        Err(_) => None,
    };
    for (key, _) in &pollution {
        Reflect::delete_property(&proto, &(*key).into()).unwrap();
    }
    let q = opened.expect("opens with the defaults");
    let (enqueued, letters) = results.unwrap();
    assert_eq!(
        get(&enqueued.expect("enqueued"), "duplicate").as_bool(),
        Some(false)
    );
    assert_eq!(js_sys::Array::from(&letters.expect("listed")).length(), 0);
    let s = q.stats().unwrap();
    assert_eq!(
        (num(&s, "pending"), num(&s, "delayed")),
        (1.0, 0.0),
        "not delayed"
    );
    wait(q.close()).await.unwrap();
}
