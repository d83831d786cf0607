//! The bindings of `hot.js`, the runtime's per-job hot path written in
//! JavaScript (shipped beside the glue as a wasm-bindgen snippet): job
//! objects with a lazy `signal` and their own `ack()` / `fail(error)`, the copy of a payload (the caller's
//! at enqueue; a stored one for a handler or `jobs()`), the handler call with its promise followed, and
//! `enqueue()`'s promise and `enqueueMany()`'s ids.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// [`call_handler`]: a plain return, no job marked (the call ended).
pub const ENDED: u32 = 0;
/// [`call_handler`]: a returned promise is followed.
pub const FOLLOWED: u32 = 1;

#[wasm_bindgen(module = "/src/runtime/hot.js")]
extern "C" {
    /// One handler call: its argument (until the handler is called), and
    /// the signal of its jobs, made when first read.
    pub type Call;
    /// Aborts the call's signal (now, or when it is first read).
    #[wasm_bindgen(method)]
    pub fn abort(this: &Call);
    /// The call ended: its jobs' own outcomes from `job.ack()` /
    /// `job.fail(error)` (`undefined` when none was marked; else an array
    /// whose i-th item is `1` for an ack, `[error]` for a failure, or a
    /// hole), and no job takes one from now on.
    #[wasm_bindgen(method)]
    pub fn end(this: &Call) -> JsValue;

    /// A one-job call, its argument the job object (its payload a copy of `stored`).
    #[wasm_bindgen(js_name = newJob)]
    #[allow(clippy::too_many_arguments)]
    pub fn new_job(
        id: f64,
        stored: &JsValue,
        attempt: u32,
        max_attempts: u32,
        idempotency_key: Option<&str>,
        group: Option<&str>,
        enqueued_at: f64,
        deadline: f64,
    ) -> Call;

    /// A batch call of `n` jobs, its argument an array of `n` that
    /// [`set_job`] fills (every one of them).
    #[wasm_bindgen(js_name = newBatch)]
    pub fn new_batch(n: u32) -> Call;

    /// The same job object, job `i` of the batch call `call`.
    #[wasm_bindgen(js_name = setJob)]
    #[allow(clippy::too_many_arguments)]
    pub fn set_job(
        call: &Call,
        i: u32,
        id: f64,
        stored: &JsValue,
        attempt: u32,
        max_attempts: u32,
        idempotency_key: Option<&str>,
        group: Option<&str>,
        enqueued_at: f64,
        deadline: f64,
    );

    /// A copy of a payload equal to its structured clone (what that throws,
    /// thrown): plain data copied by hand (a `Proxy` of plain data read
    /// through its traps), the rest by structuredClone.
    #[wasm_bindgen(catch, js_name = copyPayload)]
    pub fn copy_payload(value: &JsValue) -> Result<JsValue, JsValue>;

    /// `enqueueMany`'s payloads, each copied on its own as by
    /// [`copy_payload`] (what one throws, thrown).
    #[wasm_bindgen(catch, js_name = copyEach)]
    pub fn copy_each(list: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `handler(argument)` for the call `call` (numbered `n`; the call lets go of its argument):
    /// [`FOLLOWED`] when it returned a promise (or thenable), followed with
    /// `resolved(n, marks, marked)` (the call ended in JS; `marked` 1 when
    /// `marks` holds the jobs' marks, 0 when none was marked) or
    /// `rejected(n, error, 0)` (the call not ended); for a plain return the
    /// call has ended, [`ENDED`] if no job was marked, else 2 (`MARKED`:
    /// `Call::end` gives the marks);
    /// `Err` with what it threw (the call not ended).
    #[wasm_bindgen(catch, js_name = callHandler)]
    pub fn call_handler(
        handler: &js_sys::Function,
        call: &Call,
        n: f64,
        resolved: &js_sys::Function,
        rejected: &js_sys::Function,
    ) -> Result<u32, JsValue>;

    /// The numbers as a JS array, copied in a loop (`Array.from` of a
    /// typed array goes through its iterator: ~6x the time per item in Node).
    pub fn numbers(list: &[f64]) -> js_sys::Array;

    /// `{ id, duplicate, replaced }` once `batch` resolves (`kind`: 0 new,
    /// 1 duplicate, 2 replaced).
    pub fn enqueued(batch: &js_sys::Promise, id: f64, kind: u32) -> js_sys::Promise;
}
