// The queue where it really runs, the same tests in each browser driver
// (chromium.e2e.mjs, firefox.e2e.mjs): in a dedicated worker; in a service
// worker and a page under one name (one leads, the other forwards); a service
// worker stopped mid-job, taken over by the page or by the restarted worker,
// and during a burst of forwarded enqueues; the page closed mid-job, taken
// over by the service worker; Background Sync waking a stopped worker (where the browser has it). Each
// test has its own browser context (its own IndexedDB and service worker
// registration, dropped when the context closes) and its own queue name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, uniqueName, useWorkerPages, waitFor } from "./harness.mjs";

// A lease longer than a whole test (each test's timeout is 60 s): a handler that hangs is cut
// off only by the end of its context (stopped, terminated, closed), never by its lease running
// out first, however slow the machine; so each interrupted job has exactly one try cut off and
// one more try, and `retried` counts exactly that one. A takeover does not wait out the lease
// (a test would time out if it did): the next leader counts the gone leader's leases as failed
// tries at once (Engine::recover_leases). A try that timed out before its leader ended counts
// once more: tests/queue_scenarios/takeover.rs runs that sequence.
const OPTIONS = { leaseMs: 120_000, maxAttempts: 5, backoff: { type: "fixed", delayMs: 100, jitter: false } };
const range = (from, to) => Array.from({ length: to - from }, (_, k) => from + k);

/** Runs `op` of ops.js on `target`: "page", "sw", or a dedicated worker's key. */
const call = (page, target, op, ...args) => page.evaluate(([target, op, args]) => {
  const { wt } = globalThis;
  if (target === "page") return wt.page[op](...args);
  if (target === "sw") return wt.sw(op, ...args);
  return wt.worker(target, op, ...args);
}, [target, op, args]);

const log = (page, name) => page.evaluate((name) => globalThis.wt.log(name), name);
const logged = (page, name, pred) => waitFor("a handler log entry", async () => (await log(page, name)).find(pred));

/** The handler log by payload.i: who started and who finished each try. */
function byJob(entries) {
  const jobs = new Map();
  for (const e of entries) {
    const j = jobs.get(e.i) ?? { id: e.id, start: [], done: [] };
    j[e.phase].push({ by: e.by, context: e.context, attempt: e.attempt });
    jobs.set(e.i, j);
  }
  return jobs;
}

/** Waits until the follower's stats (the leader's, broadcast at most every 100 ms) equal the leader's; returns both. */
async function statsOf(page, leader, follower) {
  let last;
  await waitFor("the follower's stats to reach the leader's", async () => {
    last = [(await call(page, leader, "state")).stats, (await call(page, follower, "state")).stats];
    return JSON.stringify(last[0]) === JSON.stringify(last[1]);
  }).catch(() => {});
  return last;
}

/** Registers the module service worker `url` and pings it from then on (see firefox.mjs). */
async function registerServiceWorker(page, url) {
  await page.evaluate((url) => globalThis.wt.register(url), url);
  await page.evaluate(() => globalThis.wt.keepAwake(true));
}

/** Stops pinging the service worker and stops it the driver's way; resolves once it is gone. */
async function stopServiceWorker(env, context, page) {
  await page.evaluate(() => globalThis.wt.keepAwake(false));
  await env.driver.stopServiceWorker(context, page);
}

const finished = (n, retried = 0) => ({ pending: 0, delayed: 0, inFlight: 0, completed: n, retried, dead: 0 });

/**
 * Opens `name` in the service worker (leading, job 3 never finishing there) and in
 * the page (with `pageHandler`, or none), enqueues 0..7 from the page, waits until
 * job 3 runs in the service worker, enqueues 8 (durable: the acks before it are
 * too) and stops the service worker, its try 1 of job 3 still running (the lease
 * outlasts the test). Returns the ids and when the stop was done.
 */
async function stopMidJob(env, context, page, name, pageHandler) {
  await page.evaluate((name) => globalThis.wt.listen(name), name);
  await registerServiceWorker(page, "/sw.js?init=cache");
  const swOpened = await call(page, "sw", "open", name, OPTIONS, { hang: [3] }, "sw");
  assert.equal(swOpened.isLeader, true);
  const pageOpened = await call(page, "page", "open", name, OPTIONS, pageHandler, "page");
  assert.equal(pageOpened.isLeader, false, "the page follows");
  const ids = await call(page, "page", "enqueue", range(0, 8));
  await logged(page, name, (e) => e.i === 3 && e.phase === "start");
  ids.push(...(await call(page, "page", "enqueue", [8])));
  await stopServiceWorker(env, context, page);
  return { ids, stoppedAt: Date.now() };
}

