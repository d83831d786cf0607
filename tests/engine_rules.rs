//! One focused test per rule of the queue engine (`wasmq::core::Engine`):
//! enqueue and its journal, idempotency keys, option validation, delays,
//! lease order, FIFO groups, attempts, ack/nack/expire, backoff, dead
//! letters, stats, `next_wake`, and rebuilding an engine from its records.
#![cfg(not(target_arch = "wasm32"))]

mod engine_support;

use engine_support::*;
use wasmq::core::{
    Backoff, Config, Engine, EnqueueOptions, Enqueued, Error, Expired, LeaseToken, MessageId,
    MessageState, Mutation, Record, RecordKey, Records, Settled, MAX_ATTEMPTS_LIMIT, MAX_KEY_BYTES,
    MAX_TIME_MS,
};

/// Delays between successive retries of one message, nacked `n` times.
fn retry_delays(cfg: Config, n: usize) -> Vec<u64> {
    let mut e = engine(cfg);
    let id = put(&mut e, 1, opts(), T0);
    let mut now = T0;
    let mut out = Vec::new();
    for _ in 0..n {
        let l = lease_one(&mut e, now);
        assert_eq!(l.token.id, id);
        match e.nack(l.token, "fail", now) {
            Ok(Settled::Retry { due_ms }) => {
                out.push(due_ms - now);
                now = due_ms;
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
    out
}

// ---------------------------------------------------------------- 1. enqueue

#[test]
fn enqueue_returns_new_with_increasing_ids() {
    let mut e = engine(exact());
    let ids: Vec<Enqueued> = (0..4).map(|i| e.enqueue(i, opts(), T0).unwrap()).collect();
    let expected: Vec<Enqueued> = (0..4).map(|i| Enqueued::New(MessageId(i))).collect();
    assert_eq!(ids, expected);
    assert_eq!(e.payload(MessageId(2)), Some(&2));
}

#[test]
fn enqueue_journals_message_payload_and_counters() {
    let mut e = engine(exact());
    put(&mut e, 1, opts(), T0);
    e.take_mutations();
    let id = put(&mut e, 7, priority(3), T0 + 5);
    let muts = e.take_mutations();
    let keys: Vec<RecordKey> = muts
        .iter()
        .map(|m| match m {
            Mutation::Put(r) => r.key(),
            Mutation::Delete(k) => panic!("unexpected delete {k:?}"),
        })
        .collect();
    assert_eq!(keys.len(), 3, "{muts:?}");
    for k in [
        RecordKey::Message(id),
        RecordKey::Payload(id),
        RecordKey::Counters,
    ] {
        assert!(keys.contains(&k), "{k:?} missing from {muts:?}");
    }
    let meta = journaled_message(&muts, id);
    assert_eq!(
        (
            meta.enqueued_at_ms,
            meta.due_ms,
            meta.priority,
            meta.attempts,
            meta.state
        ),
        (T0 + 5, T0 + 5, 3, 0, MessageState::Waiting)
    );
    assert!(muts.contains(&Mutation::Put(Record::Payload(id, 7))));
    assert_eq!(journaled_counters(&muts).next_id, id.0 + 1);
}

#[test]
fn enqueue_with_key_also_journals_the_key() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, key("k"), T0);
    let muts = e.take_mutations();
    assert_eq!(muts.len(), 4, "{muts:?}");
    let key_record = muts.iter().find_map(|m| match m {
        Mutation::Put(Record::Key(k)) => Some(k.clone()),
        _ => None,
    });
    let k = key_record.expect("Put Key journaled");
    assert_eq!((k.key.as_str(), k.id, k.expires_at_ms), ("k", id, T0 + DAY));
    assert_eq!(journaled_message(&muts, id).idempotency_key(), Some("k"));
}

// ---------------------------------------------------------------- 2. idempotency

#[test]
fn duplicate_key_returns_first_id_and_changes_nothing() {
    let mut e = engine(exact());
    let first = put(&mut e, 1, key("k"), T0);
    e.take_mutations();
    let (stats, image) = (e.stats(), e.records());
    assert_eq!(
        e.enqueue(2, key("k"), T0 + 1),
        Ok(Enqueued::Duplicate(first))
    );
    assert!(!e.has_mutations(), "a duplicate journals nothing");
    assert_eq!(e.stats(), stats);
    assert_eq!(e.records(), image);
    assert_eq!(e.payload(first), Some(&1), "the first payload is kept");
    assert_eq!(
        put(&mut e, 3, opts(), T0 + 2),
        MessageId(first.0 + 1),
        "no id consumed"
    );
}

#[test]
fn duplicate_after_completion_within_window() {
    let mut e = engine(exact());
    let first = put(&mut e, 1, key("k"), T0);
    let l = lease_one(&mut e, T0 + 10);
    e.ack(l.token).unwrap();
    assert_eq!(e.get(first), None);
    assert_eq!(
        e.enqueue(2, key("k"), T0 + DAY - 1),
        Ok(Enqueued::Duplicate(first))
    );
    assert_eq!(e.stats().stored(), 0);
}

#[test]
fn key_is_free_again_after_default_window_once_message_is_gone() {
    let mut e = engine(exact());
    let first = put(&mut e, 1, key("k"), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    e.take_mutations();
    let second = put(&mut e, 2, key("k"), T0 + DAY);
    assert_ne!(second, first);
    assert_eq!(e.key_owner("k"), Some(second));
    // The expired key was deleted, then written again for the new message.
    let j = journal(&mut e);
    assert_eq!(
        j.first(),
        Some(&(false, RecordKey::Key("k".into()))),
        "{j:?}"
    );
    assert!(j.contains(&(true, RecordKey::Key("k".into()))));
}

#[test]
fn key_is_free_again_after_small_window_once_message_is_gone() {
    let mut e = engine(window(100));
    let first = put(&mut e, 1, key("k"), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    assert_eq!(
        e.enqueue(2, key("k"), T0 + 99),
        Ok(Enqueued::Duplicate(first))
    );
    let second = put(&mut e, 3, key("k"), T0 + 100);
    assert!(second > first);
    assert_eq!(
        e.enqueue(4, key("k"), T0 + 150),
        Ok(Enqueued::Duplicate(second))
    );
}

#[test]
fn per_message_window_overrides_the_queue_window() {
    let mut e = engine(window(1_000_000));
    let short = EnqueueOptions {
        idempotency_window_ms: Some(100),
        ..key("k")
    };
    let first = put(&mut e, 1, short, T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    assert_eq!(
        e.enqueue(2, key("k"), T0 + 99),
        Ok(Enqueued::Duplicate(first))
    );
    let second = put(&mut e, 3, key("k"), T0 + 100);
    assert!(
        second > first,
        "the short window ended although the queue's is long"
    );
    let bad = EnqueueOptions {
        idempotency_window_ms: Some(u64::MAX),
        ..key("x")
    };
    assert_eq!(
        option_error(e.enqueue(4, bad, T0 + 100)),
        "idempotencyWindowMs"
    );
}

#[test]
fn key_outlives_window_while_its_message_exists() {
    let mut e = engine(window(100));
    let first = put(&mut e, 1, key("k"), T0);
    // The window ends at T0 + 100; the message is still there.
    assert_eq!(
        e.enqueue(2, key("k"), T0 + 100),
        Ok(Enqueued::Duplicate(first))
    );
    assert_eq!(e.key_owner("k"), Some(first));
    // Once the message completes past the window, the key goes with it.
    let l = lease_one(&mut e, T0 + 100);
    e.take_mutations();
    e.ack(l.token).unwrap();
    assert!(journal(&mut e).contains(&(false, RecordKey::Key("k".into()))));
    assert_eq!(e.key_owner("k"), None);
    assert_ne!(put(&mut e, 3, key("k"), T0 + 100), first);
}

#[test]
fn dedup_survives_a_rebuild() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let first = put(&mut e, 1, key("k"), T0);
    let waiting = put(&mut e, 2, key("w"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, first);
    e.ack(l.token).unwrap();
    replay(&mut e, &mut store);
    let mut re = rebuild(&e, &store);
    assert_eq!(
        re.enqueue(3, key("k"), T0 + 1),
        Ok(Enqueued::Duplicate(first))
    );
    assert_eq!(
        re.enqueue(4, key("w"), T0 + 1),
        Ok(Enqueued::Duplicate(waiting))
    );
    // Past the window, the completed message's key is free; the waiting one's is not.
    let mut later = Engine::from_records(exact(), store, T0 + DAY).unwrap();
    assert!(!later.enqueue(5, key("k"), T0 + DAY).unwrap().is_duplicate());
    assert_eq!(
        later.enqueue(6, key("w"), T0 + DAY),
        Ok(Enqueued::Duplicate(waiting))
    );
}

// ---------------------------------------------------------------- 3. invalid options

#[test]
fn invalid_options_are_named_and_change_nothing() {
    let mut e = engine(exact());
    put(&mut e, 1, key("k"), T0);
    e.take_mutations();
    let before = (e.stats(), e.clock(), e.records());
    let cases = [
        ("idempotencyKey", key("")),
        ("idempotencyKey", key(&"k".repeat(MAX_KEY_BYTES + 1))),
        ("idempotencyKey", key(&"é".repeat(MAX_KEY_BYTES / 2 + 1))),
        ("group", group("")),
        (
            "runAt",
            EnqueueOptions {
                delay_ms: Some(1),
                run_at_ms: Some(T0),
                ..opts()
            },
        ),
        ("maxAttempts", attempts(0)),
        ("maxAttempts", attempts(MAX_ATTEMPTS_LIMIT + 1)),
        ("delayMs", delay(MAX_TIME_MS + 1)),
        ("delayMs", delay(u64::MAX)),
        ("runAt", run_at(u64::MAX)),
    ];
    for (name, o) in cases {
        let shown = format!("{o:?}");
        assert_eq!(option_error(e.enqueue(9, o, T0 + 50)), name, "{shown}");
        assert!(!e.has_mutations(), "journaled for {shown}");
        assert_eq!(
            (e.stats(), e.clock(), e.records()),
            before,
            "changed by {shown}"
        );
    }
    assert_eq!(
        put(&mut e, 2, opts(), T0),
        MessageId(1),
        "next id unchanged"
    );
    assert!(e.enqueue(3, key(&"k".repeat(MAX_KEY_BYTES)), T0).is_ok());
}

// ---------------------------------------------------------------- 4. delay / runAt

/// Enqueues with `o` at T0 and checks the message is delayed until exactly `due`.
fn assert_delayed_until(o: EnqueueOptions, due: u64) {
    let mut e = engine(exact());
    let id = put(&mut e, 1, o, T0);
    assert_eq!(e.get(id).unwrap().due_ms, due);
    assert_eq!(counts(&e), (0, 1, 0, 0));
    assert!(
        e.lease(due - 1, 10).is_empty(),
        "leased before its due time"
    );
    assert_eq!(counts(&e), (0, 1, 0, 0));
    e.tick(due);
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(lease_ids(&mut e, due, 10), vec![id]);
}

#[test]
fn delayed_message_waits_for_its_delay() {
    assert_delayed_until(delay(500), T0 + 500);
}

#[test]
fn run_at_message_waits_for_its_time() {
    assert_delayed_until(run_at(T0 + 7_000), T0 + 7_000);
}

#[test]
fn run_at_in_the_past_is_pending_at_once() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, run_at(5), T0);
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(lease_ids(&mut e, T0, 1), vec![id]);
}

// ---------------------------------------------------------------- 5. lease order

#[test]
fn lease_order_is_priority_then_due_then_enqueue_order() {
    let mut e = engine(exact());
    let low = put(&mut e, 0, priority(-1), T0);
    let plain = put(&mut e, 1, opts(), T0);
    let early = put(&mut e, 2, run_at(T0 - 100), T0);
    let high_late = put(
        &mut e,
        3,
        EnqueueOptions {
            priority: 5,
            delay_ms: Some(10),
            ..opts()
        },
        T0,
    );
    let plain_after = put(&mut e, 4, opts(), T0);
    let high = put(&mut e, 5, priority(5), T0);
    assert_eq!(
        lease_ids(&mut e, T0 + 10, 10),
        vec![high, high_late, early, plain, plain_after, low]
    );
}

#[test]
fn lease_returns_at_most_n() {
    let mut e = engine(exact());
    for i in 0..5 {
        put(&mut e, i, opts(), T0);
    }
    assert!(e.lease(T0, 0).is_empty());
    assert_eq!(e.lease(T0, 2).len(), 2);
    assert_eq!(e.lease(T0, 10).len(), 3);
    assert!(e.lease(T0, 10).is_empty());
    assert_eq!(counts(&e), (0, 0, 5, 0));
}

// ---------------------------------------------------------------- 6. FIFO groups

#[test]
fn group_has_one_in_flight_in_strict_id_order() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, group("g"), T0);
    // A higher priority does not jump the queue inside a group.
    let b = put(
        &mut e,
        2,
        EnqueueOptions {
            priority: 10,
            ..group("g")
        },
        T0,
    );
    let first = lease_one(&mut e, T0);
    assert_eq!(first.token.id, a);
    // Joining a group while its head is in flight does not jump it either.
    let c = put(&mut e, 3, group("g"), T0);
    assert!(e.lease(T0, 10).is_empty(), "b and c wait for a");
    e.ack(first.token).unwrap();
    for expected in [b, c] {
        let got = e.lease(T0, 10);
        assert_eq!(
            got.iter().map(|l| l.token.id).collect::<Vec<_>>(),
            vec![expected]
        );
        assert!(
            e.lease(T0, 10).is_empty(),
            "a second member leased while one is in flight"
        );
        e.ack(got[0].token).unwrap();
    }
    assert_eq!(e.stats().stored(), 0);
}

