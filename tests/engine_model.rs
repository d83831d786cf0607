//! Property tests of the engine: random sequences of every operation
//! (cancel, coalescing enqueues, listing pages, takeovers and rate-limited
//! leases included), checking the queue's invariants after each step and
//! that a rebuild from the committed mutations equals the live engine.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;
use wasmq::core::{
    Backoff, Config, Engine, EnqueueOptions, Enqueued, Error, JobState, JobStates, LeaseToken,
    MessageId, MessageState, Mutation, OnDuplicate, RateLimit, RecordKey, Records, Settled,
};

const WINDOW_MS: u64 = 40;
const LEASE_MS: u64 = 30;

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        key: Option<u8>,
        delay: Option<u64>,
        priority: i32,
        group: Option<u8>,
        max_attempts: Option<u32>,
        /// `OnDuplicate::Replace` (refused without a key).
        replace: bool,
        /// With `replace`: take the group of the key's message, if stored.
        same_group: bool,
    },
    Lease(usize),
    /// `nack_after` with a retry time this far from now.
    NackAfter(usize, u64),
    /// `cancel` of the i-th stored message (any state), or of an id never stored.
    Cancel(usize),
    /// Every page of `jobs` with a filter (state bits, group) and a page size.
    List(u8, Option<u8>, usize),
    /// The leader stops; another instance rebuilds and recovers its leases.
    Takeover,
    /// The batches of the next `n` steps, and the changes of the step after
    /// them, fail: `Engine::roll_back` at the end of that step (the oldest
    /// batch in flight, the others drained after it, the last one still
    /// accumulating) must equal a rebuild from the store as it was before
    /// them that keeps the rate limits' memory (`keep_pace`).
    Rollback(usize),
    Ack(usize),
    Nack(usize),
    Reject(usize),
    Advance(u64),
    Expire,
    Redrive(usize),
    RedriveAll,
    Purge(usize),
    PurgeAll,
    Rebuild,
    /// `ensure_origin` with a candidate: only the first one ever sticks.
    Origin(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            proptest::option::weighted(0.7, 0u8..5),
            proptest::option::weighted(0.3, 0u64..50),
            -1i32..=1,
            proptest::option::weighted(0.5, 0u8..3),
            proptest::option::weighted(0.3, 1u32..4),
            proptest::bool::weighted(0.4),
            proptest::bool::weighted(0.7),
        )
            .prop_map(|(key, delay, priority, group, max_attempts, replace, same_group)| Op::Enqueue {
                key,
                delay,
                priority,
                group,
                max_attempts,
                replace,
                same_group,
            }),
        3 => (1usize..4).prop_map(Op::Lease),
        1 => (any::<usize>(), 0u64..40).prop_map(|(i, dt)| Op::NackAfter(i, dt)),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => (0u8..8, proptest::option::weighted(0.3, 0u8..3), 1usize..5)
            .prop_map(|(s, g, n)| Op::List(s, g, n)),
        1 => Just(Op::Takeover),
        1 => (1usize..4).prop_map(Op::Rollback),
        2 => any::<usize>().prop_map(Op::Ack),
        2 => any::<usize>().prop_map(Op::Nack),
        1 => any::<usize>().prop_map(Op::Reject),
        2 => (0u64..40).prop_map(Op::Advance),
        1 => Just(Op::Expire),
        1 => any::<usize>().prop_map(Op::Redrive),
        1 => Just(Op::RedriveAll),
        1 => any::<usize>().prop_map(Op::Purge),
        1 => Just(Op::PurgeAll),
        1 => Just(Op::Rebuild),
        1 => any::<u8>().prop_map(Op::Origin),
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
        lease_ms: LEASE_MS,
        idempotency_window_ms: WINDOW_MS,
        seed: 42,
        rate_limit,
        group_rate_limit,
    }
}

fn rate_limit() -> impl Strategy<Value = Option<RateLimit>> {
    proptest::option::weighted(0.4, (1u32..4, 1u64..40))
        .prop_map(|r| r.map(|(max, interval_ms)| RateLimit { max, interval_ms }))
}

