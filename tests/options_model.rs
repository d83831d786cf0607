//! Property tests of option validation with arbitrary values (boundaries,
//! `u64::MAX`, empty and oversized strings, any Unicode): `Config` and
//! `EnqueueOptions` never panic; an invalid value is a typed
//! `InvalidOption` naming a bad option, and the engine refuses it without
//! journaling anything; a valid one is accepted and the message it
//! describes can be enqueued, leased and failed. `PROPTEST_CASES` sets the
//! number of cases (256 by default; `make fuzz` runs 100,000).
#![cfg(not(target_arch = "wasm32"))]

use std::ops::RangeInclusive;

use proptest::prelude::*;
use wasmq::core::{
    Backoff, Config, Engine, EnqueueOptions, Error, MAX_ATTEMPTS_LIMIT, MAX_KEY_BYTES, MAX_TIME_MS,
};

/// Any value of `T`, with `edges` and values of the `valid` range drawn often.
fn edgy<T>(edges: Vec<T>, valid: RangeInclusive<T>) -> impl Strategy<Value = T>
where
    T: Arbitrary + Clone + std::fmt::Debug + 'static,
    RangeInclusive<T>: Strategy<Value = T>,
{
    prop_oneof![prop::sample::select(edges), valid, any::<T>()]
}

/// A time or duration: the bounds of `0..=MAX_TIME_MS` and beyond.
fn millis() -> impl Strategy<Value = u64> {
    let edges = vec![
        0,
        1,
        MAX_TIME_MS - 1,
        MAX_TIME_MS,
        MAX_TIME_MS + 1,
        u64::MAX,
    ];
    edgy(edges, 0..=MAX_TIME_MS)
}

/// A `maxAttempts`: the bounds of `1..=MAX_ATTEMPTS_LIMIT` and beyond.
fn attempts() -> impl Strategy<Value = u32> {
    let limit = MAX_ATTEMPTS_LIMIT;
    edgy(vec![0, 1, limit, limit + 1, u32::MAX], 1..=limit)
}

/// Empty, around the byte limit (in 1-, 2- and 4-byte characters), or any Unicode.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (
            prop::sample::select(vec!["k", "é", "🦀"]),
            0..=MAX_KEY_BYTES + 2
        )
            .prop_map(|(c, n)| c.repeat(n / c.len())),
        "\\PC{1,40}",
        any::<String>(),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    let backoff = prop_oneof![
        millis().prop_map(|delay_ms| Backoff::Fixed { delay_ms }),
        (millis(), millis()).prop_map(|(delay_ms, max_delay_ms)| Backoff::Exponential {
            delay_ms,
            max_delay_ms
        }),
    ];
    (
        attempts(),
        backoff,
        any::<bool>(),
        millis(),
        millis(),
        any::<u64>(),
    )
        .prop_map(
            |(max_attempts, backoff, jitter, lease_ms, idempotency_window_ms, seed)| Config {
                max_attempts,
                backoff,
                jitter,
                lease_ms,
                idempotency_window_ms,
                seed,
                ..Config::default()
            },
        )
}

fn enqueue_options() -> impl Strategy<Value = EnqueueOptions> {
    (
        prop::option::of(name()),
        prop::option::of(millis()),
        prop::option::of(millis()),
        any::<i32>(),
        prop::option::of(name()),
        prop::option::of(attempts()),
        prop::option::of(millis()),
    )
        .prop_map(
            |(key, delay, run_at, priority, group, max_attempts, window)| EnqueueOptions {
                idempotency_key: key,
                delay_ms: delay,
                run_at_ms: run_at,
                priority,
                group,
                max_attempts,
                idempotency_window_ms: window,
                ..EnqueueOptions::default()
            },
        )
}

fn bad_name(s: &Option<String>) -> bool {
    s.as_ref()
        .is_some_and(|s| s.is_empty() || s.len() > MAX_KEY_BYTES)
}

fn bad_attempts(n: u32) -> bool {
    n == 0 || n > MAX_ATTEMPTS_LIMIT
}

