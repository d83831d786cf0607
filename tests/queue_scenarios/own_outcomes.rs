//! Jobs that settle on their own: `job.ack()` and `job.fail(error)` give one
//! job of a handler call its outcome, whatever the call then does (resolve,
//! throw, time out); the other jobs of a batch follow the call. The first
//! mark wins, and a mark after the call ended is refused (`false`).

use js_sys::{Array, Function};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasmq::api::Queue;

use super::support::*;

const FAST_RETRY: &str =
    r#"{"maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 1, "jitter": false}}"#;

/// `(payload n, attempt, error)` of each event detail, by payload number
/// (the ids are enqueued in payload order from `first`).
fn by_n(events: &[JsValue], first: f64) -> Vec<(f64, f64, Option<String>)> {
    let mut out: Vec<_> = events
        .iter()
        .map(|d| {
            (
                num(d, "id") - first,
                num(d, "attempt"),
                get(d, "error").as_string(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The handler's own record of what it saw (`h.log`).
fn log_of(h: &JsValue) -> Vec<JsValue> {
    Array::from(&get(h, "log")).iter().collect()
}

async fn enqueue_numbers(q: &Queue, n: u32) -> f64 {
    let payloads: Vec<String> = (0..n).map(|i| format!("{{ n: {i} }}")).collect();
    let payloads = eval(&format!("[{}]", payloads.join(", ")));
    let ids = wait(q.enqueue_many(payloads, JsValue::UNDEFINED))
        .await
        .expect("enqueueMany resolves");
    Array::from(&ids).get(0).as_f64().unwrap()
}

/// A batch of four whose call throws: job 0 acked itself (a second ack and
/// a later fail are refused), job 1 failed itself and is retried with its
/// own error, job 2 failed with `retry: false` and is dead at once, job 3
/// follows the call and is retried with the call's error. On the next try
/// 1 and 3 complete; a mark after the call ended is refused and changes
/// nothing.
pub async fn batch_jobs_settle_on_their_own(storage: &str) {
    let name = fresh("own-batch", storage).await;
    let q = open(&name, storage, FAST_RETRY).await;
    let completed = record_events(&q, "completed");
    let retrying = record_events(&q, "retrying");
    let dead = record_events(&q, "dead");
    let first = enqueue_numbers(&q, 4).await;
    let h = eval(
        r#"(() => {
          const log = [];
          const h = async (jobs) => {
            if (h.first === undefined) {
              h.first = jobs;
              log.push(jobs.length, jobs[0].ack(), jobs[0].ack(), jobs[0].fail(new Error("late")));
              log.push(jobs[1].fail(new Error("bad one")));
              log.push(jobs[2].fail(Object.assign(new Error("gone for good"), { retry: false })));
              throw new Error("batch failed");
            }
            for (const j of jobs) log.push(`${j.payload.n}:${j.attempt}`);
          };
          h.log = log;
          return h;
        })()"#,
    );
    q.process_batch(h.clone(), js(r#"{"batchSize": 10}"#))
        .unwrap();
    wait(q.drained()).await.unwrap();

    let log = log_of(&h);
    let marks: Vec<JsValue> = log.iter().take(6).cloned().collect();
    let expected: [JsValue; 6] = [
        4u32.into(),
        true.into(),
        false.into(),
        false.into(),
        true.into(),
        true.into(),
    ];
    assert_eq!(marks, expected, "the batch, then what each mark returned");
    let mut retries: Vec<String> = log[6..].iter().map(|v| v.as_string().unwrap()).collect();
    retries.sort();
    assert_eq!(retries, ["1:2", "3:2"], "only jobs 1 and 3 ran again");

    assert_eq!(
        by_n(&completed.borrow(), first),
        [(0.0, 1.0, None), (1.0, 2.0, None), (3.0, 2.0, None)]
    );
    assert_eq!(
        by_n(&retrying.borrow(), first),
        [
            (1.0, 1.0, Some("bad one".to_owned())),
            (3.0, 1.0, Some("batch failed".to_owned())),
        ]
    );
    assert_eq!(
        by_n(&dead.borrow(), first),
        [(2.0, 1.0, Some("gone for good".to_owned()))]
    );
    let stats = q.stats().unwrap();
    assert_eq!(
        (
            num(&stats, "completed"),
            num(&stats, "retried"),
            num(&stats, "dead")
        ),
        (3.0, 2.0, 1.0)
    );

    // The first call ended long ago: its jobs take no mark, and nothing changes.
    let first_jobs = Array::from(&get(&h, "first"));
    let ack: Function = get(&first_jobs.get(2), "ack").unchecked_into();
    assert_eq!(ack.call0(&first_jobs.get(2)).unwrap(), JsValue::FALSE);
    wait(q.drained()).await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "dead"), 1.0, "job 2 stays dead");
    wait(q.close()).await.unwrap();
}

/// In `process`, a job's own mark wins over what its handler does: failed
/// by itself and then resolved, it is retried with its own error; acked and
/// then thrown, it is completed and not tried again.
pub async fn a_job_settles_itself_in_a_per_job_handler(storage: &str) {
    let name = fresh("own-one", storage).await;
    let q = open(&name, storage, FAST_RETRY).await;
    let completed = record_events(&q, "completed");
    let retrying = record_events(&q, "retrying");
    let first = enqueue_numbers(&q, 2).await;
    let h = eval(
        r#"(() => {
          const log = [];
          const h = async (job) => {
            log.push(`${job.payload.n}:${job.attempt}`);
            if (job.payload.n === 0 && job.attempt === 1) {
              job.fail(new Error("no"));
              return "resolved anyway";
            }
            if (job.payload.n === 1) {
              job.ack();
              throw new Error("thrown after the ack");
            }
          };
          h.log = log;
          return h;
        })()"#,
    );
    q.process(h.clone(), JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    let mut log: Vec<String> = log_of(&h).iter().map(|v| v.as_string().unwrap()).collect();
    log.sort();
    assert_eq!(log, ["0:1", "0:2", "1:1"]);
    assert_eq!(
        by_n(&completed.borrow(), first),
        [(0.0, 2.0, None), (1.0, 1.0, None)]
    );
    assert_eq!(
        by_n(&retrying.borrow(), first),
        [(0.0, 1.0, Some("no".to_owned()))]
    );
    let stats = q.stats().unwrap();
    assert_eq!(
        (num(&stats, "completed"), num(&stats, "retried")),
        (2.0, 1.0)
    );
    wait(q.close()).await.unwrap();
}

/// A batch call that never settles is cut off at its lease deadline: the
/// job that acked itself before is completed, the other is retried with
/// the timeout and then completes.
pub async fn own_outcomes_hold_when_the_call_times_out(storage: &str) {
    let name = fresh("own-timeout", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"leaseMs": 300, "maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 1, "jitter": false}}"#,
    )
    .await;
    let completed = record_events(&q, "completed");
    let retrying = record_events(&q, "retrying");
    let first = enqueue_numbers(&q, 2).await;
    let h = eval(
        r#"(jobs) => {
          if (jobs.some((j) => j.attempt === 1)) {
            jobs[0].ack();
            return new Promise(() => {});
          }
        }"#,
    );
    q.process_batch(h, js(r#"{"batchSize": 10}"#)).unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(
        by_n(&completed.borrow(), first),
        [(0.0, 1.0, None), (1.0, 2.0, None)]
    );
    let retried = by_n(&retrying.borrow(), first);
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert_eq!((retried[0].0, retried[0].1), (1.0, 1.0));
    let error = retried[0].2.clone().unwrap_or_default();
    assert!(error.contains("timed out"), "the call's timeout: {error}");
    wait(q.close()).await.unwrap();
}