/// What the test knows independently of the engine.
struct Harness {
    engine: Engine<u32>,
    store: Records<u32>,
    now: u64,
    /// What the test knows of the messages (what a rollback takes back).
    known: Model,
    next_payload: u32,
    /// Every lease start: queue-wide, and per group.
    starts: Vec<u64>,
    group_starts: HashMap<String, Vec<u64>>,
    /// A failing run of batches (`Op::Rollback`) under way.
    failing: Option<Failing>,
    /// One past the highest lease number seen: a rollback never hands one out again.
    next_lease: u64,
}

/// What the test knew when a failing run of batches began, and how many
/// steps are left before it fails.
struct Failing {
    steps_left: usize,
    store: Records<u32>,
    model: Model,
}

/// The test's own knowledge that a rollback takes back (the rate limits'
/// starts stay: the engine keeps their memory).
#[derive(Clone, Default)]
struct Model {
    enqueued: BTreeSet<MessageId>,
    completed: BTreeSet<MessageId>,
    purged: BTreeSet<MessageId>,
    cancelled: BTreeSet<MessageId>,
    /// key -> (first id, enqueue time) of the message it stored.
    keys: HashMap<String, (MessageId, u64)>,
    tokens: Vec<LeaseToken>,
    stale: Vec<LeaseToken>,
    payloads: BTreeMap<MessageId, u32>,
}

impl Harness {
    fn new(config: Config) -> Self {
        Harness {
            engine: Engine::new(config).unwrap(),
            store: Records::default(),
            now: 1,
            known: Model::default(),
            next_payload: 1000,
            starts: Vec::new(),
            group_starts: HashMap::new(),
            failing: None,
            next_lease: 0,
        }
    }

    fn commit(&mut self) {
        let batch = self.engine.take_mutations();
        self.stored(batch);
    }

    /// A drained batch reached the store: it is durable, unless it belongs
    /// to a failing run (then the store takes it for the invariants' sake,
    /// and the engine keeps its undo until the run fails).
    fn stored(&mut self, batch: Vec<Mutation<u32>>) {
        self.store.apply_all(batch);
        if self.failing.is_none() {
            self.engine.committed();
        }
    }

    /// The failing run's oldest batch fails: the engine rolls back to the
    /// store as it was before the run, and so does what the test knows.
    fn fail_run(&mut self) -> Result<(), TestCaseError> {
        let Some(failing) = self.failing.take() else {
            return Ok(());
        };
        self.engine.roll_back(self.now);
        self.store = failing.store;
        // Lease numbers handed out in the run stay used (stored with the next batch).
        let stored_next = self.store.counters.next_lease;
        let mut expected = self.store.clone();
        expected.counters.next_lease = stored_next.max(self.next_lease);
        self.known = failing.model;
        prop_assert_eq!(self.engine.outstanding_batches(), 0);
        let config = self.engine.config().clone();
        let mut rebuilt = Engine::from_records(config, expected, self.now).unwrap();
        rebuilt.keep_pace(&self.engine);
        prop_assert!(
            rebuilt.same_state(&self.engine),
            "rolled back engine differs from a rebuild of the store before the failed batches"
        );
        prop_assert_eq!(
            self.engine.has_mutations(),
            stored_next < self.next_lease || rebuilt.has_mutations(),
            "only the lease counter (and keys past their window) are journaled by a rollback"
        );
        Ok(())
    }

    fn pick(list: &mut Vec<LeaseToken>, i: usize) -> Option<LeaseToken> {
        if list.is_empty() {
            None
        } else {
            let n = list.len();
            Some(list.swap_remove(i % n))
        }
    }

    fn key_live(&self, key: &str) -> bool {
        self.known.keys.get(key).is_some_and(|(id, at)| {
            self.now < at + WINDOW_MS
                || !(self.known.completed.contains(id) || self.known.purged.contains(id))
        })
    }

