//! The payload a handler gets is a copy, whatever it holds: plain objects
//! and arrays (copied by hand), Dates, Maps, typed arrays and an object
//! reached twice (by structuredClone). A handler changing every part of it
//! changes neither the stored job nor what its retry gets; a caller
//! changing its object after `enqueue` changes nothing either; in the
//! per-job and the batch API alike. One object given twice to one
//! `enqueueMany` is two payloads apart. A `Proxy` of plain data (Vue's
//! `reactive`, MobX) is stored as the plain data it shows.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::support::*;

/// Each payload as built by the caller (an expression).
const PAYLOADS: &[&str] = &[
    "{ to: 'a@b.c', n: 1, ok: true, none: null }",
    "{ tags: ['x', 'y'], nested: { n: 1, list: [1, 2, { deep: true }] } }",
    "[1, 'two', [3, { four: 4 }]]",
    "{ when: new Date(5), map: new Map([[1, 'one']]), bytes: new Uint8Array([1, 2]) }",
    "(() => { const shared = { n: 1 }; return { a: shared, b: shared }; })()",
    "'plain string'",
    // Vue's `reactive`: each object read through it comes out wrapped in its own Proxy.
    "(() => { const deep = (t) => new Proxy(t, { get(o, k, r) { const v = Reflect.get(o, k, r); return v && typeof v === 'object' ? deep(v) : v; } }); return deep({ to: 'p@q.r', items: [{ n: 1 }, { n: 2 }] }); })()",
];

/// What a test compares of a payload: its content as one text (Dates,
/// Maps and typed arrays spelled out; whether `a` and `b` are one object).
const DESCRIBE: &str = r#"(p) => JSON.stringify(p, (k, v) =>
    v instanceof Map ? { map: [...v] } : ArrayBuffer.isView(v) ? { bytes: [...v] } :
    v instanceof Date ? { date: v.getTime() } : v) + (p?.a !== undefined ? String(p.a === p.b) : "")"#;

/// Changes every part of a payload it can reach.
const SPOIL: &str = r#"(p) => {
    const spoil = (v) => {
        if (v instanceof Map) v.set("spoiled", 1);
        else if (v instanceof Date) v.setTime(0);
        else if (ArrayBuffer.isView(v)) v[0] = 99;
        else if (Array.isArray(v)) { v.forEach(spoil); v.push("spoiled"); }
        else if (v && typeof v === "object") { Object.values(v).forEach(spoil); v.spoiled = true; }
    };
    spoil(p);
}"#;

fn call(f: &JsValue, v: &JsValue) -> JsValue {
    f.unchecked_ref::<Function>()
        .call1(&JsValue::UNDEFINED, v)
        .unwrap()
}

/// A handler (per job, or per batch with `batch`) that records what each
/// try got, spoils it, and fails the first try.
fn spoiling_handler(batch: bool) -> JsValue {
    let h = eval(&format!(
        r#"(() => {{
            const describe = {DESCRIBE}, spoil = {SPOIL}, seen = [];
            const one = (job) => {{ seen.push([job.attempt, describe(job.payload)]); spoil(job.payload); return job.attempt === 1; }};
            const f = {body};
            f.seen = seen;
            return f;
        }})()"#,
        body = if batch {
            "(jobs) => { if (jobs.map(one).some(Boolean)) throw new Error('first try'); }"
        } else {
            "(job) => { if (one(job)) throw new Error('first try'); }"
        }
    ));
    h
}

