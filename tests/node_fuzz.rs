//! Hostile input at scale, in Node on the memory store: 100,000 calls
//! (`make fuzz`; `make test` runs 20,000 from a new seed, see
//! `fuzz_values/budget.rs`) fed pseudo-random JS values from a seeded
//! generator (`tests/fuzz_values/`) — `Queue.open` names and options,
//! `enqueue` payloads and options (with fuzzed `validate` and
//! `maxPayloadBytes`), `process` handlers and options, `deadLetters`,
//! `jobs`, `redrive`, `purge` and `cancel` arguments. Every call goes through JavaScript, as a
//! page's would, and must either succeed or reject (throw, for the
//! synchronous `process`) a `WasmqError` with a code that call may give —
//! never a trap, a panic, or a foreign exception. After each round the
//! queue holds exactly the jobs whose enqueue succeeded as new.
#![cfg(target_arch = "wasm32")]

mod fuzz_values;

use std::collections::BTreeMap;

use fuzz_values::budget::Budget;
use fuzz_values::Gen;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test as test};
use wasmq::api::Queue;
use wasmq::runtime::codes::*;
use wasmq::runtime::options::{ENQUEUE_OPTIONS, OPEN_OPTIONS};

const SEED: u64 = 0x5EED_F022;
/// Calls in all, unless `WASMQ_FUZZ_CASES` says otherwise.
const CASES: u32 = 100_000;
/// Rounds, whatever the budget: each round fuzzes the queue's own `validate`
/// and `maxPayloadBytes`, which some outcomes checked at the end need, so a
/// smaller budget makes the rounds shorter, not fewer.
const ROUNDS: u32 = 100;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// How a call ended.
enum Outcome {
    Done(JsValue),
    Rejected(JsValue),
    Threw(JsValue),
}

/// Awaits `returned` when it is a promise.
async fn settle(returned: JsValue) -> Outcome {
    match returned.dyn_into::<Promise>() {
        Ok(p) => match JsFuture::from(p).await {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Rejected(e),
        },
        Err(v) => Outcome::Done(v),
    }
}

/// `target[method](...args)` from JavaScript, awaited.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Outcome {
    let f: Function = get(target, method).unchecked_into();
    match f.apply(target, &args.iter().collect::<Array>()) {
        Ok(returned) => settle(returned).await,
        Err(e) => Outcome::Threw(e),
    }
}

/// A kind of call: its name, the codes it may fail with, whether it is
/// synchronous (throws rather than rejects), and how many values it takes.
struct Op {
    what: &'static str,
    codes: &'static [&'static str],
    sync: bool,
    values: u32,
}

const fn op(what: &'static str, codes: &'static [&'static str], sync: bool, values: u32) -> Op {
    Op {
        what,
        codes,
        sync,
        values,
    }
}

const ENQUEUE_CODES: &[&str] = &[
    INVALID_OPTION,
    PAYLOAD_NOT_CLONEABLE,
    PAYLOAD_TOO_LARGE,
    VALIDATION_FAILED,
];
const ENQUEUE_OP: Op = op("enqueue", ENQUEUE_CODES, false, 2);
const WORKER_ENQUEUE_OP: Op = op("enqueue to the worker", ENQUEUE_CODES, false, 1);
const OPEN_OP: Op = op(
    "Queue.open",
    &[INVALID_OPTION, STORAGE_UNAVAILABLE],
    false,
    2,
);
const PAGE_OP: Op = op("deadLetters", &[INVALID_OPTION], false, 1);
const ID_OP: Op = op("redrive/purge", &[INVALID_OPTION, NOT_FOUND], false, 1);
const JOBS_OP: Op = op("jobs", &[INVALID_OPTION], false, 1);
const CANCEL_OP: Op = op("cancel", &[INVALID_OPTION, NOT_FOUND], false, 1);
const PROCESS_OP: Op = op("process", &[INVALID_OPTION, ALREADY_PROCESSING], true, 2);

/// Checks one outcome: success, or a `WasmqError` with one of the op's
/// codes, rejected (or thrown, where the method is synchronous), with a
/// message and, for `INVALID_OPTION`, the option's name. Returns the code,
/// or `"ok"`.
fn check(op: &Op, outcome: &Outcome) -> String {
    let what = op.what;
    let err = match outcome {
        Outcome::Done(_) => return "ok".into(),
        Outcome::Rejected(e) => e,
        Outcome::Threw(e) => {
            assert!(op.sync, "{what}: threw instead of rejecting: {e:?}");
            e
        }
    };
    let code = get(err, "code").as_string().unwrap_or_default();
    assert!(
        op.codes.contains(&code.as_str()),
        "{what}: unexpected {err:?}"
    );
    assert_eq!(
        get(err, "name").as_string().as_deref(),
        Some("WasmqError"),
        "{what}"
    );
    assert!(get(err, "message").is_string(), "{what}: {err:?}");
    if code == INVALID_OPTION {
        assert!(get(err, "option").is_string(), "{what}: {err:?}");
    }
    code
}

/// Opens `name` with the fixed options `opts` (a JS expression).
async fn open(name: &str, opts: &str) -> JsValue {
    let opts = js_sys::eval(&format!("({opts})")).unwrap();
    Queue::open_with(name, &opts).await.expect("opens").into()
}

/// One fuzzed call: on `q`, on `worker` (the queue that processes), or `Queue.open`.
async fn fuzz_call(
    gen: &mut Gen,
    q: &JsValue,
    worker: &JsValue,
    name: &str,
) -> (&'static Op, Outcome) {
    match gen.below(100) {
        0..=54 => {
            let args = [gen.value(3), gen.options(ENQUEUE_OPTIONS)];
            (&ENQUEUE_OP, call(q, "enqueue", &args).await)
        }
        55..=64 => {
            let who = match gen.below(8) {
                0 => gen.value(1),
                1 => name.into(),
                k => format!("fuzz-open-{}", k % 3).into(),
            };
            let outcome = settle(Queue::open(who, gen.options(OPEN_OPTIONS)).into()).await;
            if let Outcome::Done(opened) = &outcome {
                assert!(matches!(call(opened, "close", &[]).await, Outcome::Done(_)));
            }
            (&OPEN_OP, outcome)
        }
        65..=69 => {
            let args = [gen.options(&["after", "limit"])];
            (&PAGE_OP, call(q, "deadLetters", &args).await)
        }
        70..=74 => {
            let args = [gen.options(&["states", "group", "after", "limit"])];
            (&JOBS_OP, call(q, "jobs", &args).await)
        }
        75..=79 => {
            let id = if gen.below(2) == 0 {
                gen.number()
            } else {
                gen.value(1)
            };
            (&CANCEL_OP, call(q, "cancel", &[id]).await)
        }
        80..=89 => {
            let id = if gen.below(2) == 0 {
                gen.number()
            } else {
                gen.value(1)
            };
            let method = *gen.pick(&["redrive", "purge"]);
            (&ID_OP, call(q, method, &[id]).await)
        }
        90..=94 => {
            let handler = if gen.below(4) == 0 {
                gen.value(1)
            } else {
                gen.function()
            };
            let args = [handler, gen.options(&["concurrency"])];
            (&PROCESS_OP, call(worker, "process", &args).await)
        }
        _ => (
            &WORKER_ENQUEUE_OP,
            call(worker, "enqueue", &[gen.value(2)]).await,
        ),
    }
}

/// How often each op ended how (`"enqueue: VALIDATION_FAILED"`...), and values fed.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, u32>,
    fed: u32,
}

