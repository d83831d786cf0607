//! Poison messages: a handler that never settles is timed out at `leaseMs`
//! (its `job.signal` aborted) and retried until the job is dead; a handler
//! that takes its page down every time still ends in the dead letters after
//! `maxAttempts` reopens, because each attempt is stored before it runs,
//! and each reopen counts the dead instance's lease as a failed try at once.
//! A paused queue still cuts off a hanging call at its deadline.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasmq::api::Queue;

use super::support::*;

/// A small lease, so each timeout or crash recovery is quick.
const OPTIONS: &str =
    r#"{"leaseMs": 100, "maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 1}}"#;

/// A handler whose promise never settles; it records each job's attempt and signal.
fn hanging(seen: &Rc<RefCell<Vec<(f64, JsValue)>>>) -> JsValue {
    let sink = Rc::clone(seen);
    handler(move |job| {
        sink.borrow_mut()
            .push((num(&job, "attempt"), get(&job, "signal")));
        Promise::new(&mut |_, _| {}).into()
    })
}

/// The one dead letter: its id, attempts and last error.
async fn only_dead_letter(q: &Queue) -> (f64, f64, String) {
    let letters = js_sys::Array::from(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    assert_eq!(letters.length(), 1, "one dead letter");
    let d = letters.get(0);
    let error = get(&d, "lastError").as_string().unwrap_or_default();
    (num(&d, "id"), num(&d, "attempts"), error)
}

/// A handler that hangs forever: each try is cut off at `leaseMs`, its
/// signal aborted, and retried; after `maxAttempts` the job is dead with
/// the timeout as its last error.
pub async fn hanging_handler_is_timed_out_until_dead(storage: &str) {
    let name = fresh("hang", storage).await;
    let q = open(&name, storage, OPTIONS).await;
    let retrying = record_events(&q, "retrying");
    let dead = record_events(&q, "dead");
    let seen: Rc<RefCell<Vec<(f64, JsValue)>>> = Rc::default();
    q.process(hanging(&seen), JsValue::UNDEFINED).unwrap();
    let id = num(&enqueue(&q, js(r#""stuck""#), "").await.unwrap(), "id");
    wait(q.drained()).await.unwrap();

    let attempts: Vec<f64> = seen.borrow().iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts, vec![1.0, 2.0, 3.0], "tried maxAttempts times");
    let aborted = || {
        seen.borrow()
            .iter()
            .all(|(_, signal)| get(signal, "aborted").as_bool() == Some(true))
    };
    assert!(
        until(5_000, aborted).await,
        "every try's signal was aborted"
    );
    let events = || (retrying.borrow().len(), dead.borrow().len()) == (2, 1);
    assert!(until(5_000, events).await, "two retrying events, one dead");
    let (dead_id, tries, error) = only_dead_letter(&q).await;
    assert_eq!((dead_id, tries), (id, 3.0));
    assert!(
        error.contains("timed out") || error.contains("lease expired"),
        "the last error names the timeout: {error:?}"
    );
    let s = q.stats().unwrap();
    assert_eq!((num(&s, "dead"), num(&s, "completed")), (1.0, 0.0));
    wait(q.close()).await.unwrap();
}

/// A long lease and a backoff: a reopen must not wait out the lease, and
/// each retry after a crash comes after the backoff.
const CRASH_OPTIONS: &str = r#"{"leaseMs": 600000, "maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 200, "jitter": false}}"#;

/// A handler that "crashes the page" every time (the instance is
/// terminated while it runs): each reopen counts the dead instance's lease
/// as a failed try at once — due again after the backoff, never after the
/// (here ten-minute) lease — and tries again; once `maxAttempts` tries are
/// spent the job is dead, and no further try runs.
pub async fn crashing_handler_is_dead_after_max_attempts_reopens(storage: &str) {
    let name = fresh("poison-crash", storage).await;
    let seen: Rc<RefCell<Vec<(f64, JsValue)>>> = Rc::default();
    let mut id = None;
    for attempt in 1..=3 {
        let opened_at = js_sys::Date::now();
        let q = open(&name, storage, CRASH_OPTIONS).await;
        // A terminated instance's lock is released asynchronously; then this one leads.
        assert!(
            until(5_000, || q.is_leader()).await,
            "instance {attempt} leads"
        );
        if attempt > 1 {
            // The last try's lease was taken over at once: the job waits out the backoff.
            let jobs = js_sys::Array::from(&wait(q.jobs(JsValue::UNDEFINED)).await.unwrap());
            assert_eq!(jobs.length(), 1, "the crashed job is listed");
            let job = jobs.get(0);
            assert_ne!(get(&job, "state").as_string().as_deref(), Some("inFlight"));
            assert_eq!(num(&job, "attempts"), (attempt - 1) as f64);
            assert!(
                num(&job, "dueAt") >= opened_at + 200.0,
                "due after the backoff"
            );
            let error = get(&job, "lastError").as_string().unwrap_or_default();
            assert!(error.contains("instance running it stopped"), "{error:?}");
        }
        if id.is_none() {
            id = Some(num(
                &enqueue(&q, js(r#""poison""#), "").await.unwrap(),
                "id",
            ));
        }
        q.process(hanging(&seen), JsValue::UNDEFINED).unwrap();
        let started = || seen.borrow().len() == attempt;
        assert!(until(5_000, started).await, "try {attempt} started");
        q.terminate();
    }
    let attempts: Vec<f64> = seen.borrow().iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts, vec![1.0, 2.0, 3.0], "each crash counted as a try");

    let q = open(&name, storage, CRASH_OPTIONS).await;
    // Listening from the start, as an app would: the takeover may come later.
    let dead = record_events(&q, "dead");
    assert!(
        until(5_000, || q.is_leader()).await,
        "the last instance leads"
    );
    q.process(hanging(&seen), JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(seen.borrow().len(), 3, "no fourth try");
    assert!(
        until(5_000, || dead.borrow().len() == 1).await,
        "a dead event"
    );
    let (dead_id, tries, error) = only_dead_letter(&q).await;
    assert_eq!((Some(dead_id), tries), (id, 3.0));
    assert!(error.contains("instance running it stopped"), "{error:?}");
    wait(q.close()).await.unwrap();
}

/// A hanging call is cut off at its deadline even while the queue is
/// paused — when nothing but the watchdog timer is left to notice — and
/// even when that timer fires early (Node's may, after a busy turn; the
/// hook makes it fire 950 ms before its time): it sets itself again for
/// the time left, and the call ends as a timeout, its signal aborted, its
/// job waiting for `resume()`.
#[cfg(feature = "test-hooks")]
pub async fn hanging_call_is_cut_off_while_paused(storage: &str) {
    let name = fresh("hang-paused", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"leaseMs": 1000, "maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 1}}"#,
    )
    .await;
    q.fire_watchdog_early_for_test(950);
    let retrying = record_events(&q, "retrying");
    let seen: Rc<RefCell<Vec<(f64, JsValue)>>> = Rc::default();
    q.process(hanging(&seen), JsValue::UNDEFINED).unwrap();
    let id = num(&enqueue(&q, js(r#""stuck""#), "").await.unwrap(), "id");
    assert!(
        until(5_000, || seen.borrow().len() == 1).await,
        "the handler runs"
    );
    q.pause().unwrap(); // no engine timer from now on: only the watchdog
    assert!(
        until(10_000, || retrying.borrow().len() == 1).await,
        "the hanging call was cut off while paused"
    );
    let detail = retrying.borrow()[0].clone();
    assert_eq!(num(&detail, "id"), id);
    let error = get(&detail, "error").as_string().unwrap_or_default();
    assert!(error.contains("timed out"), "a timeout: {error:?}");
    let signal = seen.borrow()[0].1.clone();
    assert_eq!(get(&signal, "aborted").as_bool(), Some(true));
    assert!(q.paused());
    sleep(20).await;
    assert_eq!(seen.borrow().len(), 1, "paused: no second try starts");
    let s = q.stats().unwrap();
    assert_eq!(num(&s, "inFlight"), 0.0);
    assert_eq!(num(&s, "pending") + num(&s, "delayed"), 1.0);
    wait(q.close()).await.unwrap();
}
