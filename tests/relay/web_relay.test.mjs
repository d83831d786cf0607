// The JetStream relay in headless Chromium (playwright-core, Debian's chromium) with the IndexedDB store, against a real nats-server: 5,000 jobs exactly once, a page reloaded mid-relay, and the demo page's relay panel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { drained, root, startRelay, state, useRelayBrowser } from "./web_harness.mjs";

const env = useRelayBrowser("relay");
const relayed = async (page) => (await state(page)).relayed;

test("Chromium, IndexedDB: 5,000 jobs relayed, the stream holds exactly 5,000 distinct ids", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "WEB1", subjects: ["WEB1.>"] });
  const page = await env.openPage();
  const { origin, storage } = await startRelay(page, { name: "web-5000", n: 5000, ws: env.server.ws, stream: "WEB1", window: 128 });
  assert.equal(storage, "indexeddb");
  const stats = await drained(page);
  assert.deepEqual([stats.completed, stats.pending, stats.dead], [5000, 0, 0]);
  const { messages, ids } = await env.stored("WEB1");
  assert.deepEqual([messages, ids.size], [5000, 5000]);
  assert.ok([...ids].every((id) => id.startsWith(`${origin}:`)));
  await page.close();
});

test("Chromium, IndexedDB: the page reloaded mid-relay: after reopening, all arrive, none twice", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "WEB2", subjects: ["WEB2.>"] });
  const page = await env.openPage();
  const first = await startRelay(page, { name: "web-reload", n: 3000, ws: env.server.ws, stream: "WEB2", window: 16 });
  while ((await relayed(page)) < 300) await new Promise((r) => setTimeout(r, 20));
  await page.reload(); // mid-relay: jobs in flight stay leased in IndexedDB until leaseMs
  await page.waitForFunction(() => globalThis.relayTest);
  const second = await startRelay(page, { name: "web-reload", n: 0, ws: env.server.ws, stream: "WEB2", window: 16 });
  assert.equal(second.origin, first.origin, "the origin is stored with the jobs");
  const stats = await drained(page);
  assert.deepEqual([stats.pending, stats.inFlight, stats.dead], [0, 0, 0]);
  const { messages, ids } = await env.stored("WEB2");
  assert.deepEqual([messages, ids.size], [3000, 3000]);
  await page.close();
});

test("the demo's relay panel relays queue demo-relay to the stream given in the address", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "DEMO", subjects: ["DEMO.>"] });
  const demo = spawn(process.execPath, [`${root}scripts/serve.mjs`, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const address = await new Promise((resolve, reject) => {
      demo.once("exit", (code) => reject(new Error(`serve.mjs exited with ${code}`)));
      demo.stdout.on("data", (d) => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(d));
        if (m) resolve(m[0]);
      });
    });
    const page = await env.browser.newPage();
    await page.goto(`${address}?nats=${encodeURIComponent(env.server.ws)}&stream=DEMO&subject=DEMO.jobs`);
    await page.waitForFunction(() => window.wasmqRelayPanel?.stats()?.connected === true, null, { timeout: 30_000 });
    await page.click("#relay-enqueue");
    await page.waitForFunction(() => window.wasmqRelayPanel.stats().relayed >= 1000 && window.wasmqRelayPanel.pending() === 0, null, { timeout: 60_000 });
    assert.equal(await page.textContent("#r-connected"), "yes");
    await page.waitForFunction(() => document.getElementById("r-relayed").textContent === "1,000");
    const { messages, ids } = await env.stored("DEMO");
    assert.deepEqual([messages, ids.size], [1000, 1000]);
    await page.close();
  } finally {
    demo.kill();
  }
});
