//! `Engine::roll_back`: for every operation, a batch that failed is taken
//! back without the store's help — the engine equals one rebuilt from the
//! records before the batch (the lease counter aside, which never goes
//! back) — also with a later batch drained or accumulating behind it, and
//! the queue goes on from there.
#![cfg(not(target_arch = "wasm32"))]

mod engine_support;

use engine_support::*;
use wasmq::core::{
    Config, Engine, EnqueueOptions, Enqueued, Error, JobState, JobStates, Lease, MessageId,
    OnDuplicate, Records, Settled,
};

/// Drains the journal as a committed batch.
fn settle(e: &mut Engine<u32>) {
    e.take_mutations();
    e.committed();
    assert_eq!(e.outstanding_batches(), 0);
}

/// A committed queue with some of everything: ungrouped, grouped, keyed and
/// delayed messages waiting, three in flight (one of them grouped), and a
/// dead letter with a key.
fn busy(cfg: Config) -> (Engine<u32>, Vec<Lease<u32>>) {
    let mut e = engine(cfg);
    kill(&mut e, 1, key("dead"), T0);
    for (i, o) in [
        opts(),
        group("g"),
        group("g"),
        key("k1"),
        key("k2"),
        delay(5_000),
        priority(2),
        EnqueueOptions {
            group: Some("h".to_owned()),
            priority: 3,
            ..key("k3")
        },
    ]
    .into_iter()
    .enumerate()
    {
        put(&mut e, 10 + i as u32, o, T0);
    }
    let leases = e.lease(T0 + 1, 3);
    assert_eq!(leases.len(), 3);
    settle(&mut e);
    (e, leases)
}

/// What the engine must equal after the batches since `before` failed.
fn expected(e: &Engine<u32>, before: &Records<u32>, next_lease: u64, now: u64) -> Engine<u32> {
    let mut stored = before.clone();
    stored.counters.next_lease = next_lease;
    let mut re = Engine::from_records(e.config().clone(), stored, now).expect("rebuild");
    re.keep_pace(e);
    re
}

/// Runs `op` as one batch that is drained (in flight) and then fails; the
/// engine must be as it was, and keep working.
fn fails(e: &mut Engine<u32>, now: u64, what: &str, op: impl FnOnce(&mut Engine<u32>)) {
    settle(e);
    let before = e.records();
    op(e);
    assert!(e.has_mutations(), "{what}: the operation changed nothing");
    let next_lease = e.records().counters.next_lease;
    let now = now.max(e.clock()); // time never goes back
    let batch = e.take_mutations();
    assert!(!batch.is_empty());
    e.roll_back(now);
    assert_eq!(e.outstanding_batches(), 0, "{what}");
    let re = expected(e, &before, next_lease, now);
    assert!(
        e.same_state(&re),
        "{what}: rolled back\n{e:#?}\nrebuilt before the batch\n{re:#?}"
    );
    assert_eq!(e.records(), re.records(), "{what}: payloads included");
    // The queue goes on: a later batch commits and a rebuild equals it.
    put(e, 999, opts(), now);
    let mut store = before;
    store.apply_all(e.take_mutations());
    e.committed();
    assert_eq!(e.records(), store, "{what}: the next batch stores the rest");
}

