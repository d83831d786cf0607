//! The runtime's scenarios, written once and run on each storage: by
//! `tests/node_queue.rs` on memory in Node, by `tests/web_queue.rs` on
//! IndexedDB in headless Chrome.

pub mod bad_input;
pub mod batch;
pub mod control;
pub mod copies;
pub mod door;
pub mod encryption;
pub mod forwarded;
pub mod give_up;
pub mod handover;
pub mod origin;
pub mod own_outcomes;
pub mod poison;
pub mod signal;
pub mod support;
pub mod takeover;

pub use bad_input::bad_input_is_refused_and_changes_nothing;

/// Defines the hardening scenarios — hostile input, validation at the door,
/// poison messages — as `#[wasm_bindgen_test]` functions on `$storage`, so
/// each test file lists them once: `hardening_tests!(STORAGE);`.
macro_rules! scenario_tests {
    ($storage:expr) => {
        $crate::queue_scenarios::scenario_tests!(@each $storage;
            reopen_1000 => reopen_processes_everything_once,
            retries => retries_follow_the_backoff,
            dead_and_redrive => dead_letters_and_redrive,
            idempotency => idempotency_key_survives_reopen,
            crash_recovery => crashed_lease_is_delivered_again,
            concurrency => concurrency_limit_holds,
            groups => group_order_holds,
            delays => delayed_job_waits,
            bad_input => bad_input_is_refused_and_changes_nothing,
            two_instances => two_instances_share_the_work,
            follower_stats => follower_stats_are_the_leaders_at_open,
            leader_crash => leader_crash_is_taken_over,
            payload_copies => handler_gets_a_copy_of_the_payload,
            pause_resume => pause_holds_jobs_until_resume,
            polluted_prototype => bad_input::polluted_prototype_is_ignored,
            validate_option => door::validate_refuses_before_anything_is_stored,
            max_payload_bytes => door::oversized_payload_is_refused,
            payload_measures => door::payload_measures_are_exact,
            validate_per_instance => door::each_instance_validates_its_own_calls,
            hanging_handler => poison::hanging_handler_is_timed_out_until_dead,
            crashing_handler => poison::crashing_handler_is_dead_after_max_attempts_reopens,
            timeout_then_takeover => takeover::timed_out_try_then_takeover_counts_both,
            origin_kept => origin::origin_is_kept_with_the_jobs,
            give_up => give_up::error_with_retry_false_is_dead_at_once,
            retry_at => give_up::error_with_retry_at_holds_the_next_try,
            enqueue_many => batch::enqueue_many_and_batches_process_everything_once,
            batch_retry => batch::failed_batch_retries_each_job,
            enqueue_many_follower => batch::enqueue_many_from_a_follower,
            batch_bad_input => batch::bad_batch_input_is_refused_and_stores_nothing,
            job_fields => batch::job_fields_are_exact,
            thenables => batch::thenables_are_followed,
            encryption_key => encryption::encryption_key_only_where_payloads_rest,
            jobs_listing => control::jobs_lists_what_waits,
            cancel => control::cancel_removes_a_waiting_job,
            replace => control::replace_coalesces_by_key,
            rate_limits => control::rate_limits_hold_back_starts,
            rate_at_handler_start => control::rate_limits_hold_at_handler_start,
            rate_busy_handler => control::rate_limit_counts_a_start_when_its_handler_returns,
            signal_read_late => signal::signal_is_aborted_whenever_it_is_read,
            batch_signal => signal::batch_signal_is_shared_and_aborted_when_read_late,
            payload_kinds => copies::every_payload_kind_is_copied,
            payload_kinds_batch => copies::every_payload_kind_is_copied_in_batches,
            one_object_twice => copies::one_object_twice_in_enqueue_many_is_two_payloads,
            listed_copies => copies::listed_payloads_are_copies,
            proxies_stored => copies::proxies_of_plain_data_are_stored_as_what_they_show,
            own_outcomes_batch => own_outcomes::batch_jobs_settle_on_their_own,
            own_outcomes_one => own_outcomes::a_job_settles_itself_in_a_per_job_handler,
            own_outcomes_timeout => own_outcomes::own_outcomes_hold_when_the_call_times_out,
            handover => handover::every_way_a_leader_stops_hands_its_jobs_on,
            handover_calls => handover::calls_forwarded_while_the_lead_moves_are_answered,
            forwarded_calls => forwarded::every_call_of_a_follower_is_answered_as_the_leaders,
        );
        $crate::queue_scenarios::scenario_tests!(@hooks $storage;
            panic_hook => panic_is_reported_and_module_survives,
            storage_faults => storage_faults_reject_their_batch_and_the_queue_recovers,
            lease_fault => a_lease_whose_commit_fails_starts_no_handler,
            origin_fault => origin::origin_survives_a_failed_commit,
            hanging_while_paused => poison::hanging_call_is_cut_off_while_paused,
        );
    };
    (@hooks $storage:expr; $($test:ident => $($scenario:ident)::+,)*) => {
        $(
            #[cfg(feature = "test-hooks")]
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $test() {
                $crate::queue_scenarios::$($scenario)::+($storage).await;
            }
        )*
    };
    (@each $storage:expr; $($test:ident => $($scenario:ident)::+,)*) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $test() {
                $crate::queue_scenarios::$($scenario)::+($storage).await;
            }
        )*
    };
}
pub(crate) use scenario_tests;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use support::*;
use wasm_bindgen::prelude::*;
use wasmq::api::Queue;

