// The JetStream relay in headless Chromium (playwright-core, Debian's chromium) with the IndexedDB store, against a real nats-server: 5,000 jobs exactly once, a page reloaded mid-relay, and the demo page's relay panel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { wsconnect } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsServer } from "../../scripts/nats-server.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = `${root}target/relay-web`;
let server;
let admin;
let jsm;
let http;
let base;
let browser;

before(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [`${root}tests/relay/web_page.mjs`], outfile: `${dir}/page.js`,
    bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "error",
  });
  copyFileSync(`${root}pkg/wasmq_bg.wasm`, `${dir}/wasmq_bg.wasm`);
  writeFileSync(`${dir}/index.html`, `<!doctype html><title>relay</title><script type="module" src="page.js"></script>`);
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  http = createServer((req, res) => {
    const name = (req.url === "/" ? "/index.html" : req.url).split("?")[0];
    try {
      const body = readFileSync(`${dir}${name}`);
      res.writeHead(200, { "content-type": types[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${http.address().port}/`;
  server = await natsServer();
  admin = await wsconnect({ servers: server.ws });
  jsm = await jetstreamManager(admin);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
});

after(async () => {
  await browser?.close();
  await admin?.close();
  await server?.remove();
  http?.close();
});

async function stored(stream) {
  const { state } = await jsm.streams.info(stream);
  const ids = new Set();
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 250) {
    const batch = [];
    for (let s = seq; s < seq + 250 && s <= state.last_seq; s++) batch.push(jsm.streams.getMessage(stream, { seq: s }));
    for (const m of await Promise.all(batch)) if (m) ids.add(m.header.get("Nats-Msg-Id"));
  }
  return { messages: state.messages, ids };
}

/** Opens the page and waits for its bundle. */
async function openPage() {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(base);
  await page.waitForFunction(() => globalThis.relayTest);
  return page;
}

/** In the page: opens queue `name` on IndexedDB, enqueues `n` (if any), starts the relay; resolves with its origin. */
const startRelay = (page, args) => page.evaluate(async ({ name, n, ws, stream, window }) => {
  const { init, Queue, relayToJetStream } = globalThis.relayTest;
  await init();
  const q = await Queue.open(name, { leaseMs: 1000, maxAttempts: 100, backoff: { type: "fixed", delayMs: 100, jitter: false } });
  if (n) await Promise.all(Array.from({ length: n }, (_, i) => q.enqueue({ i })));
  const relay = await relayToJetStream(q, { servers: ws, stream, subject: `${stream}.jobs`, window });
  globalThis.current = { q, relay };
  return { origin: q.origin, storage: q.storage };
}, args);

const relayed = (page) => page.evaluate(() => globalThis.current.relay.stats.relayed);
const drained = (page) => page.evaluate(async () => {
  const { q, relay } = globalThis.current;
  await q.drained();
  const stats = q.stats();
  await relay.close();
  await q.close();
  return stats;
});

test("Chromium, IndexedDB: 5,000 jobs relayed, the stream holds exactly 5,000 distinct ids", { timeout: 120_000 }, async () => {
  await jsm.streams.add({ name: "WEB1", subjects: ["WEB1.>"] });
  const page = await openPage();
  const { origin, storage } = await startRelay(page, { name: "web-5000", n: 5000, ws: server.ws, stream: "WEB1", window: 128 });
  assert.equal(storage, "indexeddb");
  const stats = await drained(page);
  assert.deepEqual([stats.completed, stats.pending, stats.dead], [5000, 0, 0]);
  const { messages, ids } = await stored("WEB1");
  assert.deepEqual([messages, ids.size], [5000, 5000]);
  assert.ok([...ids].every((id) => id.startsWith(`${origin}:`)));
  await page.close();
});

test("Chromium, IndexedDB: the page reloaded mid-relay: after reopening, all arrive, none twice", { timeout: 120_000 }, async () => {
  await jsm.streams.add({ name: "WEB2", subjects: ["WEB2.>"] });
  const page = await openPage();
  const first = await startRelay(page, { name: "web-reload", n: 3000, ws: server.ws, stream: "WEB2", window: 16 });
  while ((await relayed(page)) < 300) await new Promise((r) => setTimeout(r, 20));
  await page.reload(); // mid-relay: jobs in flight stay leased in IndexedDB until leaseMs
  await page.waitForFunction(() => globalThis.relayTest);
  const second = await startRelay(page, { name: "web-reload", n: 0, ws: server.ws, stream: "WEB2", window: 16 });
  assert.equal(second.origin, first.origin, "the origin is stored with the jobs");
  const stats = await drained(page);
  assert.deepEqual([stats.pending, stats.inFlight, stats.dead], [0, 0, 0]);
  const { messages, ids } = await stored("WEB2");
  assert.deepEqual([messages, ids.size], [3000, 3000]);
  await page.close();
});

test("the demo's relay panel relays queue demo-relay to the stream given in the address", { timeout: 120_000 }, async () => {
  await jsm.streams.add({ name: "DEMO", subjects: ["DEMO.>"] });
  const demo = spawn(process.execPath, [`${root}scripts/serve.mjs`, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const address = await new Promise((resolve, reject) => {
      demo.once("exit", (code) => reject(new Error(`serve.mjs exited with ${code}`)));
      demo.stdout.on("data", (d) => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(d));
        if (m) resolve(m[0]);
      });
    });
    const page = await browser.newPage();
    await page.goto(`${address}?nats=${encodeURIComponent(server.ws)}&stream=DEMO&subject=DEMO.jobs`);
    await page.waitForFunction(() => window.wasmqRelayPanel?.stats()?.connected === true, null, { timeout: 30_000 });
    await page.click("#relay-enqueue");
    await page.waitForFunction(() => window.wasmqRelayPanel.stats().relayed >= 1000 && window.wasmqRelayPanel.pending() === 0, null, { timeout: 60_000 });
    assert.equal(await page.textContent("#r-connected"), "yes");
    await page.waitForFunction(() => document.getElementById("r-relayed").textContent === "1,000");
    const { messages, ids } = await stored("DEMO");
    assert.deepEqual([messages, ids.size], [1000, 1000]);
    await page.close();
  } finally {
    demo.kill();
  }
});
