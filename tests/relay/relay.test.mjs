// The JetStream relay (wasmq/jetstream) against a real nats-server over WebSocket, in Node, from the built package: counts, outages, repeats, reloads, the per-subject mode past the window, bad configuration.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import init, { Queue } from "../../pkg/wasmq.js";
import { relayToJetStream } from "../../pkg/jetstream.js";
import { natsServer } from "../../scripts/nats-server.mjs";
import { sleep, stored as storedIn, until } from "./support.mjs";

let server;
let admin;
let jsm;

before(async () => {
  await init({ module_or_path: readFileSync(new URL("../../pkg/wasmq_bg.wasm", import.meta.url)) });
  server = await natsServer();
  admin = await wsconnect({ servers: server.ws, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  jsm = await jetstreamManager(admin);
});

after(async () => {
  await admin?.close();
  await server?.remove();
});

/** Retries fast and long enough to outlast an outage: no job goes dead here unless a test wants it. */
const RETRY = { maxAttempts: 200, backoff: { type: "fixed", delayMs: 100, jitter: false } };
let streams = 0;
const stored = (stream) => storedIn(jsm, stream);

/** A new stream `S<n>` on subjects `S<n>.>`; returns its name. */
async function newStream(config = {}) {
  const name = `S${++streams}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`], ...config });
  return name;
}

/** Closes the relay and the queue when the test ends, passed or failed (a relay left open keeps Node alive). */
function closing(t, relay, q) {
  t.after(async () => {
    await relay.close();
    if (!q.closed) await q.close();
  });
}

async function enqueueAll(q, n, from = 0) {
  const r = await Promise.all(Array.from({ length: n }, (_, i) => q.enqueue({ n: from + i })));
  return r.map((x) => x.id);
}

/** A storage adapter over a Map: a queue closed (or crashed) and opened again on it is a page reloaded. */
function mapAdapter() {
  const map = new Map();
  return {
    put: async (k, v) => void map.set(k, structuredClone(v)),
    delete: async (k) => map.delete(k),
    list: async ({ prefix }) => [...map].filter(([k]) => k.startsWith(prefix)),
  };
}

test("5,000 jobs relayed: the stream holds exactly 5,000 messages with 5,000 distinct ids", { timeout: 120_000 }, async (t) => {
  const stream = await newStream();
  const q = await Queue.open("relay-5000", { storage: "memory", ...RETRY });
  await enqueueAll(q, 5000);
  const relay = await relayToJetStream(q, { servers: server.ws, stream, subject: `${stream}.jobs` });
  closing(t, relay, q);
  await q.drained();
  assert.deepEqual([q.stats().completed, q.stats().dead, relay.stats.relayed], [5000, 0, 5000]);
  const { messages, ids } = await stored(stream);
  assert.equal(messages, 5000);
  assert.equal(ids.size, 5000);
  assert.ok([...ids].every((id) => id.startsWith(`${q.origin}:`)), "ids are origin:job id");
  await relay.close();
  await q.close();
});

test("the server stopped mid-relay and started again: all arrive, none twice", { timeout: 120_000 }, async (t) => {
  const stream = await newStream();
  const q = await Queue.open("relay-outage", { storage: "memory", ...RETRY });
  await enqueueAll(q, 5000);
  const relay = await relayToJetStream(q, { servers: server.ws, stream, subject: `${stream}.jobs`, window: 64, timeoutMs: 1000 });
  closing(t, relay, q);
  const events = [];
  relay.addEventListener("disconnected", () => events.push("disconnected"));
  relay.addEventListener("connected", () => events.push("connected"));
  await until("1,000 relayed", () => relay.stats.relayed >= 1000);
  await server.stop();
  await sleep(500);
  assert.ok(q.stats().pending > 0, "jobs wait while the server is down");
  await server.start();
  await q.drained();
  assert.deepEqual(events.slice(0, 2), ["disconnected", "connected"]);
  assert.equal(q.stats().completed, 5000);
  assert.equal(q.stats().dead, 0);
  const { messages, ids } = await stored(stream);
  assert.deepEqual([messages, ids.size], [5000, 5000]);
  await relay.close();
  await q.close();
});

