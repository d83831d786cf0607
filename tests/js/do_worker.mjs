// The Durable Object worker of the workerd storage-adapter test: one queue kept in the object's own storage (`ctx.storage` as wasmq's storage adapter). GET /enqueue, /process and /stats each open the queue, act, close it, and answer JSON.
import { initSync, Queue } from "./wasmq.js";
import wasmModule from "./wasmq_bg.wasm";

let ready = false;
const OPTIONS = { maxAttempts: 3, backoff: { type: "fixed", delayMs: 5, jitter: false } };

export class QueueObject {
  constructor(state) {
    this.storage = state.storage;
  }

  async fetch(request) {
    if (!ready) {
      initSync({ module: wasmModule }); // workerd compiles no wasm at run time: the module comes from the config
      ready = true;
    }
    const action = new URL(request.url).pathname.slice(1);
    const q = await Queue.open("jobs", { ...OPTIONS, storage: this.storage });
    try {
      const answer = { storage: q.storage };
      if (action === "enqueue") {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => q.enqueue({ i, fail: i % 4 === 0 })));
        answer.ids = results.map((r) => r.id);
        answer.duplicate = await q.enqueue({ i: -1 }, { idempotencyKey: "once" });
      } else if (action === "process") {
        const events = { completed: 0, retrying: 0, dead: 0 };
        for (const kind of Object.keys(events)) q.addEventListener(kind, () => events[kind]++);
        q.process(async (job) => {
          if (job.payload.fail) throw new Error(`boom ${job.payload.i}`);
        }, { concurrency: 4 });
        await q.drained();
        answer.events = events;
      } else if (action !== "stats") {
        return Response.json({ error: `no action ${action}` }, { status: 404 });
      }
      answer.stats = q.stats();
      answer.dead = (await q.deadLetters({ limit: 100 })).map((d) => ({ attempts: d.attempts, lastError: d.lastError }));
      answer.keys = (await this.storage.list({ prefix: "wasmq:jobs/" })).size;
      return Response.json(answer);
    } catch (e) {
      return Response.json({ error: `${e?.code ?? e?.name}: ${e?.message ?? e}` }, { status: 500 });
    } finally {
      await q.close();
    }
  }
}

export default {
  fetch(request, env) {
    return env.QUEUES.get(env.QUEUES.idFromName("one")).fetch(request);
  },
};
