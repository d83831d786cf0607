// The runtime's JS snippet as the package ships it (pkg/snippets/…/hot.js): the payload copy against structuredClone
// over a table of values, of proxies and of enqueueMany's lists, the job objects and their lazy `signal`, the handler call, and enqueue's promise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { isDeepStrictEqual, types } from "node:util";

const pkg = new URL("../../pkg/", import.meta.url);
const shipped = readdirSync(new URL("snippets/", pkg), { recursive: true }).find((f) => f.endsWith("hot.js"));
assert.ok(shipped, "the package ships the hot.js snippet");
const hot = await import(new URL(`snippets/${shipped}`, pkg));
const { Call, callHandler, copyEach, copyPayload, enqueued, newBatch, newJob, numbers, setJob } = hot;

/** Every object reachable from `v` (own properties, Map and Set entries). */
function objects(v, into = new Set()) {
  if ((typeof v !== "object" && typeof v !== "function") || v === null || into.has(v)) return into;
  into.add(v);
  if (v instanceof Map) for (const [k, x] of v) objects(k, into), objects(x, into);
  else if (v instanceof Set) for (const x of v) objects(x, into);
  else if (ArrayBuffer.isView(v)) objects(v.buffer, into);
  for (const k of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if ("value" in d) objects(d.value, into);
  }
  return into;
}

/** The paths at which `v` reaches an object it reached before (what structuredClone keeps shared). */
function sharing(v, path = "$", seen = new Map(), out = []) {
  if (typeof v !== "object" || v === null) return out;
  if (seen.has(v)) return out.push(`${path}=${seen.get(v)}`), out;
  seen.set(v, path);
  if (v instanceof Map) [...v].forEach(([, x], i) => sharing(x, `${path}.get#${i}`, seen, out));
  else for (const k of Object.keys(v)) sharing(v[k], `${path}.${k}`, seen, out);
  return out;
}

class Point { constructor() { this.x = 1; this.y = [2]; } }
const cycle = () => { const o = { n: 1 }; o.self = o; return o; };
const arrayCycle = () => { const a = [1]; a.push(a); return a; };
const shared = () => { const s = { n: 1 }; return { a: s, b: [s] }; };
const holes = () => [1, , 3]; // eslint-disable-line no-sparse-arrays
const extra = () => Object.assign([1, 2], { note: "x" });
const holeAndExtra = () => Object.assign([1, , 3], { note: "x" }); // eslint-disable-line no-sparse-arrays
const getter = () => ({ a: 1, get b() { return { fresh: [this.a] }; } });
const hidden = () => Object.defineProperty({ shown: 1 }, "hidden", { value: 2, enumerable: false });
const symbolKey = () => ({ a: 1, [Symbol("s")]: 2 });
const protoKey = () => JSON.parse('{"__proto__": {"polluted": true}, "n": 1}');
const deep = () => { let o = { leaf: true }; for (let i = 0; i < 100; i++) o = { o }; return o; };
const wide = () => Array.from({ length: 100 }, (_, i) => ({ i }));
const indexKeys = () => ({ 2: "b", 1: "a", z: "z", 0: "0" });

/** Values the copy must give exactly as structuredClone does (a name, a function making a fresh one). */
const VALUES = [
  ["number", () => 1.5], ["negative zero", () => -0], ["NaN", () => NaN], ["string", () => "s"], ["boolean", () => true],
  ["null", () => null], ["undefined", () => undefined], ["bigint", () => 10n ** 30n],
  ["empty object", () => ({})], ["empty array", () => []],
  ["message", () => ({ to: "user1@example.com", n: 1, subject: "Welcome aboard" })],
  ["nested", () => ({ a: { b: { c: [1, 2, { d: "e" }] } }, list: [[1], [2, [3]]], none: null, u: undefined })],
  ["array of primitives", () => [1, "two", true, null, undefined, -0, NaN]],
  ["integer-like keys", indexKeys], ["__proto__ key", protoKey], ["getter", getter], ["non-enumerable", hidden],
  ["symbol key", symbolKey], ["Date", () => new Date(12345)], ["Date in object", () => ({ when: new Date(0) })],
  ["Map", () => new Map([[1, { one: 1 }]])], ["Set in array", () => [new Set([1, 2])]], ["RegExp", () => /a+/gi],
  ["Uint8Array", () => new Uint8Array([1, 2, 3])], ["typed array in object", () => ({ f: new Float64Array([0.5]) })],
  ["ArrayBuffer", () => new Uint8Array([7, 8]).buffer], ["Error", () => ({ e: new RangeError("boom") })],
  ["boxed number", () => ({ n: new Number(3) })], ["class instance", () => new Point()], ["class instance inside", () => ({ p: new Point() })],
  ["null prototype", () => Object.assign(Object.create(null), { a: 1 })], ["cycle", cycle], ["array cycle", arrayCycle],
  ["shared object", shared], ["holes", holes], ["non-index array property", extra], ["hole and extra property", holeAndExtra],
  ["deep", deep], ["wide", wide], ["sparse length", () => { const a = []; a[5] = 1; return a; }],
];