/// The options a value violates, worked out independently of `validate`.
fn config_violations(c: &Config) -> Vec<&'static str> {
    let (delay, cap) = match c.backoff {
        Backoff::Fixed { delay_ms } => (delay_ms, None),
        Backoff::Exponential {
            delay_ms,
            max_delay_ms,
        } => (delay_ms, Some(max_delay_ms)),
    };
    let checks = [
        ("maxAttempts", bad_attempts(c.max_attempts)),
        ("backoff.delayMs", delay > MAX_TIME_MS),
        (
            "backoff.maxDelayMs",
            cap.is_some_and(|m| m > MAX_TIME_MS || m < delay),
        ),
        ("leaseMs", c.lease_ms == 0 || c.lease_ms > MAX_TIME_MS),
        ("idempotencyWindowMs", c.idempotency_window_ms > MAX_TIME_MS),
    ];
    checks.iter().filter(|(_, b)| *b).map(|(n, _)| *n).collect()
}

fn enqueue_violations(o: &EnqueueOptions) -> Vec<&'static str> {
    let over = |v: Option<u64>| v.is_some_and(|v| v > MAX_TIME_MS);
    let both = o.delay_ms.is_some() && o.run_at_ms.is_some();
    let checks = [
        ("idempotencyKey", bad_name(&o.idempotency_key)),
        ("group", bad_name(&o.group)),
        ("runAt", both || over(o.run_at_ms)),
        ("delayMs", over(o.delay_ms)),
        ("maxAttempts", o.max_attempts.is_some_and(bad_attempts)),
        ("idempotencyWindowMs", over(o.idempotency_window_ms)),
    ];
    checks.iter().filter(|(_, b)| *b).map(|(n, _)| *n).collect()
}

/// Checks `result` against `violations`: accepted iff there are none, else
/// an `InvalidOption` naming one of them.
fn judged<T: std::fmt::Debug>(
    result: Result<T, Error>,
    violations: &[&str],
) -> Result<bool, TestCaseError> {
    match result {
        Ok(_) => {
            prop_assert!(violations.is_empty(), "accepted despite {:?}", violations);
            Ok(true)
        }
        Err(Error::InvalidOption(e)) => {
            let option = e.option;
            prop_assert!(
                violations.contains(&option),
                "named {} of {:?}",
                option,
                violations
            );
            Ok(false)
        }
        Err(other) => Err(TestCaseError::fail(format!("untyped refusal {other:?}"))),
    }
}

proptest! {
    #[test]
    fn config_validation_is_total(c in config(), now in 0..=MAX_TIME_MS) {
        let violations = config_violations(&c);
        prop_assert_eq!(judged(c.validate(), &violations)?, violations.is_empty());
        let engine = Engine::<u8>::new(c.clone());
        if judged(engine.as_ref().map(|_| ()).map_err(Clone::clone), &violations)? {
            // A valid config runs a job through a failed try, and its retry, at any time.
            let mut engine = engine.unwrap();
            engine.enqueue(1, EnqueueOptions::default(), now).unwrap();
            let leases = engine.lease(now, 1);
            prop_assert_eq!(leases.len(), 1);
            engine.nack(leases[0].token, "failed", now).unwrap();
            if engine.stats().dead == 0 {
                let retry_at = engine.next_wake().unwrap_or(now);
                prop_assert_eq!(engine.lease(retry_at, 1).len(), 1, "retried at its time");
            }
        }
    }

    #[test]
    fn enqueue_validation_is_total(o in enqueue_options(), now in 0..=MAX_TIME_MS) {
        let violations = enqueue_violations(&o);
        prop_assert_eq!(judged(o.validate(), &violations)?, violations.is_empty());
        let mut engine = Engine::<u8>::new(Config::default()).unwrap();
        let accepted = judged(engine.enqueue(7, o, now), &violations)?;
        prop_assert_eq!(engine.has_mutations(), accepted, "journaled only if accepted");
        if accepted {
            // Whatever its delay, the message is due by the largest time.
            let leases = engine.lease(MAX_TIME_MS, 1);
            prop_assert_eq!(leases.len(), 1);
            prop_assert_eq!(leases[0].payload, 7);
        } else {
            prop_assert_eq!(engine.stats(), Default::default());
        }
    }
}
