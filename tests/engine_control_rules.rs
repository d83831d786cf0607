//! One focused test per rule of queue control in the engine: listing what
//! waits (`jobs`), `cancel`, coalescing enqueues (`OnDuplicate::Replace`),
//! rate limits per queue and per group (with a manual clock), `nack_after`
//! (Retry-After) and `recover_leases` (a takeover).
#![cfg(not(target_arch = "wasm32"))]

mod engine_support;

use std::collections::BTreeMap;

use engine_support::*;
use wasmq::core::{
    Config, Engine, EnqueueOptions, Enqueued, Error, Expired, Job, JobState, JobStates, MessageId,
    MessageState, Mutation, OnDuplicate, RateLimit, Record, RecordKey, Records, Settled,
    MAX_TIME_MS,
};

// ---------------------------------------------------------------- helpers

fn replace(k: &str) -> EnqueueOptions {
    EnqueueOptions {
        on_duplicate: OnDuplicate::Replace,
        ..key(k)
    }
}

fn replace_in(k: &str, g: &str) -> EnqueueOptions {
    EnqueueOptions {
        group: Some(g.to_owned()),
        ..replace(k)
    }
}

fn states(list: &[JobState]) -> JobStates {
    list.iter().copied().collect()
}

/// Ids and states of a page.
fn page(
    e: &Engine<u32>,
    s: JobStates,
    g: Option<&str>,
    after: Option<MessageId>,
    limit: usize,
) -> Vec<(MessageId, JobState)> {
    e.jobs(s, g, after, limit)
        .iter()
        .map(|j| (j.id, j.state))
        .collect()
}

/// Every page of `limit`, followed through `after` to the end.
fn all_pages(e: &Engine<u32>, s: JobStates, g: Option<&str>, limit: usize) -> Vec<Vec<MessageId>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let ids: Vec<MessageId> = e.jobs(s, g, after, limit).iter().map(|j| j.id).collect();
        if ids.is_empty() {
            return pages;
        }
        assert!(ids.len() <= limit);
        after = ids.last().copied();
        pages.push(ids);
    }
}

/// What `jobs` must list, worked out from the stored records alone.
fn expected(e: &Engine<u32>, s: JobStates, g: Option<&str>) -> Vec<MessageId> {
    e.records()
        .metas()
        .filter(|m| g.is_none() || m.group() == g)
        .filter(|m| {
            let st = match m.state {
                MessageState::Waiting if m.due_ms > e.clock() => JobState::Delayed,
                MessageState::Waiting => JobState::Pending,
                MessageState::InFlight { .. } => JobState::InFlight,
                MessageState::Dead { .. } => return false,
            };
            s.contains(st)
        })
        .map(|m| m.id)
        .collect()
}

/// Commits the journal to `store` and returns it as `journal` does.
fn committed(e: &mut Engine<u32>, store: &mut Records<u32>) -> Vec<(bool, RecordKey)> {
    let muts = e.take_mutations();
    let view = muts
        .iter()
        .map(|m| match m {
            Mutation::Put(r) => (true, r.key()),
            Mutation::Delete(k) => (false, k.clone()),
        })
        .collect();
    store.apply_all(muts);
    view
}

fn limited(max: u32, interval_ms: u64) -> Option<RateLimit> {
    Some(RateLimit { max, interval_ms })
}

/// `exact()` with a queue rate limit.
fn paced(max: u32, interval_ms: u64) -> Config {
    Config {
        rate_limit: limited(max, interval_ms),
        ..exact()
    }
}

/// `exact()` with a group rate limit.
fn group_paced(max: u32, interval_ms: u64) -> Config {
    Config {
        group_rate_limit: limited(max, interval_ms),
        ..exact()
    }
}

/// Checks that no window of `interval` holds more than `max` of `starts` (sorted).
fn assert_window(starts: &[u64], max: usize, interval: u64) {
    for (i, t) in starts.iter().enumerate() {
        let inside = starts[i..]
            .iter()
            .take_while(|s| **s < t + interval)
            .count();
        assert!(
            inside <= max,
            "{inside} starts in [{t}, {}) > {max}: {starts:?}",
            t + interval
        );
    }
}

/// Runs a driver that sleeps until `next_wake`, leases up to 10 and acks at
/// once, until `n` starts were made. Returns the start times. With nothing
/// delayed and no lease left running, every wake-up must start a job: so
/// `next_wake` is exactly the next allowed start, never earlier.
fn drive(e: &mut Engine<u32>, n: usize) -> Vec<(u64, MessageId)> {
    let mut now = e.clock();
    let mut starts = Vec::new();
    let mut woken = false;
    while starts.len() < n {
        let leases = e.lease(now, 10);
        assert!(!(woken && leases.is_empty()), "woken at {now} for nothing");
        woken = false;
        for l in &leases {
            starts.push((now, l.token.id));
            e.ack(l.token).unwrap();
        }
        if !leases.is_empty() {
            continue;
        }
        assert!(!e.has_ready(), "ready work not leased at {now}");
        let wake = e.next_wake().expect("work is left, so a wake-up is due");
        assert!(wake > now, "next_wake {wake} is not after {now}");
        now = wake;
        woken = true;
    }
    starts
}

// ---------------------------------------------------------------- 1. jobs