test("jobs whose first publish was stored (their PubAck lost) come back as duplicates; the stream does not grow", { timeout: 60_000 }, async (t) => {
  const stream = await newStream();
  const q = await Queue.open("relay-repeat", { storage: "memory", ...RETRY });
  const ids = await enqueueAll(q, 100);
  const js = jetstream(admin);
  for (const id of ids.slice(0, 50)) await js.publish(`${stream}.jobs`, "earlier try", { msgID: `${q.origin}:${id}` });
  const relay = await relayToJetStream(q, { servers: server.ws, stream, subject: `${stream}.jobs` });
  closing(t, relay, q);
  await q.drained();
  assert.deepEqual([relay.stats.relayed, relay.stats.duplicates, q.stats().completed], [100, 50, 100]);
  assert.equal((await stored(stream)).messages, 100);
  await relay.close();
  await q.close();
});

test("the page reloaded mid-relay: after reopening, all arrive, none twice", { timeout: 120_000 }, async (t) => {
  const stream = await newStream();
  const storage = mapAdapter();
  const options = { storage, leaseMs: 500, ...RETRY };
  let q = await Queue.open("relay-reload", options);
  const origin = q.origin;
  await enqueueAll(q, 2000);
  let relay = await relayToJetStream(q, { servers: server.ws, stream, subject: `${stream}.jobs`, window: 32 });
  closing(t, relay, q);
  await until("500 relayed", () => relay.stats.relayed >= 500);
  q.terminate(); // the tab is gone: jobs in flight stay leased until leaseMs
  await relay.close();
  q = await Queue.open("relay-reload", options);
  assert.equal(q.origin, origin, "the same origin after the reload");
  relay = await relayToJetStream(q, { servers: server.ws, stream, subject: `${stream}.jobs`, window: 32 });
  closing(t, relay, q);
  await q.drained();
  const s = q.stats();
  assert.deepEqual([s.pending, s.inFlight, s.dead], [0, 0, 0]);
  const { messages, ids } = await stored(stream);
  assert.deepEqual([messages, ids.size], [2000, 2000]);
  await relay.close();
  await q.close();
});

test("a stream made for dedup (one message per subject): a repeat past the 2 s window still counts as stored", { timeout: 60_000 }, async (t) => {
  const name = `P${++streams}`;
  await jsm.streams.add({
    name, subjects: [`${name}.>`], duplicate_window: 2e9,
    max_msgs_per_subject: 1, discard: "new", discard_new_per_subject: true,
  });
  const q = await Queue.open("relay-per-subject", { storage: "memory", ...RETRY });
  const ids = await enqueueAll(q, 20);
  const subject = (id) => `${name}.${q.origin}.${id}`;
  const js = jetstream(admin);
  for (const id of ids.slice(0, 10)) await js.publish(subject(id), "earlier try", { msgID: `${q.origin}:${id}` });
  await sleep(2500); // the duplicate window has passed: only the per-subject limit can tell
  const relay = await relayToJetStream(q, { servers: server.ws, stream: name, subject: (job) => subject(job.id) });
  closing(t, relay, q);
  assert.equal(relay.perSubject, true);
  assert.equal(relay.duplicateWindowMs, 2000);
  await q.drained();
  assert.deepEqual([q.stats().completed, q.stats().dead, relay.stats.duplicates], [20, 0, 10]);
  assert.equal((await stored(name)).messages, 20);
  await relay.close();
  await q.close();
});

/** Five jobs relayed to a new stream with a `windowNs` duplicate window; every first try fails (as if its PubAck were lost) and is retried after `retryMs`. */
async function relayLosingFirstTries(t, name, windowNs, retryMs) {
  const stream = await newStream({ duplicate_window: windowNs });
  const q = await Queue.open(name, { storage: "memory", maxAttempts: 3, backoff: { type: "fixed", delayMs: retryMs, jitter: false } });
  await enqueueAll(q, 5);
  const subject = (job) => {
    if (job.attempt === 1) throw new Error("first try lost");
    return `${stream}.jobs`;
  };
  const relay = await relayToJetStream(q, { servers: server.ws, stream, subject });
  closing(t, relay, q);
  return { q, relay };
}

