// End-to-end test of the demo page in headless Chromium (or E2E_BROWSER=firefox|webkit, see harness.mjs):
// 200 jobs survive a reload mid-way, a second tab never double-processes, and a job cancelled in the
// waiting-jobs panel stays gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { browserName, root, useDemoServer } from "./harness.mjs";

const shot = `${root}target/e2e/${browserName === "chromium" ? "demo" : `demo-${browserName}`}.png`;
const env = useDemoServer();

/** Opens the demo in `context` and waits until its queue is open and processing. */
async function openDemo(context, query = "") {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${env.base}${query}`);
  await page.evaluate(() => window.wasmqDemo.ready.then(() => undefined));
  return page;
}

const stats = (page) => page.evaluate(() => window.wasmqDemo.stats());
const waitIdle = (page, timeout = 45_000) =>
  page.waitForFunction(() => {
    const s = window.wasmqDemo.stats();
    return s.pending + s.delayed + s.inFlight === 0;
  }, null, { timeout, polling: 100 });

test("200 jobs, 30% failing: after a reload mid-way every job is completed or dead", { timeout: 90_000 }, async () => {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 1100 } });
  let page = await openDemo(context);
  await page.evaluate(() => window.wasmqDemo.setControls({ latencyMs: 100, failRate: 0 }));
  const jobs = await page.evaluate(() => window.wasmqDemo.enqueueBatch(200, { failRate: 0.3 }));
  assert.equal(new Set(jobs.map((j) => j.id)).size, 200, "200 distinct job ids");
  const failing = jobs.filter((j) => j.fail).map((j) => j.id).sort((a, b) => a - b);
  assert.equal(failing.length, 60, "30% of the jobs fail every try");

  await page.waitForFunction(() => window.wasmqDemo.stats().completed >= 20, null, { timeout: 30_000, polling: 10 });
  const mid = await stats(page);
  assert.ok(mid.completed + mid.dead < 200, `reloading mid-way, not after the end: ${JSON.stringify(mid)}`);
  await page.reload();
  await page.evaluate(() => window.wasmqDemo.ready.then(() => undefined));
  const reopened = await stats(page);
  assert.ok(reopened.pending + reopened.delayed + reopened.inFlight > 0, `unfinished jobs restored: ${JSON.stringify(reopened)}`);
  assert.ok(reopened.completed > 0, `the completed counter survived the reload: ${JSON.stringify(reopened)}`);
  assert.match(await page.textContent("#restored"), /^Restored [\d,]+ unfinished job/);

  await waitIdle(page);
  const end = await stats(page);
  assert.equal(end.completed + end.dead, 200, `completed + dead == 200: ${JSON.stringify(end)}`);
  assert.equal(end.dead, 60, `exactly the always-failing jobs are dead: ${JSON.stringify(end)}`);
  assert.ok(end.retried >= 120, `each dead job was retried twice: ${JSON.stringify(end)}`);
  const dead = await page.evaluate(() => window.wasmqDemo.queue.deadLetters({ limit: 1000 }));
  assert.deepEqual(dead.map((d) => d.id).sort((a, b) => a - b), failing, "the dead letters are the failing jobs");
  for (const d of dead) {
    assert.equal(d.attempts, 3, `dead letter ${d.id} used its 3 tries`);
    assert.match(d.lastError, /simulated failure|lease expired/);
  }

  await page.waitForFunction(() => document.querySelectorAll("#dead-rows button[data-op=redrive]").length === 60);
  // For the picture only: a few jobs waiting in the waiting-jobs panel.
  await page.evaluate(() => window.wasmqDemo.enqueueBatch(3, { delayMs: 600_000, group: "later" }));
  await page.waitForFunction(() => document.querySelectorAll("#job-rows tr[data-id]").length === 3);
  await page.waitForTimeout(1200); // let the chart take one more sample before the picture
  mkdirSync(`${root}target/e2e`, { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  await context.close();
});

test("a second page on the same origin does not process any job twice", { timeout: 90_000 }, async (t) => {
  const context = await env.browser.newContext();
  const first = await openDemo(context, "?record");
  await first.evaluate(() => window.wasmqDemo.setControls({ latencyMs: 50, failRate: 0 }));
  const jobs = await first.evaluate(() => window.wasmqDemo.enqueueBatch(150, { failRate: 0.3 }));
  await first.waitForFunction(() => window.wasmqDemo.stats().completed >= 10, null, { timeout: 30_000, polling: 10 });
  const running = await stats(first);
  assert.ok(running.pending + running.delayed + running.inFlight > 0, "the second page opens while jobs run");
  const second = await openDemo(context, "?record");
  const leaders = [await first.evaluate(() => window.wasmqDemo.queue.isLeader), await second.evaluate(() => window.wasmqDemo.queue.isLeader)];
  assert.deepEqual(leaders, [true, false], "the first page leads, the second follows");
  await waitIdle(first);
  await waitIdle(second);

  const log = [
    ...(await first.evaluate(() => window.wasmqDemo.processed)),
    ...(await second.evaluate(() => window.wasmqDemo.processed)),
  ];
  const tries = new Map();
  const successes = new Map();
  for (const e of log) {
    const key = `${e.id}#${e.attempt}`;
    tries.set(key, [...(tries.get(key) ?? []), e.tab]);
    if (!e.fail) successes.set(e.id, (successes.get(e.id) ?? 0) + 1);
  }
  const twice = [...tries].filter(([, tabs]) => tabs.length > 1);
  const twiceOk = [...successes].filter(([, n]) => n > 1);
  const perTab = {};
  for (const e of log) perTab[e.tab] = (perTab[e.tab] ?? 0) + 1;
  const summary = `handler calls per tab: ${JSON.stringify(perTab)}`;
  t.diagnostic(summary);
  assert.equal(twice.length, 0, `tries handled more than once (id#attempt → tabs): ${JSON.stringify(twice.slice(0, 5))}; ${summary}`);
  assert.equal(twiceOk.length, 0, `jobs completed more than once: ${JSON.stringify(twiceOk.slice(0, 5))}`);
  for (const { id, fail } of jobs) {
    const runs = log.filter((e) => e.id === id);
    assert.ok(fail ? runs.length === 3 : runs.some((e) => !e.fail), `job ${id} ran to its end (${runs.length} tries)`);
  }
  await context.close();
});