#[test]
fn jobs_lists_waiting_and_in_flight_with_their_fields() {
    let mut e = engine(fixed(500));
    let done = put(&mut e, 1, priority(9), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, done);
    e.ack(l.token).unwrap();
    let dead = kill(&mut e, 2, opts(), T0);
    let running = put(
        &mut e,
        3,
        EnqueueOptions {
            priority: 5,
            ..key("r")
        },
        T0,
    );
    let retried = put(&mut e, 4, priority(4), T0);
    let plain = put(&mut e, 5, group("g"), T0);
    let later = put(&mut e, 6, delay(700), T0);
    let l = lease_one(&mut e, T0 + 1);
    assert_eq!(l.token.id, running);
    let r = lease_one(&mut e, T0 + 1);
    assert_eq!(r.token.id, retried);
    e.nack(r.token, "busy", T0 + 1).unwrap();

    let listed = e.jobs(JobStates::ALL, None, None, 10);
    let got: Vec<(MessageId, JobState)> = listed.iter().map(|j| (j.id, j.state)).collect();
    assert_eq!(
        got,
        vec![
            (running, JobState::InFlight),
            (retried, JobState::Delayed),
            (plain, JobState::Pending),
            (later, JobState::Delayed),
        ],
        "id order; neither the completed {done} nor the dead {dead}"
    );
    assert_eq!(
        listed[0],
        Job {
            id: running,
            state: JobState::InFlight,
            payload: 3,
            attempts: 1,
            max_attempts: 5,
            enqueued_at_ms: T0,
            due_ms: T0,
            deadline_ms: Some(T0 + 1 + LEASE),
            priority: 5,
            group: None,
            idempotency_key: Some("r".into()),
            last_error: None,
        }
    );
    let r = &listed[1];
    assert_eq!(
        (r.attempts, r.due_ms, r.deadline_ms, r.last_error.as_deref()),
        (1, T0 + 501, None, Some("busy"))
    );
    assert_eq!(
        (listed[2].group.as_deref(), listed[3].due_ms),
        (Some("g"), T0 + 700)
    );
    assert_eq!(JobState::InFlight.name(), "inFlight");
}

#[test]
fn pending_or_delayed_follows_the_clock_of_the_last_tick() {
    let mut e = engine(exact());
    let id = put(&mut e, 1, delay(100), T0);
    assert_eq!(
        page(&e, JobStates::ALL, None, None, 5),
        vec![(id, JobState::Delayed)]
    );
    e.tick(T0 + 99);
    assert_eq!(
        page(&e, JobStates::ALL, None, None, 5),
        vec![(id, JobState::Delayed)]
    );
    e.tick(T0 + 100);
    assert_eq!(
        page(&e, JobStates::ALL, None, None, 5),
        vec![(id, JobState::Pending)]
    );
    assert_eq!(e.stats().pending, 1, "as stats counts it");
}

/// A queue with every state, several groups, and dead letters between.
fn mixed() -> Engine<u32> {
    let mut e = engine(fixed(1_000));
    for i in 0..40u32 {
        let o = EnqueueOptions {
            group: (i % 3 == 0).then(|| format!("g{}", i % 2)),
            delay_ms: (i % 4 == 1).then_some(500),
            ..opts()
        };
        if i % 7 == 3 && o.group.is_none() && o.delay_ms.is_none() {
            kill(&mut e, i, o, T0);
        } else {
            put(&mut e, i, o, T0);
        }
    }
    let leases = e.lease(T0, 6);
    e.nack(leases[0].token, "x", T0).unwrap();
    e
}

#[test]
fn pages_partition_the_listing_for_every_filter() {
    let e = mixed();
    let p = JobState::Pending;
    let d = JobState::Delayed;
    let f = JobState::InFlight;
    let filters = [
        JobStates::ALL,
        states(&[p]),
        states(&[d]),
        states(&[f]),
        states(&[d, f]),
        states(&[p, f]),
        states(&[p, d]),
    ];
    for s in filters {
        for g in [None, Some("g0"), Some("g1")] {
            let want = expected(&e, s, g);
            for limit in [1, 2, 3, 7, 100] {
                let pages = all_pages(&e, s, g, limit);
                let flat: Vec<MessageId> = pages.concat();
                assert_eq!(flat, want, "{s:?} {g:?} limit {limit}");
                // Every page but the last is full.
                let full = pages.split_last().map_or(&[][..], |(_, rest)| rest);
                assert!(full.iter().all(|p| p.len() == limit));
            }
        }
    }
    assert!(
        expected(&e, JobStates::ALL, None).len() > 20,
        "the scenario lists a lot"
    );
    assert!(!expected(&e, states(&[f]), Some("g1")).is_empty());
    assert!(!expected(&e, states(&[d]), Some("g0")).is_empty());
}

#[test]
fn an_empty_filter_a_zero_limit_or_an_unknown_group_lists_nothing() {
    let e = mixed();
    assert!(e.jobs(JobStates::NONE, None, None, 10).is_empty());
    assert!(e.jobs(JobStates::ALL, None, None, 0).is_empty());
    assert!(e.jobs(JobStates::ALL, Some("nope"), None, 10).is_empty());
    assert!(e
        .jobs(JobStates::ALL, None, Some(MessageId(1_000)), 10)
        .is_empty());
    assert_eq!(JobStates::default(), JobStates::ALL);
}

#[test]
fn a_few_delayed_jobs_behind_a_long_pending_backlog_are_found() {
    // The walk from `after` passes over more pending jobs than there are
    // delayed ones, so the page comes from the delay index: same answer.
    let mut e = engine(exact());
    for i in 0..200 {
        put(&mut e, i, opts(), T0);
    }
    let late: Vec<MessageId> = (0..5)
        .map(|i| put(&mut e, i, delay(10 + i as u64), T0))
        .collect();
    for i in 0..50 {
        put(&mut e, i, opts(), T0);
    }
    let early = put(&mut e, 9, delay(1), T0);
    let d = states(&[JobState::Delayed]);
    assert_eq!(
        all_pages(&e, d, None, 2),
        vec![
            late[..2].to_vec(),
            late[2..4].to_vec(),
            vec![late[4], early]
        ]
    );
    let leased = lease_ids(&mut e, T0, 3);
    let f = states(&[JobState::InFlight]);
    assert_eq!(all_pages(&e, f, None, 2).concat(), leased);
    let mut both = leased.clone();
    both.extend(&late);
    both.push(early);
    assert_eq!(
        all_pages(
            &e,
            states(&[JobState::Delayed, JobState::InFlight]),
            None,
            3
        )
        .concat(),
        both
    );
}

