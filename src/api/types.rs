//! Precise TypeScript types for the options and results that cross the
//! boundary as plain objects (the generated ones would be `any`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `Queue.open` (`T`: the queue's payload type). */
export interface QueueOptions<T = unknown> {
  /** Jobs processed at once by `process` (default 1; `process` may override). */
  concurrency?: number;
  /** Tries before a job becomes a dead letter (default 5). */
  maxAttempts?: number;
  /** Retry schedule (default exponential from 1 s, capped at 60 s, with jitter). */
  backoff?: BackoffOptions;
  /** How long a handler may run before its try counts as failed (default 30000). */
  leaseMs?: number;
  /** How long an idempotency key is remembered (default 24 h). */
  idempotencyWindowMs?: number;
  /**
   * Where jobs are kept: IndexedDB where available (default), else memory; or
   * a key-value `StorageAdapter` such as a Durable Object's `ctx.storage`.
   */
  storage?: "indexeddb" | "memory" | StorageAdapter;
  /**
   * An AES-GCM CryptoKey (usages encrypt + decrypt): payloads are encrypted
   * before they reach IndexedDB or the adapter (a fresh IV per stored value); ids, times and
   * other metadata stay plain. Payloads must then be JSON-serializable.
   */
  encryptionKey?: CryptoKey;
  /**
   * Called as `validate(payload)` on every `enqueue` of this instance, with the
   * copy that would be stored: `true` admits it; anything else
   * (`false`, a message string, any other value, or a throw) rejects the enqueue
   * with VALIDATION_FAILED (the message as the error's message) and stores nothing.
   * Not forwarded: each instance (tab, worker) validates its own calls.
   */
  validate?(payload: T): boolean | string;
  /**
   * Largest payload `enqueue` takes (a positive integer), else PAYLOAD_TOO_LARGE.
   * The stored clone's size is not observable, so wasmq measures the content:
   * strings (values and property names) in UTF-8 bytes, 8 per number or Date,
   * 1 per boolean, null, undefined and object/array/Map/Set, the byteLength of
   * ArrayBuffers (a typed array counts its whole buffer), the size of Blobs;
   * each object once.
   */
  maxPayloadBytes?: number;
  /**
   * At most `max` job starts per `intervalMs` for the whole queue (a sliding
   * window), enforced when jobs are leased, followers and takeovers alike.
   * After the queue is reopened or taken over, nothing starts for one
   * interval (the starts of the instance before leave no trace).
   */
  rateLimit?: RateLimit;
  /** The same, for each FIFO group on its own (ungrouped jobs: `rateLimit` only). */
  groupRateLimit?: RateLimit;
  /**
   * IndexedDB only. When `enqueue()` (and every other commit) resolves:
   * `"strict"` (default) once the browser has flushed the commit to disk, so
   * it survives a power cut; `"relaxed"` once it is handed to the operating
   * system, so it survives a crash of the browser but maybe not of the
   * machine. Refused with another store.
   */
  durability?: "strict" | "relaxed";
  /**
   * IndexedDB only. Asks `navigator.storage.persist()` so the browser does not
   * evict the queue under storage pressure; `queue.persisted` says what it
   * granted (`Queue.open` waits at most 1 s for the answer; until it comes,
   * `persisted` is false). A refusal is not an error. Refused with another store.
   */
  persist?: boolean;
}

/** A pace: at most `max` starts per `intervalMs` (both required). */
export interface RateLimit {
  /** Starts per interval, 1 to 1000000. */
  max: number;
  /** The interval in ms, at least 1. */
  intervalMs: number;
}

/**
 * A key-value store the queue persists in, for runtimes without IndexedDB.
 * A Durable Object's `ctx.storage` fits as it is; Deno KV needs a few lines
 * (see the README). Only a `put` of one key need be atomic. Keys are strings
 * under `wasmq:{name}/`; values are structured-clone values (objects, arrays,
 * typed arrays) of at most ~128 records each. `list` may return a `Map` or an
 * array of `[key, value]` pairs, in any order.
 */
export interface StorageAdapter {
  put(key: string, value: unknown): unknown;
  delete(key: string): unknown;
  list(options: { prefix: string }): Iterable<[string, unknown]> | Promise<Iterable<[string, unknown]>>;
}

/** Retry schedule. */
export interface BackoffOptions {
  type?: "fixed" | "exponential";
  /** Delay after the first failure, in ms (default 1000). */
  delayMs?: number;
  /** Cap of the exponential delay, in ms (default 60000). */
  maxDelayMs?: number;
  /** Spread each delay over [delay/2, delay] (default true). */
  jitter?: boolean;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** A second enqueue with a live key stores nothing and returns the first id. */
  idempotencyKey?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Run no earlier than this time (ms since the epoch, or a Date). */
  runAt?: number | Date;
  /** Higher runs first (default 0). */
  priority?: number;
  /** FIFO group: one job of a group at a time, in enqueue order. */
  group?: string;
  /** How long this job's idempotency key is remembered (default: the queue's window). */
  idempotencyWindowMs?: number;
  /** Overrides the queue's maxAttempts for this job. */
  maxAttempts?: number;
  /**
   * What a live `idempotencyKey` does: `"keep"` (default) stores nothing and
   * returns the first job (`duplicate: true`); `"replace"` coalesces — a job
   * with that key still waiting gets this payload (and priority, and the
   * delay or maxAttempts if given) in place, keeping its id and its tries
   * (`replaced: true`); a match in flight, dead or completed is left as it is
   * and this one is stored as a new job the key then stands for (in the same
   * group it runs after the one in flight). Needs an `idempotencyKey`.
   */
  onDuplicate?: "keep" | "replace";
}

