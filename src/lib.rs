//! # wasmq
//!
//! A durable message and job queue for web apps, service workers and edge
//! functions, written in Rust and compiled to WebAssembly.
//!
//! The crate is layered; data flows one way:
//! API call → [`core::Engine`] (decides, returns mutations) → store (commits)
//! → runtime (resolves the caller's promise, calls the handler).
//!
//! ## Delivery
//! At least once. A job is leased to a handler; success acks it (deleted),
//! failure nacks it (retried after backoff, or dead-lettered). A job is never
//! silently dropped: every message enqueued is pending, delayed, in flight,
//! dead, or completed.
//!
//! ## Leases
//! A lease lasts `leaseMs`. The attempt counter is incremented and persisted
//! when the lease is taken, before the handler runs, so a job that crashes its
//! tab every time still ends in the dead letters. A lease that runs out
//! (`expire`) makes the job due again. A crashed tab's jobs do not wait for
//! that: the instance that takes over (or reopens the queue) holds the lock,
//! so every lease it finds is an earlier instance's, and counts as a failed
//! try at once (`recover_leases`): retried after the backoff, or dead.
//!
//! ## Control
//! `jobs` lists what waits or runs, paged; `cancel` removes a waiting job
//! (and frees its key); `onDuplicate: "replace"` coalesces enqueues by key;
//! `rateLimit` / `groupRateLimit` cap starts per interval, in `lease` and
//! `next_wake`.
//!
//! ## Retries
//! Fixed or exponential backoff, capped, with optional jitter over
//! `[delay/2, delay]` from a seeded generator.
//!
//! ## Dead letters
//! After `maxAttempts` failed tries a job becomes a dead letter with its last
//! error. Dead letters are listed, redriven (one or all, with fresh tries) or
//! purged — only ever by an explicit call.
//!
//! ## Idempotency
//! A second enqueue with an idempotency key that is live — within its window
//! (default 24 h) from the first enqueue, or while the first message still
//! exists — stores nothing and returns the first message's id as a duplicate.
//!
//! ## Ordering
//! Highest priority first, then earliest due time, then enqueue order. A FIFO
//! `group` has at most one job in flight, in strict enqueue order: a failing
//! head blocks its group until it succeeds or dies.
#![deny(missing_docs)]

pub mod core;
pub mod store;

#[cfg(any(target_arch = "wasm32", test))]
mod alloc;
/// The allocator written for this crate (`alloc.rs`), not the default dlmalloc.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: alloc::wasm::Allocator = alloc::wasm::Allocator::new();

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod by_name;
#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(any(target_arch = "wasm32", test))]
mod oneshot;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
