// Deno entry of the Deno KV test: opens a queue kept in the Deno KV database at Deno.args[1] (wasmq/deno-kv), does Deno.args[0] (enqueue | process | stats), prints JSON.
import init, { Queue } from "../../pkg/wasmq.js";
import { denoKvAdapter } from "../../pkg/deno-kv.js";

await init();
const [action, path] = Deno.args;
const kv = await Deno.openKv(path);
const q = await Queue.open("jobs", {
  storage: denoKvAdapter(kv),
  maxAttempts: 3,
  backoff: { type: "fixed", delayMs: 5, jitter: false },
});
const answer = { storage: q.storage };
if (action === "enqueue") {
  // 300 jobs in one commit: several stored parts.
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => q.enqueue({ i, fail: i % 4 === 0 })));
  answer.distinct = new Set(results.map((r) => r.id)).size;
} else if (action === "process") {
  q.process(async (job) => {
    if (job.payload.fail) throw new Error(`boom ${job.payload.i}`);
  }, { concurrency: 8 });
  await q.drained();
}
answer.stats = q.stats();
answer.dead = (await q.deadLetters({ limit: 1000 })).length;
let keys = 0;
for await (const _ of kv.list({ prefix: ["wasmq"] })) keys++;
answer.keys = keys;
await q.close();
kv.close();
console.log(JSON.stringify(answer));
