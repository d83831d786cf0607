//! A leader's try that timed out, then its retry cut off by the leader's end
//! (a service worker stopped while the retry ran): the next leader counts
//! each failed try once in `retried` (the timeout when it happened, the
//! cut-off retry when it takes that lease over), stores the count, and runs
//! the job a third time.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::support::*;

/// A short lease, so that try 1 times out soon; a backoff of 1 ms.
const OPTIONS: &str = r#"{"leaseMs": 100, "maxAttempts": 5, "backoff": {"type": "fixed", "delayMs": 1, "jitter": false}}"#;

/// Try 1 hangs and is timed out at `leaseMs`; try 2 is leased, stored and
/// started, and the leader is terminated right then (on the microtask after
/// the handler call, before any timer can fire): no timing decides the path.
/// The next instance finds try 2's lease and counts it: `retried` is 2, in
/// its stats and in what it stores.
pub async fn timed_out_try_then_takeover_counts_both(storage: &str) {
    let name = fresh("timeout-takeover", storage).await;
    let q = Rc::new(open(&name, storage, OPTIONS).await);
    let retrying = record_events(&q, "retrying");
    let tries: Rc<RefCell<Vec<f64>>> = Rc::default();
    let sink = Rc::clone(&tries);
    let leader = Rc::new(RefCell::new(Some(Rc::clone(&q))));
    q.process(
        handler(move |job| {
            let attempt = num(&job, "attempt");
            sink.borrow_mut().push(attempt);
            if attempt == 2.0 {
                if let Some(q) = leader.borrow_mut().take() {
                    wasm_bindgen_futures::spawn_local(async move { q.terminate() });
                }
            }
            Promise::new(&mut |_, _| {}).into()
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let id = num(&enqueue(&q, js(r#""job""#), "").await.unwrap(), "id");
    assert!(
        until(5_000, || tries.borrow().len() == 2).await,
        "try 1 timed out and try 2 started"
    );
    let timed_out = || retrying.borrow().len() == 1;
    assert!(
        until(5_000, timed_out).await,
        "one retrying event, for try 1"
    );
    let error = get(&retrying.borrow()[0], "error").as_string();
    assert!(
        error.as_deref().is_some_and(|e| e.contains("timed out")),
        "try 1 ended by its timeout: {error:?}"
    );

    let taker = open(&name, storage, OPTIONS).await;
    assert!(
        until(5_000, || taker.is_leader()).await,
        "the next instance leads"
    );
    let s = taker.stats().unwrap();
    assert_eq!(
        (num(&s, "retried"), num(&s, "inFlight")),
        (2.0, 0.0),
        "try 1's timeout and try 2's takeover, each counted once"
    );
    let listed = js_sys::Array::from(&wait(taker.jobs(JsValue::UNDEFINED)).await.unwrap());
    assert_eq!(listed.length(), 1, "the job waits for its try 3");
    let job = listed.get(0);
    assert_eq!(
        num(&job, "attempts"),
        2.0,
        "try 2's lease was stored before it ran"
    );
    let error = get(&job, "lastError").as_string().unwrap_or_default();
    assert!(error.contains("instance running it stopped"), "{error:?}");

    let again = runs_until_drained(&taker).await;
    assert_eq!(again, vec![(id, 3.0)], "try 3 ran, once");
    assert_eq!(
        *tries.borrow(),
        vec![1.0, 2.0],
        "the dead leader ran nothing more"
    );
    wait(taker.close()).await.unwrap();

    let q = open(&name, storage, OPTIONS).await;
    let s = q.stats().unwrap();
    assert_eq!(
        (num(&s, "completed"), num(&s, "retried")),
        (1.0, 2.0),
        "the stored counters"
    );
    wait(q.close()).await.unwrap();
}
