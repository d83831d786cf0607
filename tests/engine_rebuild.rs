//! `Engine::from_records` at scale: a live engine driven through many
//! messages in every state (FIFO groups, delays, priorities, keys, leases,
//! retries, dead letters, rate limits), its records shuffled through a
//! store in random order, then rebuilt: the rebuild (a bulk build of every
//! index) equals the live engine, goes on like it, and drops what has no
//! partner record exactly as before.

use wasmq::core::{
    Config, Engine, EnqueueOptions, Image, KeyRecord, MessageId, Mutation, RateLimit, Record,
    RecordKey, Records, SplitMix64,
};

const T0: u64 = 1_000_000;

fn config(limits: bool) -> Config {
    let limit = RateLimit {
        max: 3,
        interval_ms: 500,
    };
    Config {
        rate_limit: limits.then_some(limit),
        group_rate_limit: limits.then_some(limit),
        ..Config::default()
    }
}

/// A live engine after `n` random operations, and its clock.
fn driven(seed: u64, n: usize, limits: bool) -> Engine<u64> {
    let mut rng = SplitMix64::new(seed);
    let mut e = Engine::new(config(limits)).unwrap();
    let mut now = T0;
    let mut leases = Vec::new();
    for i in 0..n as u64 {
        now += rng.in_range(0, 20);
        match rng.in_range(0, 10) {
            0..=5 => {
                let opts = EnqueueOptions {
                    priority: rng.in_range(0, 3) as i32 - 1,
                    group: (rng.in_range(0, 3) == 0).then(|| format!("g{}", rng.in_range(0, 40))),
                    delay_ms: (rng.in_range(0, 4) == 0).then(|| rng.in_range(1, 90_000)),
                    idempotency_key: (rng.in_range(0, 5) == 0).then(|| format!("k{i}")),
                    max_attempts: Some(2),
                    ..EnqueueOptions::default()
                };
                e.enqueue(i, opts, now).unwrap();
            }
            6 | 7 => leases.extend(e.lease(now, rng.in_range(1, 8) as usize)),
            8 if !leases.is_empty() => {
                let l = leases.swap_remove(rng.in_range(0, leases.len() as u64 - 1) as usize);
                let _ = e.ack(l.token);
            }
            8 => {}
            _ if !leases.is_empty() => {
                let l = leases.swap_remove(rng.in_range(0, leases.len() as u64 - 1) as usize);
                let _ = e.nack(l.token, "no", now);
            }
            _ => e.tick(now),
        }
    }
    // Some leases running at the rebuild (the rate limits let 3 start).
    e.lease(now + 1_000, 40);
    e
}

/// The live engine's records, as a store would rebuild them from a log in
/// shuffled order (`Records` keeps them by key, whatever the order).
fn shuffled_records(e: &Engine<u64>, seed: u64) -> Records<u64> {
    let mut all: Vec<Record<u64>> = e.records().into_records().collect();
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    for i in (1..all.len()).rev() {
        all.swap(i, rng.in_range(0, i as u64) as usize);
    }
    Records::from_records(all)
}

#[test]
fn a_rebuild_of_many_messages_in_every_state_equals_the_live_engine() {
    for (seed, limits) in [(1, false), (2, true), (3, false), (4, true)] {
        let mut live = driven(seed, 6_000, limits);
        let now = live.clock() + 7;
        live.tick(now);
        live.take_mutations();
        let stats = live.stats();
        assert!(
            stats.pending > 100 && stats.delayed > 10 && stats.in_flight >= 3,
            "{stats:?}"
        );
        assert!(stats.dead > 10, "{stats:?}");
        let mut rebuilt =
            Engine::from_records(config(limits), shuffled_records(&live, seed), now).unwrap();
        assert!(rebuilt.same_state(&live), "seed {seed}");
        assert_eq!(rebuilt.stats(), live.stats());
        assert_eq!(rebuilt.next_wake().is_some(), live.next_wake().is_some());
        assert!(rebuilt.take_mutations().is_empty(), "nothing to drop");
        // It goes on as the live one: the same leases, in the same order.
        let later = now + 10_000;
        for step in 0..20 {
            let t = later + step * 600;
            let a: Vec<MessageId> = live.lease(t, 50).iter().map(|l| l.token.id).collect();
            let b: Vec<MessageId> = rebuilt.lease(t, 50).iter().map(|l| l.token.id).collect();
            assert_eq!(a, b, "seed {seed}, step {step}");
        }
        assert!(rebuilt.same_state(&live), "seed {seed}, after leasing");
    }
}