/// Every payload kind, per job (`batch` false) or in batches: both tries
/// got what the caller enqueued.
async fn every_kind_is_copied(storage: &str, batch: bool) {
    let name = fresh("copies", storage).await;
    let q = open(&name, storage, QUICK_RETRY).await;
    let (describe, spoil) = (eval(DESCRIBE), eval(SPOIL));
    let h = spoiling_handler(batch);
    let expected: Vec<String> = PAYLOADS
        .iter()
        .map(|p| call(&describe, &eval(p)).as_string().unwrap())
        .collect();
    let originals: Vec<JsValue> = PAYLOADS.iter().map(|p| eval(p)).collect();
    if batch {
        let list: Array = originals.iter().collect();
        wait(q.enqueue_many(list.into(), JsValue::UNDEFINED))
            .await
            .unwrap();
        q.process_batch(h.clone(), js(r#"{"batchSize": 10}"#))
            .unwrap();
    } else {
        for p in &originals {
            enqueue(&q, p.clone(), "").await.unwrap();
        }
        q.process(h.clone(), JsValue::UNDEFINED).unwrap();
    }
    for p in &originals {
        call(&spoil, p); // the caller changes its objects after enqueue
    }
    wait(q.drained()).await.unwrap();
    let seen: Vec<(f64, String)> = Array::from(&get(&h, "seen"))
        .iter()
        .map(|e| {
            let e = Array::from(&e);
            (e.get(0).as_f64().unwrap(), e.get(1).as_string().unwrap())
        })
        .collect();
    assert_eq!(
        seen.len(),
        2 * PAYLOADS.len(),
        "two tries of each: {seen:?}"
    );
    for attempt in [1.0, 2.0] {
        let mut got: Vec<String> = seen
            .iter()
            .filter(|(a, _)| *a == attempt)
            .map(|(_, d)| d.clone())
            .collect();
        let mut want = expected.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "try {attempt} got the payloads as enqueued");
    }
    assert_eq!(num(&q.stats().unwrap(), "completed"), PAYLOADS.len() as f64);
    wait(q.close()).await.unwrap();
}

/// The per-job API.
pub async fn every_payload_kind_is_copied(storage: &str) {
    every_kind_is_copied(storage, false).await;
}

/// The batch API.
pub async fn every_payload_kind_is_copied_in_batches(storage: &str) {
    every_kind_is_copied(storage, true).await;
}

/// What `describe` says of the payload of each item of `list` (an array of
/// jobs, or of anything with a `payload`).
fn described(describe: &JsValue, list: &JsValue) -> Vec<String> {
    Array::from(list)
        .iter()
        .map(|j| {
            let p = js_sys::Reflect::get(&j, &"payload".into()).unwrap();
            call(describe, &p).as_string().unwrap()
        })
        .collect()
}

/// One object given twice to one `enqueueMany` (each payload is copied on
/// its own): two jobs whose payloads are apart wherever they come out. A caller changing the payload `jobs()`
/// listed for the first changes neither listing; a batch handler gets two
/// objects, and spoiling the first one's changes neither the second nor
/// the retry of either.
pub async fn one_object_twice_in_enqueue_many_is_two_payloads(storage: &str) {
    let name = fresh("twice", storage).await;
    let q = open(&name, storage, QUICK_RETRY).await;
    let (describe, spoil) = (eval(DESCRIBE), eval(SPOIL));
    let p = eval("({ to: 'a@b.c', tags: ['x'], nested: { n: 1 } })");
    let want = call(&describe, &p).as_string().unwrap();
    let list: Array = [p.clone(), p.clone()].iter().collect();
    wait(q.enqueue_many(list.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let listed = wait(q.jobs(JsValue::UNDEFINED)).await.unwrap();
    call(&spoil, &get(&Array::from(&listed).get(0), "payload"));
    let again = wait(q.jobs(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(described(&describe, &again), vec![want.clone(); 2]);
    let h = eval(&format!(
        r#"(() => {{
            const describe = {DESCRIBE}, spoil = {SPOIL}, seen = [];
            const f = (jobs) => {{
                const [a, b] = jobs;
                const first = describe(a.payload);
                spoil(a.payload);
                seen.push([a.attempt, first, describe(b.payload), a.payload !== b.payload]);
                if (a.attempt === 1) throw new Error('first try');
            }};
            f.seen = seen;
            return f;
        }})()"#
    ));
    q.process_batch(h.clone(), JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    let seen: Vec<(f64, String, String, bool)> = Array::from(&get(&h, "seen"))
        .iter()
        .map(|e| {
            let e = Array::from(&e);
            let text = |i| e.get(i).as_string().unwrap();
            (
                e.get(0).as_f64().unwrap(),
                text(1),
                text(2),
                e.get(3).is_truthy(),
            )
        })
        .collect();
    let row = |attempt: f64| (attempt, want.clone(), want.clone(), true);
    assert_eq!(
        seen,
        vec![row(1.0), row(2.0)],
        "each try got two apart copies"
    );
    assert_eq!(num(&q.stats().unwrap(), "completed"), 2.0);
    wait(q.close()).await.unwrap();
}

/// What `deadLetters()` and `jobs()` return are copies: a caller spoiling
/// every payload they listed changes neither a second listing nor what a
/// redrive delivers (one object given twice to one `enqueueMany`, as the
/// store keeps it, and a payload of every kind, each of its own).
pub async fn listed_payloads_are_copies(storage: &str) {
    let name = fresh("listed", storage).await;
    let q = open(&name, storage, r#"{"maxAttempts": 1}"#).await;
    let (describe, spoil) = (eval(DESCRIBE), eval(SPOIL));
    let twice = eval("({ to: 'a@b.c', tags: ['x'], nested: { n: 1 } })");
    let mut originals = vec![twice.clone(), twice];
    originals.extend(PAYLOADS.iter().map(|p| eval(p)));
    let want: Vec<String> = originals
        .iter()
        .map(|p| call(&describe, p).as_string().unwrap())
        .collect();
    let list: Array = originals.iter().collect();
    wait(q.enqueue_many(list.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let spoil_all = |listed: &JsValue| {
        for item in Array::from(listed).iter() {
            call(&spoil, &get(&item, "payload"));
        }
    };
    spoil_all(&wait(q.jobs(JsValue::UNDEFINED)).await.unwrap());
    let again = wait(q.jobs(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(described(&describe, &again), want, "jobs() listed copies");

    let h = eval(&format!(
        r#"(() => {{
            const describe = {DESCRIBE}, seen = [];
            const f = (job) => {{
                if (f.failing) throw new Error('dead');
                seen.push([job.id, describe(job.payload)]);
            }};
            f.failing = true;
            f.seen = seen;
            return f;
        }})()"#
    ));
    q.process(h.clone(), JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "dead"), want.len() as f64);
    spoil_all(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    let again = wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(
        described(&describe, &again),
        want,
        "deadLetters() listed copies"
    );

    js_sys::Reflect::set(&h, &"failing".into(), &JsValue::FALSE).unwrap();
    let redriven = wait(q.redrive(id_arg(JsValue::UNDEFINED))).await.unwrap();
    assert_eq!(redriven.as_f64(), Some(want.len() as f64));
    wait(q.drained()).await.unwrap();
    let mut seen: Vec<(f64, String)> = Array::from(&get(&h, "seen"))
        .iter()
        .map(|e| {
            let e = Array::from(&e);
            (e.get(0).as_f64().unwrap(), e.get(1).as_string().unwrap())
        })
        .collect();
    seen.sort_by(|a, b| a.0.total_cmp(&b.0));
    let got: Vec<String> = seen.into_iter().map(|(_, d)| d).collect();
    assert_eq!(got, want, "the redrive delivered the payloads as enqueued");
    wait(q.close()).await.unwrap();
}

/// A `Proxy` of plain data, as Vue's `reactive` or MobX's observables
/// make, is read through its traps like the object it stands for: the
/// payload of `enqueue`, a Proxy inside a payload and `enqueueMany`'s array
/// itself are stored as the plain data they show (structuredClone, and so
/// IndexedDB, would refuse them). Changing the objects behind them after
/// the enqueue changes nothing stored.
pub async fn proxies_of_plain_data_are_stored_as_what_they_show(storage: &str) {
    let name = fresh("proxies", storage).await;
    let q = open(&name, storage, "{}").await;
    let (describe, spoil) = (eval(DESCRIBE), eval(SPOIL));
    let target = eval("({ to: 'a@b.c', items: [{ n: 1 }, { n: 2 }] })");
    let reactive = call(
        &eval("(t) => { const deep = (o) => new Proxy(o, { get(x, k, r) { const v = Reflect.get(x, k, r); return v && typeof v === 'object' ? deep(v) : v; } }); return deep(t); }"),
        &target,
    );
    let inner = eval("({ n: 3 })");
    let wrapped = call(&eval("(t) => ({ wrapped: new Proxy(t, {}) })"), &inner);
    let items = eval("[{ n: 4 }, 5]");
    let list = call(&eval("(t) => new Proxy(t, {})"), &items);
    let want: Vec<String> = [
        r#"{"to":"a@b.c","items":[{"n":1},{"n":2}]}"#,
        r#"{"wrapped":{"n":3}}"#,
        r#"{"n":4}"#,
        "5",
    ]
    .map(String::from)
    .to_vec();
    enqueue(&q, reactive, "")
        .await
        .expect("a reactive proxy is stored");
    enqueue(&q, wrapped, "")
        .await
        .expect("a proxy inside is stored");
    wait(q.enqueue_many(list, JsValue::UNDEFINED))
        .await
        .expect("a proxy of the array is stored");
    for t in [&target, &inner, &items] {
        call(&spoil, t); // the objects behind the proxies change after the enqueue
    }
    let listed = wait(q.jobs(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(
        described(&describe, &listed),
        want,
        "the plain data they showed"
    );
    assert_eq!(num(&q.stats().unwrap(), "pending"), 4.0);
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    let listed = wait(q.jobs(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(
        described(&describe, &listed),
        want,
        "the same once reopened"
    );
    wait(q.close()).await.unwrap();
}