#[test]
fn other_groups_and_ungrouped_are_not_blocked() {
    let mut e = engine(exact());
    let g1 = put(&mut e, 1, group("g"), T0);
    let _g2 = put(&mut e, 2, group("g"), T0);
    let h1 = put(&mut e, 3, group("h"), T0);
    let u = put(&mut e, 4, opts(), T0);
    assert_eq!(lease_ids(&mut e, T0, 10), vec![g1, h1, u]);
    assert_eq!(counts(&e), (1, 0, 3, 0));
}

#[test]
fn nacked_group_head_blocks_its_group_until_it_succeeds() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, a);
    assert_eq!(
        e.nack(l.token, "x", T0),
        Ok(Settled::Retry { due_ms: T0 + 1_000 })
    );
    let other = put(&mut e, 3, group("h"), T0 + 1);
    let free = put(&mut e, 4, opts(), T0 + 1);
    assert_eq!(
        lease_ids(&mut e, T0 + 999, 10),
        vec![other, free],
        "b must wait for a"
    );
    let l = lease_one(&mut e, T0 + 1_000);
    assert_eq!((l.token.id, l.attempt), (a, 2));
    assert!(e.lease(T0 + 1_000, 10).is_empty());
    e.ack(l.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0 + 1_000, 10), vec![b]);
}