    /// The stored message a live key stands for.
    fn key_message(&self, key: &str) -> Option<&wasmq::core::MessageRecord> {
        if !self.key_live(key) {
            return None;
        }
        self.store.message(self.known.keys[key].0)
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Enqueue {
                key,
                delay,
                priority,
                group,
                max_attempts,
                replace,
                same_group,
            } => {
                let key = key.map(|k| format!("k{k}"));
                let live = key.as_deref().is_some_and(|k| self.key_live(k));
                let matched = key.as_deref().and_then(|k| self.key_message(k)).cloned();
                let mut group = group.map(|g| format!("g{g}"));
                if let (true, true, Some(m)) = (replace, same_group, &matched) {
                    group = m.group().map(str::to_owned);
                }
                let payload = self.next_payload;
                self.next_payload += 1;
                let opts = EnqueueOptions {
                    idempotency_key: key.clone(),
                    delay_ms: delay,
                    priority,
                    group: group.clone(),
                    max_attempts,
                    on_duplicate: if replace {
                        OnDuplicate::Replace
                    } else {
                        OnDuplicate::Keep
                    },
                    ..EnqueueOptions::default()
                };
                let binding = matched
                    .as_ref()
                    .filter(|m| !matches!(m.state, MessageState::Dead { .. }));
                let refused = if replace && key.is_none() {
                    Some("onDuplicate")
                } else if replace && binding.is_some_and(|m| m.group() != group.as_deref()) {
                    Some("group")
                } else {
                    None
                };
                let outcome = self.engine.enqueue(payload, opts, self.now);
                if let Some(option) = refused {
                    prop_assert!(
                        matches!(&outcome, Err(Error::InvalidOption(e)) if e.option == option),
                        "expected {} refused, got {:?}",
                        option,
                        outcome
                    );
                    prop_assert!(!self.engine.has_mutations(), "a refusal journaled");
                    return self.check_invariants();
                }
                match outcome.unwrap() {
                    Enqueued::New(id) => {
                        let waiting = matched
                            .as_ref()
                            .is_some_and(|m| m.state == MessageState::Waiting);
                        prop_assert!(
                            !live || (replace && !waiting),
                            "live key {:?} stored twice",
                            key
                        );
                        prop_assert!(self.known.enqueued.insert(id), "id {id} reused");
                        self.known.payloads.insert(id, payload);
                        if let Some(k) = key {
                            self.known.keys.insert(k, (id, self.now));
                        }
                    }
                    Enqueued::Replaced(id) => {
                        prop_assert!(replace, "replaced {} without asking", id);
                        let m = matched.as_ref();
                        prop_assert!(
                            m.is_some_and(|m| m.id == id && m.state == MessageState::Waiting),
                            "replaced {} that is not the key's waiting message {:?}",
                            id,
                            m
                        );
                        self.known.payloads.insert(id, payload);
                        if let Some(k) = key {
                            self.known.keys.insert(k, (id, self.now));
                        }
                    }
                    Enqueued::Duplicate(id) => {
                        prop_assert!(!replace, "a replace reported a duplicate");
                        prop_assert!(live, "duplicate for a key that is not live");
                        let first = self.known.keys[key.as_deref().unwrap()].0;
                        prop_assert_eq!(id, first);
                        // Only housekeeping (forgetting expired keys) may be journaled.
                        let stored = self.engine.take_mutations();
                        prop_assert!(
                            stored
                                .iter()
                                .all(|m| matches!(m, Mutation::Delete(RecordKey::Key(_)))),
                            "a duplicate stored something: {:?}",
                            stored
                        );
                        self.stored(stored);
                    }
                }
            }
            Op::Lease(n) => {
                let leases = self.engine.lease(self.now, n);
                prop_assert!(leases.len() <= n);
                let mut groups_seen = BTreeSet::new();
                for l in &leases {
                    let id = l.token.id;
                    prop_assert!(l.attempt <= l.max_attempts, "attempt beyond max");
                    prop_assert_eq!(Some(&l.payload), self.known.payloads.get(&id));
                    if let Some(g) = &l.group {
                        prop_assert!(groups_seen.insert(g.clone()), "two of group {} leased", g);
                        self.check_group_head(id, g)?;
                        self.group_starts
                            .entry(g.clone())
                            .or_default()
                            .push(self.now);
                    }
                    self.starts.push(self.now);
                    self.next_lease = self.next_lease.max(l.token.lease + 1);
                    self.known.tokens.push(l.token);
                }
                self.check_rate_limits()?;
            }
            Op::NackAfter(i, dt) => {
                if let Some(t) = Self::pick(&mut self.known.tokens, i) {
                    let at = self.now + dt;
                    match self.engine.nack_after(t, "429", at, self.now).unwrap() {
                        Settled::Retry { due_ms } => {
                            prop_assert!(due_ms >= at, "retried at {} before {}", due_ms, at)
                        }
                        Settled::Dead => {
                            let records = self.engine.records();
                            let m = records.message(t.id).expect("stored");
                            prop_assert!(m.attempts >= m.max_attempts, "dead with tries left");
                        }
                    }
                }
            }
            Op::Cancel(i) => {
                let ids: Vec<MessageId> = self.store.metas().map(|m| m.id).collect();
                let id = if ids.is_empty() || i % 5 == 0 {
                    // Completed, purged, cancelled, or never stored.
                    MessageId((i % 64) as u64)
                } else {
                    ids[i % ids.len()]
                };
                let state = self.store.message(id).map(|m| m.state.clone());
                let result = self.engine.cancel(id, self.now);
                match state {
                    Some(MessageState::Waiting) => {
                        prop_assert_eq!(result, Ok(()));
                        self.known.cancelled.insert(id);
                        self.known.payloads.remove(&id);
                        self.known.keys.retain(|_, (owner, _)| *owner != id);
                    }
                    Some(MessageState::InFlight { .. }) => {
                        prop_assert_eq!(result, Err(Error::InFlight(id)));
                        prop_assert!(!self.engine.has_mutations());
                    }
                    _ => {
                        prop_assert_eq!(result, Err(Error::NotFound(id)));
                        prop_assert!(!self.engine.has_mutations());
                    }
                }
            }
            Op::List(bits, group, limit) => {
                let group = group.map(|g| format!("g{g}"));
                // Pages of one too: every page that falls back to the indexes is cut.
                for n in [limit, 1] {
                    self.check_listing(bits, group.clone(), n)?;
                }
            }
            Op::Takeover => {
                self.fail_run()?;
                self.commit();
                let config = self.engine.config().clone();
                self.engine = Engine::from_records(config, self.store.clone(), self.now).unwrap();
                let mut recovered: Vec<MessageId> = self
                    .engine
                    .recover_leases(self.now)
                    .iter()
                    .map(|x| x.id)
                    .collect();
                let mut held: Vec<MessageId> = self.known.tokens.iter().map(|t| t.id).collect();
                recovered.sort();
                held.sort();
                prop_assert_eq!(recovered, held, "every lease, and only those, recovered");
                self.known.stale.append(&mut self.known.tokens);
            }
            Op::Ack(i) => {
                if let Some(t) = Self::pick(&mut self.known.tokens, i) {
                    self.engine.ack(t).unwrap();
                    self.known.completed.insert(t.id);
                } else if let Some(t) = Self::pick(&mut self.known.stale, i) {
                    prop_assert!(self.engine.ack(t).is_err(), "stale token accepted");
                    prop_assert!(!self.engine.has_mutations());
                }
            }
            Op::Nack(i) => {
                if let Some(t) = Self::pick(&mut self.known.tokens, i) {
                    self.engine.nack(t, "boom", self.now).unwrap();
                } else if let Some(t) = Self::pick(&mut self.known.stale, i) {
                    prop_assert!(
                        self.engine.nack(t, "late", self.now).is_err(),
                        "stale nack accepted"
                    );
                    prop_assert!(!self.engine.has_mutations());
                }
            }
            Op::Reject(i) => {
                if let Some(t) = Self::pick(&mut self.known.tokens, i) {
                    self.engine.reject(t, "unrecoverable", self.now).unwrap();
                    let records = self.engine.records();
                    let m = records.message(t.id).expect("stored");
                    prop_assert!(
                        matches!(m.state, MessageState::Dead { .. }),
                        "rejected but not dead"
                    );
                } else if let Some(t) = Self::pick(&mut self.known.stale, i) {
                    prop_assert!(
                        self.engine.reject(t, "late", self.now).is_err(),
                        "stale reject accepted"
                    );
                    prop_assert!(!self.engine.has_mutations());
                }
            }
            Op::Advance(dt) => self.now += dt,
            Op::Expire => {
                for e in self.engine.expire(self.now) {
                    let pos = self.known.tokens.iter().position(|t| t.id == e.id);
                    prop_assert!(pos.is_some(), "expired a lease the test does not hold");
                    let t = self.known.tokens.swap_remove(pos.unwrap());
                    self.known.stale.push(t);
                }
            }
            Op::Redrive(i) => {
                let dead = self.engine.dead_letters(None, usize::MAX);
                if !dead.is_empty() {
                    self.engine
                        .redrive(dead[i % dead.len()].id, self.now)
                        .unwrap();
                }
            }
            Op::RedriveAll => {
                self.engine.redrive_all(self.now);
            }
            Op::Purge(i) => {
                let dead = self.engine.dead_letters(None, usize::MAX);
                if !dead.is_empty() {
                    let id = dead[i % dead.len()].id;
                    self.engine.purge(id).unwrap();
                    self.known.purged.insert(id);
                }
            }
            Op::PurgeAll => {
                for d in self.engine.dead_letters(None, usize::MAX) {
                    self.known.purged.insert(d.id);
                }
                self.engine.purge_all();
            }
            Op::Origin(candidate) => {
                let first = self.engine.origin().map(str::to_owned);
                let now = self
                    .engine
                    .ensure_origin(|| format!("o{candidate}"))
                    .to_owned();
                let want = first.unwrap_or_else(|| format!("o{candidate}"));
                prop_assert_eq!(now, want, "an origin never changes once set");
            }
            Op::Rollback(n) => {
                if self.failing.is_none() {
                    self.commit();
                    self.failing = Some(Failing {
                        steps_left: n,
                        store: self.store.clone(),
                        model: self.known.clone(),
                    });
                    return self.check_invariants();
                }
            }
            Op::Rebuild => {
                self.fail_run()?;
                self.commit();
                let clock = self.engine.clock();
                let config = self.engine.config().clone();
                let rebuilt = Engine::from_records(config, self.store.clone(), clock).unwrap();
                prop_assert!(rebuilt.same_state(&self.engine), "rebuilt engine differs");
                self.engine = rebuilt;
            }
        }
        match self.failing.as_mut().map(|f| &mut f.steps_left) {
            // The batches drained so far stay in flight; this step's
            // changes are still accumulating when the oldest fails.
            Some(0) => self.fail_run()?,
            Some(left) => *left -= 1,
            None => {}
        }
        self.commit();
        if self.failing.is_none() {
            prop_assert_eq!(self.engine.outstanding_batches(), 0);
        }
        self.check_invariants()
    }

    /// A leased group member is the group's oldest waiting/in-flight message
    /// and no other member is in flight.
    fn check_group_head(&self, id: MessageId, group: &str) -> Result<(), TestCaseError> {
        for m in self.store.metas() {
            let other = &m.id;
            if *other == id || m.group() != Some(group) {
                continue;
            }
            let in_flight = matches!(m.state, MessageState::InFlight { .. });
            prop_assert!(!in_flight, "group {} has two in flight", group);
            if m.state == MessageState::Waiting {
                prop_assert!(
                    *other > id,
                    "group {} leased {} before older {}",
                    group,
                    id,
                    other
                );
            }
        }
        Ok(())
    }

    fn check_invariants(&self) -> Result<(), TestCaseError> {
        // The store holds exactly what the engine holds.
        prop_assert_eq!(&self.engine.records(), &self.store);
        // Every message ever enqueued is in exactly one place.
        for id in &self.known.enqueued {
            let stored = self.store.message(*id).is_some();
            let places = [
                stored,
                self.known.completed.contains(id),
                self.known.purged.contains(id),
                self.known.cancelled.contains(id),
            ];
            prop_assert_eq!(
                places.iter().filter(|p| **p).count(),
                1,
                "message {} lost or doubled",
                id
            );
        }
        prop_assert!(self
            .store
            .messages
            .keys()
            .all(|id| self.known.enqueued.contains(id)));
        let (mut waiting, mut in_flight, mut dead) = (0, 0, 0);
        for m in self.store.metas() {
            prop_assert!(m.attempts <= m.max_attempts, "attempts beyond max");
            match m.state {
                MessageState::Waiting => waiting += 1,
                MessageState::InFlight { .. } => in_flight += 1,
                MessageState::Dead { .. } => dead += 1,
            }
        }
        let s = self.engine.stats();
        prop_assert_eq!(s.pending + s.delayed, waiting);
        prop_assert_eq!(s.in_flight, in_flight);
        prop_assert_eq!(s.dead, dead);
        prop_assert_eq!(s.completed as usize, self.known.completed.len());
        // A driver that sleeps until next_wake is never stuck.
        if waiting + in_flight > 0 && !self.engine.has_ready() {
            prop_assert!(
                self.engine.next_wake().is_some(),
                "work left but nothing will wake"
            );
        }
        Ok(())
    }

    /// No window of a limit's interval holds more starts than its max.
    fn check_rate_limits(&self) -> Result<(), TestCaseError> {
        let config = self.engine.config();
        let within = |starts: &[u64], limit: RateLimit| {
            starts.iter().enumerate().all(|(i, t)| {
                starts[i..]
                    .iter()
                    .take_while(|s| **s < t + limit.interval_ms)
                    .count()
                    <= limit.max as usize
            })
        };
        if let Some(limit) = config.rate_limit {
            prop_assert!(
                within(&self.starts, limit),
                "queue limit {:?} exceeded: {:?}",
                limit,
                self.starts
            );
        }
        if let Some(limit) = config.group_rate_limit {
            for (g, starts) in &self.group_starts {
                prop_assert!(
                    within(starts, limit),
                    "group {} limit {:?} exceeded: {:?}",
                    g,
                    limit,
                    starts
                );
            }
        }
        Ok(())
    }

    /// Every page of the listing, followed to its end, partitions exactly
    /// what the store says is pending, delayed or in flight (by the filter).
    fn check_listing(
        &self,
        bits: u8,
        group: Option<String>,
        limit: usize,
    ) -> Result<(), TestCaseError> {
        let all = [JobState::Pending, JobState::Delayed, JobState::InFlight];
        let states: JobStates = all
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect();
        let clock = self.engine.clock();
        let want: Vec<(MessageId, JobState)> = self
            .store
            .metas()
            .filter(|m| group.is_none() || m.group() == group.as_deref())
            .filter_map(|m| {
                let s = match m.state {
                    MessageState::Waiting if m.due_ms > clock => JobState::Delayed,
                    MessageState::Waiting => JobState::Pending,
                    MessageState::InFlight { .. } => JobState::InFlight,
                    MessageState::Dead { .. } => return None,
                };
                states.contains(s).then_some((m.id, s))
            })
            .collect();
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = self.engine.jobs(states, group.as_deref(), after, limit);
            prop_assert!(page.len() <= limit);
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for j in &page {
                prop_assert_eq!(Some(&j.payload), self.known.payloads.get(&j.id));
                got.push((j.id, j.state));
            }
            if page.len() < limit {
                break;
            }
        }
        prop_assert_eq!(got, want, "pages do not partition the listing");
        Ok(())
    }

    /// Runs the queue to the end: every message is then completed, purged or dead.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        self.fail_run()?;
        for t in std::mem::take(&mut self.known.tokens) {
            self.engine.ack(t).unwrap();
            self.known.completed.insert(t.id);
        }
        for _ in 0..10_000 {
            if let Some(at) = self.engine.next_wake() {
                self.now = self.now.max(at);
            }
            self.engine.expire(self.now);
            let leases = self.engine.lease(self.now, 16);
            if leases.is_empty() && self.engine.next_wake().is_none() {
                break;
            }
            for l in leases {
                self.starts.push(self.now);
                if let Some(g) = &l.group {
                    self.group_starts
                        .entry(g.clone())
                        .or_default()
                        .push(self.now);
                }
                self.engine.ack(l.token).unwrap();
                self.known.completed.insert(l.token.id);
            }
            self.check_rate_limits()?;
            self.commit();
        }
        self.commit();
        let s = self.engine.stats();
        prop_assert_eq!(
            s.pending + s.delayed + s.in_flight,
            0,
            "queue did not drain"
        );
        prop_assert_eq!(
            self.known.completed.len()
                + self.known.purged.len()
                + self.known.cancelled.len()
                + s.dead,
            self.known.enqueued.len()
        );
        self.check_invariants()
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(
        limits in (rate_limit(), rate_limit()),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let mut h = Harness::new(config(limits.0, limits.1));
        for op in ops {
            h.step(op)?;
        }
        h.drain()?;
    }
}