#[test]
fn every_operation_rolls_back_to_the_records_before_its_batch() {
    type Op = fn(&mut Engine<u32>, &[Lease<u32>]);
    let ops: Vec<(&str, Op)> = vec![
        ("enqueue", |e, _| {
            put(e, 1, opts(), T0 + 2);
        }),
        ("enqueue in a group", |e, _| {
            put(e, 1, group("g"), T0 + 2);
        }),
        ("enqueue with a key", |e, _| {
            put(e, 1, key("new"), T0 + 2);
        }),
        ("replace a waiting job", |e, _| {
            let o = EnqueueOptions {
                on_duplicate: OnDuplicate::Replace,
                priority: 7,
                delay_ms: Some(100),
                max_attempts: Some(9),
                ..key("k1")
            };
            assert!(matches!(
                e.enqueue(50, o, T0 + 2),
                Ok(Enqueued::Replaced(_))
            ));
        }),
        ("replace a job in flight", |e, _| {
            let o = EnqueueOptions {
                on_duplicate: OnDuplicate::Replace,
                group: Some("h".to_owned()),
                ..key("k3")
            };
            assert!(matches!(e.enqueue(51, o, T0 + 2), Ok(Enqueued::New(_))));
        }),
        ("replace a dead letter", |e, _| {
            let o = EnqueueOptions {
                on_duplicate: OnDuplicate::Replace,
                ..key("dead")
            };
            assert!(matches!(e.enqueue(52, o, T0 + 2), Ok(Enqueued::New(_))));
        }),
        ("lease", |e, _| {
            assert_eq!(e.lease(T0 + 2, 10).len(), 3);
        }),
        ("ack", |e, l| {
            for l in l {
                e.ack(l.token).unwrap();
            }
        }),
        ("nack to a retry", |e, l| {
            assert!(matches!(
                e.nack(l[0].token, "boom", T0 + 2),
                Ok(Settled::Retry { .. })
            ));
        }),
        ("nack_after", |e, l| {
            e.nack_after(l[1].token, "later", T0 + 90_000, T0 + 2)
                .unwrap();
        }),
        ("reject", |e, l| {
            e.reject(l[2].token, "no", T0 + 2).unwrap();
        }),
        ("expire", |e, _| {
            assert_eq!(e.expire(T0 + 1 + LEASE).len(), 3);
        }),
        ("recover leases", |e, _| {
            assert_eq!(e.recover_leases(T0 + 2).len(), 3);
        }),
        ("cancel a keyed job", |e, _| {
            let id = e.key_owner("k2").unwrap();
            e.cancel(id, T0 + 2).unwrap();
        }),
        ("cancel a delayed job", |e, _| {
            let id = e.jobs(JobStates::NONE.with(JobState::Delayed), None, None, 1)[0].id;
            e.cancel(id, T0 + 2).unwrap();
        }),
        ("redrive", |e, _| {
            let id = e.dead_letters(None, 1)[0].id;
            e.redrive(id, T0 + 2).unwrap();
        }),
        ("redrive all", |e, _| {
            assert_eq!(e.redrive_all(T0 + 2), 1);
        }),
        ("purge", |e, _| {
            let id = e.dead_letters(None, 1)[0].id;
            e.purge(id).unwrap();
        }),
        ("purge all", |e, _| {
            assert_eq!(e.purge_all(), 1);
        }),
        ("enqueue, lease and ack one job", |e, _| {
            let id = put(e, 1, priority(100), T0 + 2);
            let l = lease_one(e, T0 + 2);
            assert_eq!(l.token.id, id);
            e.ack(l.token).unwrap();
        }),
    ];
    for (what, op) in ops {
        let (mut e, leases) = busy(exact());
        let now = e.clock() + 3;
        fails(&mut e, now, what, |e| op(e, &leases));
    }
}