#[test]
fn dead_group_head_unblocks_the_next() {
    let mut e = engine(exact());
    let a = put(
        &mut e,
        1,
        EnqueueOptions {
            max_attempts: Some(1),
            ..group("g")
        },
        T0,
    );
    let b = put(&mut e, 2, group("g"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, a);
    assert_eq!(e.nack(l.token, "x", T0), Ok(Settled::Dead));
    assert_eq!(lease_ids(&mut e, T0, 10), vec![b]);
}

#[test]
fn delayed_group_head_holds_back_due_members() {
    let mut e = engine(exact());
    let a = put(
        &mut e,
        1,
        EnqueueOptions {
            delay_ms: Some(100),
            ..group("g")
        },
        T0,
    );
    let b = put(&mut e, 2, group("g"), T0);
    assert!(
        e.lease(T0 + 99, 10).is_empty(),
        "b waits behind its delayed head"
    );
    let l = lease_one(&mut e, T0 + 100);
    assert_eq!(l.token.id, a);
    e.ack(l.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0 + 100, 10), vec![b]);
}

// ---------------------------------------------------------------- 7. attempts

#[test]
fn attempts_are_counted_and_journaled_at_lease_time() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, opts(), T0);
    e.take_mutations();
    for attempt in 1..=3 {
        let now = T0 + (attempt as u64 - 1) * LEASE;
        e.expire(now);
        let l = lease_one(&mut e, now);
        assert_eq!(l.attempt, attempt);
        assert_eq!(e.get(id).unwrap().attempts, attempt);
        let muts = e.take_mutations();
        let meta = journaled_message(&muts, id);
        assert_eq!(
            meta.attempts, attempt,
            "attempts journaled before any ack/nack"
        );
        assert!(
            matches!(meta.state, MessageState::InFlight { deadline_ms, .. } if deadline_ms == now + LEASE)
        );
        assert_eq!(journaled_counters(&muts).next_lease, l.token.lease + 1);
    }
}