test("copyPayload equals structuredClone and shares no object with the original", () => {
  for (const [name, make] of VALUES) {
    const original = make();
    const copy = copyPayload(original);
    const clone = structuredClone(make());
    assert.ok(isDeepStrictEqual(copy, clone), `${name}: the copy deep-equals structuredClone's`);
    assert.deepEqual(Object.keys(copy ?? {}), Object.keys(clone ?? {}), `${name}: same keys in the same order`);
    assert.deepEqual(sharing(copy), sharing(clone), `${name}: the same objects shared`);
    const mine = objects(original);
    for (const o of objects(copy)) assert.ok(!mine.has(o), `${name}: the copy shares no object with the original`);
    if (typeof original === "object" && original !== null) assert.notEqual(copy, original, `${name}: a new object`);
  }
});

test("copyPayload refuses what structuredClone refuses, with its error", () => {
  const refused = [() => () => 1, () => Symbol("s"), () => ({ f() {} }), () => [1, () => 2], () => ({ s: Symbol("s") }),
    () => ({ get x() { throw new Error("getter"); } }), () => ({ nested: new WeakMap() })];
  for (const make of refused) {
    let expected;
    try { structuredClone(make()); } catch (e) { expected = e; }
    assert.ok(expected, "structuredClone refuses it");
    assert.throws(() => copyPayload(make()), (e) => e.name === expected.name && e.message === expected.message && e.constructor === expected.constructor);
  }
});

/** As Vue's `reactive`: each plain object or array read through it comes out wrapped in its own Proxy. */
const reactive = (target) => new Proxy(target, {
  get(o, k, r) {
    const v = Reflect.get(o, k, r);
    return v && typeof v === "object" && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) ? reactive(v) : v;
  },
});

test("a Proxy of plain data is copied as the data it shows, and no Proxy is left in the copy", () => {
  const cases = [
    ["reactive", () => reactive({ to: "a", items: [{ n: 1 }, { n: 2 }], when: new Date(5) })],
    ["proxy inside", () => ({ inner: new Proxy({ n: 1, list: [1, 2] }, {}) })],
    ["proxy of an array", () => new Proxy([1, { n: 2 }, [3]], {})],
    ["proxy of a null-prototype object", () => new Proxy(Object.assign(Object.create(null), { a: 1 }), {})],
    ["shared through a proxy", () => { const s = { n: 1 }; const p = new Proxy(s, {}); return { a: p, b: p, c: s }; }],
  ];
  for (const [name, make] of cases) {
    const value = make();
    const copy = copyPayload(value);
    const plain = JSON.parse(JSON.stringify(value));
    assert.deepEqual(JSON.parse(JSON.stringify(copy)), plain, `${name}: the data it shows`);
    for (const o of objects(copy)) assert.ok(!types.isProxy(o), `${name}: no Proxy in the copy`);
    assert.doesNotThrow(() => structuredClone(copy), `${name}: the copy is storable as it is`);
  }
  const shared = copyPayload(cases[4][1]());
  assert.equal(shared.a, shared.b, "one Proxy reached twice is one object");
  assert.notEqual(shared.a, shared.c, "a Proxy and its target are two objects, as two objects would be");
  const refused = [() => new Proxy(new Map(), {}), () => ({ d: new Proxy(new Date(), {}) }), () => new Proxy({ f() {} }, {}),
    () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; }, () => new Proxy({ a: 1 }, { get() { throw new Error("trap"); } })];
  for (const make of refused) assert.throws(() => copyPayload(make()), (e) => e.name === "DataCloneError", String(make));
});

test("copyEach copies each payload on its own and refuses the list if one is refused", () => {
  const s = { n: 1 };
  const list = [s, s, { to: "a", tags: ["x"] }, 5, reactive({ deep: { n: 2 } })];
  const out = copyEach(list);
  assert.ok(Array.isArray(out) && out.length === 5 && out !== list);
  assert.deepEqual(JSON.parse(JSON.stringify(out)), [{ n: 1 }, { n: 1 }, { to: "a", tags: ["x"] }, 5, { deep: { n: 2 } }]);
  assert.notEqual(out[0], out[1], "an object given twice is two payloads");
  for (const o of objects(out)) assert.ok(!objects(list).has(o) && !types.isProxy(o), "nothing shared with the list, no Proxy");
  assert.deepEqual(copyEach(new Proxy([1, 2], {})), [1, 2], "a Proxy of the list");
  assert.throws(() => copyEach([1, () => 2]), (e) => e.name === "DataCloneError");
});

