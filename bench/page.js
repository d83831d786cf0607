// Browser side of the benchmarks (bundled by bench/build.mjs into /build/page.js): IndexedDB ceiling, wasmq on IndexedDB and memory (and under a rate limit), p-queue, fastq, Workbox via the service worker, open time, the JetStream relay beside the client publishing directly.
import init, { Queue } from "/pkg/wasmq.js";
import { wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { relayToJetStream } from "../pkg/jetstream.js"; // bundled with the @nats-io packages (CommonJS)
import PQueue from "p-queue";
import fastqLib from "fastq";
import * as memory from "./memory.mjs";
import { percentile } from "./stats.mjs";

const { message } = memory;
let wasm;
const fresh = (what) => `${what}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const idbDone = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = resolve;
  tx.onerror = tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
});
const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
const jsHeap = () => performance.memory?.usedJSHeapSize ?? null;
const deleteDb = (name) => request(indexedDB.deleteDatabase(name)).catch(() => {});

/** Puts n messages, perTx per readwrite transaction: one record each, or (`batch`) one record holding the perTx messages; `durability` as given (else the browser's default). */
async function ceiling(n, perTx, batch = false, durability = undefined) {
  const name = fresh("ceiling");
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore("messages", { autoIncrement: true });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i += perTx) {
    const tx = db.transaction("messages", "readwrite", durability ? { durability } : undefined);
    const store = tx.objectStore("messages");
    if (batch) store.put(Array.from({ length: Math.min(perTx, n - i) }, (_, j) => message(i + j)));
    else for (let j = i; j < Math.min(n, i + perTx); j++) store.put(message(j));
    await idbDone(tx);
  }
  const ms = performance.now() - t0;
  db.close();
  await deleteDb(name);
  return { ms, recordBytes: JSON.stringify(message(n - 1)).length };
}

async function openIdb(name, options = {}) {
  return Queue.open(name, { storage: "indexeddb", ...options });
}
async function dropIdb(q, name) {
  await q.close();
  q.free();
  await deleteDb(`wasmq:${name}`);
}

/** `options`: extra `Queue.open` options (e.g. `{ durability: "relaxed" }`). */
async function wasmqSerial(n, options = {}) {
  const name = fresh("serial");
  const q = await openIdb(name, options);
  const lat = new Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await q.enqueue(message(i));
    lat[i] = performance.now() - s;
  }
  const ms = performance.now() - t0;
  await dropIdb(q, name);
  return { ms, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function wasmqBurst(n, options = {}) {
  const name = fresh("burst");
  const q = await openIdb(name, options);
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = q.enqueue(message(i));
  await Promise.all(pending);
  const ms = performance.now() - t0;
  await dropIdb(q, name);
  return { ms };
}

async function wasmqEndToEnd(n) {
  const name = fresh("e2e");
  const q = await openIdb(name, { concurrency: memory.CONCURRENCY });
  q.process(async () => {}, { concurrency: memory.CONCURRENCY });
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = q.enqueue(message(i));
  await Promise.all(pending);
  await q.drained();
  const ms = performance.now() - t0;
  const { completed } = q.stats();
  await dropIdb(q, name);
  if (completed !== n) throw new Error(`end to end: ${completed} of ${n} completed`);
  return { ms };
}

async function workbox(n, mode) {
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  const sw = reg.active;
  const channel = new MessageChannel();
  const reply = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
  sw.postMessage({ name: fresh(`workbox-${mode}`), n, mode }, [channel.port2]);
  const r = await reply;
  if (r.error) throw new Error(r.error);
  return r;
}

async function memoryRun(lib, n) {
  if (lib === "pqueue") return memory.pqueue(PQueue, n);
  if (lib === "fastq") return memory.fastq(fastqLib, n);
  const r = await memory[["wasmqBatch", "wasmqRateLimit"].includes(lib) ? lib : "wasmq"](Queue, n, fresh("mem"));
  return { ...r, wasmMemoryBytes: wasm.memory.buffer.byteLength };
}

/** Stores n messages in bursts of `burst` in queue `name`, then closes it (the database stays). */
async function scaleFill(name, n, burst) {
  const q = await openIdb(name);
  const t0 = performance.now();
  for (let i = 0; i < n; i += burst) {
    await Promise.all(Array.from({ length: Math.min(burst, n - i) }, (_, j) => q.enqueue(message(i + j))));
  }
  const ms = performance.now() - t0;
  await q.close();
  q.free();
  return { ms };
}

/** Opens queue `name` (in a fresh page) and times it until stats().pending === n; deletes it if `drop`. */
async function scaleOpen(name, n, drop) {
  const before = { wasm: wasm.memory.buffer.byteLength, heap: jsHeap() };
  const t0 = performance.now();
  const q = await openIdb(name);
  while (q.stats().pending < n) await new Promise((r) => setTimeout(r, 0));
  const ms = performance.now() - t0;
  const after = { wasm: wasm.memory.buffer.byteLength, heap: jsHeap() };
  // What the open left alive: the heap after a full collection (the bench launches Chromium with --expose-gc).
  globalThis.gc?.();
  const live = globalThis.gc ? jsHeap() : null;
  if (drop) await dropIdb(q, name);
  else { await q.close(); q.free(); }
  return { ms, wasmMemoryBeforeBytes: before.wasm, wasmMemoryBytes: after.wasm, jsHeapBeforeBytes: before.heap, jsHeapBytes: after.heap,
    jsHeapLiveBytes: live };
}

/** A fresh stream on nats-server `ws`, through a new connection. */
async function natsStream(ws) {
  const nc = await wsconnect({ servers: ws });
  const jsm = await jetstreamManager(nc);
  const name = fresh("B").replace(/[^A-Za-z0-9]/g, "_");
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  const done = async (n) => {
    const stored = (await jsm.streams.info(name)).state.messages;
    await jsm.streams.delete(name);
    await nc.close();
    if (stored !== n) throw new Error(`stream ${name} holds ${stored} of ${n}`);
  };
  return { nc, name, done };
}

/** The client publishing n messages (wasmq's payloads as JSON, each with a Nats-Msg-Id) straight from JS: awaited one by one, or all in flight. */
async function natsDirect(ws, n, mode) {
  const { nc, name, done } = await natsStream(ws);
  const js = jetstream(nc);
  const data = Array.from({ length: n }, (_, i) => new TextEncoder().encode(JSON.stringify(message(i))));
  const t0 = performance.now();
  if (mode === "serial") {
    for (let i = 0; i < n; i++) await js.publish(`${name}.jobs`, data[i], { msgID: `direct:${i}` });
  } else {
    await Promise.all(data.map((d, i) => js.publish(`${name}.jobs`, d, { msgID: `direct:${i}` })));
  }
  const ms = performance.now() - t0;
  await done(n);
  return { ms };
}

/** wasmq's relay: n jobs already stored in IndexedDB, from relayToJetStream until drained (every PubAck in, every job acked and committed). */
async function natsRelay(ws, n, window) {
  const { nc, name, done } = await natsStream(ws);
  const qname = fresh("relay");
  const q = await openIdb(qname);
  for (let i = 0; i < n; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, j) => q.enqueue(message(i + j))));
  const t0 = performance.now();
  const relay = await relayToJetStream(q, { connection: nc, stream: name, subject: `${name}.jobs`, window });
  await q.drained();
  const ms = performance.now() - t0;
  await relay.close();
  await dropIdb(q, qname);
  await done(n);
  return { ms };
}

window.bench = {
  natsDirect, natsRelay,
  ready: init({ module_or_path: "/pkg/wasmq_bg.wasm" }).then((w) => { wasm = w; }),
  ceiling, wasmqSerial, wasmqBurst, wasmqEndToEnd, workbox, memory: memoryRun, scaleFill, scaleOpen, deleteDb,
};