// ---------------------------------------------------------------- 8. ack and stale tokens

#[test]
fn ack_removes_the_message_and_counts_completed() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, opts(), T0);
    let l = lease_one(&mut e, T0);
    e.take_mutations();
    e.ack(l.token).unwrap();
    let j = journal(&mut e);
    assert!(j.contains(&(false, RecordKey::Message(id))), "{j:?}");
    assert!(j.contains(&(false, RecordKey::Payload(id))), "{j:?}");
    assert!(j.contains(&(true, RecordKey::Counters)), "{j:?}");
    assert_eq!(e.get(id), None);
    assert_eq!(e.payload(id), None);
    assert_eq!(e.stats().completed, 1);
    assert_eq!(e.stats().stored(), 0);
}

#[test]
fn ack_or_nack_twice_is_a_stale_lease() {
    let mut e = engine(exact());
    put(&mut e, 1, opts(), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    e.take_mutations();
    assert_eq!(e.ack(l.token), Err(Error::StaleLease));
    assert_eq!(e.nack(l.token, "late", T0 + 1), Err(Error::StaleLease));
    assert!(!e.has_mutations());
    assert_eq!(e.stats().completed, 1);
    let never = LeaseToken {
        id: MessageId(42),
        lease: 0,
    };
    assert_eq!(e.ack(never), Err(Error::StaleLease));
}

#[test]
fn token_of_an_expired_lease_is_stale() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, opts(), T0);
    let old = lease_one(&mut e, T0).token;
    e.expire(T0 + LEASE);
    e.take_mutations();
    // Expired, not yet leased again.
    assert_eq!(e.ack(old), Err(Error::StaleLease));
    let new = lease_one(&mut e, T0 + LEASE).token;
    e.take_mutations();
    assert_eq!(e.ack(old), Err(Error::StaleLease));
    assert_eq!(e.nack(old, "late", T0 + LEASE + 1), Err(Error::StaleLease));
    assert!(!e.has_mutations(), "a stale token journals nothing");
    assert!(
        matches!(e.get(id).unwrap().state, MessageState::InFlight { lease, .. } if lease == new.lease)
    );
    assert_eq!(
        e.clock(),
        T0 + LEASE,
        "a stale nack does not move the clock"
    );
    e.ack(new).unwrap();
}

// ---------------------------------------------------------------- 9. nack and backoff

#[test]
fn fixed_backoff_retries_after_exact_delay() {
    let cfg = Config {
        max_attempts: 10,
        ..fixed(250)
    };
    assert_eq!(retry_delays(cfg, 5), vec![250; 5]);
}

#[test]
fn exponential_backoff_doubles_and_caps() {
    let cfg = Config {
        backoff: Backoff::Exponential {
            delay_ms: 100,
            max_delay_ms: 300,
        },
        max_attempts: 10,
        ..exact()
    };
    assert_eq!(retry_delays(cfg, 5), vec![100, 200, 300, 300, 300]);
    assert_eq!(retry_delays(exact(), 4), vec![1_000, 2_000, 4_000, 8_000]);
}

