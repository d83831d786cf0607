//! Storage faults, natively: a commit that fails (quota, aborted
//! transaction) stores nothing, the engine rolled back by its own undo
//! equals the engine before that batch and a rebuild from what the store
//! holds (the memory store's records, and what a load through the fault
//! wrapper returns), and later batches succeed.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use wasmq::core::{Config, Engine, EnqueueOptions, Records};
use wasmq::store::{FaultyStore, MemoryStore, Store, StoreErrorKind};

type Faulty = FaultyStore<MemoryStore<u32>>;

/// What the runtime's commit loop does: a durable batch drops its undo.
fn commit(engine: &mut Engine<u32>, store: &Faulty) -> Result<(), StoreErrorKind> {
    let result = block_on(store.commit(engine.take_mutations())).map_err(|e| e.kind);
    if result.is_ok() {
        engine.committed();
    }
    result
}

/// What the runtime does on a failed commit: the engine takes the batch back.
fn roll_back(mut engine: Engine<u32>, store: &Faulty) -> Engine<u32> {
    let now = engine.clock();
    engine.roll_back(now);
    let mut stored = store.inner().snapshot();
    // Lease numbers never go back (see `Engine::roll_back`).
    stored.counters.next_lease = engine.records().counters.next_lease;
    assert_eq!(engine.records(), stored, "the undo lands on what is stored");
    let mut rebuilt = Engine::from_records(engine.config().clone(), stored, now).unwrap();
    rebuilt.keep_pace(&engine);
    assert!(rebuilt.same_state(&engine), "and equals a rebuild from it");
    engine
}

fn enqueue_batch(engine: &mut Engine<u32>, first: u32, n: u32, now: u64) {
    for p in first..first + n {
        engine.enqueue(p, EnqueueOptions::default(), now).unwrap();
    }
}

#[test]
fn a_failed_commit_stores_nothing_and_the_engine_rolls_back_to_the_store() {
    for fault in [StoreErrorKind::QuotaExceeded, StoreErrorKind::Failed] {
        let store = FaultyStore::new(MemoryStore::new());
        let mut engine = Engine::new(Config::default()).unwrap();
        enqueue_batch(&mut engine, 0, 3, 10);
        commit(&mut engine, &store).unwrap();
        let lease = engine.lease(11, 1).pop().unwrap();
        commit(&mut engine, &store).unwrap();
        let before = engine.clone();
        let stored_before: Records<u32> = store.inner().snapshot();

        // A batch with enqueues, an ack and a lease: all of it fails.
        enqueue_batch(&mut engine, 100, 5, 12);
        engine.ack(lease.token).unwrap();
        engine.lease(12, 2);
        store.fail_next_commit(fault);
        assert_eq!(commit(&mut engine, &store), Err(fault));
        assert_eq!(
            store.inner().snapshot(),
            stored_before,
            "nothing of the failed batch is stored"
        );
        assert_eq!(block_on(store.load(0)).unwrap(), stored_before);

        let mut engine = roll_back(engine, &store);
        let mut before = before.records();
        before.counters.next_lease = engine.records().counters.next_lease;
        assert_eq!(
            engine.records(),
            before,
            "rolled back to the engine before the batch"
        );

        // The queue keeps working: the next batch commits.
        enqueue_batch(&mut engine, 200, 2, 13);
        commit(&mut engine, &store).unwrap();
        assert_eq!(engine.records(), store.inner().snapshot());
        assert_eq!(block_on(store.load(0)).unwrap(), engine.records());
        assert_eq!(
            engine.stats().stored(),
            5,
            "3 + 2 messages, the failed 5 gone"
        );
    }
}

#[test]
fn faults_fail_commits_in_order_then_stop() {
    let store = FaultyStore::new(MemoryStore::new());
    store.fail_next_commit(StoreErrorKind::QuotaExceeded);
    store.fail_next_commit(StoreErrorKind::Failed);
    let mut engine = Engine::new(Config::default()).unwrap();
    let mut outcomes = Vec::new();
    for i in 0..3 {
        enqueue_batch(&mut engine, i, 1, 1);
        outcomes.push(commit(&mut engine, &store));
    }
    assert_eq!(
        outcomes,
        vec![
            Err(StoreErrorKind::QuotaExceeded),
            Err(StoreErrorKind::Failed),
            Ok(())
        ]
    );
    assert_eq!(
        store.inner().snapshot().messages.len(),
        1,
        "only the third batch"
    );
    assert_eq!(block_on(store.load(0)).unwrap(), store.inner().snapshot());
}
