//! A handler that says a failure is not worth retrying (`retry: false` on
//! the error): its job is a dead letter at once, with tries left; one that
//! says when to try again (`retryAt`): no sooner than that.

use wasm_bindgen::prelude::*;

use super::support::*;

/// `throw Object.assign(new Error(...), { retry: false })` (or a rejection
/// with it) makes a dead letter after one try; other failures retry.
pub async fn error_with_retry_false_is_dead_at_once(storage: &str) {
    let name = fresh("give-up", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"maxAttempts": 5, "backoff": {"type": "fixed", "delayMs": 10, "jitter": false}}"#,
    )
    .await;
    let dead = record_events(&q, "dead");
    let retrying = record_events(&q, "retrying");
    let thrown = enqueue(&q, js(r#"{"how": "throw"}"#), "").await.unwrap();
    let rejected = enqueue(&q, js(r#"{"how": "reject"}"#), "").await.unwrap();
    let plain = enqueue(&q, js(r#"{"how": "plain"}"#), "").await.unwrap();
    let handler = eval(
        "(job) => {
            const give = (m) => Object.assign(new Error(m), { retry: false });
            if (job.payload.how === 'throw') throw give('400 Bad Request');
            if (job.payload.how === 'reject') return Promise.reject(give('422 Unprocessable'));
            if (job.attempt < 2) throw new Error('503 try later');
        }",
    );
    q.process(handler, JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    let s = q.stats().unwrap();
    assert_eq!(
        (num(&s, "dead"), num(&s, "completed"), num(&s, "retried")),
        (2.0, 1.0, 1.0)
    );
    let letters = js_sys::Array::from(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    let mut seen: Vec<(f64, f64, String)> = letters
        .iter()
        .map(|l| {
            (
                num(&l, "id"),
                num(&l, "attempts"),
                get(&l, "lastError").as_string().unwrap_or_default(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            (num(&thrown, "id"), 1.0, "400 Bad Request".to_owned()),
            (num(&rejected, "id"), 1.0, "422 Unprocessable".to_owned()),
        ]
    );
    assert_eq!(dead.borrow().len(), 2);
    let retried: Vec<f64> = retrying.borrow().iter().map(|d| num(d, "id")).collect();
    assert_eq!(
        retried,
        vec![num(&plain, "id")],
        "only the plain failure retried"
    );
    wait(q.close()).await.unwrap();
}

/// An error with `retryAt` (ms since the epoch, or a Date) holds the next
/// try until then; a `retryAt` that only inherits from a Date is no time at
/// all (the backoff applies) and never stalls the job.
pub async fn error_with_retry_at_holds_the_next_try(storage: &str) {
    let name = fresh("retry-at", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 10, "jitter": false}}"#,
    )
    .await;
    let later = enqueue(&q, js(r#"{"how": "later"}"#), "").await.unwrap();
    let date = enqueue(&q, js(r#"{"how": "date"}"#), "").await.unwrap();
    enqueue(&q, js(r#"{"how": "fake"}"#), "").await.unwrap();
    let thrown_at = js_sys::Date::now();
    let handler = eval(
        "(job) => {
            const at = Date.now() + 600000;
            if (job.payload.how === 'later') throw Object.assign(new Error('busy'), { retryAt: at });
            if (job.payload.how === 'date') throw Object.assign(new Error('busy'), { retryAt: new Date(at) });
            if (job.attempt === 1) throw Object.assign(new Error('odd'), { retryAt: Object.create(new Date()) });
        }",
    );
    q.process(handler, JsValue::UNDEFINED).unwrap();
    let done = || num(&q.stats().unwrap(), "completed") == 1.0;
    assert!(
        until(5_000, done).await,
        "the fake-date job was retried after the backoff"
    );
    let held = js_sys::Array::from(
        &wait(q.jobs(js(r#"{"states": ["delayed"]}"#)))
            .await
            .unwrap(),
    );
    let ids: Vec<f64> = held.iter().map(|j| num(&j, "id")).collect();
    assert_eq!(ids, vec![num(&later, "id"), num(&date, "id")], "both held");
    for job in held.iter() {
        assert!(
            num(&job, "dueAt") >= thrown_at + 600_000.0,
            "held until retryAt, not the 10 ms backoff"
        );
    }
    wait(q.close()).await.unwrap();
}