#[test]
fn jittered_backoff_stays_within_half_to_full() {
    let backoff = Backoff::Exponential {
        delay_ms: 1_000,
        max_delay_ms: 8_000,
    };
    let cfg = Config {
        backoff,
        jitter: true,
        max_attempts: 200,
        ..Config::default()
    };
    let delays = retry_delays(cfg, 150);
    for (i, d) in delays.iter().enumerate() {
        let full = backoff.delay(i as u32 + 1);
        assert!(
            (full / 2..=full).contains(d),
            "retry {i}: {d} not in [{}, {full}]",
            full / 2
        );
    }
    assert!(
        delays[10..].iter().any(|d| *d != delays[10]),
        "jitter varies"
    );
}

#[test]
fn nack_after_max_attempts_is_dead_with_last_error() {
    let mut e = engine(Config {
        max_attempts: 3,
        ..fixed(10)
    });
    let id = put(&mut e, 1, opts(), T0);
    let mut now = T0;
    for n in 1..=3 {
        let l = lease_one(&mut e, now);
        let outcome = e.nack(l.token, &format!("error {n}"), now).unwrap();
        assert_eq!(outcome == Settled::Dead, n == 3, "try {n}: {outcome:?}");
        now += 10;
    }
    let meta = e.get(id).unwrap();
    assert_eq!(meta.last_error(), Some("error 3"));
    assert_eq!(meta.attempts, 3);
    assert_eq!(
        meta.state,
        MessageState::Dead {
            failed_at_ms: T0 + 20
        }
    );
    assert_eq!(counts(&e), (0, 0, 0, 1));
    assert_eq!(e.stats().retried, 2, "the final failure is not a retry");
    assert!(
        e.lease(now + DAY, 10).is_empty(),
        "a dead letter is never leased"
    );
}

#[test]
fn per_message_max_attempts_overrides_config() {
    let tries_until_dead = |cfg_max: u32, msg_max: u32| -> u32 {
        let mut e = engine(Config {
            max_attempts: cfg_max,
            ..fixed(0)
        });
        put(&mut e, 1, attempts(msg_max), T0);
        for n in 1..=100 {
            let l = lease_one(&mut e, T0);
            assert_eq!(l.max_attempts, msg_max);
            if e.nack(l.token, "x", T0).unwrap() == Settled::Dead {
                return n;
            }
        }
        panic!("never died");
    };
    assert_eq!(tries_until_dead(5, 2), 2);
    assert_eq!(tries_until_dead(1, 7), 7);
}

#[test]
fn retried_counts_every_retry() {
    let mut e = engine(fixed(0));
    put(&mut e, 1, opts(), T0);
    put(&mut e, 2, opts(), T0);
    for l in e.lease(T0, 2) {
        e.nack(l.token, "x", T0).unwrap();
    }
    let l = lease_one(&mut e, T0);
    e.nack(l.token, "x", T0).unwrap();
    assert_eq!(e.stats().retried, 3);
    assert_eq!(journaled_counters(&e.take_mutations()).retried, 3);
}

// ---------------------------------------------------------------- 10. expire

#[test]
fn expired_lease_is_pending_again_at_once() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, opts(), T0);
    lease_one(&mut e, T0);
    assert!(e.expire(T0 + LEASE - 1).is_empty());
    assert_eq!(counts(&e), (0, 0, 1, 0));
    let expired = e.expire(T0 + LEASE);
    assert_eq!(
        expired,
        vec![Expired {
            id,
            outcome: Settled::Retry { due_ms: T0 + LEASE }
        }]
    );
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(e.stats().retried, 1);
    let l = lease_one(&mut e, T0 + LEASE);
    assert_eq!((l.token.id, l.attempt), (id, 2));
}

#[test]
fn expired_lease_out_of_attempts_is_dead() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, attempts(1), T0);
    lease_one(&mut e, T0);
    assert_eq!(
        e.expire(T0 + LEASE),
        vec![Expired {
            id,
            outcome: Settled::Dead
        }]
    );
    let meta = e.get(id).unwrap();
    assert!(
        meta.last_error().unwrap_or("").contains("lease"),
        "{meta:?}"
    );
    assert_eq!(counts(&e), (0, 0, 0, 1));
    assert_eq!(e.stats().retried, 0);
}

#[test]
fn expire_leaves_leases_before_their_deadline() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, opts(), T0);
    let b = put(&mut e, 2, opts(), T0);
    lease_one(&mut e, T0);
    let lb = lease_one(&mut e, T0 + 100);
    let expired: Vec<MessageId> = e.expire(T0 + LEASE + 99).iter().map(|x| x.id).collect();
    assert_eq!(expired, vec![a]);
    assert!(matches!(
        e.get(b).unwrap().state,
        MessageState::InFlight { .. }
    ));
    assert_eq!(counts(&e), (1, 0, 1, 0));
    e.ack(lb.token).unwrap();
}

#[test]
fn expired_group_head_keeps_its_place() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, group("g"), T0);
    put(&mut e, 2, group("g"), T0);
    lease_one(&mut e, T0);
    e.expire(T0 + LEASE);
    assert_eq!(lease_ids(&mut e, T0 + LEASE, 10), vec![a]);
}