/// One round: a fresh queue (with a fuzzed `validate` / `maxPayloadBytes`)
/// and a fresh processing queue take `calls` calls.
async fn round(gen: &mut Gen, n: u32, calls: u32, tally: &mut Tally) {
    let name = format!("fuzz-{n}");
    let door = gen.options(&["validate", "maxPayloadBytes"]);
    tally.fed += 1;
    let q = match settle(Queue::open(name.clone().into(), door).into()).await {
        Outcome::Done(q) => q,
        other => {
            check(&OPEN_OP, &other);
            open(&name, "{}").await
        }
    };
    let worker_name = format!("{name}-worker");
    let worker = open(&worker_name, "{ leaseMs: 20, maxAttempts: 2 }").await;
    let mut stored = 0.0;
    for _ in 0..calls {
        let (op, outcome) = fuzz_call(gen, &q, &worker, &name).await;
        let code = check(op, &outcome);
        *tally
            .outcomes
            .entry(format!("{}: {code}", op.what))
            .or_default() += 1;
        tally.fed += op.values;
        match (&outcome, op.what) {
            (Outcome::Done(v), "enqueue") => {
                assert!(get(v, "id").as_f64().is_some(), "an id: {v:?}");
                let new = |k| get(v, k).as_bool() == Some(false);
                if new("duplicate") && new("replaced") {
                    stored += 1.0;
                }
            }
            (Outcome::Done(_), "cancel") => stored -= 1.0,
            _ => {}
        }
    }
    let Outcome::Done(s) = call(&q, "stats", &[]).await else {
        panic!("stats")
    };
    let held: f64 = ["pending", "delayed"]
        .iter()
        .filter_map(|k| get(&s, k).as_f64())
        .sum();
    assert_eq!(
        held, stored,
        "round {n}: the queue holds exactly the accepted jobs"
    );
    call(&worker, "terminate", &[]).await;
    assert!(
        matches!(call(&q, "close", &[]).await, Outcome::Done(_)),
        "closes"
    );
    Queue::drop_memory(&name);
    Queue::drop_memory(&worker_name);
}

#[test]
async fn hostile_values_get_typed_errors_never_a_panic() {
    let budget = Budget::from_env(CASES, SEED);
    let per_round = budget.cases.div_ceil(ROUNDS);
    console_log!(
        "API fuzz: {ROUNDS} rounds of {per_round} calls from seed {:#x} ({})",
        budget.seed,
        budget.replay()
    );
    let mut gen = Gen::new(budget.seed);
    let mut tally = Tally::default();
    for n in 0..ROUNDS {
        round(&mut gen, n, per_round, &mut tally).await;
    }
    console_log!("fed {} values: {:#?}", tally.fed, tally.outcomes);
    let calls = ROUNDS * per_round;
    assert!(
        tally.fed >= calls,
        "fed {} values in {calls} calls",
        tally.fed
    );
    // The values reached every outcome, not only the parsers' first refusal.
    for seen in [
        "enqueue: ok",
        "enqueue: INVALID_OPTION",
        "enqueue: PAYLOAD_NOT_CLONEABLE",
        "enqueue: PAYLOAD_TOO_LARGE",
        "enqueue: VALIDATION_FAILED",
        "Queue.open: ok",
        "Queue.open: INVALID_OPTION",
        "Queue.open: STORAGE_UNAVAILABLE",
        "deadLetters: ok",
        "redrive/purge: ok",
        "redrive/purge: NOT_FOUND",
        "jobs: ok",
        "jobs: INVALID_OPTION",
        "cancel: INVALID_OPTION",
        "cancel: NOT_FOUND",
        "process: ok",
        "process: ALREADY_PROCESSING",
        "enqueue to the worker: ok",
    ] {
        assert!(tally.outcomes.contains_key(seen), "never {seen}");
    }
}
