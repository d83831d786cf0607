//! A handler that says a failure is not worth retrying (`retry: false` on
//! the error): its job is a dead letter at once, with tries left.

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