/**
 * Every job 0..8 completed exactly once: 0..2 by `first`, 3 cut off in `first` at its
 * try 1 and completed by `taker` at its try 2, 4..8 by `taker`. Read from the whole log
 * once everything is drained: the log at the stop may already hold the taker's tries.
 */
function assertEachOnce(jobs, ids, first, taker) {
  assert.deepEqual([...jobs.keys()].sort((x, y) => x - y), range(0, 9));
  for (const [i, j] of jobs) {
    assert.equal(j.id, ids[i]);
    assert.equal(j.done.length, 1, `job ${i} completed once: ${JSON.stringify(j)}`);
    const expected = i < 3 ? { by: first, attempt: 1 } : i === 3 ? { by: taker, attempt: 2 } : { by: taker, attempt: 1 };
    assert.deepEqual({ by: j.done[0].by, attempt: j.done[0].attempt }, expected, `job ${i}: ${JSON.stringify(j)}`);
  }
  assert.deepEqual(jobs.get(3).start.map((t) => `${t.by}#${t.attempt}`), [`${first}#1`, `${taker}#2`],
    "job 3: cut off in flight, tried once more by the taker");
}

/** Registers every worker test for `driver`'s browser. */
export function workerTests(driver) {
  const env = useWorkerPages(driver);

  test("a dedicated worker: init() loads the wasm there, storage is IndexedDB, jobs survive the worker's end", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("dedicated");
    await page.evaluate((name) => globalThis.wt.listen(name), name);
    await page.evaluate(() => globalThis.wt.startWorker("a"));

    // Worker a: opens with a handler that never finishes job 5 (concurrency 1, so 6.. wait behind it).
    const opened = await call(page, "a", "open", name, OPTIONS, { hang: [5] }, "a");
    assert.equal(opened.context, "DedicatedWorkerGlobalScope");
    assert.equal(opened.storage, "indexeddb", "IndexedDB is the default in a dedicated worker");
    assert.equal(opened.isLeader, true);
    const ids = await call(page, "a", "enqueue", range(0, 10));
    await logged(page, name, (e) => e.i === 5 && e.phase === "start");
    // Commits are made in order: once this enqueue is durable, so are the acks of jobs 0..4.
    ids.push(...(await call(page, "a", "enqueue", [10])));
    assert.equal(new Set(ids).size, 11, "11 distinct ids");
    await page.evaluate(() => globalThis.wt.terminateWorker("a"));

    // Worker b, a new worker on the same name, finds what a stored.
    await page.evaluate(() => globalThis.wt.startWorker("b"));
    await call(page, "b", "open", name, OPTIONS, null, "b");
    // It leads once a's lock is released (at once, or when the browser has finished ending a).
    const { stats: s } = await waitFor("worker b to lead", async () => {
      const state = await call(page, "b", "state");
      return state.isLeader && state;
    });
    assert.equal(s.completed, 5, `jobs 0..4 stay completed: ${JSON.stringify(s)}`);
    assert.equal(s.pending + s.delayed + s.inFlight, 6, `job 5 (interrupted) and 6..10 are back: ${JSON.stringify(s)}`);
    assert.equal(s.dead, 0);
    await call(page, "b", "process", {});
    const end = await call(page, "b", "drained");
    assert.deepEqual(end.stats, finished(11, 1), "every job completed; the interrupted one retried once");

    const jobs = byJob(await log(page, name));
    assert.deepEqual([...jobs.keys()].sort((x, y) => x - y), range(0, 11));
    for (const [i, j] of jobs) {
      assert.equal(j.id, ids[i], `job ${i} has the id enqueue returned`);
      assert.equal(j.done.length, 1, `job ${i} completed once: ${JSON.stringify(j)}`);
      const expected = i < 5 ? { by: "a", attempt: 1 } : i === 5 ? { by: "b", attempt: 2 } : { by: "b", attempt: 1 };
      assert.deepEqual({ by: j.done[0].by, attempt: j.done[0].attempt }, expected, `job ${i}: ${JSON.stringify(j)}`);
    }
    assert.deepEqual(jobs.get(5).start.map((t) => `${t.by}#${t.attempt}`), ["a#1", "b#2"], "job 5: cut off in a, tried again in b");
    await call(page, "b", "close");
    await context.close();
  });

  test("a service worker and a page under one name: the page forwards, the service worker's handler runs each job once", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("sw-leads");
    await page.evaluate((name) => globalThis.wt.listen(name), name);
    await registerServiceWorker(page, "/sw.js?init=default");
    const info = await call(page, "sw", "info");
    assert.deepEqual(info, { loadedIn: "install", wasmFrom: "network", context: "ServiceWorkerGlobalScope" }, "init() ran in the install event");
    assert.match(await call(page, "sw", "dynamicImport"), /^refused: /, "a service worker refuses import(): the package is imported statically");

    // The page opens first, without a handler, and leads; the service worker opens with one and takes the lead.
    const pageOpened = await call(page, "page", "open", name, OPTIONS, null, "page");
    assert.deepEqual([pageOpened.context, pageOpened.storage, pageOpened.isLeader], ["Window", "indexeddb", true]);
    const swOpened = await call(page, "sw", "open", name, OPTIONS, { concurrency: 2 }, "sw");
    assert.equal(swOpened.storage, "indexeddb", "IndexedDB is the default in a service worker");
    await waitFor("the service worker to lead", async () => (await call(page, "sw", "state")).isLeader);
    assert.equal((await call(page, "page", "state")).isLeader, false, "exactly one instance leads");

    const ids = await call(page, "page", "enqueue", range(0, 20));
    assert.equal(new Set(ids).size, 20);
    await call(page, "page", "drained");
    await call(page, "sw", "drained");
    const [swStats, pageStats] = await statsOf(page, "sw", "page");
    assert.deepEqual(swStats, finished(20));
    assert.deepEqual(pageStats, swStats, "the page's stats are the service worker's");

    const jobs = byJob(await log(page, name));
    assert.equal(jobs.size, 20);
    for (const [i, j] of jobs) {
      assert.equal(j.id, ids[i]);
      assert.deepEqual(j.done, [{ by: "sw", context: "ServiceWorkerGlobalScope", attempt: 1 }], `job ${i} ran once, in the service worker`);
    }
    await call(page, "page", "close");
    await call(page, "sw", "close");
    await context.close();
  });

  test("a service worker and a page under one name: the service worker forwards, the page's handler runs each job once", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("page-leads");
    await page.evaluate((name) => globalThis.wt.listen(name), name);
    await registerServiceWorker(page, "/sw.js?init=default");

    const swOpened = await call(page, "sw", "open", name, OPTIONS, null, "sw");
    assert.equal(swOpened.isLeader, true, "the service worker opens first and leads");
    await call(page, "page", "open", name, OPTIONS, { concurrency: 2 }, "page");
    await waitFor("the page to lead", async () => (await call(page, "page", "state")).isLeader);
    assert.equal((await call(page, "sw", "state")).isLeader, false, "exactly one instance leads");

    const ids = await call(page, "sw", "enqueue", range(0, 20));
    assert.equal(new Set(ids).size, 20);
    await call(page, "sw", "drained");
    await call(page, "page", "drained");
    const [pageStats, swStats] = await statsOf(page, "page", "sw");
    assert.deepEqual(pageStats, finished(20));
    assert.deepEqual(swStats, pageStats, "the service worker's stats are the page's");

    const jobs = byJob(await log(page, name));
    assert.equal(jobs.size, 20);
    for (const [i, j] of jobs) {
      assert.equal(j.id, ids[i]);
      assert.deepEqual(j.done, [{ by: "page", context: "Window", attempt: 1 }], `job ${i} ran once, in the page`);
    }
    await call(page, "sw", "close");
    await call(page, "page", "close");
    await context.close();
  });

  test("the service worker stopped mid-job: the page takes over and the interrupted job runs again, once", { timeout: 60_000 }, async (t) => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("sw-stop-page");
    const { ids, stoppedAt } = await stopMidJob(env, context, page, name, { concurrency: 1 });

    await waitFor("the page to take the lead", async () => (await call(page, "page", "state")).isLeader);
    const end = await call(page, "page", "drained");
    t.diagnostic(`the page drained the queue ${Date.now() - stoppedAt} ms after the stop (leaseMs ${OPTIONS.leaseMs})`);
    assert.deepEqual(end.stats, finished(9, 1), "every job completed; the interrupted one counted its extra try");
    assertEachOnce(byJob(await log(page, name)), ids, "sw", "page");
    assert.equal(await page.evaluate(() => globalThis.wt.swAlive()), false, "the service worker stayed stopped: the page did it all");
    await call(page, "page", "close");
    await context.close();
  });

  test("the service worker stopped mid-job and woken again: it reloads the wasm from Cache Storage and finishes the jobs", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("sw-stop-restart");
    const { ids } = await stopMidJob(env, context, page, name, null);
    const requestsBefore = env.requests.length;

    // The page (without a handler) leads now; nothing runs until an instance with a handler opens.
    await waitFor("the page to take the lead", async () => (await call(page, "page", "state")).isLeader);
    // A message wakes the service worker: a fresh run of its script, the wasm loaded in that first event.
    const info = await call(page, "sw", "info");
    await page.evaluate(() => globalThis.wt.keepAwake(true));
    assert.deepEqual(info, { loadedIn: "message", wasmFrom: "cache", context: "ServiceWorkerGlobalScope" });
    assert.deepEqual(env.requests.slice(requestsBefore), [], "the restart fetched nothing: scripts from the worker's script cache, the wasm from Cache Storage");
    const reopened = await call(page, "sw", "open", name, OPTIONS, { concurrency: 1 }, "sw");
    assert.equal(reopened.storage, "indexeddb");
    await waitFor("the restarted service worker to lead", async () => (await call(page, "sw", "state")).isLeader);
    assert.equal((await call(page, "page", "state")).isLeader, false, "exactly one instance leads");

    await call(page, "sw", "drained");
    const [swStats, pageStats] = await statsOf(page, "sw", "page");
    assert.deepEqual(swStats, finished(9, 1), "every job completed; the interrupted one counted its extra try");
    assert.deepEqual(pageStats, swStats, "the page's stats are the service worker's");
    assertEachOnce(byJob(await log(page, name)), ids, "sw", "sw");
    await call(page, "sw", "close");
    await call(page, "page", "close");
    await context.close();
  });

  test("the page closed mid-job: the service worker takes over and finishes every job, the interrupted one once more", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    // The observer only reads the log and talks to the service worker; it opens no queue and outlives the other page.
    const observer = await openPage(env, context);
    const name = uniqueName("page-closed");
    await observer.evaluate((name) => globalThis.wt.listen(name), name);
    await registerServiceWorker(observer, "/sw.js?init=cache");
    const page = await openPage(env, context);
    const pageOpened = await call(page, "page", "open", name, OPTIONS, { hang: [3] }, "page");
    assert.equal(pageOpened.isLeader, true, "the page opens first and leads");
    const swOpened = await call(observer, "sw", "open", name, OPTIONS, { concurrency: 1 }, "sw");
    assert.equal(swOpened.isLeader, false, "the service worker, with a handler too, follows");
    const ids = await call(page, "page", "enqueue", range(0, 8));
    await logged(observer, name, (e) => e.i === 3 && e.phase === "start");
    ids.push(...(await call(page, "page", "enqueue", [8])));
    await page.close();

    await waitFor("the service worker to take the lead", async () => (await call(observer, "sw", "state")).isLeader);
    const end = await call(observer, "sw", "drained");
    assert.deepEqual(end.stats, finished(9, 1), "every job completed; the interrupted one counted its extra try");
    assertEachOnce(byJob(await log(observer, name)), ids, "page", "sw");
    await call(observer, "sw", "close");
    await context.close();
  });

  test("a service worker stopped during a burst of forwarded enqueues: each is stored once, each job completes, interrupted ones once more", { timeout: 60_000 }, async (t) => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("sw-stop-burst");
    const n = 300;
    await page.evaluate((name) => globalThis.wt.listen(name), name);
    await registerServiceWorker(page, "/sw.js?init=cache");
    await call(page, "sw", "open", name, OPTIONS, { latencyMs: 10, concurrency: 4 }, "sw");
    await call(page, "page", "open", name, OPTIONS, null, "page");
    // The burst is forwarded to the service worker, which is stopped once its handler has run:
    // whatever it had not answered is sent again to the next leader (the page), each call under its internal key.
    await page.evaluate((n) => {
      const { wt } = globalThis;
      wt.burst = wt.page.enqueue(Array.from({ length: n }, (_, i) => i));
    }, n);
    await logged(page, name, (e) => e.phase === "done");
    await stopServiceWorker(env, context, page);
    const ids = await page.evaluate(() => globalThis.wt.burst);
    assert.equal(new Set(ids).size, n, "every enqueue resolved with its own id");
    const before = byJob(await log(page, name));
    t.diagnostic(`the service worker had started ${before.size} of ${n} jobs when it stopped`);

    await waitFor("the page to take the lead", async () => (await call(page, "page", "state")).isLeader);
    await call(page, "page", "process", { concurrency: 4 });
    const end = await call(page, "page", "drained");
    const jobs = byJob(await log(page, name));
    assert.deepEqual([...jobs.keys()].sort((x, y) => x - y), range(0, n), "every job ran");
    let interrupted = 0;
    for (const [i, j] of jobs) {
      assert.equal(j.id, ids[i]);
      const last = j.done.at(-1);
      assert.ok(last, `job ${i} completed: ${JSON.stringify(j)}`);
      const tries = j.start.map((s) => `${s.by}#${s.attempt}`).join();
      if (last.attempt === 1) {
        assert.deepEqual([j.done.length, tries], [1, `${last.by}#1`], `job ${i}: one try: ${JSON.stringify(j)}`);
        continue;
      }
      // Cut off in the worker after its try 1 was stored (before or during the handler, or before
      // its ack was stored): one more try, by the page.
      interrupted += 1;
      assert.deepEqual([last.by, last.attempt], ["page", 2], `job ${i}: ${JSON.stringify(j)}`);
      assert.ok(tries === "sw#1,page#2" || tries === "page#2", `job ${i}: ${JSON.stringify(j)}`);
      assert.ok(j.done.length === 1 || j.done[0].by === "sw", `job ${i}: only the worker's run repeats: ${JSON.stringify(j)}`);
    }
    t.diagnostic(`${interrupted} job(s) were cut off in the worker and tried again`);
    assert.ok(interrupted <= 4, `at most the worker's concurrency (4) was in flight: ${interrupted}`);
    assert.deepEqual(end.stats, finished(n, interrupted), "each enqueue stored once; the retries are the cut-off jobs");
    await call(page, "page", "close");
    await context.close();
  });

  if (!driver.backgroundSync) {
    test("no Background Sync here: the registration has no sync manager, as the README says", { timeout: 60_000 }, async () => {
      const context = await env.driver.newContext(env.browser);
      const page = await openPage(env, context);
      await registerServiceWorker(page, "/sw.js?init=cache");
      assert.equal(await page.evaluate(async () => "sync" in (await navigator.serviceWorker.ready)), false);
      assert.equal(await page.evaluate(() => typeof globalThis.SyncManager), "undefined");
      await page.evaluate(() => globalThis.wt.keepAwake(false));
      await context.close();
    });
    return;
  }

  test("Background Sync wakes a stopped service worker, which drains what a closed page left", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await openPage(env, context);
    const name = uniqueName("sync");
    await page.evaluate((name) => globalThis.wt.listen(name), name);
    await registerServiceWorker(page, "/sw.js?init=cache");
    await call(page, "sw", "info"); // the service worker runs, so there is one to stop

    // The page stores jobs without a handler and closes its queue: nothing runs them now.
    await call(page, "page", "open", name, OPTIONS, null, "page");
    const ids = await call(page, "page", "enqueue", range(0, 10));
    await call(page, "page", "close");
    await stopServiceWorker(env, context, page);
    // A sync registration wakes the worker (at once here, being online); its `sync` event opens the queue and drains it.
    await page.evaluate(async (tag) => (await navigator.serviceWorker.ready).sync.register(tag), name);
    await waitFor("the sync to finish", async () =>
      (await page.evaluate(async () => (await navigator.serviceWorker.ready).sync.getTags())).length === 0
      && (await log(page, name)).filter((e) => e.phase === "done").length >= 10);

    const info = await call(page, "sw", "info");
    assert.equal(info.loadedIn, "sync", "the sync event started a fresh run of the worker, which loaded the wasm in it");
    const jobs = byJob(await log(page, name));
    assert.equal(jobs.size, 10);
    for (const [i, j] of jobs) {
      assert.equal(j.id, ids[i]);
      assert.deepEqual(j.done, [{ by: "sync", context: "ServiceWorkerGlobalScope", attempt: 1 }], `job ${i} ran once, in the sync event`);
    }
    const reopened = await call(page, "page", "open", name, OPTIONS, null, "page");
    assert.deepEqual(reopened.stats, finished(10), "what the sync event did is stored");
    await call(page, "page", "close");
    await context.close();
  });
}
