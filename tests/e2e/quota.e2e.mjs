// Real IndexedDB quota in headless Chromium: with the origin's quota lowered (DevTools protocol),
// an enqueue too big to store rejects with QUOTA_EXCEEDED, what was stored stays, and the queue keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useDemoServer } from "./harness.mjs";

const env = useDemoServer();

test("over the quota: QUOTA_EXCEEDED, nothing lost, the queue keeps working", { timeout: 60_000 }, async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.base}pkg/wasmq.d.ts`); // any page of the origin; the module is imported below
  const cdp = await context.newCDPSession(page);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: new URL(env.base).origin, quotaSize: 4 * 1024 * 1024 });
  const result = await page.evaluate(async () => {
    const { default: init, Queue } = await import("/pkg/wasmq.js");
    await init();
    const q = await Queue.open(`quota-${Math.random()}`, { storage: "indexeddb" });
    const errors = [];
    q.addEventListener("error", (e) => errors.push(e.detail.code));
    await q.enqueue({ small: 1 });
    const before = JSON.stringify(q.stats());
    let code = "none";
    try {
      await q.enqueue({ big: "x".repeat(16 * 1024 * 1024) });
    } catch (e) {
      code = e.code;
    }
    const after = JSON.stringify(q.stats());
    await q.enqueue({ small: 2 });
    const handled = [];
    q.process((job) => { handled.push(job.payload.small); });
    await q.drained();
    const name = q.name;
    await q.close();
    const reopened = await Queue.open(name, { storage: "indexeddb" });
    const stored = reopened.stats();
    await reopened.close();
    return { code, before, after, handled: handled.sort(), errors, stored };
  });
  assert.equal(result.code, "QUOTA_EXCEEDED");
  assert.equal(result.after, result.before, "rolled back to what was stored");
  assert.deepEqual(result.handled, [1, 2], "the job stored before and the one after both ran");
  assert.deepEqual(result.errors, ["QUOTA_EXCEEDED"], "an error event too");
  assert.equal(result.stored.completed, 2);
  assert.equal(result.stored.pending, 0);
  await context.close();
});