test("a retry past the duplicate window is reported as a possible duplicate", { timeout: 60_000 }, async (t) => {
  // The retry comes 1.2 s after the first try, past the 1 s window.
  const { q, relay } = await relayLosingFirstTries(t, "relay-window", 1e9, 1200);
  const reported = [];
  relay.addEventListener("possibleduplicate", (e) => reported.push(e.detail.msgID));
  await q.drained();
  assert.deepEqual([q.stats().completed, relay.stats.possibleDuplicates, reported.length], [5, 5, 5]);
  assert.ok(reported.every((id) => id.startsWith(`${q.origin}:`)), reported.join());
});

test("a retry within the duplicate window is not reported", { timeout: 60_000 }, async (t) => {
  const { q, relay } = await relayLosingFirstTries(t, "relay-in-window", 60e9, 50);
  await q.drained();
  assert.deepEqual([q.stats().completed, relay.stats.retried, relay.stats.possibleDuplicates], [5, 5, 0]);
});

test("bad configuration is a typed error and no job leaves the queue", { timeout: 60_000 }, async (t) => {
  const stream = await newStream();
  const q = await Queue.open("relay-bad", { storage: "memory" });
  await enqueueAll(q, 3);
  const cases = [
    [{ servers: "ws://127.0.0.1:1", stream, subject: `${stream}.jobs` }, "RELAY_UNREACHABLE"],
    [{ servers: server.ws, stream: "NO_SUCH_STREAM", subject: `${stream}.jobs` }, "STREAM_NOT_FOUND"],
    [{ servers: server.ws, stream, subject: "bound.to.nothing" }, "SUBJECT_NOT_IN_STREAM"],
    [{ servers: "not a url", stream, subject: `${stream}.jobs` }, "INVALID_OPTION"],
    [{ servers: "http://127.0.0.1:4222", stream, subject: `${stream}.jobs` }, "INVALID_OPTION"],
    [{ servers: server.ws, stream, subject: `${stream}.*` }, "INVALID_OPTION"],
    [{ servers: server.ws, stream, subject: `${stream}.jobs`, window: 0 }, "INVALID_OPTION"],
    [{ servers: server.ws, stream, subject: `${stream}.jobs`, typo: 1 }, "INVALID_OPTION"],
  ];
  for (const [options, code] of cases) {
    await assert.rejects(relayToJetStream(q, options), (e) => {
      assert.equal(e.name, "RelayError");
      assert.equal(e.code, code, `${JSON.stringify(options)}: ${e.message}`);
      return true;
    });
  }
  assert.equal(q.stats().pending, 3, "no job left the queue");
  q.process(() => {}); // no relay took the queue's processing
  await q.drained();
  await q.close();
});

test("wasmq/jetstream's types accept the documented usage (deno check, strict)", { timeout: 60_000 }, () => {
  const root = new URL("../..", import.meta.url).pathname;
  execFileSync(`${root}node_modules/.bin/deno`, ["check", "--no-lock", "tests/relay/typed_relay.ts"], {
    cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
});

test("without a WebSocket class (Node 20 without its flag) the relay says so instead of waiting", { timeout: 60_000 }, () => {
  const root = new URL("../..", import.meta.url).pathname;
  const script = `
    import { readFileSync } from "node:fs";
    delete globalThis.WebSocket; // whatever this Node has
    import init, { Queue } from "${root}pkg/wasmq.js";
    import { relayToJetStream } from "${root}pkg/jetstream.js";
    await init({ module_or_path: readFileSync("${root}pkg/wasmq_bg.wasm") });
    const q = await Queue.open("no-ws", { storage: "memory" });
    try { await relayToJetStream(q, { servers: "${server.ws}", stream: "S1", subject: "S1.jobs" }); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", execArgv: [] });
  const r = JSON.parse(out.trim());
  assert.equal(r.code, "RELAY_UNREACHABLE");
  assert.match(r.message, /no WebSocket/);
});
