//! `job.signal`, made only when a handler reads it: a call cut off at its
//! lease deadline aborts it whether the handler read it while the call ran
//! (its `abort` event fires) or reads it only after the deadline passed
//! (it is aborted already), with the same reason (an `AbortError`); a call
//! that succeeds leaves it unaborted; the jobs of a batch share one.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::support::*;

/// A small lease, so each timeout is quick; three tries.
const OPTIONS: &str = r#"{"leaseMs": 100, "maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 1, "jitter": false}}"#;

/// `(value) => what the test asserts of it`, as one JSON text.
fn described(signal: &JsValue) -> String {
    let f = eval(
        "(s) => JSON.stringify({ isSignal: s instanceof AbortSignal, aborted: s?.aborted, \
         reason: s?.reason?.name ?? null })",
    );
    let f: &js_sys::Function = f.unchecked_ref();
    f.call1(&JsValue::UNDEFINED, signal)
        .unwrap()
        .as_string()
        .unwrap()
}

const ABORTED: &str = r#"{"isSignal":true,"aborted":true,"reason":"AbortError"}"#;
const LIVE: &str = r#"{"isSignal":true,"aborted":false,"reason":null}"#;

/// Try 1 reads its signal at once and listens to it, then hangs; try 2
/// hangs without reading it; try 3 returns. Both cut-off tries' signals are
/// aborted with an AbortError — try 2's when first read after its deadline
/// — and try 3's is not.
pub async fn signal_is_aborted_whenever_it_is_read(storage: &str) {
    let name = fresh("signal", storage).await;
    let q = open(&name, storage, OPTIONS).await;
    let retrying = record_events(&q, "retrying");
    let h = eval(
        r#"(() => {
            const seen = [];
            const f = (job) => {
                const entry = { job, heard: 0 };
                seen.push(entry);
                if (job.attempt === 1) {
                    entry.early = job.signal;
                    entry.abortedAtStart = job.signal.aborted;
                    job.signal.addEventListener("abort", () => entry.heard++);
                }
                return job.attempt < 3 ? new Promise(() => {}) : undefined;
            };
            f.seen = seen;
            return f;
        })()"#,
    );
    q.process(h.clone(), JsValue::UNDEFINED).unwrap();
    enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(retrying.borrow().len(), 2, "two tries cut off");
    assert_eq!(num(&q.stats().unwrap(), "completed"), 1.0);
    let seen = Array::from(&get(&h, "seen"));
    assert_eq!(seen.length(), 3);
    let (first, second, third) = (seen.get(0), seen.get(1), seen.get(2));
    assert_eq!(get(&first, "abortedAtStart"), JsValue::FALSE);
    assert_eq!(described(&get(&first, "early")), ABORTED);
    assert_eq!(num(&first, "heard"), 1.0, "the abort event fired once");
    let late = get(&get(&second, "job"), "signal");
    assert_eq!(described(&late), ABORTED, "read after the deadline passed");
    assert!(
        js_sys::Object::is(&late, &get(&get(&second, "job"), "signal")),
        "the same signal on every read"
    );
    assert_eq!(described(&get(&get(&third, "job"), "signal")), LIVE);
    wait(q.close()).await.unwrap();
}

/// A batch call cut off at its deadline: its jobs, read only afterwards,
/// share one aborted signal; the retry's jobs share one that is not.
pub async fn batch_signal_is_shared_and_aborted_when_read_late(storage: &str) {
    let name = fresh("batch-signal", storage).await;
    let q = open(&name, storage, OPTIONS).await;
    let h = eval(
        r#"(() => {
            const calls = [];
            const f = (jobs) => {
                calls.push(jobs);
                return jobs[0].attempt === 1 ? new Promise(() => {}) : undefined;
            };
            f.calls = calls;
            return f;
        })()"#,
    );
    q.process_batch(h.clone(), js(r#"{"batchSize": 10}"#))
        .unwrap();
    let payloads = js("[1, 2, 3]");
    wait(q.enqueue_many(payloads, JsValue::UNDEFINED))
        .await
        .unwrap();
    wait(q.drained()).await.unwrap();
    let calls = Array::from(&get(&h, "calls"));
    assert_eq!(calls.length(), 2, "one cut-off call, one retry");
    for (call, expected) in [(calls.get(0), ABORTED), (calls.get(1), LIVE)] {
        let jobs = Array::from(&call);
        assert_eq!(jobs.length(), 3);
        let signal = get(&jobs.get(0), "signal");
        assert_eq!(described(&signal), expected);
        for job in jobs.iter() {
            assert!(js_sys::Object::is(&signal, &get(&job, "signal")));
        }
    }
    wait(q.close()).await.unwrap();
}