/** Options of `enqueueMany`: those of `enqueue`, applied to every job, but no idempotency key. */
export type EnqueueManyOptions = Omit<EnqueueOptions, "idempotencyKey" | "onDuplicate">;

/** What `enqueue` resolves with. */
export interface EnqueueResult {
  id: number;
  /** True when the idempotency key was live: nothing was stored. */
  duplicate: boolean;
  /** True when `onDuplicate: "replace"` replaced a waiting job's payload (`id` is that job). */
  replaced: boolean;
}

/** Options of `jobs`: which states, which group, and the page. */
export interface JobsOptions {
  /** Default all three. */
  states?: JobState[];
  /** Only this FIFO group's jobs. */
  group?: string;
  /** Jobs with ids after this (pass the last id of a page for the next). */
  after?: number;
  /** At most this many. */
  limit?: number;
}

export type JobState = "pending" | "delayed" | "inFlight";

/** A job that waits or runs, as `jobs` lists it. */
export interface QueuedJob<T = unknown> {
  id: number;
  state: JobState;
  /** A copy: changing it changes neither the stored job nor its handler's payload. */
  payload: T;
  /** Tries so far (an in-flight job's current try included). */
  attempts: number;
  maxAttempts: number;
  enqueuedAt: number;
  /** When it is (pending, delayed) or was (in flight) due to run. */
  dueAt: number;
  /** In flight: when its try times out. */
  deadline?: number;
  priority: number;
  group?: string;
  idempotencyKey?: string;
  /** The error of its last failed try, if it was retried. */
  lastError?: string;
}

/** What a handler receives. */
export interface Job<T = unknown> {
  id: number;
  payload: T;
  /** Which try this is, from 1. */
  attempt: number;
  maxAttempts: number;
  idempotencyKey?: string;
  group?: string;
  enqueuedAt: number;
  /** When this try times out (ms since the epoch). */
  deadline: number;
  /** Aborted when this try times out. */
  signal: AbortSignal;
  /**
   * Settles this job alone as completed, whatever its handler call then does
   * (resolve, throw or time out). Returns false, and changes nothing, once the
   * call has ended or the job was already settled this way (the first wins).
   */
  ack(): boolean;
  /**
   * Settles this job alone as a failed try with `error` (as if thrown: an
   * `error.retry === false` makes it a dead letter now, `error.retryAt` holds
   * the next try), whatever its call then does. Returns false as `ack` does.
   */
  fail(error?: unknown): boolean;
}

/** A job handler: return (or resolve) to ack, throw (or reject) to retry. */
export type Handler<T = unknown> = (job: Job<T>) => unknown;

/**
 * A batch handler (`processBatch`): gets up to `batchSize` jobs at once;
 * return (or resolve) to ack them, throw (or reject) to retry them. A job
 * settled with its own `ack()` / `fail(error)` keeps that outcome instead.
 */
export type BatchHandler<T = unknown> = (jobs: Job<T>[]) => unknown;

/** Options of `process`. */
export interface ProcessOptions {
  concurrency?: number;
}

/** Options of `processBatch`. */
export interface BatchOptions {
  /** Handler calls at once (default: the queue's concurrency). */
  concurrency?: number;
  /** Most jobs per call, 1 to 100000 (default 100). */
  batchSize?: number;
}

/** Counts by state. */
export interface Stats {
  pending: number;
  delayed: number;
  inFlight: number;
  completed: number;
  retried: number;
  dead: number;
}

/** A job that ran out of tries. */
export interface DeadLetter<T = unknown> {
  id: number;
  payload: T;
  attempts: number;
  lastError?: string;
  failedAt: number;
  idempotencyKey?: string;
  group?: string;
}

export type QueueEventType = "completed" | "retrying" | "dead" | "error";

/** `event.detail` of completed / retrying / dead events (error events carry a WasmqError). */
export interface QueueEventDetail {
  id: number;
  attempt: number;
  error?: string;
  /** retrying: when the next try is due. */
  retryAt?: number;
}

export type ErrorCode =
  | "INVALID_OPTION" | "QUEUE_CLOSED" | "PAYLOAD_NOT_CLONEABLE" | "STORAGE_FAILED"
  | "QUOTA_EXCEEDED" | "STORAGE_UNAVAILABLE" | "NOT_FOUND" | "ALREADY_PROCESSING"
  | "STALE_LEASE" | "DECRYPT_FAILED" | "VALIDATION_FAILED" | "PAYLOAD_TOO_LARGE"
  | "JOB_IN_FLIGHT" | "INTERNAL_ERROR";

/** Every error wasmq throws or rejects with. */
export interface WasmqError extends Error {
  name: "WasmqError";
  code: ErrorCode;
  /** The option at fault, for INVALID_OPTION. */
  option?: string;
}
"#;
