//! The batch API: `enqueueMany(payloads, options?)` stores many jobs in one
//! commit and resolves with their ids; `processBatch(handler, { batchSize,
//! concurrency })` hands the handler arrays of jobs and settles each array
//! together. Bad input to either is refused with a typed error and stores
//! nothing. Also what every handler call gets and returns: the job fields,
//! and thenables.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasmq::api::Queue;

use super::support::*;

/// `enqueueMany(payloads, options)` awaited.
async fn enqueue_all(q: &Queue, payloads: &str, opts: &str) -> Result<JsValue, JsValue> {
    let opts = if opts.is_empty() {
        JsValue::UNDEFINED
    } else {
        eval(opts)
    };
    wait(q.enqueue_many(eval(payloads), opts)).await
}

/// The numbers of an array.
fn numbers(v: &JsValue) -> Vec<f64> {
    Array::from(v).iter().map(|x| x.as_f64().unwrap()).collect()
}

/// 50 jobs in one `enqueueMany`: 50 distinct ids in order, all durable;
/// `processBatch` with batches of at most 8 and 2 calls at a time handles
/// each once, with its payload; every job completes.
pub async fn enqueue_many_and_batches_process_everything_once(storage: &str) {
    let name = fresh("many", storage).await;
    let q = open(&name, storage, "{}").await;
    let ids = numbers(
        &enqueue_all(&q, "Array.from({ length: 50 }, (_, i) => ({ n: i }))", "")
            .await
            .expect("enqueueMany resolves"),
    );
    assert_eq!(ids.len(), 50);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order: {ids:?}");
    let empty = enqueue_all(&q, "[]", "").await.expect("an empty list");
    assert_eq!(Array::from(&empty).length(), 0);
    assert_eq!(
        pending_after_reopen(q, &name, storage).await,
        50.0,
        "all 50 durable"
    );

    let q = open(&name, storage, "{}").await;
    let completed = record_events(&q, "completed");
    let seen: Rc<RefCell<HashMap<u64, f64>>> = Rc::default();
    let (running, most, sizes) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)), Rc::default());
    let (sink, run, top, sizes_in): (_, _, _, Rc<RefCell<Vec<u32>>>) = (
        Rc::clone(&seen),
        Rc::clone(&running),
        Rc::clone(&most),
        Rc::clone(&sizes),
    );
    let handle = handler(move |jobs| {
        let jobs = Array::from(&jobs);
        sizes_in.borrow_mut().push(jobs.length());
        for job in jobs.iter() {
            let n = num(&get(&job, "payload"), "n");
            *sink.borrow_mut().entry(num(&job, "id") as u64).or_default() += 1.0 + n * 1000.0;
        }
        run.set(run.get() + 1);
        top.set(top.get().max(run.get()));
        let run = Rc::clone(&run);
        wasm_bindgen_futures::future_to_promise(async move {
            sleep(2).await;
            run.set(run.get() - 1);
            Ok(JsValue::UNDEFINED)
        })
        .into()
    });
    q.process_batch(handle, js(r#"{"batchSize": 8, "concurrency": 2}"#))
        .unwrap();
    wait(q.drained()).await.unwrap();
    let seen = seen.take();
    assert_eq!(seen.len(), 50, "every job handled");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            seen.get(&(*id as u64)),
            Some(&(1.0 + i as f64 * 1000.0)),
            "job {id} handled once, with payload {i}"
        );
    }
    let sizes = sizes.take();
    assert!(sizes.iter().all(|s| (1..=8).contains(s)), "{sizes:?}");
    assert!(sizes.len() >= 7, "50 jobs in batches of 8: {sizes:?}");
    assert!(
        most.get() <= 2,
        "at most 2 calls at once, saw {}",
        most.get()
    );
    assert_eq!(completed.borrow().len(), 50, "a completed event per job");
    assert_eq!(num(&q.stats().unwrap(), "completed"), 50.0);
    wait(q.close()).await.unwrap();
}

