// The runtime's per-job hot path, written in JavaScript (a wasm-bindgen snippet the glue imports;
// bindings in hot.rs): the job objects a handler gets, whose `signal` is made only when read and
// whose `ack()` / `fail(error)` settle one job of a call on its own; the
// copy of a stored payload each handler call gets; the handler call with the following of its
// promise; the promise `enqueue()` returns and the ids `enqueueMany()` does. Building these from wasm cost a crossing per field and an AbortController per call
// whether or not anyone used it; a structuredClone per payload cost ~17x a hand copy of plain data.

const OBJECT = Object.prototype;
const ARRAY = Array.prototype;
const { getPrototypeOf, keys: ownKeys } = Object;
const { isArray } = Array;
/** Objects one hand copy takes at most (it checks each against those seen): more go to structuredClone. */
const MAX_OBJECTS = 32;
/** What a hand copy returns for a value it leaves to structuredClone. */
const FAIL = Symbol("structuredClone");

/** A job's own outcome, marked by `job.ack()` (`fail(error)` marks `[error]`). */
const ACK = 1;

/**
 * One handler call: the `signal` of its jobs (an AbortController made on the first read, aborted
 * when the call fails), and the outcomes its jobs were given by `job.ack()` / `job.fail(error)`
 * (`marks[i]` for its i-th job; undefined until one is marked), read once when the call ends.
 */
export class Call {
  constructor() {
    /** What the handler is called with (its job, or its jobs), until it is. */
    this.argument = undefined;
    this.controller = undefined;
    this.aborted = false;
    this.marks = undefined;
    this.ended = false;
  }

  /** Job `i` takes `outcome` unless the call ended or the job has one already; whether it took it. */
  mark(i, outcome) {
    if (this.ended) return false;
    const marks = (this.marks ??= []);
    if (marks[i] !== undefined) return false;
    marks[i] = outcome;
    return true;
  }

  /** The call ended: later marks are refused; its jobs' own outcomes (undefined if none was marked). */
  end() {
    this.ended = true;
    return this.marks;
  }

  /** The call's signal (already aborted if the call failed before anyone read it). */
  signal() {
    let c = this.controller;
    if (c === undefined) {
      if (typeof AbortController !== "function") return undefined;
      c = this.controller = new AbortController();
      if (this.aborted) c.abort();
    }
    return c.signal;
  }

  /** The call failed or timed out: its signal is (or will be, when read) aborted. */
  abort() {
    this.aborted = true;
    this.controller?.abort();
  }
}

/**
 * What a handler receives: the job's fields as own data properties; `signal` a getter; `ack()` and
 * `fail(error)` to settle this job alone, whatever the call's outcome (a batch's others follow it).
 */
class Job {
  #call;
  #i;

  constructor(call, i, id, payload, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
    this.id = id;
    this.payload = payload;
    this.attempt = attempt;
    this.maxAttempts = maxAttempts;
    if (idempotencyKey !== undefined) this.idempotencyKey = idempotencyKey;
    if (group !== undefined) this.group = group;
    this.enqueuedAt = enqueuedAt;
    this.deadline = deadline;
    this.#call = call;
    this.#i = i;
  }

  /** This job completes, whatever the rest of its call does; false once the call ended or the job was settled. */
  ack() {
    return this.#call.mark(this.#i, ACK);
  }

  /** This job's try failed with `error` (as if thrown alone: `retry: false` and `retryAt` count); false as for ack(). */
  fail(error = new Error("job.fail() was called without an error")) {
    return this.#call.mark(this.#i, [error]);
  }

  /** Aborted when this try fails or times out. */
  get signal() {
    return this.#call.signal();
  }
}

/** A one-job handler call, its argument the job (its payload a copy of the stored one). */
export function newJob(id, stored, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
  const call = new Call();
  call.argument = new Job(call, 0, id, delivered(stored), attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline);
  return call;
}

/** A batch handler's call of `n` jobs, its argument an array of `n` that `setJob` fills. */
export function newBatch(n) {
  const call = new Call();
  call.argument = new Array(n);
  return call;
}

/** Job `i` of the batch call `call`. */
export function setJob(call, i, id, stored, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
  call.argument[i] = new Job(call, i, id, delivered(stored), attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline);
}

/** A copy of a stored payload, or (as before) the stored value itself where it cannot be copied. */
function delivered(stored) {
  if (typeof stored !== "object" || stored === null) return stored;
  try {
    return copyPayload(stored);
  } catch {
    return stored;
  }
}

