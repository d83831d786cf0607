// The adapter store's durable paths in Node: `node bench/node-adapter.mjs [jobs] [pkgDir]` prints one JSON line.
// A storage adapter over a Map (async put/delete/list, values structured-cloned both ways, as a Durable
// Object's storage); `jobs` enqueue() calls awaited one by one (one commit each), enqueueMany of 10x as many in
// batches of 100, the reopen that loads them all, and processing everything (one commit per settled batch).
import { readFileSync } from "node:fs";

const n = Number(process.argv[2] ?? 2000);
const pkg = new URL(process.argv[3] ? `file://${process.argv[3]}/` : "../pkg/", import.meta.url);
const { default: init, Queue } = await import(new URL("wasmq.js", pkg));
await init({ module_or_path: readFileSync(new URL("wasmq_bg.wasm", pkg)) });

function mapAdapter() {
  const map = new Map();
  return {
    map,
    async put(key, value) {
      map.set(key, structuredClone(value));
    },
    async delete(key) {
      return map.delete(key);
    },
    async list({ prefix }) {
      return new Map([...map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, structuredClone(v)]));
    },
  };
}

const storage = mapAdapter();
const name = `bench-adapter-${process.pid}`;
const ms = (t) => Math.round((performance.now() - t) * 10) / 10;
let q = await Queue.open(name, { storage });
let t = performance.now();
for (let i = 0; i < n; i++) await q.enqueue({ i, body: "x".repeat(64) });
const enqueueMs = ms(t);
t = performance.now();
for (let i = 0; i < 10 * n; i += 100) await q.enqueueMany(Array.from({ length: 100 }, (_, j) => ({ i: i + j, body: "y".repeat(64) })));
const enqueueManyMs = ms(t);
await q.close();
t = performance.now();
q = await Queue.open(name, { storage });
const openMs = ms(t);
const pending = q.stats().pending;
t = performance.now();
q.process(() => {}, { concurrency: 16 });
await q.drained();
const processMs = ms(t);
await q.close();
console.log(JSON.stringify({ jobs: n, pending, enqueueMs, enqueueManyMs, openMs, processMs, keys: storage.map.size }));
