// The runtime's per-job hot path, written in JavaScript (a wasm-bindgen snippet the glue imports;
// bindings in hot.rs): the job objects a handler gets, whose `signal` is made only when read, and
// the handler call with the following of its promise. Building these from wasm cost a crossing per
// field and an AbortController per call whether or not anyone used it.

/** The `signal` of one handler call's jobs: an AbortController made on the first read, aborted when the call fails. */
export class Call {
  constructor() {
    this.controller = undefined;
    this.aborted = false;
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

/** What a handler receives: the job's fields as own data properties, `signal` a getter. */
class Job {
  #call;

  constructor(call, id, payload, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
    this.id = id;
    this.payload = payload;
    this.attempt = attempt;
    this.maxAttempts = maxAttempts;
    if (idempotencyKey !== undefined) this.idempotencyKey = idempotencyKey;
    if (group !== undefined) this.group = group;
    this.enqueuedAt = enqueuedAt;
    this.deadline = deadline;
    this.#call = call;
  }

  /** Aborted when this try fails or times out. */
  get signal() {
    return this.#call.signal();
  }
}

/** The job of a handler call (its payload a copy of the stored one). */
export function newJob(call, id, stored, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
  return new Job(call, id, delivered(stored), attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline);
}

/** The same, appended to `list` (the jobs of a batch handler's call). */
export function pushJob(list, call, id, stored, attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline) {
  list.push(new Job(call, id, delivered(stored), attempt, maxAttempts, idempotencyKey, group, enqueuedAt, deadline));
}

/** A copy of a stored payload, or (as before) the stored value itself where it cannot be copied. */
function delivered(stored) {
  if (typeof stored !== "object" || stored === null) return stored;
  try {
    return typeof structuredClone === "function" ? structuredClone(stored) : stored;
  } catch {
    return stored;
  }
}

/**
 * Calls `handler(argument)`. A returned promise, or an object with a `then` method, is followed:
 * `resolved(n, value)` or `rejected(n, error)` when it settles; then this returns true. A plain
 * return value gives false; a throw goes to the caller.
 */
export function callHandler(handler, argument, n, resolved, rejected) {
  const returned = handler(argument);
  if (!(returned instanceof Promise)) {
    if (typeof returned !== "object" || returned === null) return false;
    let then;
    try {
      then = returned.then;
    } catch {
      return false; // a `then` getter that throws: a plain value, as before
    }
    if (typeof then !== "function") return false;
  }
  Promise.resolve(returned).then((value) => resolved(n, value), (error) => rejected(n, error));
  return true;
}