#[test]
fn a_group_lists_its_members_in_order_including_the_one_in_flight() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, group("g"), T0);
    let other = put(&mut e, 2, group("h"), T0);
    let b = put(
        &mut e,
        3,
        EnqueueOptions {
            priority: 9,
            ..group("g")
        },
        T0,
    );
    let c = put(
        &mut e,
        4,
        EnqueueOptions {
            delay_ms: Some(50),
            ..group("g")
        },
        T0,
    );
    assert_eq!(lease_ids(&mut e, T0, 10), vec![a, other]);
    assert_eq!(
        page(&e, JobStates::ALL, Some("g"), None, 10),
        vec![
            (a, JobState::InFlight),
            (b, JobState::Pending),
            (c, JobState::Delayed)
        ]
    );
    assert_eq!(
        page(
            &e,
            states(&[JobState::Pending, JobState::Delayed]),
            Some("g"),
            Some(a),
            1
        ),
        vec![(b, JobState::Pending)]
    );
    assert_eq!(
        page(&e, JobStates::ALL, Some("g"), Some(b), 10),
        vec![(c, JobState::Delayed)]
    );
}

// ---------------------------------------------------------------- 2. cancel

#[test]
fn cancel_removes_a_pending_job_journaled_and_durable() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = put(&mut e, 1, opts(), T0);
    let b = put(&mut e, 2, opts(), T0);
    assert_durable(&mut e, &mut store);
    e.cancel(a, T0 + 1).unwrap();
    assert_eq!(
        committed(&mut e, &mut store),
        vec![
            (false, RecordKey::Message(a)),
            (false, RecordKey::Payload(a))
        ]
    );
    assert_eq!(e.get(a), None);
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(e.stats().completed, 0, "a cancel is not a completion");
    assert_durable(&mut e, &mut store);
    assert_eq!(lease_ids(&mut e, T0 + 1, 10), vec![b]);
    assert_eq!(e.cancel(a, T0 + 2), Err(Error::NotFound(a)), "once only");
}

#[test]
fn cancel_removes_a_delayed_job_and_its_wake_up() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let soon = put(&mut e, 1, delay(100), T0);
    put(&mut e, 2, delay(300), T0);
    assert_eq!(e.next_wake(), Some(T0 + 100));
    e.cancel(soon, T0 + 10).unwrap();
    assert_eq!(counts(&e), (0, 1, 0, 0));
    assert_eq!(e.next_wake(), Some(T0 + 300));
    assert_durable(&mut e, &mut store);
}

#[test]
fn cancel_releases_the_key_so_the_next_enqueue_stores_anew() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let first = put(&mut e, 1, key("k"), T0);
    assert_durable(&mut e, &mut store);
    e.cancel(first, T0 + 1).unwrap();
    let j = committed(&mut e, &mut store);
    assert!(j.contains(&(false, RecordKey::Key("k".into()))), "{j:?}");
    assert_eq!(e.key_owner("k"), None);
    let second = put(&mut e, 2, key("k"), T0 + 2);
    assert_ne!(second, first);
    assert_eq!(
        e.enqueue(3, key("k"), T0 + 3),
        Ok(Enqueued::Duplicate(second))
    );
    assert_durable(&mut e, &mut store);
}

#[test]
fn cancel_refuses_in_flight_dead_completed_and_unknown_ids_changing_nothing() {
    let mut e = engine(exact());
    let running = put(&mut e, 1, key("r"), T0);
    lease_one(&mut e, T0);
    let dead = kill(&mut e, 2, opts(), T0);
    let done = put(&mut e, 3, key("d"), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, done);
    e.ack(l.token).unwrap();
    e.take_mutations();
    let before = (e.stats(), e.records(), e.clock());
    let err = e.cancel(running, T0 + 5).unwrap_err();
    assert_eq!(
        (err.clone(), err.code()),
        (Error::InFlight(running), "JOB_IN_FLIGHT")
    );
    assert!(err.to_string().contains("in flight"), "{err}");
    for id in [dead, done, MessageId(77)] {
        assert_eq!(e.cancel(id, T0 + 5), Err(Error::NotFound(id)));
    }
    assert!(!e.has_mutations());
    assert_eq!((e.stats(), e.records(), e.clock()), before);
    assert_eq!(
        e.key_owner("d"),
        Some(done),
        "a completed job's key stays for its window"
    );
}

#[test]
fn cancelling_a_group_head_lets_the_next_run_and_a_middle_keeps_the_order() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let c = put(&mut e, 3, group("g"), T0);
    let d = put(&mut e, 4, group("g"), T0);
    e.cancel(a, T0).unwrap();
    assert_durable(&mut e, &mut store);
    e.cancel(c, T0).unwrap();
    assert_durable(&mut e, &mut store);
    let lb = lease_one(&mut e, T0);
    assert_eq!(lb.token.id, b);
    assert!(e.lease(T0, 10).is_empty(), "d waits for b");
    e.ack(lb.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0, 10), vec![d]);
}

#[test]
fn cancelling_a_delayed_group_head_unblocks_the_due_member_behind_it() {
    let mut e = engine(exact());
    let a = put(
        &mut e,
        1,
        EnqueueOptions {
            delay_ms: Some(1_000),
            ..group("g")
        },
        T0,
    );
    let b = put(&mut e, 2, group("g"), T0);
    assert!(e.lease(T0, 10).is_empty());
    e.cancel(a, T0 + 1).unwrap();
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(lease_ids(&mut e, T0 + 1, 10), vec![b]);
    assert_eq!(e.stats().stored(), 1);
}