/// A batch handler that throws retries every job of its batch; each retry
/// gets the stored payload, not what the failed try changed; the second
/// try completes them all.
pub async fn failed_batch_retries_each_job(storage: &str) {
    let name = fresh("batch-retry", storage).await;
    let q = open(&name, storage, QUICK_RETRY).await;
    let retrying = record_events(&q, "retrying");
    let completed = record_events(&q, "completed");
    let tries: Rc<RefCell<Vec<(f64, f64)>>> = Rc::default();
    let sink = Rc::clone(&tries);
    let handle = handler(move |jobs| {
        let mut fail = false;
        for job in Array::from(&jobs).iter() {
            let payload = get(&job, "payload");
            sink.borrow_mut()
                .push((num(&job, "attempt"), num(&payload, "n")));
            Reflect::set(&payload, &"n".into(), &JsValue::from(-1)).unwrap();
            fail |= num(&job, "attempt") == 1.0;
        }
        if fail {
            Promise::reject(&js_sys::Error::new("batch failed").into()).into()
        } else {
            JsValue::UNDEFINED
        }
    });
    q.process_batch(handle, js(r#"{"batchSize": 10}"#)).unwrap();
    enqueue_all(&q, "[{ n: 1 }, { n: 2 }, { n: 3 }]", "")
        .await
        .unwrap();
    wait(q.drained()).await.unwrap();
    let tries = tries.take();
    assert_eq!(tries.len(), 6, "3 jobs, 2 tries each: {tries:?}");
    for (attempt, n) in &tries {
        assert!(*n >= 1.0, "try {attempt} got the stored payload, not -1");
    }
    assert_eq!(tries.iter().filter(|(a, _)| *a == 2.0).count(), 3);
    let retrying = retrying.take();
    assert_eq!(retrying.len(), 3, "each job of the failed batch retried");
    for r in &retrying {
        assert_eq!(get(r, "error").as_string().unwrap(), "batch failed");
    }
    assert_eq!(completed.borrow().len(), 3);
    wait(q.close()).await.unwrap();
}

/// `enqueueMany` from a second instance of the name is forwarded to the
/// leader and resolves with the ids; a listener on the second instance
/// hears the leader's events.
pub async fn enqueue_many_from_a_follower(storage: &str) {
    let name = fresh("many-follower", storage).await;
    let leader = open(&name, storage, "{}").await;
    let follower = open(&name, storage, "{}").await;
    assert!(leader.is_leader() && !follower.is_leader());
    let heard = record_events(&follower, "completed");
    leader
        .process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .unwrap();
    let ids = numbers(
        &enqueue_all(
            &follower,
            "[{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]",
            "{ priority: 2 }",
        )
        .await
        .expect("forwarded enqueueMany resolves"),
    );
    assert_eq!(ids.len(), 4);
    wait(follower.drained()).await.unwrap();
    assert!(
        until(5_000, || heard.borrow().len() == 4).await,
        "the follower heard 4 completed events, got {}",
        heard.borrow().len()
    );
    let mut heard_ids: Vec<f64> = heard.borrow().iter().map(|d| num(d, "id")).collect();
    heard_ids.sort_by(f64::total_cmp);
    assert_eq!(heard_ids, ids);
    wait(follower.close()).await.unwrap();
    wait(leader.close()).await.unwrap();
}

/// `enqueueMany` arguments refused, and the code and option of each error.
const BAD_ENQUEUE_MANY: &[(&str, &str, &str, &str)] = &[
    ("{ n: 1 }", "", "INVALID_OPTION", "payloads"),
    ("'abc'", "", "INVALID_OPTION", "payloads"),
    ("null", "", "INVALID_OPTION", "payloads"),
    ("undefined", "", "INVALID_OPTION", "payloads"),
    (
        "(() => { const r = Proxy.revocable([], {}); r.revoke(); return r.proxy; })()",
        "",
        "INVALID_OPTION",
        "payloads",
    ),
    (
        "[1, 2]",
        "{ idempotencyKey: 'k' }",
        "INVALID_OPTION",
        "idempotencyKey",
    ),
    ("[1, 2]", "{ delayMs: -1 }", "INVALID_OPTION", "delayMs"),
    ("[1, 2]", "{ unknown: 1 }", "INVALID_OPTION", "unknown"),
    ("[1, 2]", "'fast'", "INVALID_OPTION", "options"),
    ("[1, () => 2]", "", "PAYLOAD_NOT_CLONEABLE", ""),
    ("[1, new Proxy(new Set(), {})]", "", "PAYLOAD_NOT_CLONEABLE", ""),
    (
        "new Proxy([1, 2], { get(t, k) { if (k === '1') throw new Error('trap'); return Reflect.get(t, k); } })",
        "",
        "PAYLOAD_NOT_CLONEABLE",
        "",
    ),
    (
        "[{ to: 'a' }, 'x'.repeat(100)]",
        "",
        "PAYLOAD_TOO_LARGE",
        "",
    ),
    (
        "[{ to: 'a' }, { kind: 'bad' }]",
        "",
        "VALIDATION_FAILED",
        "",
    ),
];

/// Each bad `enqueueMany` rejects with its code (and option), stores none of
/// its payloads, even those that passed; bad `processBatch` options and
/// handlers throw `INVALID_OPTION` naming them and start nothing.
pub async fn bad_batch_input_is_refused_and_stores_nothing(storage: &str) {
    let name = fresh("many-bad", storage).await;
    let opts = js(r#"{"maxPayloadBytes": 64}"#);
    let validate = eval("(p) => p?.kind === 'bad' ? 'bad kind' : true");
    Reflect::set(&opts, &"validate".into(), &validate).unwrap();
    let q = open_value(&name, storage, &opts).await;
    let before = stats_json(&q);
    for (payloads, options, expected, option) in BAD_ENQUEUE_MANY {
        let err = enqueue_all(&q, payloads, options)
            .await
            .expect_err(payloads);
        assert_eq!(code(&err), *expected, "{payloads} {options}: {err:?}");
        assert_eq!(get(&err, "name").as_string().as_deref(), Some("WasmqError"));
        if !option.is_empty() {
            assert_eq!(
                get(&err, "option").as_string().as_deref(),
                Some(*option),
                "{payloads} {options}"
            );
        }
        assert_eq!(stats_json(&q), before, "{payloads}: nothing stored");
    }
    for (options, option) in [
        (r#"{"batchSize": 0}"#, "batchSize"),
        (r#"{"batchSize": 1.5}"#, "batchSize"),
        (r#"{"batchSize": "10"}"#, "batchSize"),
        (r#"{"batchSize": 1e9}"#, "batchSize"),
        (r#"{"concurrency": 0}"#, "concurrency"),
        (r#"{"size": 10}"#, "size"),
        ("[10]", "options"),
    ] {
        let err = q
            .process_batch(handler(|_| JsValue::UNDEFINED), js(options))
            .expect_err(options);
        assert_eq!(code(&err), "INVALID_OPTION", "{options}");
        assert_eq!(get(&err, "option").as_string().as_deref(), Some(option));
    }
    let err = q
        .process_batch(js("42"), JsValue::UNDEFINED)
        .expect_err("not a function");
    assert_eq!(get(&err, "option").as_string().as_deref(), Some("handler"));
    // Nothing above started processing: a good call still can, once.
    q.process_batch(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .expect("processBatch starts");
    let again = q
        .process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
        .expect_err("one processor per queue");
    assert_eq!(code(&again), "ALREADY_PROCESSING");
    assert_eq!(pending_after_reopen(q, &name, storage).await, 0.0);
}

/// The job a handler gets carries every field as stored, strings with
/// quotes, backslashes, control characters and non-ASCII intact, and no
/// key the caller did not give; a batch handler's jobs are the same.
pub async fn job_fields_are_exact(storage: &str) {
    let name = fresh("job-fields", storage).await;
    let q = open(&name, storage, r#"{"maxAttempts": 4}"#).await;
    let odd = "q\"b\\n\n\u{1}é😀\u{2028}";
    let opts = js("{}");
    Reflect::set(&opts, &"group".into(), &odd.into()).unwrap();
    Reflect::set(&opts, &"idempotencyKey".into(), &format!("k{odd}").into()).unwrap();
    let unkeyed = num(&enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap(), "id");
    let first = wait(q.enqueue(js(r#"{"n": 2}"#), opts)).await.unwrap();
    let plain = enqueue_all(&q, "[{ n: 3 }]", "{ maxAttempts: 2 }")
        .await
        .unwrap();
    let seen: Rc<RefCell<Vec<JsValue>>> = Rc::default();
    let sink = Rc::clone(&seen);
    let handle = handler(move |jobs| {
        sink.borrow_mut().extend(Array::from(&jobs).iter());
        JsValue::UNDEFINED
    });
    q.process_batch(handle, JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    let seen = seen.take();
    assert_eq!(seen.len(), 3);
    let by_n = |n: f64| {
        seen.iter()
            .find(|j| num(&get(j, "payload"), "n") == n)
            .cloned()
            .unwrap_or_else(|| panic!("job {n} handled"))
    };
    let (a, b, c) = (by_n(1.0), by_n(2.0), by_n(3.0));
    assert_eq!(num(&a, "id"), unkeyed);
    assert_eq!(num(&b, "id"), num(&first, "id"));
    assert_eq!(num(&c, "id"), numbers(&plain)[0]);
    assert_eq!(get(&b, "group").as_string().as_deref(), Some(odd));
    assert_eq!(
        get(&b, "idempotencyKey").as_string(),
        Some(format!("k{odd}"))
    );
    for job in [&a, &c] {
        assert!(get(job, "group").is_undefined());
        assert!(get(job, "idempotencyKey").is_undefined());
    }
    assert_eq!((num(&a, "maxAttempts"), num(&c, "maxAttempts")), (4.0, 2.0));
    for job in [&a, &b, &c] {
        assert_eq!(num(job, "attempt"), 1.0);
        assert!(num(job, "deadline") > num(job, "enqueuedAt"));
        assert!(get(job, "signal").is_instance_of::<web_sys::AbortSignal>());
    }
    wait(q.close()).await.unwrap();
}

/// What a handler returns: a thenable that is not a `Promise` is followed
/// (its rejection retries the job with its error, its resolution acks);
/// an object whose `then` is not a function is a plain value (acks at once).
pub async fn thenables_are_followed(storage: &str) {
    let name = fresh("thenable", storage).await;
    let q = open(&name, storage, QUICK_RETRY).await;
    let retrying = record_events(&q, "retrying");
    let completed = record_events(&q, "completed");
    let reject_once = eval(
        r#"(job) => job.payload === "plain" ? { then: 5 } : {
            then(resolve, reject) {
                setTimeout(() => job.attempt === 1 ? reject(new Error("thenable said no")) : resolve(1), 1);
            },
        }"#,
    );
    q.process(reject_once, JsValue::UNDEFINED).unwrap();
    enqueue_all(&q, r#"["followed", "plain"]"#, "")
        .await
        .unwrap();
    wait(q.drained()).await.unwrap();
    let retrying = retrying.take();
    assert_eq!(retrying.len(), 1, "only the thenable's rejection retried");
    assert_eq!(
        get(&retrying[0], "error").as_string().as_deref(),
        Some("thenable said no")
    );
    let completed = completed.take();
    assert_eq!(completed.len(), 2);
    let attempts: Vec<f64> = completed.iter().map(|d| num(d, "attempt")).collect();
    assert!(
        attempts.contains(&1.0) && attempts.contains(&2.0),
        "{attempts:?}"
    );
    wait(q.close()).await.unwrap();
}
