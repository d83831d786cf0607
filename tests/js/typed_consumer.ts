// A TypeScript consumer of the installed package: type-checked (strict) and run by Deno in the consumer test.
import init, { Queue, type Job, type Stats, type StorageAdapter, type WasmqError } from "wasmq";
import { denoKvAdapter, type DenoKvLike } from "wasmq/deno-kv";

await init();
type Email = { to: string };
const q = await Queue.open<Email>("typed", {
  storage: "memory",
  maxAttempts: 2,
  backoff: { type: "fixed", delayMs: 1, jitter: false },
  validate: (p) => typeof p.to === "string" || "to must be a string", // p: Email
  maxPayloadBytes: 1024,
});
const first: { id: number; duplicate: boolean; replaced: boolean } = await q.enqueue({ to: "a@b.c" });
await q.enqueue({ to: "" });
const ids: number[] = await q.enqueueMany([{ to: "c@d.e" }], { priority: 1 }); // payloads: Email[]
q.process((job: Job<Email>) => {
  const to: string = job.payload.to; // typed by Queue.open<Email>, no cast
  if (!to) throw new Error("no recipient");
});
await q.drained();
const stats: Stats = q.stats();
const dead = await q.deadLetters();
let code = "";
try {
  await q.enqueue({ to: "x" }, { delayMs: -1 });
} catch (e) {
  code = (e as WasmqError).code;
}
const redriven: number = await q.redrive();
await q.close();
const deadTo: string[] = dead.map((d) => d.payload.to);
const batched = await Queue.open<Email>("typed-batch", { storage: "memory" });
let batchTo = "";
let marked: boolean[] = [];
batched.processBatch((jobs: Job<Email>[]) => {
  batchTo = jobs.map((j) => j.payload.to).join(",");
  // Each job may settle on its own (ack() or fail(error)); the rest follow the call.
  marked = jobs.map((j) => (j.payload.to === "" ? j.fail(new Error("no address")) : j.ack()));
}, { batchSize: 10 });
await batched.enqueueMany([{ to: "x@y.z" }, { to: "u@v.w" }]);
await batched.drained();
await batched.close();

// A queue kept in a key-value adapter (here a Map; a Durable Object's ctx.storage fits as it is).
const kept = new Map<string, unknown>();
const adapter: StorageAdapter = {
  put: async (key, value) => void kept.set(key, structuredClone(value)),
  delete: async (key) => kept.delete(key),
  list: async ({ prefix }) => [...kept].filter(([key]) => key.startsWith(prefix)),
};
const keptQueue = await Queue.open<Email>("typed-kept", { storage: adapter });
await keptQueue.enqueue({ to: "k@b.c" });
const storage: "indexeddb" | "memory" | "adapter" = keptQueue.storage;
await keptQueue.close();
const reopened = await Queue.open<Email>("typed-kept", { storage: adapter });
const keptPending: number = reopened.stats().pending;
await reopened.close();
const fromKv: (kv: DenoKvLike) => StorageAdapter = denoKvAdapter;


console.log(JSON.stringify({ first, stats, dead: dead.map((d) => d.lastError), deadTo, code, redriven, ids, batchTo, marked, storage, keptPending, kvAdapter: typeof fromKv }));
