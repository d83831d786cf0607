// The runtime's JS snippet as the package ships it (pkg/snippets/…/hot.js): the job objects and their lazy `signal`,
// and the handler call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";

const pkg = new URL("../../pkg/", import.meta.url);
const shipped = readdirSync(new URL("snippets/", pkg), { recursive: true }).find((f) => f.endsWith("hot.js"));
assert.ok(shipped, "the package ships the hot.js snippet");
const { Call, callHandler, newJob, pushJob } = await import(new URL(`snippets/${shipped}`, pkg));

test("a job has the data fields as own properties and a signal getter", () => {
  const call = new Call();
  const stored = { to: "a", list: [1] };
  const job = newJob(call, 7, stored, 2, 5, "key", "g", 1000, 2000);
  assert.deepEqual(JSON.parse(JSON.stringify(job)), { id: 7, payload: { to: "a", list: [1] }, attempt: 2, maxAttempts: 5,
    idempotencyKey: "key", group: "g", enqueuedAt: 1000, deadline: 2000 });
  assert.deepEqual(Object.keys(job), ["id", "payload", "attempt", "maxAttempts", "idempotencyKey", "group", "enqueuedAt", "deadline"]);
  assert.notEqual(job.payload, stored, "the payload is a copy");
  assert.notEqual(job.payload.list, stored.list);
  const bare = newJob(new Call(), 8, "text", 1, 1, undefined, undefined, 1, 2);
  assert.ok(!("idempotencyKey" in bare) && !("group" in bare), "absent keys are not there");
  assert.equal(bare.payload, "text");
  assert.ok(bare.signal instanceof AbortSignal);
  assert.equal(bare.signal, bare.signal, "one signal per call");
  const list = [];
  const batch = new Call();
  pushJob(list, batch, 1, { n: 1 }, 1, 3, undefined, undefined, 1, 2);
  pushJob(list, batch, 2, { n: 2 }, 1, 3, undefined, "g", 1, 2);
  assert.deepEqual(list.map((j) => [j.id, j.payload.n, j.group]), [[1, 1, undefined], [2, 2, "g"]]);
  assert.equal(list[0].signal, list[1].signal, "a batch's jobs share one signal");
});

test("the signal is made only when read, and an abort before the read is seen by it", (t) => {
  let made = 0;
  const Real = globalThis.AbortController;
  globalThis.AbortController = class extends Real { constructor() { super(); made++; } };
  t.after(() => { globalThis.AbortController = Real; });
  let reference;
  { const c = new Real(); c.abort(); reference = c.signal.reason; }

  const unread = new Call();
  newJob(unread, 1, 1, 1, 1, undefined, undefined, 1, 2);
  assert.equal(made, 0, "no AbortController for a call nobody reads or aborts");
  const late = new Call();
  const lateJob = newJob(late, 2, 1, 1, 1, undefined, undefined, 1, 2);
  late.abort();
  assert.equal(made, 0, "aborting an unread signal makes none either");
  const signal = lateJob.signal;
  assert.equal(made, 1);
  assert.ok(signal.aborted, "read after the abort: aborted");
  assert.equal(signal.reason.name, reference.name);
  assert.equal(signal.reason.message, reference.message);
  assert.equal(signal.reason.constructor, reference.constructor);

  const early = new Call();
  const earlyJob = newJob(early, 3, 1, 1, 1, undefined, undefined, 1, 2);
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
  const ok = (n, v) => settled.push(["ok", n, v]);
  const no = (n, e) => settled.push(["no", n, e?.message ?? e]);
  assert.equal(callHandler(() => 5, {}, 1, ok, no), false);
  assert.equal(callHandler(() => ({ then: 5 }), {}, 2, ok, no), false, "then that is not a function");
  assert.equal(callHandler(() => ({ get then() { throw new Error("x"); } }), {}, 3, ok, no), false, "then getter that throws");
  assert.equal(callHandler(() => function then() {}, {}, 4, ok, no), false, "a function is not followed");
  assert.throws(() => callHandler(() => { throw new Error("sync"); }, {}, 5, ok, no), /sync/);
  let self = "unset";
  let got;
  assert.equal(callHandler(function (arg) { self = this; got = arg; return Promise.resolve(6); }, "arg", 6, ok, no), true);
  assert.equal(self, undefined, "called without a this");
  assert.equal(got, "arg");
  assert.equal(callHandler(() => Promise.reject(new Error("async")), {}, 7, ok, no), true);
  assert.equal(callHandler(() => ({ then(resolve) { resolve(8); } }), {}, 8, ok, no), true);
  assert.equal(callHandler(() => ({ then(_, reject) { reject(new Error("thenable")); } }), {}, 9, ok, no), true);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(settled.sort((a, b) => a[1] - b[1]), [["ok", 6, 6], ["no", 7, "async"], ["ok", 8, 8], ["no", 9, "thenable"]]);
});
