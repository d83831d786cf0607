// In-memory throughput runs shared by Node and Chromium: p-queue, fastq and wasmq (storage "memory"), concurrency 16, no-op async job.
export const CONCURRENCY = 16;
/** Jobs per handler call in the batch runs. */
export const BATCH_SIZE = 100;

/** A payload the size of a typical wasmq message (~90 bytes as JSON). */
export const message = (i) => ({ to: `user${i % 1000}@example.com`, n: i, subject: `Welcome aboard, message number ${i}` });

const noop = async () => {};
const gc = async () => { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 0)); };

/** p-queue: add n no-op tasks, wait for onIdle. */
export async function pqueue(PQueue, n) {
  await gc();
  const q = new PQueue({ concurrency: CONCURRENCY });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.add(() => noop(message(i)));
  await q.onIdle();
  return { ms: performance.now() - t0 };
}

/** fastq (promise API): push n payloads to a no-op async worker, wait for drained. */
export async function fastq(fastqLib, n) {
  await gc();
  const q = fastqLib.promise(noop, CONCURRENCY);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.push(message(i));
  await q.drained();
  return { ms: performance.now() - t0 };
}

/** wasmq on the memory store: enqueue n (all at once), then process with a no-op async handler until drained. */
export async function wasmq(Queue, n, name) {
  await gc();
  const q = await Queue.open(name, { storage: "memory", concurrency: CONCURRENCY });
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = q.enqueue(message(i));
  await Promise.all(pending);
  const t1 = performance.now();
  q.process(noop, { concurrency: CONCURRENCY });
  await q.drained();
  const t2 = performance.now();
  const { completed } = q.stats();
  await q.close();
  Queue.dropMemory(name);
  if (completed !== n) throw new Error(`wasmq memory: ${completed} of ${n} completed`);
  return { ms: t2 - t0, enqueueMs: t1 - t0, processMs: t2 - t1 };
}

/** The same run with the batch API: one enqueueMany of n payloads, then processBatch (a no-op async batch handler, batches of 100). */
export async function wasmqBatch(Queue, n, name) {
  await gc();
  const q = await Queue.open(name, { storage: "memory", concurrency: CONCURRENCY });
  const t0 = performance.now();
  const payloads = new Array(n);
  for (let i = 0; i < n; i++) payloads[i] = message(i);
  const ids = await q.enqueueMany(payloads);
  const t1 = performance.now();
  q.processBatch(noop, { concurrency: CONCURRENCY, batchSize: BATCH_SIZE });
  await q.drained();
  const t2 = performance.now();
  const { completed } = q.stats();
  await q.close();
  Queue.dropMemory(name);
  if (ids.length !== n || completed !== n) throw new Error(`wasmq batch: ${ids.length} ids, ${completed} of ${n} completed`);
  return { ms: t2 - t0, enqueueMs: t1 - t0, processMs: t2 - t1 };
}
