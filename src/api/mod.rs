//! The `#[wasm_bindgen]` surface that JavaScript calls (wasm32 only): the
//! `Queue` class. Every method validates its input first and reports bad
//! input as a JS `Error` with a stable `code`, without changing anything.

mod door;
mod size;
mod types;

use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::runtime::{convert, options, Instance, QueueError};

/// The version of the wasmq package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Installs the panic hook when the module starts.
#[wasm_bindgen(start)]
pub fn start() {
    crate::runtime::install_panic_hook();
}

/// The promise of `f` (boxed here, so every method shares one `future_to_promise`).
fn promise<F>(f: F) -> js_sys::Promise
where
    F: Future<Output = Result<JsValue, QueueError>> + 'static,
{
    crate::runtime::task::promise(Box::pin(f))
}

fn rejected(e: QueueError) -> js_sys::Promise {
    js_sys::Promise::reject(&e.to_js())
}

const MAX_NAME_BYTES: usize = 256;

fn queue_name(name: &JsValue) -> Result<String, QueueError> {
    match name.as_string() {
        Some(n) if !n.is_empty() && n.len() <= MAX_NAME_BYTES => Ok(n),
        Some(n) => Err(QueueError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_BYTES} bytes, got {}", n.len()),
        )),
        None => Err(QueueError::invalid(
            "name",
            format!(
                "must be a string, got {}",
                crate::js::object::type_name(name)
            ),
        )),
    }
}

#[wasm_bindgen]
extern "C" {
    /// A message id, or `undefined` for every dead letter (checked by
    /// `options::message_id`, not by the glue).
    #[wasm_bindgen(typescript_type = "number | undefined")]
    pub type IdOrAll;
}

/// A durable job queue. Open one with `Queue.open(name, options)`.
#[wasm_bindgen]
pub struct Queue {
    inner: Rc<Instance>,
    concurrency: usize,
    door: door::Door,
}

impl Queue {
    /// `Queue.open` for Rust callers (the wasm tests): the queue itself, not a promise.
    pub async fn open_with(name: &str, options: &JsValue) -> Result<Queue, JsValue> {
        Ok(Queue::open_inner(&JsValue::from(name), options).await?)
    }

    async fn open_inner(name: &JsValue, options: &JsValue) -> Result<Queue, QueueError> {
        let name = queue_name(name)?;
        let opts = options::open_options(options)?;
        let inner = Instance::open(&name, opts.config, opts.store).await?;
        Ok(Queue {
            inner,
            concurrency: opts.concurrency,
            door: door::Door::new(opts.validate, opts.max_payload_bytes),
        })
    }
}

impl Queue {
    /// `redrive` or `purge` of dead letter `id` (all when `undefined`).
    fn on_dead_letters(&self, op: &'static str, id: JsValue) -> js_sys::Promise {
        if let Err(e) = options::message_id(&id) {
            return rejected(e);
        }
        crate::runtime::task::promise(self.inner.on_dead_letters(op, id))
    }
}

#[wasm_bindgen]
impl Queue {
    /// Opens (or creates) the queue `name`. Pending jobs stored by an
    /// earlier session are there again.
    #[wasm_bindgen(unchecked_return_type = "Promise<Queue>")]
    pub fn open(
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "QueueOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        promise(async move { Ok(Queue::open_inner(&name, &options).await?.into()) })
    }

    /// Stops at once, as if the page crashed: jobs in flight are not
    /// settled; their leases stay stored, expire after `leaseMs`, and the
    /// jobs are delivered again by the next instance opened on this name.
    pub fn terminate(&self) {
        self.inner.terminate();
    }