#[test]
fn a_rebuild_drops_unpartnered_records_in_the_journal_order_inserts_gave() {
    let live = driven(9, 3_000, false);
    let now = live.clock();
    let mut records = live.records();
    let ids: Vec<MessageId> = records.messages.keys().copied().collect();
    let (mut lost_payloads, mut lost_messages) = (Vec::new(), Vec::new());
    for (i, id) in ids.iter().enumerate() {
        match i % 7 {
            0 => {
                records.apply(Mutation::Delete(RecordKey::Payload(*id)));
                lost_payloads.push(*id);
            }
            3 => {
                records.apply(Mutation::Delete(RecordKey::Message(*id)));
                lost_messages.push(*id);
            }
            _ => {}
        }
    }
    // A payload above every message, and one between them.
    let top = MessageId(ids.last().unwrap().0 + 100);
    records.apply(Mutation::Put(Record::Payload(top, 1)));
    let mut rebuilt = Engine::from_records(config(false), records, now).unwrap();
    let mut want: Vec<Mutation<u64>> = lost_payloads
        .iter()
        .map(|id| Mutation::Delete(RecordKey::Message(*id)))
        .collect();
    want.extend(
        lost_messages
            .iter()
            .chain([&top])
            .map(|id| Mutation::Delete(RecordKey::Payload(*id))),
    );
    let got: Vec<Mutation<u64>> = rebuilt
        .take_mutations()
        .into_iter()
        .filter(|m| {
            matches!(
                m,
                Mutation::Delete(RecordKey::Message(_) | RecordKey::Payload(_))
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        rebuilt.stats().stored(),
        live.stats().stored() - lost_payloads.len() - lost_messages.len()
    );
    for id in lost_payloads.iter().chain(&lost_messages) {
        assert_eq!(rebuilt.get(*id), None);
    }
}

#[test]
fn compacting_a_loaded_image_keeps_every_record() {
    let live = driven(11, 4_000, true);
    let mut image = shuffled_records(&live, 11);
    let loaded = image.clone();
    image.compact();
    assert_eq!(image, loaded);
    assert!(image.metas().next().is_some() && image.payloads().next().is_some());
    // Still a working map: lookups, removal and inserts after the repack.
    let first = *image.messages.keys().next().unwrap();
    assert_eq!(image.messages.get(&first), loaded.messages.get(&first));
    image.apply(Mutation::Delete(RecordKey::Message(first)));
    assert_eq!(image.metas().count(), loaded.metas().count() - 1);
    let mut empty: Records<u64> = Records::default();
    empty.compact();
    assert_eq!(empty, Records::default());
}

/// Every record an `Image` shows, in the order it shows them.
fn read_image<P: Clone>(image: &dyn Image<P>) -> (Vec<Record<P>>, usize) {
    let mut out = vec![Record::Counters(image.counters())];
    out.extend(image.origin().map(|o| Record::Origin(o.to_owned())));
    image.each_meta(&mut |m| out.push(Record::Message(m.clone())));
    image.each_payload(&mut |id, p| out.push(Record::Payload(id, p.clone())));
    let mut keys: Vec<_> = image.keys().iter().collect();
    keys.sort();
    out.extend(keys.into_iter().map(|(key, &(id, expires_at_ms))| {
        Record::Key(KeyRecord {
            key: key.clone(),
            id,
            expires_at_ms,
        })
    }));
    (out, image.message_count())
}

/// A log-structured store writes its snapshot from the engine read in
/// place (no copy into `Records`): that view shows exactly the records
/// `Engine::records` would, in the same order, and a rebuild from what it
/// shows equals the engine.
#[test]
fn the_engine_read_as_an_image_shows_its_records() {
    for (seed, limits) in [(21, false), (22, true)] {
        let mut live = driven(seed, 5_000, limits);
        live.ensure_origin(|| "origin-x".to_owned());
        live.take_mutations();
        let records = live.records();
        assert!(records.messages.len() > 100 && !records.keys.is_empty());
        let (shown, count) = read_image(&live);
        assert_eq!((shown.clone(), count), read_image(&records));
        assert_eq!(count, records.messages.len());
        let now = live.clock();
        let rebuilt =
            Engine::from_records(live.config().clone(), Records::from_records(shown), now).unwrap();
        let mut again = Engine::from_records(live.config().clone(), records, now).unwrap();
        again.keep_pace(&rebuilt);
        assert!(rebuilt.same_state(&again));
    }
}