// ---------------------------------------------------------------- 11. dead letters

#[test]
fn dead_letters_are_listed_in_pages() {
    let mut e = engine(exact());
    let ids: Vec<MessageId> = (0..5)
        .map(|i| kill(&mut e, 10 + i, opts(), T0 + i as u64))
        .collect();
    let page = |e: &Engine<u32>, after: Option<MessageId>, limit| -> Vec<MessageId> {
        e.dead_letters(after, limit).iter().map(|d| d.id).collect()
    };
    assert_eq!(page(&e, None, 2), ids[..2]);
    assert_eq!(page(&e, Some(ids[1]), 2), ids[2..4]);
    assert_eq!(page(&e, Some(ids[3]), 10), ids[4..]);
    assert!(page(&e, Some(ids[4]), 10).is_empty());
    assert!(page(&e, None, 0).is_empty());
    let d = &e.dead_letters(Some(ids[1]), 1)[0];
    assert_eq!(
        (
            d.id,
            d.payload,
            d.attempts,
            d.last_error.as_deref(),
            d.failed_at_ms
        ),
        (ids[2], 12, 1, Some("boom 12"), T0 + 2)
    );
    assert_eq!(e.stats().dead, 5);
}

#[test]
fn dead_letter_keeps_key_and_group() {
    let mut e = engine(exact());
    kill(
        &mut e,
        1,
        EnqueueOptions {
            idempotency_key: Some("k".into()),
            group: Some("g".into()),
            ..opts()
        },
        T0,
    );
    let d = &e.dead_letters(None, 10)[0];
    assert_eq!(
        (d.idempotency_key.as_deref(), d.group.as_deref()),
        (Some("k"), Some("g"))
    );
}

#[test]
fn redrive_makes_a_dead_letter_pending_with_fresh_tries() {
    let mut e = engine(exact());
    let id = kill(&mut e, 1, opts(), T0);
    e.take_mutations();
    e.redrive(id, T0 + 10).unwrap();
    let meta = journaled_message(&e.take_mutations(), id);
    assert_eq!(
        (meta.attempts, meta.state.clone(), meta.due_ms),
        (0, MessageState::Waiting, T0 + 10)
    );
    assert_eq!(e.get(id), Some(&meta));
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert!(e.dead_letters(None, 10).is_empty());
    let l = lease_one(&mut e, T0 + 10);
    assert_eq!((l.token.id, l.attempt), (id, 1));
}

#[test]
fn redriven_group_member_takes_its_place_by_id() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = kill(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let c = put(&mut e, 3, group("g"), T0);
    let lb = lease_one(&mut e, T0);
    assert_eq!(lb.token.id, b);
    e.redrive(a, T0 + 1).unwrap();
    assert_durable(&mut e, &mut store);
    assert!(e.lease(T0 + 1, 10).is_empty(), "b is still in flight");
    e.ack(lb.token).unwrap();
    assert_durable(&mut e, &mut store);
    let la = lease_one(&mut e, T0 + 1);
    assert_eq!(la.token.id, a, "the redriven a comes before c");
    e.ack(la.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0 + 1, 10), vec![c]);
}

#[test]
fn redrive_of_a_non_dead_id_is_not_found() {
    let mut e = engine(exact());
    let waiting = put(&mut e, 1, opts(), T0);
    let in_flight = put(&mut e, 2, priority(1), T0);
    lease_one(&mut e, T0);
    let purged = kill(&mut e, 3, opts(), T0);
    e.purge(purged).unwrap();
    e.take_mutations();
    let before = e.stats();
    for id in [waiting, in_flight, purged, MessageId(99)] {
        assert_eq!(e.redrive(id, T0 + 1), Err(Error::NotFound(id)));
    }
    assert!(!e.has_mutations());
    assert_eq!(e.stats(), before);
}

#[test]
fn redrive_all_sends_every_dead_letter_back() {
    let mut e = engine(exact());
    let mut ids: Vec<MessageId> = (0..3).map(|i| kill(&mut e, i, opts(), T0)).collect();
    assert_eq!(e.redrive_all(T0 + 5), 3);
    assert_eq!(counts(&e), (3, 0, 0, 0));
    let mut leased = lease_ids(&mut e, T0 + 5, 10);
    leased.sort();
    ids.sort();
    assert_eq!(leased, ids);
    assert_eq!(e.redrive_all(T0 + 5), 0);
}

#[test]
fn purge_deletes_dead_letters() {
    let mut e = engine(exact());
    let ids: Vec<MessageId> = (0..3).map(|i| kill(&mut e, i, opts(), T0)).collect();
    let waiting = put(&mut e, 9, opts(), T0);
    e.take_mutations();
    e.purge(ids[1]).unwrap();
    assert_eq!(
        journal(&mut e),
        vec![
            (false, RecordKey::Message(ids[1])),
            (false, RecordKey::Payload(ids[1]))
        ]
    );
    assert_eq!(e.get(ids[1]), None);
    assert_eq!(e.stats().dead, 2);
    assert_eq!(e.purge(ids[1]), Err(Error::NotFound(ids[1])));
    assert_eq!(e.purge(waiting), Err(Error::NotFound(waiting)));
    assert_eq!(e.purge_all(), 2);
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert!(ids.iter().all(|id| e.get(*id).is_none()));
    assert_eq!(e.purge_all(), 0);
}

