// In-memory runs shared by Node and Chromium: p-queue, fastq and wasmq (storage "memory") throughput, concurrency 16, no-op async job; wasmq's starts per interval under a rate limit.
export const CONCURRENCY = 16;
/** Jobs per handler call in the batch runs. */
export const BATCH_SIZE = 100;

/** A payload the size of a typical wasmq message (~90 bytes as JSON). */
export const message = (i) => ({ to: `user${i % 1000}@example.com`, n: i, subject: `Welcome aboard, message number ${i}` });

import { median } from "./stats.mjs";

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

/** The pace of the rate-limit run: at most `max` starts per `intervalMs`, watched for `intervals` intervals. */
export const RATE_LIMIT = { max: 100, intervalMs: 100, intervals: 10 };

/**
 * wasmq on the memory store with `rateLimit: { max, intervalMs }` and a backlog of n no-op jobs (more than
 * the run can start): processes for `intervals` intervals from process(), recording when each handler
 * starts, then counts the starts in each whole interval. Returns the counts, their max and median, and
 * the starts per interval over all of them (total ÷ intervals), the median spread of an interval's starts, and the
 * most starts seen in any window of one interval (sliding, by handler start time).
 */
export async function wasmqRateLimit(Queue, n, name) {
  const { max, intervalMs, intervals } = RATE_LIMIT;
  await gc();
  const q = await Queue.open(name, { storage: "memory", concurrency: CONCURRENCY, rateLimit: { max, intervalMs } });
  await q.enqueueMany(Array.from({ length: n }, (_, i) => message(i)));
  const starts = [];
  const t0 = performance.now();
  q.process(async () => { starts.push(performance.now() - t0); }, { concurrency: CONCURRENCY });
  await new Promise((r) => setTimeout(r, intervals * intervalMs));
  q.pause();
  const ms = performance.now() - t0;
  await q.close();
  Queue.dropMemory(name);
  const whole = Math.min(intervals, Math.floor(ms / intervalMs));
  const buckets = Array.from({ length: whole }, () => []);
  for (const t of starts) if (t < whole * intervalMs) buckets[Math.floor(t / intervalMs)].push(t);
  const counts = buckets.map((b) => b.length);
  const total = counts.reduce((a, b) => a + b, 0);
  // How the starts of an interval are spread: from its first start to its last (a sliding window lets them come at once).
  const spreadMs = median(buckets.filter((b) => b.length).map((b) => b.at(-1) - b[0]));
  return { ms, counts, max: Math.max(...counts), median: median(counts), perInterval: total / whole, total, spreadMs,
    slidingMax: mostWithin(starts, intervalMs) };
}

/** The most of the sorted times `ts` that fall in any window shorter than `width`. */
function mostWithin(ts, width) {
  let most = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i] - ts[j] >= width) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