    /// The queue's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// The backend in use: `"indexeddb"`, `"memory"` or `"adapter"`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"indexeddb\" | \"memory\" | \"adapter\""
    )]
    pub fn storage(&self) -> String {
        self.inner.storage().to_owned()
    }

    /// Stores a job; resolves once it is durably committed, with its id and
    /// whether it was a duplicate of a live idempotency key. The options are
    /// checked, the payload cloned, then measured (`maxPayloadBytes`) and
    /// validated (`validate`) in this instance: a refusal stores nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<EnqueueResult>")]
    pub fn enqueue(
        &self,
        payload: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EnqueueOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        let prepared = options::enqueue_options(&options)
            .and_then(|o| Ok((convert::clone_payload(&payload)?, o)))
            .and_then(|(p, o)| self.door.admit(&p).map(|()| (p, o)));
        let (payload, opts) = match prepared {
            Ok(p) => p,
            Err(e) => return rejected(e),
        };
        if let Some(leader) = self.inner.direct() {
            // In the leader the job is stored now; the promise only waits for its commit.
            return leader.enqueue_now(payload, opts).unwrap_or_else(rejected);
        }
        let inner = Rc::clone(&self.inner);
        promise(async move { inner.enqueue(payload, options, opts).await })
    }

    /// Stores many jobs with the same options in one batch (one commit);
    /// resolves with their ids, in order, once they are durable. The options
    /// are those of `enqueue` but `idempotencyKey`. The array is cloned,
    /// then every payload measured and validated: one refusal stores none.
    #[wasm_bindgen(js_name = enqueueMany, unchecked_return_type = "Promise<number[]>")]
    pub fn enqueue_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "any[]")] payloads: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EnqueueManyOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        let prepared = options::payload_list(&payloads)
            .and_then(|()| options::enqueue_many_options(&options))
            .and_then(|o| Ok((convert::clone_payloads(&payloads)?, o)))
            .and_then(|(list, o)| {
                let list: Vec<JsValue> = list.iter().collect();
                for p in &list {
                    self.door.admit(p)?;
                }
                Ok((list, o))
            });
        let (list, opts) = match prepared {
            Ok(p) => p,
            Err(e) => return rejected(e),
        };
        crate::runtime::task::promise(self.inner.enqueue_many(list, options, opts))
    }

    /// Starts processing: `handler(job)` is called for each job, at most
    /// `concurrency` at a time; returning (or resolving) acks the job,
    /// throwing (or rejecting, or running past `leaseMs`) retries it.
    pub fn process(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Handler")] handler: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ProcessOptions | undefined")] options: JsValue,
    ) -> Result<(), JsValue> {
        let handler = options::handler(&handler)?;
        let concurrency = options::process_concurrency(&options, self.concurrency)?;
        Ok(self.inner.process(handler, concurrency, None)?)
    }

    /// Starts processing in batches: `handler(jobs)` is called with an array
    /// of up to `batchSize` jobs (default 100), at most `concurrency` calls
    /// at a time; returning (or resolving) acks every job of the batch,
    /// throwing (or rejecting, or running past `leaseMs`) retries every one.
    #[wasm_bindgen(js_name = processBatch)]
    pub fn process_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BatchHandler")] handler: JsValue,
        #[wasm_bindgen(unchecked_param_type = "BatchOptions | undefined")] options: JsValue,
    ) -> Result<(), JsValue> {
        let handler = options::handler(&handler)?;
        let (concurrency, size) = options::batch_options(&options, self.concurrency)?;
        Ok(self.inner.process(handler, concurrency, Some(size))?)
    }

    /// Stops taking new jobs (jobs in flight finish).
    pub fn pause(&self) -> Result<(), JsValue> {
        Ok(self.inner.pause()?)
    }

    /// Takes jobs again after `pause()`.
    pub fn resume(&self) -> Result<(), JsValue> {
        Ok(self.inner.resume()?)
    }

    /// What the browser answered to `persist: true`: `true` when this
    /// origin's storage is persistent (not evicted under storage pressure),
    /// `false` when it refused; `undefined` when `persist` was not asked.
    #[wasm_bindgen(getter)]
    pub fn persisted(&self) -> Option<bool> {
        self.inner.persisted()
    }

    /// Whether the queue is paused.
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.inner.is_paused()
    }

    /// Whether this instance leads: among the instances of this name (tabs,
    /// workers, or queues opened twice in one realm) the leader owns the
    /// store and runs the handler; the others forward their calls to it.
    #[wasm_bindgen(getter, js_name = isLeader)]
    pub fn is_leader(&self) -> bool {
        self.inner.is_leader()
    }

    /// The database's origin: a random id made and stored when the queue's
    /// database is first opened, and kept with its jobs. `` `${origin}:${job.id}` `` names a
    /// job beyond this device (relays publish it as the message id).
    /// `undefined` in an instance that does not lead.
    #[wasm_bindgen(getter)]
    pub fn origin(&self) -> Option<String> {
        self.inner.origin()
    }

    /// Panics inside the engine, as a bug would (built only with the `test-hooks` feature).
    #[cfg(feature = "test-hooks")]
    #[wasm_bindgen(js_name = panicForTest)]
    pub fn panic_for_test(&self) {
        self.inner.panic_for_test();
    }

    /// Makes the next commit fail with `code` (`"QUOTA_EXCEEDED"` or any
    /// other storage failure), storing nothing (built only with `test-hooks`).
    #[cfg(feature = "test-hooks")]
    #[wasm_bindgen(js_name = failNextCommit)]
    pub fn fail_next_commit(&self, code: &str) {
        let kind = match code {
            "QUOTA_EXCEEDED" => crate::store::StoreErrorKind::QuotaExceeded,
            _ => crate::store::StoreErrorKind::Failed,
        };
        self.inner.fail_next_commit(kind);
    }

    /// Makes the next watchdog timer (the one that cuts off handler calls
    /// past `leaseMs`) fire `ms` before its time, as Node's timers may after
    /// a busy turn (built only with `test-hooks`).
    #[cfg(feature = "test-hooks")]
    #[wasm_bindgen(js_name = fireWatchdogEarlyForTest)]
    pub fn fire_watchdog_early_for_test(&self, ms: u32) {
        self.inner.fire_watchdog_early(ms);
    }

    /// Whether the queue is closed.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Resolves when nothing is pending, delayed or in flight.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn drained(&self) -> js_sys::Promise {
        crate::runtime::task::promise(self.inner.drained())
    }

    /// Counts by state: `{ pending, delayed, inFlight, completed, retried, dead }`.
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        Ok(convert::stats(self.inner.stats()?))
    }

    /// The dead letters, oldest first; `{ after, limit }` pages through them.
    #[wasm_bindgen(js_name = deadLetters, unchecked_return_type = "Promise<DeadLetter[]>")]
    pub fn dead_letters(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ after?: number; limit?: number } | undefined")]
        options: JsValue,
    ) -> js_sys::Promise {
        let (after, limit) = match options::page_options(&options) {
            Ok(p) => p,
            Err(e) => return rejected(e),
        };
        crate::runtime::task::promise(self.inner.dead_letters(after, limit))
    }

    /// Sends dead letter `id` (or, without an id, every dead letter) back
    /// to pending with fresh tries; resolves with how many.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn redrive(&self, id: IdOrAll) -> js_sys::Promise {
        self.on_dead_letters("redrive", id.into())
    }

    /// Deletes dead letter `id` (or every dead letter); resolves with how many.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn purge(&self, id: IdOrAll) -> js_sys::Promise {
        self.on_dead_letters("purge", id.into())
    }

    /// The jobs that wait or run — pending, delayed, in flight — in id
    /// order, each with a copy of its payload; `{ states, group, after,
    /// limit }` filters and pages.
    #[wasm_bindgen(unchecked_return_type = "Promise<QueuedJob[]>")]
    pub fn jobs(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JobsOptions | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        let query = match options::jobs_options(&options) {
            Ok(q) => q,
            Err(e) => return rejected(e),
        };
        crate::runtime::task::promise(self.inner.jobs(&query))
    }

    /// Removes waiting (pending or delayed) job `id` before it runs;
    /// resolves once that is durable. `JOB_IN_FLIGHT` while a handler runs
    /// it, `NOT_FOUND` for a dead letter, a completed job or an unknown id.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
    ) -> js_sys::Promise {
        match options::message_id(&id) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return rejected(QueueError::invalid(
                    "id",
                    "must be a message id (a non-negative integer)",
                ))
            }
            Err(e) => return rejected(e),
        }
        crate::runtime::task::promise(self.inner.cancel(id))
    }

    /// Stops processing, waits for jobs in flight, commits, and closes the store.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        promise(async move {
            inner.close().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Listens for `completed`, `retrying`, `dead` or `error` events (`CustomEvent`, details in `event.detail`).
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QueueEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: CustomEvent<QueueEventDetail>) => void")]
        listener: &js_sys::Function,
    ) -> Result<(), JsValue> {
        self.inner.listen(kind, listener)
    }

    /// Removes a listener added with `addEventListener`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QueueEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: CustomEvent<QueueEventDetail>) => void")]
        listener: &js_sys::Function,
    ) -> Result<(), JsValue> {
        if let Some(t) = self.inner.events().target() {
            t.remove_event_listener_with_callback(kind, listener)?;
        }
        Ok(())
    }

    /// Deletes every message of memory queue `name` (a fresh start; IndexedDB
    /// queues are deleted with `indexedDB.deleteDatabase("wasmq:" + name)`).
    #[wasm_bindgen(js_name = dropMemory)]
    pub fn drop_memory(name: &str) -> bool {
        crate::runtime::drop_memory_store(name)
    }
}
