//! Helpers shared by the engine rule tests (`engine_rules`,
//! `engine_control_rules`): configs, option builders, enqueue/lease
//! shorthands, journal readers and the durability check.
#![allow(dead_code)]

use wasmq::core::{
    Backoff, Config, Counters, Engine, EnqueueOptions, Enqueued, Error, Lease, MessageId,
    MessageRecord, Mutation, Record, RecordKey, Records, Settled,
};

/// A start time far from zero, so that "due at 0" bugs cannot hide.
pub const T0: u64 = 1_000_000;
/// The default lease length.
pub const LEASE: u64 = 30_000;
/// The default idempotency window.
pub const DAY: u64 = 24 * 60 * 60 * 1_000;

/// The default config with jitter off: exact retry times.
pub fn exact() -> Config {
    Config {
        jitter: false,
        ..Config::default()
    }
}

/// `exact()` with a fixed retry delay.
pub fn fixed(delay_ms: u64) -> Config {
    Config {
        backoff: Backoff::Fixed { delay_ms },
        ..exact()
    }
}

/// `exact()` with a short idempotency window.
pub fn window(ms: u64) -> Config {
    Config {
        idempotency_window_ms: ms,
        ..exact()
    }
}

pub fn engine(cfg: Config) -> Engine<u32> {
    Engine::new(cfg).expect("valid config")
}

pub fn opts() -> EnqueueOptions {
    EnqueueOptions::default()
}

pub fn key(k: &str) -> EnqueueOptions {
    EnqueueOptions {
        idempotency_key: Some(k.to_owned()),
        ..opts()
    }
}

pub fn group(g: &str) -> EnqueueOptions {
    EnqueueOptions {
        group: Some(g.to_owned()),
        ..opts()
    }
}

pub fn delay(ms: u64) -> EnqueueOptions {
    EnqueueOptions {
        delay_ms: Some(ms),
        ..opts()
    }
}

pub fn run_at(ms: u64) -> EnqueueOptions {
    EnqueueOptions {
        run_at_ms: Some(ms),
        ..opts()
    }
}

pub fn priority(p: i32) -> EnqueueOptions {
    EnqueueOptions {
        priority: p,
        ..opts()
    }
}

pub fn attempts(n: u32) -> EnqueueOptions {
    EnqueueOptions {
        max_attempts: Some(n),
        ..opts()
    }
}

/// Enqueues and expects a new message.
pub fn put(e: &mut Engine<u32>, payload: u32, o: EnqueueOptions, now: u64) -> MessageId {
    match e.enqueue(payload, o, now) {
        Ok(Enqueued::New(id)) => id,
        other => panic!("expected a new message, got {other:?}"),
    }
}

pub fn lease_ids(e: &mut Engine<u32>, now: u64, n: usize) -> Vec<MessageId> {
    e.lease(now, n).iter().map(|l| l.token.id).collect()
}

/// Leases exactly one message.
pub fn lease_one(e: &mut Engine<u32>, now: u64) -> Lease<u32> {
    let mut got = e.lease(now, 1);
    assert_eq!(got.len(), 1, "expected one ready message");
    got.remove(0)
}

/// Enqueues a message with one try (ahead of everything ungrouped), leases
/// and nacks it: it is a dead letter.
pub fn kill(e: &mut Engine<u32>, payload: u32, o: EnqueueOptions, now: u64) -> MessageId {
    let o = EnqueueOptions {
        max_attempts: Some(1),
        priority: i32::MAX,
        ..o
    };
    let id = put(e, payload, o, now);
    let l = lease_one(e, now);
    assert_eq!(l.token.id, id);
    assert_eq!(
        e.nack(l.token, &format!("boom {payload}"), now),
        Ok(Settled::Dead)
    );
    id
}

/// The drained journal as (put?, record key) pairs.
pub fn journal(e: &mut Engine<u32>) -> Vec<(bool, RecordKey)> {
    e.take_mutations()
        .into_iter()
        .map(|m| match m {
            Mutation::Put(r) => (true, r.key()),
            Mutation::Delete(k) => (false, k),
        })
        .collect()
}

/// The last message record journaled for `id`.
pub fn journaled_message(muts: &[Mutation<u32>], id: MessageId) -> MessageRecord {
    muts.iter()
        .rev()
        .find_map(|m| match m {
            Mutation::Put(Record::Message(r)) if r.id == id => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Put Message {id} in {muts:?}"))
}

/// The last counters record journaled.
pub fn journaled_counters(muts: &[Mutation<u32>]) -> Counters {
    muts.iter()
        .rev()
        .find_map(|m| match m {
            Mutation::Put(Record::Counters(c)) => Some(*c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Put Counters in {muts:?}"))
}

/// (pending, delayed, in flight, dead).
pub fn counts(e: &Engine<u32>) -> (usize, usize, usize, usize) {
    let s = e.stats();
    (s.pending, s.delayed, s.in_flight, s.dead)
}

pub fn option_error(r: Result<Enqueued, Error>) -> &'static str {
    match r {
        Err(Error::InvalidOption(e)) => e.option,
        other => panic!("expected InvalidOption, got {other:?}"),
    }
}

/// Commits the engine's journal to `store` (what a store would do).
pub fn replay(e: &mut Engine<u32>, store: &mut Records<u32>) {
    store.apply_all(e.take_mutations());
}

/// Reopens from `store` at the live engine's clock.
pub fn rebuild(live: &Engine<u32>, store: &Records<u32>) -> Engine<u32> {
    Engine::from_records(live.config().clone(), store.clone(), live.clock()).expect("rebuild")
}

/// Commits the journal, then checks that the store equals the live image and
/// that a rebuild from it equals the live engine.
pub fn assert_durable(live: &mut Engine<u32>, store: &mut Records<u32>) {
    replay(live, store);
    assert_eq!(live.records(), *store, "journal and live image differ");
    let re = rebuild(live, store);
    assert!(
        re.same_state(live),
        "rebuild differs:\nlive {live:#?}\nrebuilt {re:#?}"
    );
    assert!(!re.has_mutations(), "a clean rebuild journals nothing");
}
