//! Criterion benchmark of the core: one enqueue + lease + ack, and one page
//! of 100 from `jobs`, with 10^4 and 10^6 messages pending, to show the
//! per-operation cost does not grow with the backlog; and a reopen
//! (`Engine::from_records`, and a load's image: every stored record
//! applied, then `Records::compact`) with 10^5 pending. Run with
//! `make bench-core` (or `cargo bench --bench core`).

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use criterion::{criterion_group, BatchSize, BenchmarkId, Criterion, Throughput};
    use wasmq::core::{Config, Engine, EnqueueOptions, JobStates, MessageId, Mutation, Records};

    fn filled(pending: usize) -> Engine<u64> {
        let mut engine = Engine::new(Config::default()).expect("default config is valid");
        for i in 0..pending as u64 {
            let opts = EnqueueOptions {
                priority: (i % 3) as i32,
                ..EnqueueOptions::default()
            };
            engine.enqueue(i, opts, 1).expect("valid enqueue");
            if i % 4096 == 0 {
                engine.take_mutations();
                engine.committed();
            }
        }
        engine.take_mutations();
        engine.committed();
        engine
    }

    fn enqueue_lease_ack(c: &mut Criterion) {
        let mut group = c.benchmark_group("enqueue+lease+ack");
        group.throughput(Throughput::Elements(1));
        for pending in [10_000usize, 1_000_000] {
            let mut engine = filled(pending);
            let mut i = 0u64;
            group.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |b, _| {
                b.iter(|| {
                    i += 1;
                    let opts = EnqueueOptions {
                        priority: (i % 3) as i32,
                        ..EnqueueOptions::default()
                    };
                    engine.enqueue(i, opts, 2).expect("valid enqueue");
                    let lease = engine.lease(2, 1).pop().expect("a message is ready");
                    engine.ack(lease.token).expect("fresh lease");
                    let batch = engine.take_mutations();
                    // What a driver does once the batch is durable (drops its undo).
                    engine.committed();
                    batch
                })
            });
            assert_eq!(
                engine.stats().pending,
                pending,
                "steady state kept the backlog"
            );
        }
        group.finish();
    }

    fn jobs_page(c: &mut Criterion) {
        let mut group = c.benchmark_group("jobs page of 100");
        group.throughput(Throughput::Elements(100));
        for pending in [10_000usize, 1_000_000] {
            let engine = filled(pending);
            let middle = Some(MessageId(pending as u64 / 2));
            group.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |b, _| {
                b.iter(|| engine.jobs(JobStates::ALL, None, middle, 100))
            });
            assert_eq!(engine.jobs(JobStates::ALL, None, middle, 100).len(), 100);
        }
        group.finish();
    }

    fn reopen(c: &mut Criterion) {
        let mut group = c.benchmark_group("reopen");
        let pending = 100_000usize;
        group.throughput(Throughput::Elements(pending as u64));
        group.sample_size(10);
        let records = filled(pending).records();
        group.bench_function(BenchmarkId::new("from_records", pending), |b| {
            b.iter_batched(
                || records.clone(),
                |r| Engine::from_records(Config::default(), r, 2).expect("valid records"),
                BatchSize::LargeInput,
            )
        });
        let stored: Vec<Mutation<u64>> =
            records.clone().into_records().map(Mutation::Put).collect();
        group.bench_function(BenchmarkId::new("load image", pending), |b| {
            b.iter_batched(
                || stored.clone(),
                |m| {
                    let mut image = Records::default();
                    image.apply_all(m);
                    image.compact();
                    image
                },
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }

    criterion_group!(benches, enqueue_lease_ack, jobs_page, reopen);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
