//! Queue control through the public API, on every storage: listing what
//! waits, cancelling a waiting job, coalescing enqueues by key, and pacing
//! starts with a rate limit.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasmq::api::Queue;

use super::support::*;

async fn listed(q: &Queue, opts: &str) -> Vec<JsValue> {
    Array::from(&wait(q.jobs(js(opts))).await.unwrap())
        .iter()
        .collect()
}

fn ids(jobs: &[JsValue]) -> Vec<f64> {
    jobs.iter().map(|j| num(j, "id")).collect()
}

fn field(job: &JsValue, key: &str) -> Option<String> {
    get(job, key).as_string()
}

/// A handler that never settles, recording the payloads it got.
fn holding(seen: &Rc<RefCell<Vec<String>>>) -> JsValue {
    let sink = Rc::clone(seen);
    handler(move |job| {
        let p = js_sys::JSON::stringify(&get(&job, "payload")).unwrap();
        sink.borrow_mut().push(p.as_string().unwrap());
        Promise::new(&mut |_, _| {}).into()
    })
}

/// `jobs` lists pending, delayed and in-flight jobs in id order, with
/// their fields; filters by state and group; pages partition the list; a
/// listed payload is a copy; a follower sees the same list.
pub async fn jobs_lists_what_waits(storage: &str) {
    let name = fresh("jobs", storage).await;
    let q = open(&name, storage, r#"{"leaseMs": 600000}"#).await;
    let running = enqueue(&q, js(r#"{"n": 0}"#), "").await.unwrap();
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    q.process(holding(&seen), JsValue::UNDEFINED).unwrap();
    assert!(
        until(5_000, || seen.borrow().len() == 1).await,
        "one job runs"
    );
    let mut waiting = vec![num(&running, "id")];
    for (payload, opts) in [
        (r#"{"n": 1}"#, r#"{"group": "g", "idempotencyKey": "k1"}"#),
        (r#"{"n": 2}"#, r#"{"delayMs": 600000, "priority": 3}"#),
        (r#"{"n": 3}"#, r#"{"group": "g"}"#),
        (r#"{"n": 4}"#, r#"{"delayMs": 600000, "group": "h"}"#),
    ] {
        let r = enqueue(&q, js(payload), opts).await.unwrap();
        waiting.push(num(&r, "id"));
    }
    let all = listed(&q, "{}").await;
    assert_eq!(
        ids(&all),
        waiting,
        "every job that waits or runs, in id order"
    );
    let states: Vec<Option<String>> = all.iter().map(|j| field(j, "state")).collect();
    // One job runs (concurrency 1); the due ones wait as pending (a FIFO
    // member behind its head too), the others as delayed.
    let expected = ["inFlight", "pending", "delayed", "pending", "delayed"];
    assert_eq!(states, expected.map(|s| Some(s.to_owned())).to_vec());
    assert!(
        num(&all[0], "deadline") > num(&all[0], "enqueuedAt"),
        "in flight has a deadline"
    );
    assert_eq!(num(&all[0], "attempts"), 1.0);
    assert_eq!(field(&all[1], "idempotencyKey").as_deref(), Some("k1"));
    assert_eq!(field(&all[1], "group").as_deref(), Some("g"));
    assert_eq!(num(&all[2], "priority"), 3.0);
    assert!(num(&all[2], "dueAt") >= num(&all[2], "enqueuedAt") + 600_000.0);
    assert_eq!(num(&all[1], "maxAttempts"), 5.0);

    let delayed = listed(&q, r#"{"states": ["delayed"]}"#).await;
    assert_eq!(ids(&delayed), vec![waiting[2], waiting[4]]);
    let group = listed(&q, r#"{"group": "g"}"#).await;
    assert_eq!(ids(&group), vec![waiting[1], waiting[3]]);
    let in_flight = listed(&q, r#"{"states": ["inFlight", "pending"], "group": "h"}"#).await;
    assert!(in_flight.is_empty(), "h's only job is delayed");

    let mut paged = Vec::new();
    let mut after = JsValue::UNDEFINED;
    loop {
        let opts = js(r#"{"limit": 2}"#);
        js_sys::Reflect::set(&opts, &"after".into(), &after).unwrap();
        let page: Vec<JsValue> = Array::from(&wait(q.jobs(opts)).await.unwrap())
            .iter()
            .collect();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = get(page.last().unwrap(), "id");
        paged.extend(ids(&page));
    }
    assert_eq!(paged, waiting, "pages partition the listing");

    js_sys::Reflect::set(&get(&all[1], "payload"), &"n".into(), &99.into()).unwrap();
    let again = listed(&q, "{}").await;
    assert_eq!(
        num(&get(&again[1], "payload"), "n"),
        1.0,
        "a listed payload is a copy"
    );

    let follower = open(&name, storage, r#"{"leaseMs": 600000}"#).await;
    assert!(!follower.is_leader());
    assert_eq!(
        ids(&listed(&follower, "{}").await),
        waiting,
        "a follower lists the same"
    );
    wait(follower.close()).await.unwrap();
    q.terminate();
}

/// `cancel` removes a waiting job for good (durable, so a reopen does not
/// find it) and frees its key; a running job is `JOB_IN_FLIGHT`, a dead
/// letter or an unknown id `NOT_FOUND`, and neither changes anything.
pub async fn cancel_removes_a_waiting_job(storage: &str) {
    let name = fresh("cancel", storage).await;
    let opts = r#"{"leaseMs": 600000, "maxAttempts": 1}"#;
    let q = open(&name, storage, opts).await;
    let keyed = num(
        &enqueue(&q, js("1"), r#"{"idempotencyKey": "draft-7"}"#)
            .await
            .unwrap(),
        "id",
    );
    let delayed = num(
        &enqueue(&q, js("2"), r#"{"delayMs": 600000}"#)
            .await
            .unwrap(),
        "id",
    );
    let kept = num(&enqueue(&q, js("3"), "").await.unwrap(), "id");
    wait(q.cancel(keyed.into())).await.unwrap();
    wait(q.cancel(delayed.into())).await.unwrap();
    let s = q.stats().unwrap();
    assert_eq!((num(&s, "pending"), num(&s, "delayed")), (1.0, 0.0));
    let err = wait(q.cancel(keyed.into())).await.unwrap_err();
    assert_eq!(code(&err), "NOT_FOUND", "cancelled already");

    let again = enqueue(&q, js(r#""1b""#), r#"{"idempotencyKey": "draft-7"}"#)
        .await
        .unwrap();
    assert_eq!(
        get(&again, "duplicate").as_bool(),
        Some(false),
        "the key was freed"
    );
    let reborn = num(&again, "id");
    assert_ne!(reborn, keyed);
    assert_eq!(
        pending_after_reopen(q, &name, storage).await,
        2.0,
        "the cancels were durable"
    );

    let q = open(&name, storage, opts).await;
    assert_eq!(ids(&listed(&q, "{}").await), vec![kept, reborn]);
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    q.process(holding(&seen), js(r#"{"concurrency": 1}"#))
        .unwrap();
    assert!(
        until(5_000, || seen.borrow().len() == 1).await,
        "a job runs"
    );
    let err = wait(q.cancel(kept.into())).await.unwrap_err();
    assert_eq!(code(&err), "JOB_IN_FLIGHT");
    assert_eq!(
        ids(&listed(&q, "{}").await),
        vec![kept, reborn],
        "nothing changed"
    );
    q.terminate();

    // A dead letter is for `purge`, not `cancel`.
    let q = open(&name, storage, opts).await;
    q.process(
        handler(|_| eval("Promise.reject(new Error('no'))")),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "dead"), 2.0);
    let err = wait(q.cancel(kept.into())).await.unwrap_err();
    assert_eq!(code(&err), "NOT_FOUND", "a dead letter");
    assert_eq!(num(&q.stats().unwrap(), "dead"), 2.0, "still a dead letter");
    wait(q.close()).await.unwrap();
}

/// `onDuplicate: "replace"`: ten saves of one document while it waits are
/// one job with the last payload, sent once; a save while it runs is a new
/// job that runs after it.
pub async fn replace_coalesces_by_key(storage: &str) {
    let name = fresh("replace", storage).await;
    let q = open(&name, storage, r#"{"leaseMs": 600000}"#).await;
    let opts = r#"{"idempotencyKey": "doc-1", "onDuplicate": "replace", "group": "doc"}"#;
    let first = enqueue(&q, js(r#"{"v": 1}"#), opts).await.unwrap();
    assert_eq!(get(&first, "replaced").as_bool(), Some(false));
    for v in 2..=10 {
        let r = enqueue(&q, js(&format!(r#"{{"v": {v}}}"#)), opts)
            .await
            .unwrap();
        assert_eq!(num(&r, "id"), num(&first, "id"), "the same job");
        assert_eq!(
            (
                get(&r, "replaced").as_bool(),
                get(&r, "duplicate").as_bool()
            ),
            (Some(true), Some(false))
        );
    }
    assert_eq!(num(&q.stats().unwrap(), "pending"), 1.0, "one job waits");
    let kept = enqueue(&q, js(r#"{"v": 0}"#), r#"{"idempotencyKey": "doc-1"}"#)
        .await
        .unwrap();
    assert_eq!(
        get(&kept, "duplicate").as_bool(),
        Some(true),
        "the default keeps the first"
    );

    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = Rc::clone(&seen);
    let release: Rc<RefCell<Vec<Function>>> = Rc::default();
    let hold = Rc::clone(&release);
    q.process(
        handler(move |job| {
            let p = js_sys::JSON::stringify(&get(&job, "payload")).unwrap();
            sink.borrow_mut().push(p.as_string().unwrap());
            let hold = Rc::clone(&hold);
            Promise::new(&mut |resolve, _| hold.borrow_mut().push(resolve)).into()
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(
        until(5_000, || seen.borrow().len() == 1).await,
        "the job runs"
    );
    assert_eq!(
        *seen.borrow(),
        vec![r#"{"v":10}"#.to_owned()],
        "with the last payload"
    );
    let during = enqueue(&q, js(r#"{"v": 11}"#), opts).await.unwrap();
    assert_ne!(
        num(&during, "id"),
        num(&first, "id"),
        "a new job while it runs"
    );
    assert_eq!(get(&during, "replaced").as_bool(), Some(false));
    let last = enqueue(&q, js(r#"{"v": 12}"#), opts).await.unwrap();
    assert_eq!(
        num(&last, "id"),
        num(&during, "id"),
        "later saves replace the new job"
    );
    let resolve = release.borrow_mut().remove(0);
    resolve.call0(&JsValue::UNDEFINED).unwrap();
    assert!(
        until(5_000, || seen.borrow().len() == 2).await,
        "the new job runs after"
    );
    let resolve = release.borrow_mut().remove(0);
    resolve.call0(&JsValue::UNDEFINED).unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(
        *seen.borrow(),
        vec![r#"{"v":10}"#.to_owned(), r#"{"v":12}"#.to_owned()],
        "each version sent once, the latest last"
    );
    assert_eq!(num(&q.stats().unwrap(), "completed"), 2.0);
    wait(q.close()).await.unwrap();
}

/// `rateLimit` holds back starts beyond `max` per interval, and
/// `groupRateLimit` does so per group (a ten-minute interval here: no
/// further start can come within the test, whatever the machine's speed).
pub async fn rate_limits_hold_back_starts(storage: &str) {
    for (opts, jobs, allowed) in [
        (
            r#"{"concurrency": 8, "rateLimit": {"max": 2, "intervalMs": 600000}}"#,
            ["", "", "", "", ""],
            2,
        ),
        (
            r#"{"concurrency": 8, "groupRateLimit": {"max": 1, "intervalMs": 600000}}"#,
            [
                r#"{"group": "a"}"#,
                r#"{"group": "a"}"#,
                r#"{"group": "b"}"#,
                r#"{"group": "b"}"#,
                "",
            ],
            3,
        ),
    ] {
        let name = fresh("rate", storage).await;
        let q = open(&name, storage, opts).await;
        for o in jobs {
            enqueue(&q, js("1"), o).await.unwrap();
        }
        let started = Rc::new(RefCell::new(0));
        let count = Rc::clone(&started);
        q.process(
            handler(move |_| {
                *count.borrow_mut() += 1;
                JsValue::UNDEFINED
            }),
            JsValue::UNDEFINED,
        )
        .unwrap();
        assert!(
            until(5_000, || *started.borrow() == allowed).await,
            "{opts}: starts within the limit"
        );
        // Give a wrongly started job every chance to show.
        sleep(300).await;
        assert_eq!(
            *started.borrow(),
            allowed,
            "{opts}: no start beyond the limit"
        );
        let s = q.stats().unwrap();
        assert_eq!(
            (
                num(&s, "completed"),
                num(&s, "pending") + num(&s, "delayed")
            ),
            (allowed as f64, (5 - allowed) as f64),
            "{opts}"
        );
        assert_eq!(
            listed(&q, "{}").await.len(),
            5 - allowed,
            "the held-back jobs are listed"
        );
        wait(q.close()).await.unwrap();
    }
}

/// The limits hold where a user's API sees them: at the handler calls. Each
/// call records `Date.now()`; in no window of the interval (less the one
/// millisecond `Date.now()` may advance inside a call) are there more calls
/// than `max`, per queue and per group, while every job still runs.
pub async fn rate_limits_hold_at_handler_start(storage: &str) {
    let (max, interval) = (5usize, 200.0);
    for (opts, groups) in [
        (
            r#"{"concurrency": 8, "rateLimit": {"max": 5, "intervalMs": 200}}"#,
            1,
        ),
        (
            r#"{"concurrency": 8, "groupRateLimit": {"max": 5, "intervalMs": 200}}"#,
            2,
        ),
    ] {
        let name = fresh("pace", storage).await;
        let q = open(&name, storage, opts).await;
        for i in 0..24 {
            let group = format!(r#"{{"group": "g{}"}}"#, i % groups);
            let o = if groups > 1 { group.as_str() } else { "" };
            enqueue(&q, js(&i.to_string()), o).await.unwrap();
        }
        let starts: Rc<RefCell<Vec<(f64, String)>>> = Rc::default();
        let sink = Rc::clone(&starts);
        q.process(
            handler(move |job| {
                let group = field(&job, "group").unwrap_or_default();
                sink.borrow_mut().push((js_sys::Date::now(), group));
                JsValue::UNDEFINED
            }),
            JsValue::UNDEFINED,
        )
        .unwrap();
        wait(q.drained()).await.unwrap();
        let starts = starts.take();
        assert_eq!(starts.len(), 24, "{opts}: every job ran");
        for g in 0..groups {
            let name = if groups > 1 {
                format!("g{g}")
            } else {
                String::new()
            };
            let times: Vec<f64> = starts.iter().filter(|s| s.1 == name).map(|s| s.0).collect();
            for (i, &a) in times.iter().enumerate() {
                let inside = times[i..]
                    .iter()
                    .take_while(|&&t| t < a + interval - 1.0)
                    .count();
                let since: Vec<f64> = times.iter().map(|t| t - times[0]).collect();
                assert!(
                    inside <= max,
                    "{opts}: {inside} handler calls of {name:?} within an interval from {a}: {since:?}"
                );
            }
        }
        wait(q.close()).await.unwrap();
    }
}

/// A start counts when the handler's synchronous part has returned, not
/// only before it is called: the first handler call is busy for 30 ms
/// before it reads the clock (as a turn preempted between the queue's count
/// and the call would be), and the call after the limit's `max` must still
/// start a whole interval after that reading, as the handlers' own clocks
/// see it. Counted only before the call, it started 30 ms early.
pub async fn rate_limit_counts_a_start_when_its_handler_returns(storage: &str) {
    let interval = 100.0;
    let name = fresh("pace-busy", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"concurrency": 1, "rateLimit": {"max": 2, "intervalMs": 100}}"#,
    )
    .await;
    for i in 0..3 {
        enqueue(&q, js(&i.to_string()), "").await.unwrap();
    }
    let starts: Rc<RefCell<Vec<f64>>> = Rc::default();
    let sink = Rc::clone(&starts);
    q.process(
        handler(move |job| {
            if get(&job, "payload").as_f64() == Some(0.0) {
                let busy_until = js_sys::Date::now() + 30.0;
                while js_sys::Date::now() < busy_until {}
            }
            sink.borrow_mut().push(js_sys::Date::now());
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    let starts = starts.take();
    assert_eq!(starts.len(), 3, "every job ran");
    assert!(
        starts[2] >= starts[0] + interval,
        "the third call started {} ms after the first one's clock read, under 2 per {interval} ms: {starts:?}",
        starts[2] - starts[0]
    );
    wait(q.close()).await.unwrap();
}