#[test]
fn a_retry_waiting_for_its_backoff_can_be_cancelled() {
    let mut e = engine(fixed(1_000));
    let id = put(&mut e, 1, group("g"), T0);
    let next = put(&mut e, 2, group("g"), T0);
    let l = lease_one(&mut e, T0);
    e.nack(l.token, "x", T0).unwrap();
    assert_eq!(e.cancel(id, T0 + 1), Ok(()));
    assert_eq!(lease_ids(&mut e, T0 + 1, 10), vec![next]);
}

// ---------------------------------------------------------------- 3. coalesce

#[test]
fn replace_of_a_waiting_job_keeps_its_id_and_takes_payload_and_priority() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let id = put(&mut e, 1, replace("doc"), T0);
    let other = put(&mut e, 9, priority(3), T0);
    assert_durable(&mut e, &mut store);
    let o = EnqueueOptions {
        priority: 5,
        ..replace("doc")
    };
    assert_eq!(e.enqueue(2, o, T0 + 10), Ok(Enqueued::Replaced(id)));
    let muts = e.take_mutations();
    assert!(
        muts.contains(&Mutation::Put(Record::Payload(id, 2))),
        "{muts:?}"
    );
    let meta = muts
        .iter()
        .find_map(|m| match m {
            Mutation::Put(Record::Message(r)) => Some(r.clone()),
            _ => None,
        })
        .expect("Put Message");
    assert_eq!((meta.id, meta.priority, meta.enqueued_at_ms), (id, 5, T0));
    let key_record = muts.iter().find_map(|m| match m {
        Mutation::Put(Record::Key(k)) => Some(k.clone()),
        _ => None,
    });
    assert_eq!(
        key_record.map(|k| (k.id, k.expires_at_ms)),
        Some((id, T0 + 10 + DAY))
    );
    assert!(
        !muts
            .iter()
            .any(|m| matches!(m, Mutation::Put(Record::Counters(_)))),
        "no id used: {muts:?}"
    );
    store.apply_all(muts);
    assert_eq!(e.records(), store);
    assert_eq!(counts(&e), (2, 0, 0, 0));
    assert!(Enqueued::Replaced(id).is_replaced() && !Enqueued::Replaced(id).is_duplicate());
    assert_eq!(
        e.lease(T0 + 10, 10)
            .iter()
            .map(|l| (l.token.id, l.payload))
            .collect::<Vec<_>>(),
        vec![(id, 2), (other, 9)]
    );
    assert_durable(&mut e, &mut store);
    assert_eq!(
        put(&mut e, 3, opts(), T0 + 11),
        MessageId(2),
        "next id unchanged"
    );
}

#[test]
fn replace_takes_a_given_delay_and_otherwise_keeps_the_due_time() {
    let mut e = engine(exact());
    let id = put(
        &mut e,
        1,
        EnqueueOptions {
            delay_ms: Some(500),
            ..replace("k")
        },
        T0,
    );
    assert_eq!(
        e.enqueue(2, replace("k"), T0 + 100),
        Ok(Enqueued::Replaced(id))
    );
    assert_eq!(
        (e.get(id).unwrap().due_ms, counts(&e)),
        (T0 + 500, (0, 1, 0, 0))
    );
    // Debounce: each save pushes the send out.
    let again = EnqueueOptions {
        delay_ms: Some(500),
        ..replace("k")
    };
    assert_eq!(e.enqueue(3, again, T0 + 400), Ok(Enqueued::Replaced(id)));
    assert_eq!(e.next_wake(), Some(T0 + 900));
    assert!(e.lease(T0 + 899, 10).is_empty());
    let now = EnqueueOptions {
        run_at_ms: Some(T0),
        ..replace("k")
    };
    assert_eq!(e.enqueue(4, now, T0 + 899), Ok(Enqueued::Replaced(id)));
    assert_eq!(counts(&e), (1, 0, 0, 0));
    assert_eq!(e.next_wake(), None);
    assert_eq!(lease_one(&mut e, T0 + 899).payload, 4);
}

#[test]
fn replace_keeps_tries_so_far_and_never_leaves_none() {
    let mut e = engine(fixed(100));
    let id = put(
        &mut e,
        1,
        EnqueueOptions {
            max_attempts: Some(4),
            ..replace("k")
        },
        T0,
    );
    for now in [T0, T0 + 100] {
        let l = lease_one(&mut e, now);
        e.nack(l.token, "x", now).unwrap();
    }
    e.enqueue(2, replace("k"), T0 + 150).unwrap();
    let m = e.get(id).unwrap();
    assert_eq!(
        (m.attempts, m.max_attempts, m.last_error()),
        (2, 4, Some("x"))
    );
    let fewer = EnqueueOptions {
        max_attempts: Some(1),
        ..replace("k")
    };
    assert_eq!(e.enqueue(3, fewer, T0 + 150), Ok(Enqueued::Replaced(id)));
    assert_eq!(e.get(id).unwrap().max_attempts, 3, "one more try at least");
    let l = lease_one(&mut e, T0 + 200);
    assert_eq!((l.attempt, l.max_attempts, l.payload), (3, 3, 3));
    assert_eq!(e.nack(l.token, "x", T0 + 200), Ok(Settled::Dead));
}

#[test]
fn replace_of_a_job_in_flight_stores_a_new_one_the_key_then_names() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let first = put(&mut e, 1, replace("k"), T0);
    let running = lease_one(&mut e, T0);
    let second = match e.enqueue(2, replace("k"), T0 + 1) {
        Ok(Enqueued::New(id)) => id,
        other => panic!("expected a new job, got {other:?}"),
    };
    assert_ne!(second, first);
    assert_eq!(e.key_owner("k"), Some(second));
    assert_durable(&mut e, &mut store);
    assert_eq!(
        e.enqueue(3, replace("k"), T0 + 2),
        Ok(Enqueued::Replaced(second))
    );
    assert_eq!(
        e.enqueue(4, key("k"), T0 + 2),
        Ok(Enqueued::Duplicate(second))
    );
    e.ack(running.token).unwrap();
    assert_eq!(
        e.key_owner("k"),
        Some(second),
        "the old job's ack keeps the key"
    );
    assert_durable(&mut e, &mut store);
    assert_eq!(lease_one(&mut e, T0 + 3).payload, 3);
}