/// 1,000 enqueued → close → reopen → all processed, each acked once.
pub async fn reopen_processes_everything_once(storage: &str) {
    let name = fresh("reopen", storage).await;
    let q = open(&name, storage, "{}").await;
    let ids = enqueue_many(&q, 1000, "").await;
    assert_eq!(ids.len(), 1000);
    wait(q.close()).await.unwrap();

    let q = open(&name, storage, r#"{"concurrency": 8}"#).await;
    assert_eq!(num(&q.stats().unwrap(), "pending"), 1000.0);
    let seen: Rc<RefCell<HashMap<u64, u32>>> = Rc::default();
    let sink = Rc::clone(&seen);
    q.process(
        handler(move |job| {
            *sink.borrow_mut().entry(num(&job, "id") as u64).or_default() += 1;
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    let seen = seen.take();
    assert_eq!(seen.len(), 1000, "every job handled");
    assert!(seen.values().all(|n| *n == 1), "each job handled once");
    let s = q.stats().unwrap();
    assert_eq!(
        (
            num(&s, "completed"),
            num(&s, "pending"),
            num(&s, "inFlight")
        ),
        (1000.0, 0.0, 0.0)
    );
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    assert_eq!(
        num(&q.stats().unwrap(), "pending"),
        0.0,
        "acks were durable"
    );
    wait(q.close()).await.unwrap();
}

/// Throws twice, then succeeds: completed at attempt 3, retries on the backoff schedule.
pub async fn retries_follow_the_backoff(storage: &str) {
    let name = fresh("retry", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"maxAttempts": 5, "backoff": {"type": "fixed", "delayMs": 40, "jitter": false}}"#,
    )
    .await;
    let retrying = record_events(&q, "retrying");
    let completed = record_events(&q, "completed");
    let starts: Rc<RefCell<Vec<f64>>> = Rc::default();
    let sink = Rc::clone(&starts);
    q.process(
        handler(move |job| {
            sink.borrow_mut().push(js_sys::Date::now());
            match num(&job, "attempt") as u32 {
                1 => js_sys::Function::new_with_args("", "throw new Error('first failure')")
                    .call0(&JsValue::UNDEFINED)
                    .unwrap_or_else(|e| Promise::reject(&e).into()),
                2 => settle_after(1, Some("second failure".into())),
                _ => settle_after(1, None),
            }
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    enqueue(&q, js(r#"{"n": 1}"#), "").await.unwrap();
    wait(q.drained()).await.unwrap();
    let (starts, retrying, completed) = (starts.take(), retrying.take(), completed.take());
    assert_eq!(starts.len(), 3);
    assert_eq!(completed.len(), 1);
    assert_eq!(num(&completed[0], "attempt"), 3.0);
    assert_eq!(retrying.len(), 2);
    assert_eq!(
        get(&retrying[0], "error").as_string().unwrap(),
        "first failure"
    );
    assert_eq!(
        get(&retrying[1], "error").as_string().unwrap(),
        "second failure"
    );
    for k in 0..2 {
        let retry_at = num(&retrying[k], "retryAt");
        assert!(
            retry_at >= starts[k] + 40.0,
            "retry {k} scheduled a full backoff after the failure"
        );
        assert!(
            starts[k + 1] >= retry_at,
            "attempt {} did not run before its retry time",
            k + 2
        );
    }
    assert_eq!(num(&q.stats().unwrap(), "retried"), 2.0);
    wait(q.close()).await.unwrap();
}

/// Always throws: dead after maxAttempts with the last error; redrive → processed.
pub async fn dead_letters_and_redrive(storage: &str) {
    let name = fresh("dead", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"maxAttempts": 3, "backoff": {"type": "fixed", "delayMs": 5}}"#,
    )
    .await;
    let dead = record_events(&q, "dead");
    let failing = Rc::new(Cell::new(true));
    let flag = Rc::clone(&failing);
    q.process(
        handler(move |job| {
            if flag.get() {
                settle_after(0, Some(format!("nope {}", num(&job, "attempt"))))
            } else {
                JsValue::UNDEFINED
            }
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let id = num(
        &enqueue(&q, js(r#"{"to": "a@b.c"}"#), "").await.unwrap(),
        "id",
    );
    wait(q.drained()).await.unwrap();
    assert_eq!(dead.borrow().len(), 1);
    let letters = js_sys::Array::from(&wait(q.dead_letters(JsValue::UNDEFINED)).await.unwrap());
    assert_eq!(letters.length(), 1);
    let letter = letters.get(0);
    assert_eq!(num(&letter, "id"), id);
    assert_eq!(num(&letter, "attempts"), 3.0);
    assert_eq!(get(&letter, "lastError").as_string().unwrap(), "nope 3");
    assert_eq!(
        get(&get(&letter, "payload"), "to").as_string().unwrap(),
        "a@b.c"
    );
    assert_eq!(num(&q.stats().unwrap(), "dead"), 1.0);

    failing.set(false);
    assert_eq!(
        wait(q.redrive(id_arg(id.into()))).await.unwrap().as_f64(),
        Some(1.0)
    );
    wait(q.drained()).await.unwrap();
    let s = q.stats().unwrap();
    assert_eq!((num(&s, "dead"), num(&s, "completed")), (0.0, 1.0));
    let err = wait(q.redrive(id_arg(id.into()))).await.unwrap_err();
    assert_eq!(code(&err), "NOT_FOUND");
    wait(q.close()).await.unwrap();
}

/// The same idempotency key before and after a reopen → one job.
pub async fn idempotency_key_survives_reopen(storage: &str) {
    let name = fresh("idem", storage).await;
    let q = open(&name, storage, "{}").await;
    let first = enqueue(&q, js("1"), r#"{"idempotencyKey": "welcome:42"}"#)
        .await
        .unwrap();
    let again = enqueue(&q, js("2"), r#"{"idempotencyKey": "welcome:42"}"#)
        .await
        .unwrap();
    assert!(!get(&first, "duplicate").as_bool().unwrap());
    assert!(get(&again, "duplicate").as_bool().unwrap());
    assert_eq!(num(&again, "id"), num(&first, "id"));
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    let after = enqueue(&q, js("3"), r#"{"idempotencyKey": "welcome:42"}"#)
        .await
        .unwrap();
    assert!(get(&after, "duplicate").as_bool().unwrap());
    assert_eq!(num(&after, "id"), num(&first, "id"));
    assert_eq!(num(&q.stats().unwrap(), "pending"), 1.0);
    wait(q.close()).await.unwrap();
}

/// A job in flight when its instance dies is delivered again as soon as
/// another instance opens the queue: the lease counts as a failed try at
/// once (retried after the backoff), not after `leaseMs` (ten minutes here).
pub async fn crashed_lease_is_delivered_again(storage: &str) {
    let name = fresh("crash", storage).await;
    let opts =
        r#"{"leaseMs": 600000, "backoff": {"type": "fixed", "delayMs": 20, "jitter": false}}"#;
    let q = open(&name, storage, opts).await;
    let started = Rc::new(Cell::new(0.0));
    let s = Rc::clone(&started);
    q.process(
        handler(move |job| {
            s.set(num(&job, "id"));
            Promise::new(&mut |_, _| {}).into()
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let id = num(&enqueue(&q, js(r#""work""#), "").await.unwrap(), "id");
    assert!(until(2000, || started.get() == id).await, "handler started");
    q.terminate();

    let q = open(&name, storage, opts).await;
    // The dead instance's lock is released asynchronously; then this one leads.
    assert!(
        until(2000, || q.is_leader()).await,
        "the new instance took the lead"
    );
    let s = q.stats().unwrap();
    assert_eq!(
        (num(&s, "inFlight"), num(&s, "pending") + num(&s, "delayed")),
        (0.0, 1.0),
        "the dead instance's lease was taken over: the job waits for its next try"
    );
    assert_eq!(runs_until_drained(&q).await, vec![(id, 2.0)]);
    wait(q.close()).await.unwrap();
}

/// The concurrency limit holds and is used.
pub async fn concurrency_limit_holds(storage: &str) {
    let name = fresh("conc", storage).await;
    let q = open(&name, storage, "{}").await;
    let running = Rc::new(Cell::new(0u32));
    let max = Rc::new(Cell::new(0u32));
    let (r, m) = (Rc::clone(&running), Rc::clone(&max));
    q.process(
        handler(move |_| {
            r.set(r.get() + 1);
            m.set(m.get().max(r.get()));
            let r = Rc::clone(&r);
            wasm_bindgen_futures::future_to_promise(async move {
                sleep(3).await;
                r.set(r.get() - 1);
                Ok(JsValue::UNDEFINED)
            })
            .into()
        }),
        js(r#"{"concurrency": 3}"#),
    )
    .unwrap();
    enqueue_many(&q, 30, "").await;
    wait(q.drained()).await.unwrap();
    assert_eq!(max.get(), 3, "three at a time, never more");
    assert_eq!(num(&q.stats().unwrap(), "completed"), 30.0);
    wait(q.close()).await.unwrap();
}

/// A FIFO group runs one at a time in enqueue order.
pub async fn group_order_holds(storage: &str) {
    let name = fresh("group", storage).await;
    let q = open(&name, storage, "{}").await;
    let order: Rc<RefCell<Vec<u32>>> = Rc::default();
    let busy = Rc::new(Cell::new(false));
    let (o, b) = (Rc::clone(&order), Rc::clone(&busy));
    q.process(
        handler(move |job| {
            assert!(!b.get(), "two jobs of one group at once");
            b.set(true);
            o.borrow_mut().push(num(&job, "payload") as u32);
            let b = Rc::clone(&b);
            wasm_bindgen_futures::future_to_promise(async move {
                sleep(2).await;
                b.set(false);
                Ok(JsValue::UNDEFINED)
            })
            .into()
        }),
        js(r#"{"concurrency": 4}"#),
    )
    .unwrap();
    enqueue_many(&q, 10, r#"{"group": "user:7"}"#).await;
    wait(q.drained()).await.unwrap();
    assert_eq!(*order.borrow(), (0..10).collect::<Vec<u32>>());
    wait(q.close()).await.unwrap();
}

/// A delayed job does not run before its time.
pub async fn delayed_job_waits(storage: &str) {
    let name = fresh("delay", storage).await;
    let q = open(&name, storage, "{}").await;
    let ran_at = Rc::new(Cell::new(0.0));
    let r = Rc::clone(&ran_at);
    q.process(
        handler(move |_| {
            r.set(js_sys::Date::now());
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let before = js_sys::Date::now();
    enqueue(&q, js("1"), r#"{"delayMs": 120}"#).await.unwrap();
    assert_eq!(num(&q.stats().unwrap(), "delayed"), 1.0);
    wait(q.drained()).await.unwrap();
    assert!(
        ran_at.get() >= before + 120.0,
        "ran {} ms after enqueue",
        ran_at.get() - before
    );
    wait(q.close()).await.unwrap();
}

/// Records, across instances, how often each job ran and whether one job
/// ever ran twice at the same time.
#[derive(Default)]
pub struct Ledger {
    runs: RefCell<HashMap<u64, u32>>,
    by: RefCell<HashMap<&'static str, u32>>,
    active: RefCell<std::collections::HashSet<u64>>,
    ran_by_a: RefCell<std::collections::HashSet<u64>>,
    overlap: Cell<bool>,
}

impl Ledger {
    /// A handler for instance `who` that takes 1 ms per job.
    pub fn handler(self: &Rc<Self>, who: &'static str) -> JsValue {
        let ledger = Rc::clone(self);
        handler(move |job| {
            let id = num(&job, "id") as u64;
            *ledger.runs.borrow_mut().entry(id).or_default() += 1;
            *ledger.by.borrow_mut().entry(who).or_default() += 1;
            if who == "a" {
                ledger.ran_by_a.borrow_mut().insert(id);
            }
            if !ledger.active.borrow_mut().insert(id) {
                ledger.overlap.set(true);
            }
            let ledger = Rc::clone(&ledger);
            wasm_bindgen_futures::future_to_promise(async move {
                sleep(1).await;
                ledger.active.borrow_mut().remove(&id);
                Ok(JsValue::UNDEFINED)
            })
            .into()
        })
    }

    fn distinct(&self) -> usize {
        self.runs.borrow().len()
    }
}

async fn two_instances_with_jobs(
    storage: &str,
    name: &str,
    opts: &str,
    ledger: &Rc<Ledger>,
) -> (Queue, Queue, Rc<RefCell<Vec<JsValue>>>) {
    let a = open(name, storage, opts).await;
    let completed_a = record_events(&a, "completed");
    let b = open(name, storage, opts).await;
    a.process(ledger.handler("a"), JsValue::UNDEFINED).unwrap();
    b.process(ledger.handler("b"), JsValue::UNDEFINED).unwrap();
    let (from_a, from_b) = futures::join!(enqueue_many(&a, 250, ""), enqueue_many(&b, 250, ""));
    let ids: std::collections::HashSet<u64> = from_a
        .iter()
        .chain(&from_b)
        .map(|r| num(r, "id") as u64)
        .collect();
    assert_eq!(
        ids.len(),
        500,
        "500 distinct ids, whichever instance enqueued"
    );
    assert!(
        until(10_000, || ledger.distinct() >= 100).await,
        "processing started"
    );
    (a, b, completed_a)
}

/// Two instances on one name, concurrency 4 each, 500 jobs: only one
/// processes; when it closes the other takes over; every job runs exactly
/// once and never two at a time.
pub async fn two_instances_share_the_work(storage: &str) {
    let name = fresh("two", storage).await;
    let ledger = Rc::new(Ledger::default());
    let (a, b, _) = two_instances_with_jobs(storage, &name, r#"{"concurrency": 4}"#, &ledger).await;
    wait(a.close()).await.unwrap();
    wait(b.drained()).await.unwrap();
    assert_eq!(ledger.distinct(), 500, "every job ran");
    assert!(
        ledger.runs.borrow().values().all(|n| *n == 1),
        "each job ran exactly once"
    );
    assert!(!ledger.overlap.get(), "never two at a time");
    let by = ledger.by.borrow().clone();
    assert!(
        by.get("a").copied().unwrap_or(0) >= 100,
        "the first instance led: {by:?}"
    );
    assert!(
        by.get("b").copied().unwrap_or(0) > 0,
        "the second took over: {by:?}"
    );
    assert_eq!(num(&b.stats().unwrap(), "completed"), 500.0);
    wait(b.close()).await.unwrap();
}

/// A follower's `stats()` is the leader's as soon as `Queue.open` resolves
/// (it waits to hear them), not zeros until the first broadcast.
pub async fn follower_stats_are_the_leaders_at_open(storage: &str) {
    let name = fresh("follower-stats", storage).await;
    let a = open(&name, storage, "{}").await;
    enqueue_many(&a, 5, "").await;
    enqueue(&a, js("6"), r#"{"delayMs": 600000}"#)
        .await
        .unwrap();
    let b = open(&name, storage, "{}").await;
    assert!(!b.is_leader(), "the second instance follows");
    let s = b.stats().unwrap();
    assert_eq!(
        (num(&s, "pending"), num(&s, "delayed")),
        (5.0, 1.0),
        "the leader's counts at once"
    );
    wait(b.close()).await.unwrap();
    wait(a.close()).await.unwrap();
}

/// The leading instance dies mid-way: the other takes over, and the jobs
/// that were in flight are delivered again at once (after the backoff).
pub async fn leader_crash_is_taken_over(storage: &str) {
    let name = fresh("twocrash", storage).await;
    let ledger = Rc::new(Ledger::default());
    let (a, b, completed_a) = two_instances_with_jobs(
        storage,
        &name,
        // A ten-minute lease: the takeover must not wait it out.
        r#"{"concurrency": 4, "leaseMs": 600000}"#,
        &ledger,
    )
    .await;
    // Jobs the dead leader ran whose ack was not yet durable may run again (at least once).
    let durable: std::collections::HashSet<u64> = completed_a
        .borrow()
        .iter()
        .map(|d| num(d, "id") as u64)
        .collect();
    let in_doubt: std::collections::HashSet<u64> = ledger
        .ran_by_a
        .borrow()
        .difference(&durable)
        .copied()
        .collect();
    a.terminate();
    wait(b.drained()).await.unwrap();
    assert_eq!(ledger.distinct(), 500, "every job ran");
    for (id, n) in ledger.runs.borrow().iter() {
        assert!(
            *n == 1 || (*n == 2 && in_doubt.contains(id)),
            "job {id} ran {n} times"
        );
    }
    assert!(!ledger.overlap.get(), "never two at a time");
    assert_eq!(
        num(&b.stats().unwrap(), "completed") + num(&b.stats().unwrap(), "dead"),
        500.0
    );
    wait(b.close()).await.unwrap();
}

/// A Rust panic inside the queue is reported (an `error` event with code
/// `INTERNAL_ERROR` on every open queue), the broken queue then refuses
/// calls with that code instead of trapping again, and the module stays
/// usable: other queues, and queues opened afterwards, work.
#[cfg(feature = "test-hooks")]
pub async fn panic_is_reported_and_module_survives(storage: &str) {
    let broken = open(&fresh("panic", storage).await, storage, "{}").await;
    let reported = record_events(&broken, "error");
    let bystander = open(&fresh("bystander", storage).await, storage, "{}").await;
    let told = record_events(&bystander, "error");
    // Called from JavaScript, as a page would: the trap is thrown as an exception.
    let broken: JsValue = broken.into();
    let call = |method: &str| js_sys::Function::from(get(&broken, method)).call0(&broken);
    assert!(
        call("panicForTest").is_err(),
        "the panic surfaced as an exception"
    );
    for events in [&reported, &told] {
        let events = events.borrow();
        assert_eq!(events.len(), 1, "every open queue heard of it");
        assert_eq!(code(&events[0]), "INTERNAL_ERROR");
    }
    let refused = call("stats").expect_err("the broken queue refuses calls");
    assert_eq!(code(&refused), "INTERNAL_ERROR");

    let after = open(&fresh("after-panic", storage).await, storage, "{}").await;
    for q in [&bystander, &after] {
        let done = record_events(q, "completed");
        q.process(handler(|_| JsValue::UNDEFINED), JsValue::UNDEFINED)
            .unwrap();
        enqueue(q, js("1"), "").await.unwrap();
        wait(q.drained()).await.unwrap();
        assert_eq!(done.borrow().len(), 1, "the module still works");
        wait(q.close()).await.unwrap();
    }
}

/// A handler that changes its payload changes neither the stored job nor what the retry gets.
pub async fn handler_gets_a_copy_of_the_payload(storage: &str) {
    let name = fresh("copy", storage).await;
    let q = open(
        &name,
        storage,
        r#"{"backoff": {"type": "fixed", "delayMs": 1}}"#,
    )
    .await;
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = Rc::clone(&seen);
    q.process(
        handler(move |job| {
            let payload = get(&job, "payload");
            sink.borrow_mut()
                .push(get(&payload, "to").as_string().unwrap_or_default());
            js_sys::Reflect::set(&payload, &"to".into(), &"changed".into()).unwrap();
            if num(&job, "attempt") == 1.0 {
                settle_after(0, Some("once".into()))
            } else {
                JsValue::UNDEFINED
            }
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let original = js(r#"{"to": "a@b.c"}"#);
    enqueue(&q, original.clone(), "").await.unwrap();
    js_sys::Reflect::set(&original, &"to".into(), &"caller changed it".into()).unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(*seen.borrow(), vec!["a@b.c".to_owned(), "a@b.c".to_owned()]);
    wait(q.close()).await.unwrap();
}

/// `pause()` holds jobs back (in flight ones finish); `resume()` runs them.
pub async fn pause_holds_jobs_until_resume(storage: &str) {
    let name = fresh("pause", storage).await;
    let q = open(&name, storage, "{}").await;
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    q.process(
        handler(move |_| {
            c.set(c.get() + 1);
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    q.pause().unwrap();
    assert!(q.paused());
    enqueue_many(&q, 3, "").await;
    sleep(30).await; // turns of the event loop in which a running queue would have taken them
    assert_eq!(calls.get(), 0, "nothing runs while paused");
    assert_eq!(num(&q.stats().unwrap(), "pending"), 3.0);
    q.resume().unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(calls.get(), 3);
    wait(q.close()).await.unwrap();
}

/// Enqueues `n` jobs in one turn (one batch) and returns each outcome's
/// error code, or `"ok"`.
#[cfg(feature = "test-hooks")]
async fn enqueue_batch_codes(q: &Queue, n: u32) -> Vec<String> {
    let all: js_sys::Array = (0..n)
        .map(|i| JsValue::from(q.enqueue(i.into(), JsValue::UNDEFINED)))
        .collect();
    let settled = wait(Promise::all_settled(&all)).await.unwrap();
    js_sys::Array::from(&settled)
        .iter()
        .map(|r| match get(&r, "status").as_string().as_deref() {
            Some("fulfilled") => "ok".to_owned(),
            _ => code(&get(&r, "reason")),
        })
        .collect()
}

/// A commit that fails (quota exceeded, or a transaction aborted) rejects
/// every caller of its batch, leaves what was stored intact, and the queue
/// keeps working afterwards.
#[cfg(feature = "test-hooks")]
pub async fn storage_faults_reject_their_batch_and_the_queue_recovers(storage: &str) {
    let name = fresh("faults", storage).await;
    let q = open(&name, storage, "{}").await;
    let errors = record_events(&q, "error");
    enqueue(&q, js("1"), "").await.unwrap();
    for (fault, expected) in [
        ("QUOTA_EXCEEDED", "QUOTA_EXCEEDED"),
        ("ABORT", "STORAGE_FAILED"),
    ] {
        let before = stats_json(&q);
        q.fail_next_commit(fault);
        assert_eq!(
            enqueue_batch_codes(&q, 5).await,
            vec![expected; 5],
            "every caller of the batch"
        );
        assert_eq!(stats_json(&q), before, "rolled back to what is stored");
        assert_eq!(
            enqueue_batch_codes(&q, 1).await,
            vec!["ok"],
            "the next batch commits"
        );
    }
    assert_eq!(errors.borrow().len(), 2, "an error event per failed commit");
    wait(q.close()).await.unwrap();
    let q = open(&name, storage, "{}").await;
    assert_eq!(
        num(&q.stats().unwrap(), "pending"),
        3.0,
        "1 + 1 + 1 stored, none of the failed 10"
    );
    wait(q.close()).await.unwrap();
}

/// Leases whose commit fails never reach the handler (a lease is durable
/// before its handler starts): the queue rolls back to what is stored, the
/// jobs wait with no try counted, and the next pump runs each of them once.
#[cfg(feature = "test-hooks")]
pub async fn a_lease_whose_commit_fails_starts_no_handler(storage: &str) {
    let name = fresh("leasefault", storage).await;
    let q = open(&name, storage, "{}").await;
    let errors = record_events(&q, "error");
    enqueue_many(&q, 3, "").await;
    let calls: Rc<RefCell<Vec<(f64, f64)>>> = Rc::default();
    let seen = Rc::clone(&calls);
    q.fail_next_commit("ABORT");
    q.process(
        handler(move |job| {
            seen.borrow_mut()
                .push((num(&job, "id"), num(&job, "attempt")));
            JsValue::UNDEFINED
        }),
        js(r#"{"concurrency": 2}"#),
    )
    .unwrap();
    assert!(
        until(2_000, || errors.borrow().len() == 1).await,
        "the failed commit is reported"
    );
    sleep(20).await;
    assert!(
        calls.borrow().is_empty(),
        "no handler ran: {:?}",
        calls.borrow()
    );
    let stats = q.stats().unwrap();
    assert_eq!(
        (num(&stats, "pending"), num(&stats, "inFlight")),
        (3.0, 0.0),
        "rolled back: every job waits, none in flight"
    );
    // The next change pumps again.
    enqueue(&q, js("4"), "").await.unwrap();
    wait(q.drained()).await.unwrap();
    let mut ran = calls.borrow().clone();
    ran.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ids: Vec<f64> = ran.iter().map(|r| r.0).collect();
    assert_eq!(ids.len(), 4, "each job once: {ran:?}");
    ids.windows(2)
        .for_each(|w| assert!(w[0] < w[1], "each job once: {ran:?}"));
    assert!(
        ran.iter().all(|r| r.1 == 1.0),
        "the failed lease counted no try: {ran:?}"
    );
    assert_eq!(num(&q.stats().unwrap(), "completed"), 4.0);
    wait(q.close()).await.unwrap();
}