test("a job has the data fields as own properties and a signal getter", () => {
  const stored = { to: "a", list: [1] };
  const call = newJob(7, stored, 2, 5, "key", "g", 1000, 2000);
  assert.ok(call instanceof Call, "newJob makes the call, its argument the job");
  const job = call.argument;
  assert.deepEqual(JSON.parse(JSON.stringify(job)), { id: 7, payload: { to: "a", list: [1] }, attempt: 2, maxAttempts: 5,
    idempotencyKey: "key", group: "g", enqueuedAt: 1000, deadline: 2000 });
  assert.deepEqual(Object.keys(job), ["id", "payload", "attempt", "maxAttempts", "idempotencyKey", "group", "enqueuedAt", "deadline"]);
  assert.notEqual(job.payload, stored, "the payload is a copy");
  assert.notEqual(job.payload.list, stored.list);
  const bare = newJob(8, "text", 1, 1, undefined, undefined, 1, 2).argument;
  assert.ok(!("idempotencyKey" in bare) && !("group" in bare), "absent keys are not there");
  assert.equal(bare.payload, "text");
  assert.ok(bare.signal instanceof AbortSignal);
  assert.equal(bare.signal, bare.signal, "one signal per call");
  const batch = newBatch(2);
  assert.ok(batch instanceof Call);
  const list = batch.argument;
  assert.ok(Array.isArray(list) && list.length === 2, "a batch call's argument: an array of its jobs");
  setJob(batch, 0, 1, { n: 1 }, 1, 3, undefined, undefined, 1, 2);
  setJob(batch, 1, 2, { n: 2 }, 1, 3, undefined, "g", 1, 2);
  assert.deepEqual(Object.keys(list), ["0", "1"]);
  assert.deepEqual(list.map((j) => [j.id, j.payload.n, j.group]), [[1, 1, undefined], [2, 2, "g"]]);
  assert.equal(list[0].signal, list[1].signal, "a batch's jobs share one signal");
});

test("the shipped snippet is minified but keeps the names a console and a stack trace show", () => {
  const job = newJob(1, {}, 1, 1, undefined, undefined, 1, 2).argument;
  assert.equal(job.constructor.name, "Job", "a handler's job shows as Job");
  assert.equal(job.constructor, hot.Job);
  for (const [name, v] of Object.entries(hot)) assert.equal(v.name, name, `the export ${name} keeps its name`);
  const source = readFileSync(new URL(`snippets/${shipped}`, pkg), "utf8");
  assert.ok(!/copyObject|utf8Length/.test(source), "local names are shortened");
  assert.ok(!source.includes("/**"), "comments are not shipped");
});

test("the signal is made only when read, and an abort before the read is seen by it", (t) => {
  let made = 0;
  const Real = globalThis.AbortController;
  globalThis.AbortController = class extends Real { constructor() { super(); made++; } };
  t.after(() => { globalThis.AbortController = Real; });
  let reference;
  { const c = new Real(); c.abort(); reference = c.signal.reason; }

  newJob(1, 1, 1, 1, undefined, undefined, 1, 2);
  assert.equal(made, 0, "no AbortController for a call nobody reads or aborts");
  const late = newJob(2, 1, 1, 1, undefined, undefined, 1, 2);
  const lateJob = late.argument;
  late.abort();
  assert.equal(made, 0, "aborting an unread signal makes none either");
  const signal = lateJob.signal;
  assert.equal(made, 1);
  assert.ok(signal.aborted, "read after the abort: aborted");
  assert.equal(signal.reason.name, reference.name);
  assert.equal(signal.reason.message, reference.message);
  assert.equal(signal.reason.constructor, reference.constructor);

  const early = newJob(3, 1, 1, 1, undefined, undefined, 1, 2);
  const earlyJob = early.argument;
  const s = earlyJob.signal;
  let heard = 0;
  s.addEventListener("abort", () => heard++);
  assert.ok(!s.aborted);
  early.abort();
  assert.equal(heard, 1, "read before the abort: the abort event fires");
  assert.ok(s.aborted);
  assert.equal(s.reason.name, reference.name);
  assert.equal(s.reason.message, reference.message);
  assert.equal(earlyJob.signal, s);
});