#[test]
fn in_a_group_the_replacement_runs_after_the_job_in_flight_and_its_retries() {
    let mut e = engine(fixed(100));
    let first = put(&mut e, 1, replace_in("k", "doc"), T0);
    let l = lease_one(&mut e, T0);
    let second = e.enqueue(2, replace_in("k", "doc"), T0).unwrap().id();
    assert!(e.lease(T0, 10).is_empty(), "second waits for first");
    e.nack(l.token, "x", T0).unwrap();
    assert!(e.lease(T0 + 99, 10).is_empty(), "and for first's retry");
    let l = lease_one(&mut e, T0 + 100);
    assert_eq!((l.token.id, l.payload), (first, 1));
    e.ack(l.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0 + 100, 10), vec![second]);
}

#[test]
fn replace_of_a_dead_or_completed_job_stores_a_new_one() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let dead = kill(&mut e, 1, replace("a"), T0);
    let new_a = e.enqueue(2, replace("a"), T0 + 1).unwrap();
    assert!(matches!(new_a, Enqueued::New(id) if id != dead));
    assert_eq!(
        e.dead_letters(None, 10)[0].id,
        dead,
        "the dead letter stays"
    );
    let done = put(&mut e, 3, replace("b"), T0 + 1);
    let l = lease_one(&mut e, T0 + 1);
    assert_eq!(l.token.id, new_a.id());
    e.ack(l.token).unwrap();
    let l = lease_one(&mut e, T0 + 1);
    assert_eq!(l.token.id, done);
    e.ack(l.token).unwrap();
    assert_eq!(
        e.enqueue(4, key("b"), T0 + 2),
        Ok(Enqueued::Duplicate(done)),
        "keep mode: a duplicate"
    );
    let new_b = e.enqueue(5, replace("b"), T0 + 2).unwrap();
    assert!(
        matches!(new_b, Enqueued::New(id) if id != done),
        "{new_b:?}"
    );
    assert_eq!(e.key_owner("b"), Some(new_b.id()));
    assert_durable(&mut e, &mut store);
}

#[test]
fn replace_must_keep_the_group_of_a_waiting_or_running_job() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, replace_in("k", "g"), T0);
    e.take_mutations();
    let before = (e.records(), e.clock());
    for o in [replace("k"), replace_in("k", "h")] {
        assert_eq!(option_error(e.enqueue(2, o, T0 + 5)), "group");
        assert!(!e.has_mutations());
        assert_eq!((e.records(), e.clock()), before);
    }
    assert_eq!(lease_one(&mut e, T0).token.id, a);
    assert_eq!(
        option_error(e.enqueue(2, replace("k"), T0 + 5)),
        "group",
        "in flight too"
    );
    let once = EnqueueOptions {
        max_attempts: Some(1),
        ..replace_in("d", "x")
    };
    let d = put(&mut e, 3, once, T0);
    assert_eq!(lease_ids(&mut e, T0, 1), vec![d]);
    let l = e.expire(T0 + LEASE);
    assert!(l.iter().any(|x| x.id == d && x.outcome == Settled::Dead));
    assert!(
        matches!(e.enqueue(4, replace("d"), T0 + LEASE), Ok(Enqueued::New(_))),
        "a dead job's group does not bind"
    );
}

/// The refusal names both groups as Rust's `{:?}` quotes them (the engine
/// writes them with `core::quote`, without `str`'s Debug).
#[test]
fn a_refused_replace_names_both_groups_quoted() {
    let mut e = engine(exact());
    for (stored, asked) in [("g", "h"), ("a \"b\"\n", "é\u{200b}")] {
        let k = format!("k-{stored}");
        let a = put(&mut e, 1, replace_in(&k, stored), T0);
        let reason = match e.enqueue(2, replace_in(&k, asked), T0 + 5) {
            Err(Error::InvalidOption(e)) => {
                assert_eq!(e.option, "group");
                e.reason
            }
            other => panic!("expected InvalidOption, got {other:?}"),
        };
        assert_eq!(
            reason,
            format!(
                "a replace keeps the group of message {} ({stored:?}), got {asked:?}",
                a.0
            )
        );
        let reason = match e.enqueue(2, replace(&k), T0 + 5) {
            Err(Error::InvalidOption(e)) => e.reason,
            other => panic!("expected InvalidOption, got {other:?}"),
        };
        assert_eq!(
            reason,
            format!(
                "a replace keeps the group of message {} ({stored:?}), got none",
                a.0
            )
        );
    }
}

#[test]
fn replace_keeps_group_order_whatever_its_priority() {
    let mut e = engine(exact());
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, replace_in("k", "g"), T0);
    let c = put(&mut e, 3, group("g"), T0);
    let o = EnqueueOptions {
        priority: 100,
        ..replace_in("k", "g")
    };
    assert_eq!(e.enqueue(20, o, T0), Ok(Enqueued::Replaced(b)));
    assert_durable(&mut e, &mut store);
    let mut order = Vec::new();
    for _ in 0..3 {
        let l = lease_one(&mut e, T0);
        order.push((l.token.id, l.payload));
        e.ack(l.token).unwrap();
    }
    assert_eq!(order, vec![(a, 1), (b, 20), (c, 3)]);
}