// ---------------------------------------------------------------- 12. stats

#[test]
fn stats_follow_a_scenario() {
    let mut e = engine(fixed(1_000));
    let check = |e: &Engine<u32>, expected: (usize, usize, usize, usize)| {
        assert_eq!(counts(e), expected);
        assert_eq!(e.stats().stored(), e.records().messages.len());
    };
    put(&mut e, 1, opts(), T0);
    put(&mut e, 2, opts(), T0);
    put(&mut e, 3, delay(5_000), T0);
    put(&mut e, 4, group("g"), T0);
    put(&mut e, 5, group("g"), T0);
    check(&e, (4, 1, 0, 0));
    let leases = e.lease(T0, 3);
    check(&e, (1, 1, 3, 0));
    e.ack(leases[0].token).unwrap();
    check(&e, (1, 1, 2, 0));
    e.nack(leases[1].token, "x", T0).unwrap();
    check(&e, (1, 2, 1, 0));
    kill(&mut e, 6, opts(), T0);
    check(&e, (1, 2, 1, 1));
    e.tick(T0 + 1_000);
    check(&e, (2, 1, 1, 1));
    e.tick(T0 + 5_000);
    check(&e, (3, 0, 1, 1));
    let s = e.stats();
    assert_eq!((s.completed, s.retried, s.stored()), (1, 1, 5));
}

// ---------------------------------------------------------------- 13. next_wake

#[test]
fn next_wake_is_the_earliest_due_time_or_lease_deadline() {
    let mut e = engine(exact());
    assert_eq!(e.next_wake(), None);
    put(&mut e, 1, opts(), T0);
    assert_eq!(e.next_wake(), None, "a pending message needs no wake-up");
    put(&mut e, 2, delay(500), T0);
    assert_eq!(e.next_wake(), Some(T0 + 500));
    let l = lease_one(&mut e, T0);
    assert_eq!(e.next_wake(), Some(T0 + 500));
    e.tick(T0 + 500);
    assert_eq!(e.next_wake(), Some(T0 + LEASE), "then the lease deadline");
    put(&mut e, 3, delay(LEASE), T0 + 500);
    assert_eq!(e.next_wake(), Some(T0 + LEASE));
    e.ack(l.token).unwrap();
    assert_eq!(e.next_wake(), Some(T0 + 500 + LEASE));
    e.tick(T0 + 500 + LEASE);
    assert_eq!(e.next_wake(), None);
}

// ---------------------------------------------------------------- 14. rebuild

