//! `Engine::skip_journal`: an engine that builds no journal (the memory
//! store's) behaves exactly as a journaling twin. Random sequences of every
//! operation, with batches committed, left in flight and failed, run on
//! both side by side: every result, `same_state`, the records, and whether
//! a turn changed something (`has_mutations`, which the commit loop asks)
//! are the same after each step, and the batches it drains are empty.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wasmq::core::{
    Backoff, Config, Engine, EnqueueOptions, JobState, JobStates, LeaseToken, MessageId,
    OnDuplicate, RateLimit, Records,
};

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        key: Option<u8>,
        delay: Option<u64>,
        group: Option<u8>,
        replace: bool,
    },
    Lease(usize),
    Ack(usize),
    Nack(usize),
    NackAfter(usize, u64),
    Reject(usize),
    Cancel(u64),
    Expire,
    Redrive(usize),
    RedriveAll,
    Purge(usize),
    PurgeAll,
    Advance(u64),
    List(u8, Option<u8>),
    Origin(u8),
    /// The leader stops and another takes over: `take_records`, rebuilt.
    Takeover,
    /// The turn's batch is drained and stored.
    Commit,
    /// The turn's batch is drained and stays in flight (at most two are).
    Drain,
    /// The oldest outstanding batch failed: `roll_back`.
    Fail,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (
            proptest::option::weighted(0.6, 0u8..4),
            proptest::option::weighted(0.3, 0u64..50),
            proptest::option::weighted(0.5, 0u8..3),
            proptest::bool::weighted(0.3),
        )
            .prop_map(|(key, delay, group, replace)| Op::Enqueue {
                key,
                delay,
                group,
                replace,
            }),
        3 => (1usize..4).prop_map(Op::Lease),
        2 => any::<usize>().prop_map(Op::Ack),
        2 => any::<usize>().prop_map(Op::Nack),
        1 => (any::<usize>(), 0u64..40).prop_map(|(i, dt)| Op::NackAfter(i, dt)),
        1 => any::<usize>().prop_map(Op::Reject),
        1 => (0u64..24).prop_map(Op::Cancel),
        1 => Just(Op::Expire),
        1 => any::<usize>().prop_map(Op::Redrive),
        1 => Just(Op::RedriveAll),
        1 => any::<usize>().prop_map(Op::Purge),
        1 => Just(Op::PurgeAll),
        2 => (0u64..40).prop_map(Op::Advance),
        1 => (0u8..8, proptest::option::weighted(0.3, 0u8..3)).prop_map(|(s, g)| Op::List(s, g)),
        1 => any::<u8>().prop_map(Op::Origin),
        1 => Just(Op::Takeover),
        3 => Just(Op::Commit),
        2 => Just(Op::Drain),
        2 => Just(Op::Fail),
    ]
}

fn config(rate_limit: Option<RateLimit>, group_rate_limit: Option<RateLimit>) -> Config {
    Config {
        max_attempts: 3,
        backoff: Backoff::Exponential {
            delay_ms: 5,
            max_delay_ms: 20,
        },
        jitter: true,
        lease_ms: 30,
        idempotency_window_ms: 40,
        seed: 7,
        rate_limit,
        group_rate_limit,
    }
}

fn rate_limit() -> impl Strategy<Value = Option<RateLimit>> {
    proptest::option::weighted(0.3, (1u32..4, 1u64..40))
        .prop_map(|r| r.map(|(max, interval_ms)| RateLimit { max, interval_ms }))
}

fn bare(config: Config, records: Records<u32>, now: u64) -> Engine<u32> {
    let mut e = Engine::from_records(config, records, now).unwrap();
    e.skip_journal();
    e
}

/// The two engines, and the leases both handed out.
struct Twins {
    full: Engine<u32>,
    bare: Engine<u32>,
    tokens: Vec<LeaseToken>,
    now: u64,
    payload: u32,
}

