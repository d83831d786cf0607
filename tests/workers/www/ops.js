// The queue calls the worker tests make in every context (window, dedicated
// worker, service worker), so each context runs the same code: open a queue
// with a test handler, enqueue, read stats, wait until drained, close. Each
// handler call posts { phase: "start" | "done", i, id, attempt, context, by }
// (`by`: the label given at open) on the BroadcastChannel
// `wasmq-test-log:<name>`, which outlives the context.
import { Queue } from "/pkg/wasmq.js";

/** Where this code runs: "Window", "DedicatedWorkerGlobalScope" or "ServiceWorkerGlobalScope". */
export const context = globalThis.constructor.name;

/** Errors cross postMessage as plain objects. */
export const plainError = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e) });

/**
 * The calls on one queue instance. `handler` (optional) is
 * `{ hang: [i, ...], latencyMs, concurrency }`: a job whose payload.i is
 * listed never settles here (as a job interrupted by its context dying); the
 * others finish after `latencyMs` (default 0).
 */
export function queueOps() {
  let q = null;
  let log = null;
  let by = context;
  const post = (phase, job) =>
    log.postMessage({ phase, i: job.payload.i, id: job.id, attempt: job.attempt, context, by });
  const ops = {
    async open(name, options = {}, handler = null, label = context) {
      by = label;
      q = await Queue.open(name, options);
      log = new BroadcastChannel(`wasmq-test-log:${name}`);
      if (handler) ops.process(handler);
      return ops.state();
    },
    process({ hang = [], latencyMs = 0, concurrency = 1 } = {}) {
      q.process(async (job) => {
        post("start", job);
        if (hang.includes(job.payload.i)) return new Promise(() => {});
        if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
        post("done", job);
      }, { concurrency });
    },
    /** Enqueues `{ i }` for each i; resolves with the ids once durable. */
    async enqueue(is) {
      const done = await Promise.all(is.map((i) => q.enqueue({ i })));
      return done.map((d) => d.id);
    },
    state: () => ({ context, storage: q.storage, isLeader: q.isLeader, stats: q.stats() }),
    async drained() {
      await q.drained();
      return ops.state();
    },
    async close() {
      await q.close();
      log.close();
      return true;
    },
  };
  return ops;
}

/** Answers `{ op, args }` messages with `{ ok, value }` or `{ ok: false, error }`. */
export async function answer(ops, { op, args = [] }) {
  try {
    if (typeof ops[op] !== "function") throw new Error(`no op ${op}`);
    return { ok: true, value: await ops[op](...args) };
  } catch (e) {
    return { ok: false, error: plainError(e) };
  }
}