/** Ids (as numbers) of the waiting-jobs panel's rows, and of those with a Cancel button. */
const panelIds = (page) => page.evaluate(() => ({
  rows: [...document.querySelectorAll("#job-rows tr[data-id]")].map((tr) => Number(tr.dataset.id)),
  cancellable: [...document.querySelectorAll("#job-rows button[data-id]")].map((b) => Number(b.dataset.id)),
}));
const listedIds = (page) => page.evaluate(async () => (await window.wasmqDemo.queue.jobs()).map((j) => j.id));

test("a delayed job cancelled in the waiting-jobs panel leaves the panel, jobs() and stats, and stays gone after a reload", { timeout: 60_000 }, async () => {
  const context = await env.browser.newContext();
  let page = await openDemo(context);
  await page.click("#pause");
  assert.equal(await page.evaluate(() => window.wasmqDemo.queue.paused), true, "the Pause button paused processing");
  const jobs = await page.evaluate(() => window.wasmqDemo.enqueueBatch(5, { delayMs: 600_000, group: "g1" }));
  const ids = jobs.map((j) => j.id);
  await page.waitForFunction((n) => document.querySelectorAll("#job-rows button[data-id]").length === n, ids.length);
  assert.deepEqual(await panelIds(page), { rows: ids, cancellable: ids }, "every delayed job is listed, each with a Cancel button");
  const row = (id) => page.locator(`#job-rows tr[data-id="${id}"]`);
  const [first] = await page.evaluate(() => window.wasmqDemo.queue.jobs({ limit: 1 }));
  const [id, state, tries, due, group, payload, button] = await row(ids[0]).locator("td").allTextContents();
  assert.deepEqual([id, state, tries, group, payload, button], [String(ids[0]), "delayed", "0 of 3", "g1", JSON.stringify(first.payload), "cancel"],
    "a row shows id, state, tries, group, payload and its button");
  assert.match(due, /^in (10m 0s|9m [45]\ds)$/, "and when it is due, relative to now");
  assert.equal((await stats(page)).delayed, 5);

  const victim = ids[2];
  const rest = ids.filter((id) => id !== victim);
  await page.click(`#job-rows button[data-id="${victim}"]`);
  await page.waitForFunction((id) => !document.querySelector(`#job-rows tr[data-id="${id}"]`), victim);
  assert.equal(await page.textContent("#jobs-action"), `Cancelled job ${victim}.`);
  assert.deepEqual((await panelIds(page)).rows, rest, "the cancelled job left the panel");
  assert.deepEqual(await listedIds(page), rest, "and queue.jobs()");
  const after = await stats(page);
  assert.deepEqual([after.pending, after.delayed, after.inFlight], [0, 4, 0], `one delayed job fewer: ${JSON.stringify(after)}`);
  await page.waitForFunction(() => document.getElementById("s-delayed").textContent === "4");

  // A refusal is a short message in the panel, not a page error.
  assert.equal(await page.evaluate((id) => window.wasmqDemo.cancelJob(id), victim),
    `Job ${victim} not cancelled: it is no longer waiting (completed, dead or cancelled) (NOT_FOUND).`);
  assert.equal(await page.isHidden("#error"), true, "NOT_FOUND is not shown as an error");

  await page.reload();
  await page.evaluate(() => window.wasmqDemo.ready.then(() => undefined));
  assert.deepEqual(await listedIds(page), rest, "after a reload the cancelled job is still gone (the cancel was durable)");
  assert.equal((await stats(page)).delayed, 4);
  await page.waitForFunction((n) => document.querySelectorAll("#job-rows tr[data-id]").length === n, rest.length);
  assert.deepEqual((await panelIds(page)).rows, rest, "and the panel lists the other four");

  // A job running in a handler has no Cancel button, and cancelling it is refused as JOB_IN_FLIGHT.
  await page.evaluate(() => window.wasmqDemo.setControls({ latencyMs: 2000, failRate: 0 }));
  const [{ id: running }] = await page.evaluate(() => window.wasmqDemo.enqueueBatch(1));
  await page.waitForFunction((id) => document.querySelector(`#job-rows tr[data-id="${id}"]`)?.dataset.state === "inFlight", running, { polling: 10 });
  assert.deepEqual((await panelIds(page)).cancellable, rest, "no Cancel button on the job in flight");
  assert.equal(await page.evaluate((id) => window.wasmqDemo.cancelJob(id), running),
    `Job ${running} not cancelled: it is running now (JOB_IN_FLIGHT).`);
  assert.equal(await page.isHidden("#error"), true, "JOB_IN_FLIGHT is not shown as an error");
  await page.waitForFunction(() => window.wasmqDemo.stats().completed === 1, null, { timeout: 10_000 });
  assert.deepEqual(await listedIds(page), rest, "the refused cancel left the running job to complete");
  await context.close();
});
