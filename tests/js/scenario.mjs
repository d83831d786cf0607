// The job scenario every runtime test runs (Node, esbuild bundle, Deno, workerd): retries, dead letters, events, errors; returns plain JSON.

/** Runs 20 jobs on a memory queue, every 4th failing every try, and reports what happened. */
export async function scenario(Queue, name = "runtime-check") {
  const q = await Queue.open(name, {
    storage: "memory",
    maxAttempts: 3,
    backoff: { type: "fixed", delayMs: 5, jitter: false },
  });
  const events = { completed: 0, retrying: 0, dead: 0, error: 0 };
  for (const kind of Object.keys(events)) q.addEventListener(kind, () => events[kind]++);
  const failing = [];
  const pending = [];
  for (let i = 0; i < 20; i++) pending.push(q.enqueue({ i, fail: i % 4 === 0 }));
  const ids = (await Promise.all(pending)).map((r) => r.id);
  ids.forEach((id, i) => i % 4 === 0 && failing.push(id));
  const dup = await q.enqueue({ i: -1 }, { idempotencyKey: "k" });
  const again = await q.enqueue({ i: -2 }, { idempotencyKey: "k" });

  const tries = {};
  q.process(async (job) => {
    tries[job.id] = Math.max(tries[job.id] ?? 0, job.attempt);
    await new Promise((r) => setTimeout(r, 1));
    if (job.payload.fail) throw new Error(`boom ${job.payload.i}`);
  }, { concurrency: 4 });
  await q.drained();

  let invalid = null;
  try {
    await q.enqueue({}, { delayMs: -1 });
  } catch (e) {
    invalid = { name: e.name, code: e.code, isError: e instanceof Error };
  }
  const result = {
    storage: q.storage,
    stats: q.stats(),
    events: { ...events },
    ids,
    failing,
    duplicate: { first: dup, second: again },
    dead: (await q.deadLetters({ limit: 100 })).map((d) => ({ id: d.id, attempts: d.attempts, lastError: d.lastError })),
    tries,
    invalid,
  };
  q.pause();
  result.redriven = await q.redrive(failing[0]);
  result.purged = await q.purge(undefined);
  result.afterCleanup = q.stats();
  await q.close();
  result.closed = q.closed;
  return result;
}