#[test]
fn replacing_a_group_head_with_a_delay_holds_its_group_back() {
    let mut e = engine(exact());
    let a = put(&mut e, 1, replace_in("k", "g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let later = EnqueueOptions {
        delay_ms: Some(100),
        ..replace_in("k", "g")
    };
    assert_eq!(e.enqueue(3, later, T0), Ok(Enqueued::Replaced(a)));
    assert!(e.lease(T0 + 99, 10).is_empty(), "b stays behind its head");
    let la = lease_one(&mut e, T0 + 100);
    assert_eq!((la.token.id, la.payload), (a, 3));
    e.ack(la.token).unwrap();
    assert_eq!(lease_ids(&mut e, T0 + 100, 10), vec![b]);
}

#[test]
fn replace_rearms_the_key_window_from_the_latest_enqueue() {
    let mut e = engine(window(100));
    let id = put(&mut e, 1, replace("k"), T0);
    assert_eq!(
        e.enqueue(2, replace("k"), T0 + 50),
        Ok(Enqueued::Replaced(id))
    );
    let l = lease_one(&mut e, T0 + 60);
    e.ack(l.token).unwrap();
    assert_eq!(
        e.enqueue(3, key("k"), T0 + 149),
        Ok(Enqueued::Duplicate(id))
    );
    assert!(matches!(
        e.enqueue(4, key("k"), T0 + 150),
        Ok(Enqueued::New(_))
    ));
}

#[test]
fn replace_without_a_key_is_an_invalid_option() {
    let mut e = engine(exact());
    let o = EnqueueOptions {
        on_duplicate: OnDuplicate::Replace,
        ..opts()
    };
    assert_eq!(option_error(e.enqueue(1, o, T0)), "onDuplicate");
    assert!(!e.has_mutations());
    assert_eq!(e.stats().stored(), 0);
}

// ---------------------------------------------------------------- 4. pace

#[test]
fn the_queue_limit_allows_at_most_n_starts_in_any_interval_over_many_intervals() {
    let mut e = engine(paced(3, 1_000));
    for i in 0..60 {
        put(&mut e, i, opts(), T0);
    }
    let starts = drive(&mut e, 60);
    let times: Vec<u64> = starts.iter().map(|(t, _)| *t).collect();
    assert_window(&times, 3, 1_000);
    // A burst of 3 at once, then exactly one interval later the next 3.
    let want: Vec<u64> = (0..60).map(|i| T0 + (i / 3) as u64 * 1_000).collect();
    assert_eq!(times, want);
    let ids: Vec<u64> = starts.iter().map(|(_, id)| id.0).collect();
    assert_eq!(
        ids,
        (0..60).collect::<Vec<_>>(),
        "the limit keeps the lease order"
    );
}

#[test]
fn the_window_slides_start_by_start() {
    let mut e = engine(paced(2, 1_000));
    for i in 0..3 {
        put(&mut e, i, opts(), T0);
    }
    assert_eq!(e.lease(T0, 1).len(), 1);
    assert_eq!(e.lease(T0 + 400, 10).len(), 1, "the second fits");
    assert!(e.lease(T0 + 999, 10).is_empty());
    assert!(!e.has_ready());
    assert_eq!(
        e.next_wake(),
        Some(T0 + 1_000),
        "when the first start leaves the window"
    );
    assert_eq!(e.lease(T0 + 1_000, 10).len(), 1);
    put(&mut e, 9, opts(), T0 + 1_000);
    assert_eq!(
        e.next_wake(),
        Some(T0 + 1_400),
        "then the second: exact, not a fixed window"
    );
    assert!(e.lease(T0 + 1_399, 10).is_empty());
    assert_eq!(e.lease(T0 + 1_400, 10).len(), 1);
}

#[test]
fn a_limited_queue_returns_fewer_and_next_wake_is_only_for_ready_work() {
    let mut e = engine(Config {
        lease_ms: 100_000,
        ..paced(3, 1_000)
    });
    for i in 0..5 {
        put(&mut e, i, opts(), T0);
    }
    let leases = e.lease(T0, 10);
    assert_eq!(leases.len(), 3);
    assert_eq!(e.next_wake(), Some(T0 + 1_000));
    e.cancel(MessageId(3), T0).unwrap();
    e.cancel(MessageId(4), T0).unwrap();
    assert_eq!(
        e.next_wake(),
        Some(T0 + 100_000),
        "nothing held back: only the lease deadline"
    );
}

#[test]
fn each_group_has_its_own_limit_and_ungrouped_jobs_are_not_held() {
    let mut e = engine(group_paced(2, 1_000));
    for i in 0..10 {
        put(&mut e, i, group("g"), T0);
        put(&mut e, 100 + i, group("h"), T0);
        put(&mut e, 200 + i, opts(), T0);
    }
    let starts = drive(&mut e, 30);
    let mut by_group: BTreeMap<Option<String>, Vec<u64>> = BTreeMap::new();
    for (t, id) in &starts {
        // Enqueued g, h, ungrouped in turn: the id tells the group.
        let g = match id.0 % 3 {
            0 => Some("g".to_owned()),
            1 => Some("h".to_owned()),
            _ => None,
        };
        by_group.entry(g).or_default().push(*t);
    }
    for g in ["g", "h"] {
        let times = &by_group[&Some(g.to_owned())];
        assert_window(times, 2, 1_000);
        let want: Vec<u64> = (0..10).map(|i| T0 + (i / 2) as u64 * 1_000).collect();
        assert_eq!(times, &want, "group {g}");
    }
    assert_eq!(
        by_group[&None],
        vec![T0; 10],
        "ungrouped jobs all start at once"
    );
}

#[test]
fn a_held_back_group_wakes_exactly_when_its_limit_allows() {
    let mut e = engine(group_paced(1, 1_000));
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let la = lease_one(&mut e, T0);
    assert_eq!(la.token.id, a);
    e.ack(la.token).unwrap();
    assert!(!e.has_ready());
    assert_eq!(counts(&e), (1, 0, 0, 0), "still pending, held back");
    assert_eq!(e.next_wake(), Some(T0 + 1_000));
    assert!(e.lease(T0 + 999, 10).is_empty());
    let h = put(&mut e, 3, group("h"), T0 + 999);
    assert_eq!(
        lease_ids(&mut e, T0 + 999, 10),
        vec![h],
        "another group is not held"
    );
    assert_eq!(lease_ids(&mut e, T0 + 1_000, 10), vec![b]);
}

#[test]
fn queue_and_group_limits_together_wake_at_the_later_of_both() {
    let cfg = Config {
        rate_limit: limited(2, 500),
        group_rate_limit: limited(1, 2_000),
        ..exact()
    };
    let mut e = engine(cfg);
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let u = put(&mut e, 3, opts(), T0);
    let v = put(&mut e, 4, opts(), T0);
    let got = e.lease(T0, 10);
    assert_eq!(
        got.iter().map(|l| l.token.id).collect::<Vec<_>>(),
        vec![a, u]
    );
    for l in got {
        e.ack(l.token).unwrap();
    }
    assert_eq!(e.next_wake(), Some(T0 + 500), "v waits for the queue limit");
    assert_eq!(lease_ids(&mut e, T0 + 500, 10), vec![v]);
    assert_eq!(
        e.next_wake(),
        Some(T0 + 2_000),
        "b waits for its group's limit"
    );
    e.tick(T0 + 1_000);
    assert_eq!(e.next_wake(), Some(T0 + 2_000));
    assert_eq!(lease_ids(&mut e, T0 + 2_000, 10), vec![b]);
}

#[test]
fn a_paced_group_head_can_be_cancelled_or_replaced() {
    let mut e = engine(group_paced(1, 1_000));
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, replace_in("k", "g"), T0);
    let c = put(&mut e, 3, group("g"), T0);
    let la = lease_one(&mut e, T0);
    assert_eq!(la.token.id, a);
    e.ack(la.token).unwrap();
    assert_eq!(
        e.enqueue(20, replace_in("k", "g"), T0 + 1),
        Ok(Enqueued::Replaced(b))
    );
    assert_eq!(e.next_wake(), Some(T0 + 1_000), "still held back");
    assert_durable(&mut e, &mut store);
    e.cancel(b, T0 + 2).unwrap();
    assert_eq!(
        e.next_wake(),
        Some(T0 + 1_000),
        "c is held back in its place"
    );
    assert!(e.lease(T0 + 999, 10).is_empty());
    assert_durable(&mut e, &mut store);
    assert_eq!(lease_ids(&mut e, T0 + 1_000, 10), vec![c]);
}