test("callHandler follows promises and thenables, and passes plain values and throws on", async () => {
  const settled = [];
  const ok = (n, marks, marked) => settled.push(["ok", n, marks, marked]);
  const no = (n, e, marked) => settled.push(["no", n, e?.message ?? e, marked]);
  const [ENDED, FOLLOWED, MARKED] = [0, 1, 2];
  const calls = [];
  const call = () => (calls.push(new Call()), calls.at(-1));
  assert.equal(callHandler(() => 5, call(), 1, ok, no), ENDED);
  assert.equal(callHandler(() => ({ then: 5 }), call(), 2, ok, no), ENDED, "then that is not a function");
  assert.equal(callHandler(() => ({ get then() { throw new Error("x"); } }), call(), 3, ok, no), ENDED, "then getter that throws");
  assert.equal(callHandler(() => function then() {}, call(), 4, ok, no), ENDED, "a function is not followed");
  assert.ok(calls.every((c) => !c.mark(0, 1)), "a plain return ends the call: later marks are refused");
  const thrown = call();
  assert.throws(() => callHandler(() => { throw new Error("sync"); }, thrown, 5, ok, no), /sync/);
  assert.ok(thrown.mark(0, 1), "a throw leaves the call to wasm, not ended");
  let self = "unset";
  let got;
  const withArgument = call();
  withArgument.argument = "arg";
  assert.equal(callHandler(function (arg) { self = this; got = arg; return Promise.resolve(6); }, withArgument, 6, ok, no), FOLLOWED);
  assert.equal(self, undefined, "called without a this");
  assert.equal(got, "arg", "called with the call's argument");
  assert.equal(withArgument.argument, undefined, "which the call lets go of (a job kept by the handler keeps no batch)");
  const rejecting = call();
  assert.equal(callHandler(() => Promise.reject(new Error("async")), rejecting, 7, ok, no), FOLLOWED);
  assert.equal(callHandler(() => ({ then(resolve) { resolve(8); } }), call(), 8, ok, no), FOLLOWED);
  assert.equal(callHandler(() => ({ then(_, reject) { reject(new Error("thenable")); } }), call(), 9, ok, no), FOLLOWED);
  const marking = call();
  assert.equal(callHandler(() => { marking.mark(1, 1); return Promise.resolve(); }, marking, 10, ok, no), FOLLOWED);
  const markedPlain = call();
  assert.equal(callHandler(() => { markedPlain.mark(0, [new Error("own")]); }, markedPlain, 11, ok, no), MARKED);
  assert.ok(!markedPlain.mark(1, 1), "ended");
  await new Promise((r) => setTimeout(r, 0));
  const marks = settled.find((s) => s[1] === 10)[2];
  assert.deepEqual(settled.sort((a, b) => a[1] - b[1]).map((s) => (s[1] === 10 ? [...s.slice(0, 2), s[3]] : s)),
    [["ok", 6, undefined, 0], ["no", 7, "async", 0], ["ok", 8, undefined, 0], ["no", 9, "thenable", 0], ["ok", 10, 1]],
    "resolved(n, marks, marked) once the call ended; rejected(n, error, 0)");
  assert.ok(Array.isArray(marks) && marks.length === 2 && !(0 in marks) && marks[1] === 1, "the marks travel with resolved");
  assert.ok(!marking.mark(0, 1), "a resolved call is ended");
  assert.ok(rejecting.mark(0, 1), "a rejected call is left to wasm (aborted first, then ended)");
});

test("enqueued resolves with { id, duplicate, replaced } once the batch does, and rejects with it", async () => {
  assert.deepEqual(await enqueued(Promise.resolve(), 3, 0), { id: 3, duplicate: false, replaced: false });
  assert.deepEqual(Object.keys(await enqueued(Promise.resolve(), 3, 0)), ["id", "duplicate", "replaced"]);
  assert.deepEqual(await enqueued(Promise.resolve(), 4, 1), { id: 4, duplicate: true, replaced: false });
  assert.deepEqual(await enqueued(Promise.resolve(), 5, 2), { id: 5, duplicate: false, replaced: true });
  await assert.rejects(enqueued(Promise.reject(new Error("commit failed")), 6, 0), /commit failed/);
});

test("numbers copies a Float64Array into an array of numbers", () => {
  const out = numbers(new Float64Array([3, 4, 2 ** 53 - 1]));
  assert.ok(Array.isArray(out));
  assert.deepEqual(out, [3, 4, 2 ** 53 - 1]);
  assert.deepEqual(numbers(new Float64Array(0)), []);
});
