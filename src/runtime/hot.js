// The runtime's per-job hot path, written in JavaScript (a wasm-bindgen snippet the glue imports;
// bindings in hot.rs): the job objects a handler gets, whose `signal` is made only when read and
// whose `ack()` / `fail(error)` settle one job of a call on its own; the
// copy of a payload (the caller's at enqueue, a stored one for each handler call); the handler call with the following of its
// promise; the promise `enqueue()` returns and the ids `enqueueMany()` does; and the measure `maxPayloadBytes`
// is checked against (`payloadSize`). Building these from wasm cost a crossing per field and an AbortController per call
// whether or not anyone used it; a structuredClone per payload (at enqueue and per handler call) cost ~10x a
// hand copy of plain data.

const OBJECT = Object.prototype;
const ARRAY = Array.prototype;
const { getPrototypeOf, keys: ownKeys, defineProperty } = Object;
const { isArray } = Array;
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
 * Exported only so that the shipped, minified snippet keeps its name (a console shows `Job {…}`).
 */
export class Job {
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
 * A copy of a payload, the caller's at enqueue or a stored one for a handler: equal to
 * `structuredClone(value)` and sharing no object with it, but plain objects and arrays (what a
 * payload almost always is) are copied by hand, ~10x faster. Each property is read once, in
 * structuredClone's order (own enumerable string keys), so a getter gives the same value either
 * way; an object reached twice, or a cycle, stays one object in the copy; holes and extra
 * properties of arrays, a `__proto__` key and null-prototype objects come out as the clone's.
 * Any other object inside (a Date, Map, typed array, Blob, class instance...) is that object's
 * structuredClone. A function, a symbol, or a getter or trap that throws: `structuredClone(value)`
 * itself says so (it throws what it throws). A `Proxy` of a plain object or array — Vue's
 * `reactive`, MobX's observables, Immer's drafts — is read through its traps like the object it
 * stands for, so its copy is the plain data it shows (structuredClone would refuse it); a Proxy of
 * anything else, or a revoked one, is still refused. Where there is no structuredClone, what
 * cannot be copied by hand is the value itself.
 */
export function copyPayload(value) {
  if (typeof value === "object" && value !== null) {
    try {
      const out = copyObject(value, null);
      if (out !== FAIL) return out;
    } catch {
      // A getter or trap threw: structuredClone decides (and throws it again).
    }
  } else if (typeof value !== "function" && typeof value !== "symbol") {
    return value;
  }
  return typeof structuredClone === "function" ? structuredClone(value) : value;
}

/**
 * `enqueueMany`'s payloads, each copied on its own by `copyPayload` (what one throws, thrown): each
 * message's payload is its own, sharing no object with another's (one copy of the whole array would
 * keep an object two payloads share as one, and costs ~4x per payload in a 10^5-entry map).
 */
export function copyEach(list) {
  const n = list.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = copyPayload(list[i]);
  return out;
}

/**
 * The copy of the object `v`, or FAIL (a function or symbol in it). `met`: each object copied so
 * far and its copy (null at the top until `v` is found to hold an object), so one reached twice is
 * copied once.
 */
function copyObject(v, met) {
  const proto = getPrototypeOf(v);
  let out;
  if ((proto === OBJECT || proto === null) && !isArray(v)) out = {};
  else if (proto === ARRAY && isArray(v)) out = new Array(v.length);
  else {
    out = structuredClone(v);
    met?.set(v, out);
    return out;
  }
  met?.set(v, out);
  const keys = ownKeys(v);
  const n = keys.length;
  // An array's own enumerable keys list its indices first, ascending: as many keys as its length,
  // the last one its last index, means exactly its indices (no hole, no other property).
  const dense = isArray(out) && n === out.length && (n === 0 || keys[n - 1] === String(n - 1));
  for (let i = 0; i < n; i++) {
    const k = dense ? i : keys[i];
    let x = v[k];
    if (typeof x === "object" && x !== null) {
      met ??= new Map([[v, out]]);
      const known = met.get(x);
      x = known !== undefined ? known : copyObject(x, met);
      if (x === FAIL) return FAIL;
    } else if (typeof x === "function" || typeof x === "symbol") return FAIL;
    if (k === "__proto__") defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
    else out[k] = x;
  }
  return out;
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

// `payloadSize`, the measure `maxPayloadBytes` is checked against (bindings and the rules in api/size.rs; here
// beside the copy, the other walk of a payload). Walked in JavaScript, where each value had been one or more
// crossings from wasm (its type tests, a `Map`'s and a `Set`'s callbacks, every string copied out to count its
// UTF-8 bytes).

/** The UTF-8 bytes of `s` as the glue encodes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `v instanceof C`, false where `C` is absent from this runtime or the test throws. */
function is(v, C) {
  try {
    return typeof C === "function" && v instanceof C;
  } catch {
    return false;
  }
}

/** `v[key]`, or undefined where reading it throws. */
function field(v, key) {
  try {
    return v[key];
  } catch {
    return undefined;
  }
}

/** The bytes an object holds itself; what it contains goes on `todo`. */
function objectSize(v, todo) {
  if (is(v, Date)) return 8;
  if (is(v, RegExp)) {
    todo.push(v.source, v.flags);
    return 0;
  }
  if (is(v, ArrayBuffer)) return v.byteLength;
  if (ArrayBuffer.isView(v)) {
    todo.push(field(v, "buffer"));
    return 0;
  }
  if (is(v, globalThis.Blob)) return Math.trunc(v.size);
  if (is(v, Map)) {
    v.forEach((value, key) => todo.push(key, value));
    return 0;
  }
  if (is(v, Set)) {
    v.forEach((value) => todo.push(value));
    return 0;
  }
  if (is(v, Error)) {
    todo.push(field(v, "message"), field(v, "stack"));
    return 0;
  }
  // Arrays and plain objects (a clone of a class instance is a plain object).
  const array = Array.isArray(v);
  let entries;
  try {
    entries = Object.entries(v);
  } catch {
    return 0;
  }
  let keys = 0;
  for (const [key, value] of entries) {
    if (!array) keys += utf8Length(key);
    todo.push(value);
  }
  return keys;
}

/** The measured size of `payload`, or, as soon as it passes `max`, the size measured so far (more than `max`). */
export function payloadSize(payload, max) {
  const seen = new Set();
  const todo = [payload];
  let total = 0;
  const over = (n) => (total += n) > max;
  while (todo.length) {
    const v = todo.pop();
    const type = typeof v;
    if (type === "string") {
      // A string's UTF-8 bytes are at least its UTF-16 units: not counted when those already pass the limit.
      if (over(v.length) || over(utf8Length(v) - v.length)) return total;
    } else if (type === "number") {
      if (over(8)) return total;
    } else if (type === "bigint") {
      if (over(v.toString(10).length)) return total;
    } else if ((type !== "object" || v === null) && type !== "function") {
      if (over(1)) return total; // boolean, null, undefined (symbols and functions are not cloneable)
    } else if (!seen.has(v)) {
      seen.add(v);
      if (over(1) || over(objectSize(v, todo))) return total;
    }
  }
  return total;
}