#[test]
fn key_expiry_and_an_ack_past_the_window_roll_back() {
    // The key of an acked job is forgotten when its window ends (tick).
    let mut e = engine(window(100));
    put(&mut e, 1, key("a"), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    fails(&mut e, T0 + 150, "key expiry", |e| e.tick(T0 + 150));
    assert_eq!(
        e.key_owner("a"),
        None,
        "gone again at the rollback's own tick"
    );
    let mut e = engine(window(100));
    put(&mut e, 1, key("a"), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    settle(&mut e);
    e.tick(T0 + 150);
    e.take_mutations();
    e.roll_back(T0 + 50);
    assert_eq!(e.key_owner("a"), None, "the clock never goes back");
    assert!(e.has_mutations(), "the key's delete is journaled again");

    // An ack after the window deletes the key with the message.
    let mut e = engine(window(100));
    put(&mut e, 1, key("b"), T0);
    let l = lease_one(&mut e, T0);
    e.tick(T0 + 150);
    settle(&mut e);
    fails(&mut e, T0 + 150, "ack past the window", |e| {
        e.ack(l.token).unwrap();
        assert_eq!(e.key_owner("b"), None);
    });
    assert!(e.key_owner("b").is_some(), "the key is back with its job");
}

#[test]
fn the_first_origin_rolls_back_to_none() {
    let mut e = engine(exact());
    fails(&mut e, T0, "origin", |e| {
        e.ensure_origin(|| "o1".to_owned());
    });
    assert_eq!(e.origin(), None);
    assert_eq!(e.ensure_origin(|| "o2".to_owned()), "o2");
}

#[test]
fn a_batch_in_flight_fails_while_the_next_accumulates_or_waits() {
    for next_drained in [false, true] {
        let (mut e, leases) = busy(exact());
        let before = e.records();
        // Batch k, in flight.
        e.ack(leases[0].token).unwrap();
        let dup = e.enqueue(70, key("k1"), T0 + 2);
        assert!(matches!(dup, Ok(Enqueued::Duplicate(_))));
        put(&mut e, 71, group("g"), T0 + 2);
        e.take_mutations();
        // Batch k+1 touches the same records again.
        let again = e.lease(T0 + 3, 10);
        assert!(!again.is_empty());
        for l in &again {
            e.nack(l.token, "second", T0 + 3).unwrap();
        }
        e.purge_all();
        if next_drained {
            e.take_mutations();
            assert_eq!(e.outstanding_batches(), 2);
        }
        let next_lease = e.records().counters.next_lease;
        e.roll_back(T0 + 4);
        assert_eq!(e.outstanding_batches(), 0);
        let re = expected(&e, &before, next_lease, T0 + 4);
        assert!(e.same_state(&re), "both batches taken back");
        assert!(!e.has_mutations() || next_lease > before.counters.next_lease);
    }
}

#[test]
fn a_committed_batch_stays_when_the_next_fails() {
    let (mut e, leases) = busy(exact());
    e.ack(leases[0].token).unwrap();
    e.take_mutations();
    let mut store = e.records();
    e.nack(leases[1].token, "boom", T0 + 2).unwrap();
    e.take_mutations();
    e.committed(); // the ack's batch is durable
    assert_eq!(e.outstanding_batches(), 1);
    let next_lease = e.records().counters.next_lease;
    e.roll_back(T0 + 3);
    store.counters.next_lease = next_lease;
    let re = expected(&e, &store, next_lease, T0 + 3);
    assert!(e.same_state(&re), "back to the state after the ack");
    assert!(e.get(leases[0].token.id).is_none(), "the ack stays");
}

#[test]
fn without_a_drained_batch_roll_back_undoes_what_accumulates() {
    let (mut e, leases) = busy(exact());
    let before = e.records();
    e.ack(leases[0].token).unwrap();
    put(&mut e, 5, opts(), T0 + 2);
    e.roll_back(T0 + 2);
    assert!(!e.has_mutations());
    assert!(e.same_state(&expected(&e, &before, before.counters.next_lease, T0 + 2)));
}

#[test]
fn a_rolled_back_lease_number_is_never_handed_out_again() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, opts(), T0);
    settle(&mut e);
    let first = lease_one(&mut e, T0 + 1);
    e.take_mutations();
    e.roll_back(T0 + 2);
    let second = lease_one(&mut e, T0 + 2);
    assert_eq!(second.token.id, id);
    assert_ne!(second.token.lease, first.token.lease);
    assert_eq!(
        e.ack(first.token),
        Err(Error::StaleLease),
        "the handler of the lease rolled back cannot settle the new one"
    );
    e.ack(second.token).unwrap();
    assert_eq!(e.stats().stored(), 0);
}

#[test]
fn committed_drops_the_undo_of_the_oldest_batch_only() {
    let mut e = engine(exact());
    let a: MessageId = put(&mut e, 1, opts(), T0);
    e.take_mutations();
    let b = put(&mut e, 2, opts(), T0);
    e.take_mutations();
    assert_eq!(e.outstanding_batches(), 2);
    e.committed();
    assert_eq!(e.outstanding_batches(), 1);
    e.roll_back(T0);
    assert!(e.get(a).is_some(), "the committed batch stays");
    assert!(e.get(b).is_none(), "the failed one is gone");
    e.committed(); // nothing outstanding: a no-op
    assert_eq!(e.outstanding_batches(), 0);
    assert!(e.get(a).is_some());
}

#[test]
fn take_records_moves_out_what_was_committed_and_leaves_the_engine_empty() {
    let (mut e, leases) = busy(exact());
    let committed = e.records();
    e.ack(leases[0].token).unwrap();
    e.take_mutations(); // a batch in flight
    put(&mut e, 5, key("late"), T0 + 2); // and changes accumulating
    let taken = e.take_records();
    assert_eq!(taken, committed, "only what was committed is handed over");
    assert_eq!(e.outstanding_batches(), 0);
    assert_eq!(e.stats().stored(), 0, "the engine keeps nothing");
    assert!(e.records().messages.is_empty() && e.records().keys.is_empty());
    assert_eq!(e.lease(T0 + 3, 10).len(), 0);
    let re = Engine::from_records(exact(), taken, T0 + 2).unwrap();
    assert_eq!(re.stats().stored(), 9, "the next leader finds them all");
}