impl Twins {
    /// Runs `f` on both engines; their results must be equal.
    fn both<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &Op,
        f: impl Fn(&mut Engine<u32>) -> T,
    ) -> Result<T, TestCaseError> {
        let a = f(&mut self.full);
        let b = f(&mut self.bare);
        prop_assert_eq!(&a, &b, "{:?}: results differ", what);
        Ok(a)
    }

    /// `both`, for an operation whose result is only compared.
    fn same<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &Op,
        f: impl Fn(&mut Engine<u32>) -> T,
    ) -> Result<(), TestCaseError> {
        self.both(what, f).map(drop)
    }

    fn token(&mut self, i: usize) -> Option<LeaseToken> {
        let n = self.tokens.len();
        (n > 0).then(|| self.tokens.swap_remove(i % n))
    }

    fn dead_id(&self, i: usize) -> Option<MessageId> {
        let dead = self.full.dead_letters(None, usize::MAX);
        (!dead.is_empty()).then(|| dead[i % dead.len()].id)
    }

    /// Drains a batch from both: the same "changed", and nothing built
    /// without the journal.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        let changed = self.full.has_mutations();
        prop_assert_eq!(changed, self.bare.has_mutations(), "has_mutations differs");
        let journaled = self.full.take_mutations();
        prop_assert_eq!(!journaled.is_empty(), changed);
        let built = self.bare.take_mutations();
        prop_assert!(
            built.is_empty(),
            "a batch built without a journal: {:?}",
            built
        );
        prop_assert!(!self.bare.has_mutations());
        Ok(())
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        let now = self.now;
        match &op {
            Op::Enqueue {
                key,
                delay,
                group,
                replace,
            } => {
                let opts = EnqueueOptions {
                    idempotency_key: key.map(|k| format!("k{k}")),
                    delay_ms: *delay,
                    group: group.map(|g| format!("g{g}")),
                    on_duplicate: if *replace {
                        OnDuplicate::Replace
                    } else {
                        OnDuplicate::Keep
                    },
                    ..EnqueueOptions::default()
                };
                let payload = self.payload;
                self.payload += 1;
                self.same(&op, |e| e.enqueue(payload, opts.clone(), now))?;
            }
            Op::Lease(n) => {
                let leases = self.both(&op, |e| e.lease(now, *n))?;
                self.tokens.extend(leases.iter().map(|l| l.token));
            }
            Op::Ack(i) => {
                if let Some(t) = self.token(*i) {
                    self.same(&op, |e| e.ack(t))?;
                }
            }
            Op::Nack(i) => {
                if let Some(t) = self.token(*i) {
                    self.same(&op, |e| e.nack(t, "boom", now))?;
                }
            }
            Op::NackAfter(i, dt) => {
                if let Some(t) = self.token(*i) {
                    self.same(&op, |e| e.nack_after(t, "429", now + dt, now))?;
                }
            }
            Op::Reject(i) => {
                if let Some(t) = self.token(*i) {
                    self.same(&op, |e| e.reject(t, "bad", now))?;
                }
            }
            Op::Cancel(id) => {
                self.same(&op, |e| e.cancel(MessageId(*id), now))?;
            }
            Op::Expire => {
                self.same(&op, |e| e.expire(now))?;
            }
            Op::Redrive(i) => {
                if let Some(id) = self.dead_id(*i) {
                    self.same(&op, |e| e.redrive(id, now))?;
                }
            }
            Op::RedriveAll => {
                self.same(&op, |e| e.redrive_all(now))?;
            }
            Op::Purge(i) => {
                if let Some(id) = self.dead_id(*i) {
                    self.same(&op, |e| e.purge(id))?;
                }
            }
            Op::PurgeAll => {
                self.same(&op, |e| e.purge_all())?;
            }
            Op::Advance(dt) => {
                self.now += dt;
                let now = self.now;
                self.same(&op, |e| e.tick(now))?;
            }
            Op::List(bits, group) => {
                let states = JobStates::NONE;
                let states = [JobState::Pending, JobState::Delayed, JobState::InFlight]
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| bits & (1 << i) != 0)
                    .fold(states, |s, (_, state)| s.with(state));
                let group = group.map(|g| format!("g{g}"));
                self.same(&op, |e| e.jobs(states, group.as_deref(), None, 3))?;
            }
            Op::Origin(c) => {
                self.same(&op, |e| e.ensure_origin(|| format!("o{c}")).to_owned())?;
            }
            Op::Takeover => {
                let records = self.both(&op, |e| e.take_records())?;
                let config = self.full.config().clone();
                self.full = Engine::from_records(config.clone(), records.clone(), now).unwrap();
                self.bare = bare(config, records, now);
                self.same(&op, |e| e.recover_leases(now))?;
                self.tokens.clear();
            }
            Op::Commit => {
                self.drain()?;
                while self.full.outstanding_batches() > 0 {
                    self.full.committed();
                    self.bare.committed();
                }
            }
            Op::Drain => {
                if self.full.outstanding_batches() < 2 {
                    self.drain()?;
                }
            }
            Op::Fail => {
                // Tokens of the leases taken back go stale: both must refuse them.
                self.full.roll_back(now);
                self.bare.roll_back(now);
            }
        }
        prop_assert!(
            self.bare.same_state(&self.full),
            "{:?}: the engines differ\nfull {:#?}\nbare {:#?}",
            op,
            self.full,
            self.bare
        );
        prop_assert_eq!(self.bare.records(), self.full.records());
        prop_assert_eq!(self.bare.stats(), self.full.stats());
        prop_assert_eq!(self.bare.next_wake(), self.full.next_wake());
        prop_assert_eq!(self.bare.has_mutations(), self.full.has_mutations());
        prop_assert_eq!(
            self.bare.outstanding_batches(),
            self.full.outstanding_batches()
        );
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn an_engine_without_journal_behaves_as_one_with(
        rate in rate_limit(),
        group_rate in rate_limit(),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let config = config(rate, group_rate);
        let mut twins = Twins {
            full: Engine::new(config.clone()).unwrap(),
            bare: bare(config, Records::default(), 1),
            tokens: Vec::new(),
            now: 1,
            payload: 100,
        };
        twins.full.tick(1);
        for op in ops {
            twins.step(op)?;
        }
    }
}