#[test]
fn a_rebuilt_engine_starts_nothing_for_one_interval() {
    let mut e = engine(Config {
        rate_limit: limited(5, 1_000),
        group_rate_limit: limited(5, 3_000),
        ..exact()
    });
    let mut store = Records::default();
    put(&mut e, 1, opts(), T0);
    let l = lease_one(&mut e, T0);
    e.ack(l.token).unwrap();
    let u = put(&mut e, 2, opts(), T0);
    let g = put(&mut e, 3, group("g"), T0);
    replay(&mut e, &mut store);
    // The earlier instance may have used all 5 starts just now.
    let mut re = Engine::from_records(e.config().clone(), store.clone(), T0 + 10).unwrap();
    assert_eq!(counts(&re), (2, 0, 0, 0));
    assert!(!re.has_ready());
    assert!(re.lease(T0 + 1_009, 10).is_empty());
    assert_eq!(re.next_wake(), Some(T0 + 1_010));
    assert_eq!(lease_ids(&mut re, T0 + 1_010, 10), vec![u]);
    assert_eq!(
        re.next_wake(),
        Some(T0 + 3_010),
        "the group's hold is its own interval"
    );
    assert_eq!(lease_ids(&mut re, T0 + 3_010, 10), vec![g]);
}

#[test]
fn a_store_never_leased_from_is_not_held() {
    let mut e = engine(paced(1, 1_000));
    let mut store = Records::default();
    let a = put(&mut e, 1, opts(), T0);
    replay(&mut e, &mut store);
    let mut re = Engine::from_records(paced(1, 1_000), store, T0 + 5).unwrap();
    assert_eq!(lease_ids(&mut re, T0 + 5, 10), vec![a]);
}

#[test]
fn keep_pace_carries_the_exact_memory_into_a_rollback_rebuild() {
    let cfg = Config {
        rate_limit: limited(2, 1_000),
        group_rate_limit: limited(1, 1_000),
        ..exact()
    };
    let mut e = engine(cfg.clone());
    let mut store = Records::default();
    let g1 = put(&mut e, 1, group("g"), T0);
    let g2 = put(&mut e, 2, group("g"), T0);
    let u = put(&mut e, 3, opts(), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(l.token.id, g1);
    e.ack(l.token).unwrap();
    let v = put(&mut e, 4, opts(), T0 + 300);
    replay(&mut e, &mut store);
    let mut re = Engine::from_records(cfg, store, T0 + 300).unwrap();
    re.keep_pace(&e);
    assert_eq!(
        lease_ids(&mut re, T0 + 300, 10),
        vec![u],
        "one queue start left, g held"
    );
    assert_eq!(re.next_wake(), Some(T0 + 1_000));
    assert_eq!(lease_ids(&mut re, T0 + 1_000, 10), vec![g2]);
    assert_eq!(re.next_wake(), Some(T0 + 1_300));
    assert_eq!(lease_ids(&mut re, T0 + 1_300, 10), vec![v]);
}

#[test]
fn bad_rate_limits_are_named() {
    let bad = |cfg: Config| match Engine::<u32>::new(cfg) {
        Err(Error::InvalidOption(e)) => e.option,
        other => panic!("expected InvalidOption, got {other:?}"),
    };
    assert_eq!(bad(paced(0, 1_000)), "rateLimit.max");
    assert_eq!(bad(paced(1, 0)), "rateLimit.intervalMs");
    assert_eq!(bad(group_paced(0, 1)), "groupRateLimit.max");
    assert_eq!(
        bad(group_paced(1, MAX_TIME_MS + 1)),
        "groupRateLimit.intervalMs"
    );
}

// ---------------------------------------------------------------- 5. nack_after

#[test]
fn nack_after_retries_no_earlier_than_the_callers_time() {
    let mut e = engine(fixed(1_000));
    let id = put(&mut e, 1, opts(), T0);
    let l = lease_one(&mut e, T0);
    assert_eq!(
        e.nack_after(l.token, "429", T0 + 5_000, T0 + 10),
        Ok(Settled::Retry { due_ms: T0 + 5_000 })
    );
    assert_eq!(e.get(id).unwrap().last_error(), Some("429"));
    let l = lease_one(&mut e, T0 + 5_000);
    assert_eq!(
        e.nack_after(l.token, "503", T0 + 5_001, T0 + 5_000),
        Ok(Settled::Retry { due_ms: T0 + 6_000 }),
        "the backoff is longer: it wins"
    );
    assert_eq!(e.stats().retried, 2);
}

#[test]
fn nack_after_out_of_tries_is_dead_and_a_bad_time_changes_nothing() {
    let mut e = engine(exact());
    put(&mut e, 1, attempts(1), T0);
    let l = lease_one(&mut e, T0);
    e.take_mutations();
    assert_eq!(
        option_error_of(e.nack_after(l.token, "x", MAX_TIME_MS + 1, T0)),
        "retryAt"
    );
    assert!(!e.has_mutations());
    assert_eq!(e.nack_after(l.token, "x", T0 + 9, T0), Ok(Settled::Dead));
    assert_eq!(
        e.nack_after(l.token, "x", T0 + 9, T0),
        Err(Error::StaleLease)
    );
}

fn option_error_of<T: std::fmt::Debug>(r: Result<T, Error>) -> &'static str {
    match r {
        Err(Error::InvalidOption(e)) => e.option,
        other => panic!("expected InvalidOption, got {other:?}"),
    }
}