/**
 * A copy of a stored payload, equal to `structuredClone(value)` and sharing no object with it:
 * plain objects and arrays of primitives (what a stored payload, the structured clone made at
 * enqueue, almost always is) are copied by hand; anything else — a Date, Map, typed array, class
 * instance, an object reached twice or a cycle, an array with holes or extra properties, a
 * `__proto__` key, a function or symbol, more than MAX_OBJECTS objects — by structuredClone itself
 * (which throws what it throws). Properties are read once each, in structuredClone's order (own
 * enumerable string keys), so a getter gives the same value either way. Not for a caller's value:
 * a Proxy cannot be told from a plain object here, and structuredClone refuses it, so `enqueue`
 * copies with structuredClone.
 */
export function copyPayload(value) {
  if (typeof value === "object" && value !== null) {
    try {
      const out = copyObject(value, null);
      if (out !== FAIL) return out;
    } catch {
      // A getter threw: structuredClone decides (and throws it again).
    }
  } else if (typeof value !== "function" && typeof value !== "symbol") {
    return value;
  }
  return typeof structuredClone === "function" ? structuredClone(value) : value;
}

/** A hand copy of the object `v`, or FAIL. `seen`: the objects copied so far (null until v has an object in it). */
function copyObject(v, seen) {
  const proto = getPrototypeOf(v);
  const keys = ownKeys(v);
  if (proto === OBJECT && !isArray(v)) {
    const out = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === "__proto__") return FAIL;
      let x = v[k];
      if (typeof x === "object" && x !== null) {
        seen ??= [v];
        x = child(x, seen);
        if (x === FAIL) return FAIL;
      } else if (typeof x === "function" || typeof x === "symbol") return FAIL;
      out[k] = x;
    }
    return out;
  }
  if (proto === ARRAY && isArray(v)) {
    const n = v.length;
    // Own enumerable keys list the indices first, ascending: n keys ending with n - 1 are exactly 0..n-1.
    if (keys.length !== n || (n > 0 && keys[n - 1] !== String(n - 1))) return FAIL;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      let x = v[i];
      if (typeof x === "object" && x !== null) {
        seen ??= [v];
        x = child(x, seen);
        if (x === FAIL) return FAIL;
      } else if (typeof x === "function" || typeof x === "symbol") return FAIL;
      out[i] = x;
    }
    return out;
  }
  return FAIL;
}

/** A hand copy of `x`, an object inside the payload, unless it was seen before (shared or a cycle) or there are too many. */
function child(x, seen) {
  if (seen.length >= MAX_OBJECTS || seen.includes(x)) return FAIL;
  seen.push(x);
  return copyObject(x, seen);
}

/** What `callHandler` returns: a plain return, and no job of the call was marked (the call has ended). */
const ENDED = 0;
/** A returned promise (or thenable) is followed. */
const FOLLOWED = 1;
/** A plain return, and some job was marked (the call has ended: `call.end()` gives the marks). */
const MARKED = 2;

/**
 * Calls `handler(call.argument)` (let go of by the call: a job kept by the handler keeps no batch). A returned promise, or an object with a `then`
 * method, is followed: when it resolves the call ends and `resolved(n, marks, 1)` gets its jobs'
 * marks (`resolved(n, undefined, 0)` when none was marked), so wasm need not ask `call.end()`;
 * when it rejects, `rejected(n, error, 0)` (wasm aborts the signal before it ends the call).
 * Returns FOLLOWED then; for a plain return the call ends and ENDED or MARKED says whether a job
 * was marked. A throw goes to the caller (the call not ended).
 */
export function callHandler(handler, call, n, resolved, rejected) {
  const argument = call.argument;
  call.argument = undefined;
  const returned = handler(argument);
  if (!(returned instanceof Promise)) {
    if (typeof returned !== "object" || returned === null) return ended(call);
    let then;
    try {
      then = returned.then;
    } catch {
      return ended(call); // a `then` getter that throws: a plain value, as before
    }
    if (typeof then !== "function") return ended(call);
  }
  Promise.resolve(returned).then(
    () => {
      const marks = call.end();
      resolved(n, marks, marks === undefined ? 0 : 1);
    },
    (error) => rejected(n, error, 0),
  );
  return FOLLOWED;
}

/** Ends `call` after a plain return: ENDED, or MARKED when a job was marked. */
function ended(call) {
  return call.end() === undefined ? ENDED : MARKED;
}

/** `enqueue()`'s promise: `{ id, duplicate, replaced }` once `batch` (its commit) resolves (`kind`: 0 new, 1 duplicate, 2 replaced). */
export function enqueued(batch, id, kind) {
  return batch.then(() => ({ id, duplicate: kind === 1, replaced: kind === 2 }));
}

/** `list` (a Float64Array view of wasm memory, read now) as an array of numbers: `enqueueMany`'s ids. */
export function numbers(list) {
  const out = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}