#[test]
fn rebuild_after_mixed_scenario_equals_live_engine() {
    let mut e = engine(Config {
        idempotency_window_ms: 2_000,
        ..fixed(1_000)
    });
    let mut store = Records::default();
    let check = assert_durable;

    let done = put(&mut e, 1, key("done"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, done);
    e.ack(l.token).unwrap();
    check(&mut e, &mut store);

    let dead = kill(&mut e, 2, key("dead"), T0);
    check(&mut e, &mut store);

    let g1 = put(&mut e, 3, group("g"), T0);
    put(&mut e, 4, group("g"), T0);
    assert_eq!(lease_ids(&mut e, T0, 1), vec![g1]);
    check(&mut e, &mut store);

    let h1 = put(&mut e, 5, group("h"), T0);
    put(&mut e, 6, group("h"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, h1);
    e.nack(l.token, "retry me", T0).unwrap();
    check(&mut e, &mut store);

    put(&mut e, 7, delay(5_000), T0);
    let waiting = put(
        &mut e,
        8,
        EnqueueOptions {
            priority: 2,
            ..key("w")
        },
        T0,
    );
    check(&mut e, &mut store);

    e.tick(T0 + 1_500);
    check(&mut e, &mut store);

    e.tick(T0 + 2_500);
    assert_eq!(e.key_owner("done"), None, "window over, message gone");
    assert_eq!(e.key_owner("dead"), Some(dead), "window over, message kept");
    check(&mut e, &mut store);

    // The rebuilt engine goes on exactly like the live one.
    let mut re = rebuild(&e, &store);
    let live_leases = e.lease(T0 + 2_500, 10);
    assert_eq!(re.lease(T0 + 2_500, 10), live_leases);
    let ids: Vec<MessageId> = live_leases.iter().map(|l| l.token.id).collect();
    assert_eq!(ids, vec![waiting, h1]);
    assert_eq!(re.take_mutations(), e.take_mutations());
    assert_eq!(re.expire(T0 + 5_000 + LEASE), e.expire(T0 + 5_000 + LEASE));
    assert!(re.same_state(&e));
}

#[test]
fn records_equal_the_replayed_journal() {
    let mut e = engine(window(100));
    let mut store = Records::default();
    let a = put(&mut e, 1, key("a"), T0);
    put(&mut e, 2, key("b"), T0);
    put(&mut e, 3, group("g"), T0);
    let leases = e.lease(T0, 3);
    assert_eq!(leases[0].token.id, a);
    e.ack(leases[0].token).unwrap();
    e.nack(leases[1].token, "x", T0 + 1).unwrap();
    e.tick(T0 + 200);
    replay(&mut e, &mut store);
    assert_eq!(e.records(), store);
    assert!(
        !store.keys.contains_key("a"),
        "expired key deleted from the store"
    );
    assert!(store.keys.contains_key("b"));
    assert_eq!(store.counters.completed, 1);
}

#[test]
fn in_flight_lease_comes_back_after_a_crash() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let c = put(&mut e, 3, opts(), T0);
    assert_eq!(lease_ids(&mut e, T0, 2), vec![a, c]);
    replay(&mut e, &mut store);
    // The tab dies; a new one reopens the store a little later.
    let mut re = Engine::from_records(exact(), store, T0 + 10).unwrap();
    assert_eq!(counts(&re), (1, 0, 2, 0));
    assert!(
        re.lease(T0 + 10, 10).is_empty(),
        "b waits behind the in-flight a"
    );
    assert_eq!(re.next_wake(), Some(T0 + LEASE));
    assert!(re.expire(T0 + LEASE - 1).is_empty());
    let expired: Vec<MessageId> = re.expire(T0 + LEASE).iter().map(|x| x.id).collect();
    assert_eq!(expired, vec![a, c]);
    assert_eq!(counts(&re), (3, 0, 0, 0));
    let leases = re.lease(T0 + LEASE, 10);
    let got: Vec<(MessageId, u32)> = leases.iter().map(|l| (l.token.id, l.attempt)).collect();
    assert_eq!(got, vec![(a, 2), (c, 2)]);
    assert!(leases[0].token.lease >= 2, "lease numbers are never reused");
    re.ack(leases[0].token).unwrap();
    assert_eq!(lease_ids(&mut re, T0 + LEASE, 10), vec![b]);
}

// ---------------------------------------------------------------- 15. missing payload

#[test]
fn message_without_payload_is_dropped_at_rebuild() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let c = put(&mut e, 3, opts(), T0);
    assert_eq!(lease_ids(&mut e, T0, 1), vec![a]);
    replay(&mut e, &mut store);
    store.apply(Mutation::Delete(RecordKey::Payload(a)));
    store.apply(Mutation::Delete(RecordKey::Payload(c)));
    let mut re = Engine::from_records(exact(), store, T0).unwrap();
    assert_eq!(re.get(a), None);
    assert_eq!(re.get(c), None);
    assert_eq!(counts(&re), (1, 0, 0, 0));
    let j = journal(&mut re);
    assert!(j.contains(&(false, RecordKey::Message(a))), "{j:?}");
    assert!(j.contains(&(false, RecordKey::Message(c))), "{j:?}");
    // The dropped head no longer blocks its group; ids are not reused.
    assert_eq!(lease_ids(&mut re, T0, 10), vec![b]);
    assert_eq!(put(&mut re, 4, opts(), T0), MessageId(3));
}

#[test]
fn payload_without_message_is_deleted_at_rebuild() {
    let mut store: Records<u32> = Records::default();
    store.apply(Mutation::Put(Record::Payload(MessageId(5), 5)));
    let mut re = Engine::from_records(exact(), store, T0).unwrap();
    assert_eq!(
        journal(&mut re),
        vec![(false, RecordKey::Payload(MessageId(5)))]
    );
    assert_eq!(re.stats().stored(), 0);
}

#[test]
fn origin_is_made_once_journaled_and_kept_by_a_rebuild() {
    let mut e = engine(exact());
    assert_eq!(e.origin(), None);
    assert_eq!(e.ensure_origin(|| "a1".into()), "a1");
    assert_eq!(e.ensure_origin(|| panic!("an origin is made once")), "a1");
    let journal = e.take_mutations();
    assert_eq!(journal, vec![Mutation::Put(Record::Origin("a1".into()))]);
    let mut stored = Records::default();
    stored.apply_all(journal);
    put(&mut e, 7, opts(), 0);
    stored.apply_all(e.take_mutations());
    let rebuilt = Engine::from_records(exact(), stored, 0).unwrap();
    assert_eq!(rebuilt.origin(), Some("a1"));
    assert!(rebuilt.same_state(&e));
}

#[test]
fn a_rejected_try_is_a_dead_letter_at_once_and_unblocks_its_group() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(
        (l.token.id, l.attempt, l.max_attempts),
        (a, 1, 5),
        "tries are left"
    );
    e.reject(l.token, "HTTP 400", T0 + 5).unwrap();
    let dead = e.dead_letters(None, 10);
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id, dead[0].last_error.as_deref()),
        (a, Some("HTTP 400"))
    );
    assert_eq!(e.stats().retried, 0, "not a retry");
    assert_eq!(lease_ids(&mut e, T0 + 5, 10), vec![b]);
    assert_eq!(e.reject(l.token, "again", T0 + 6), Err(Error::StaleLease));
}