// ---------------------------------------------------------------- 6. recover_leases

#[test]
fn a_takeover_fails_every_lease_it_finds_at_once() {
    let mut e = engine(fixed(1_000));
    let mut store = Records::default();
    let a = put(&mut e, 1, group("g"), T0);
    let b = put(&mut e, 2, group("g"), T0);
    let c = put(&mut e, 3, attempts(1), T0);
    let d = put(&mut e, 4, opts(), T0);
    assert_eq!(lease_ids(&mut e, T0, 3), vec![a, c, d]);
    replay(&mut e, &mut store);
    // The leader's tab dies; the next one takes the store over at T0 + 50.
    let mut re = Engine::from_records(e.config().clone(), store.clone(), T0 + 50).unwrap();
    let mut recovered = re.recover_leases(T0 + 50);
    recovered.sort_by_key(|x| x.id);
    let retry = Settled::Retry { due_ms: T0 + 1_050 };
    assert_eq!(
        recovered,
        vec![
            Expired {
                id: a,
                outcome: retry
            },
            Expired {
                id: c,
                outcome: Settled::Dead
            },
            Expired {
                id: d,
                outcome: retry
            },
        ]
    );
    assert_eq!(
        counts(&re),
        (1, 2, 0, 1),
        "b pending behind a, a and d delayed, c dead"
    );
    let last = re
        .get(a)
        .unwrap()
        .last_error()
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(last.contains("stopped"), "{last}");
    let muts = re.take_mutations();
    let m = muts
        .iter()
        .rev()
        .find_map(|m| match m {
            Mutation::Put(Record::Message(r)) if r.id == d => Some(r.clone()),
            _ => None,
        })
        .expect("journaled");
    assert_eq!(
        (m.state, m.due_ms, m.attempts),
        (MessageState::Waiting, T0 + 1_050, 1)
    );
    store.apply_all(muts);
    assert_eq!(re.records(), store);
    assert!(
        re.lease(T0 + 1_049, 10).is_empty(),
        "after the backoff, not at once, not after the lease"
    );
    let got: Vec<(MessageId, u32)> = re
        .lease(T0 + 1_050, 10)
        .iter()
        .map(|l| (l.token.id, l.attempt))
        .collect();
    assert_eq!(got, vec![(a, 2), (d, 2)], "b still waits behind a");
    assert_eq!(
        re.get(b).map(|m| m.state.clone()),
        Some(MessageState::Waiting)
    );
    assert_eq!(re.recover_leases(T0 + 1_050).len(), 2, "a second takeover");
    assert!(re.lease(T0 + 1_050, 10).is_empty());
}

#[test]
fn a_job_that_kills_its_instance_every_time_is_dead_after_max_attempts() {
    let mut e = engine(Config {
        max_attempts: 3,
        ..fixed(1_000)
    });
    let mut store = Records::default();
    let id = put(&mut e, 1, opts(), T0);
    replay(&mut e, &mut store);
    let mut now = T0;
    let mut tries = Vec::new();
    for _ in 0..10 {
        let leases = e.lease(now, 1);
        if leases.is_empty() {
            match e.next_wake() {
                Some(at) => {
                    now = at;
                    continue;
                }
                None => break,
            }
        }
        tries.push((now, leases[0].attempt));
        replay(&mut e, &mut store); // the lease is committed, then the handler kills the tab
        now += 7;
        e = Engine::from_records(e.config().clone(), store.clone(), now).unwrap();
        e.recover_leases(now);
        replay(&mut e, &mut store);
    }
    assert_eq!(tries, vec![(T0, 1), (T0 + 1_007, 2), (T0 + 2_014, 3)]);
    assert_eq!(counts(&e), (0, 0, 0, 1));
    assert_eq!(e.dead_letters(None, 1)[0].id, id);
}

#[test]
fn recover_leases_with_none_in_flight_does_nothing() {
    let mut e = engine(exact());
    put(&mut e, 1, opts(), T0);
    e.take_mutations();
    assert!(e.recover_leases(T0).is_empty());
    assert!(!e.has_mutations());
    assert_eq!(counts(&e), (1, 0, 0, 0));
}