/// A batch without a journal still counts as a change, and a failed one is
/// taken back: the engine is as before it (the lease counter aside).
#[test]
fn an_engine_without_journal_rolls_back_a_failed_batch() {
    let mut e = bare(config(None, None), Records::default(), 1);
    e.ensure_origin(|| "o".to_owned());
    for p in 0..4 {
        e.enqueue(p, EnqueueOptions::default(), 1).unwrap();
    }
    assert!(e.has_mutations());
    assert!(e.take_mutations().is_empty());
    e.committed();
    let before = e.records();
    let leased = e.lease(2, 2);
    e.ack(leased[0].token).unwrap();
    e.enqueue(9, EnqueueOptions::default(), 2).unwrap();
    assert!(e.has_mutations(), "the batch counts as a change");
    assert!(e.take_mutations().is_empty());
    e.roll_back(3);
    let mut expected = before.clone();
    expected.counters.next_lease = e.records().counters.next_lease;
    assert_eq!(expected.counters.next_lease, 2, "lease numbers stay used");
    assert_eq!(e.records(), expected);
    assert!(
        e.has_mutations(),
        "the lease counter goes with the next batch"
    );
    assert!(e.take_mutations().is_empty());
    e.committed();
    assert_eq!(e.take_records(), expected, "what a memory store is handed");
}

/// Changes journaled before `skip_journal` (a rebuild's deletes of a
/// message without its payload) are dropped but still count as a change.
#[test]
fn skipping_the_journal_keeps_the_changes_made_so_far_counted() {
    let mut full = Engine::new(config(None, None)).unwrap();
    full.enqueue(1, EnqueueOptions::default(), 1).unwrap();
    let mut records = full.records();
    for stored in records.messages.values_mut() {
        stored.payload = None;
    }
    let mut e = Engine::from_records(config(None, None), records, 1).unwrap();
    assert!(e.has_mutations());
    e.skip_journal();
    assert!(e.has_mutations(), "the rebuild's delete still counts");
    assert!(e.take_mutations().is_empty());
    assert!(!e.has_mutations());
    assert!(e.records().messages.is_empty());
}
