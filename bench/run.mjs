// `make bench`: wasmq beside IndexedDB, Workbox, p-queue and fastq in one run; writes target/bench/results.{json,md} and chart.png.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { bundle } from "./build.mjs";
import { serve } from "./serve.mjs";
import { launch } from "./browser.mjs";
import { sizes } from "./sizes.mjs";
import { summarize } from "./stats.mjs";
import { CONCURRENCY, RATE_LIMIT } from "./memory.mjs";
import { natsServer } from "../scripts/nats-server.mjs";
import { evaluate, table, markdown } from "./report.mjs";
import { chartHtml } from "./chart.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${root}target/bench`;
const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const log = (msg) => process.stderr.write(`[bench ${elapsed().toFixed(0).padStart(3)}s] ${msg}\n`);

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUICK = process.env.BENCH_QUICK === "1"; // a smoke run with small sizes
const ONLY = process.env.BENCH_ONLY; // run only the steps whose name contains this (e.g. "IndexedDB")
const N = QUICK
  ? { natsSerial: 200, nats: 2000, ceiling: 2000, serial: 200, burst: 2000, e2e: 2000, wbSerial: 50, wbAll: 300, lib: 10_000, wasmqMem: 2000, open: 10_000, openBig: 0 }
  : { natsSerial: 1000, nats: 10_000, ceiling: 10_000, serial: 1000, burst: 10_000, e2e: 10_000, wbSerial: 500, wbAll: 3000, lib: 1_000_000, wasmqMem: 100_000, open: 100_000, openBig: 1_000_000 };
N.libSmall = N.wasmqMem; // p-queue and fastq also at wasmq's job count, for a like-for-like ratio
N.rateBacklog = 2000; // the rate-limit run lasts a fixed number of intervals; 2,000 waiting is more than it can start
// 10^6 pending in IndexedDB is opened only if the run is still this young (seconds), to stay under 10 minutes.
const BIG_OPEN_IF_BEFORE_S = Number(process.env.BENCH_BIG_OPEN_BEFORE ?? 330);

const rows = [];
/** Records one measurement: `values` per run, summarized as median and min–max. */
function row(id, env, label, n, unit, values, extra = {}) {
  const r = { id, env, label, n, unit, ...summarize(values), ...extra };
  rows.push(r);
  const fmt = (v) => (unit === "bytes" ? v : v >= 100 ? Math.round(v) : v.toFixed(2));
  log(`${env} ${label}: ${fmt(r.median)} ${unit} (${r.runs.map(fmt).join(", ")})`);
  return r;
}
const perSecond = (n, results) => results.map((r) => (n / r.ms) * 1000);
/** Extra fields of a throughput row: the raw elapsed ms of each run. */
const raw = (results, extra = {}) => ({ msPerRun: results.map((r) => r.ms), ...extra });
const WASMQ_MEMORY_NOTE = "wasmq memory store: 10^5 jobs, not 10^6 (which does not fit the 10-minute budget): run once by hand in Node, " +
  "10^6 took 224 s (4,458 jobs/s, 2.8 GiB of wasm memory) with --max-old-space-size=8000, and was stopped unfinished after 9 minutes with " +
  "Node's default heap — both before enqueue() stopped holding ~3 KB of wasm memory per pending call (now ~0.7 KB per job, see the wasm memory row)";
/** Rows for one wasmq memory-store run list: end to end, and its two phases. */
/** Rows for one wasmq memory-store run list (`batch`: enqueueMany + processBatch): end to end, and its two phases. */
function wasmqMemoryRows(env, label, n, r, batch = false) {
  const id = `wasmq_memory${batch ? "_batch" : ""}_${env}`;
  const what = batch ? "wasmq memory store, enqueueMany + batch handler: enqueueMany(all) → no-op batch handler (100 per call) → drained, concurrency 16"
    : "wasmq memory store: enqueue all → no-op handler → drained, concurrency 16";
  row(id, label, what, n, "jobs/s", perSecond(n, r), raw(r, QUICK || batch ? {} : { note: WASMQ_MEMORY_NOTE }));
  row(`${id}_enqueue_phase`, label, `  of which: ${batch ? "enqueueMany (until it resolved)" : "enqueue all (until every promise resolved)"}`, n, "jobs/s",
    r.map((x) => (n / x.enqueueMs) * 1000), { msPerRun: r.map((x) => x.enqueueMs) });
  row(`${id}_process_phase`, label, "  of which: process until drained", n, "jobs/s",
    r.map((x) => (n / x.processMs) * 1000), { msPerRun: r.map((x) => x.processMs) });
  row(`${id}_wasm_bytes`, label, `wasm memory after the memory-store${batch ? " batch" : ""} run`, n, "bytes", r.map((x) => x.wasmMemoryBytes));
}

/**
 * Rows for the rate-limit run list (memory.wasmqRateLimit): starts per whole interval (the most, the median, all over
 * all intervals), and the most in any sliding window of one interval.
 */
function rateLimitRows(env, label, r) {
  const { max, intervalMs } = RATE_LIMIT;
  const what = `wasmq memory store, rateLimit ${max} per ${intervalMs} ms, ${N.rateBacklog.toLocaleString("en")} no-op jobs waiting, ${r[0].counts.length} intervals`;
  row(`rate_limit_max_${env}`, label, `${what}: most handler starts in one interval`, N.rateBacklog, "starts", r.map((x) => x.max),
    { countsPerRun: r.map((x) => x.counts), spreadMsPerRun: r.map((x) => x.spreadMs), msPerRun: r.map((x) => x.ms), note: RATE_LIMIT_NOTE });
  row(`rate_limit_median_${env}`, label, "  median starts per interval", N.rateBacklog, "starts", r.map((x) => x.median));
  row(`rate_limit_mean_${env}`, label, "  starts per interval over all intervals (total ÷ intervals)", N.rateBacklog, "starts", r.map((x) => x.perInterval));
  row(`rate_limit_sliding_${env}`, label, `  most handler starts in any ${intervalMs} ms (sliding window)`, N.rateBacklog, "starts", r.map((x) => x.slidingMax));
}
const RATE_LIMIT_NOTE = `Rate limit (${RATE_LIMIT.max} per ${RATE_LIMIT.intervalMs} ms, so a backlog should start ${RATE_LIMIT.max} per interval): ` +
  "each handler's start time, counted in whole intervals from process(), and in a window sliding over them. The limit is applied to " +
  `the leader's leases (a sliding window of lease times; concurrency ${CONCURRENCY}) and a handler starts after its lease, so the ` +
  "sliding row can show more than the limit; results.json keeps each run's counts (countsPerRun)";

/** Runs `fn` RUNS times (sequentially) and returns the list of results. */
async function repeat(fn, runs = RUNS) {
  const out = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/** One Node memory run in a fresh child process. */
function nodeMemory(lib, n) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--expose-gc", `${root}bench/node-memory.mjs`, lib, String(n)],
      { timeout: 300_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`node-memory ${lib} ${n}: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").pop()));
      });
  });
}

/** JS↔wasm crossings per job (bench/crossings.mjs in a child process): one row per phase and direction, the top 10 names kept in results.json. */
function crossings(n) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`${root}bench/crossings.mjs`, "--json", String(n)], { timeout: 300_000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`crossings: ${err.message}\n${stderr}`));
      const { phases } = JSON.parse(stdout.trim().split("\n").pop());
      const what = { enqueue: "per enqueued job, enqueue()", process: "per processed job, process() no-op handler",
        enqueueMany: "per enqueued job, enqueueMany()", processBatch: "per processed job, processBatch() (100 per call)" };
      const note = "JS↔wasm crossings: bench/crossings.mjs wraps every import (wasm→JS) and export (JS→wasm) function of the instance with a counter; memory store in Node, concurrency 16; counts are exact, one run";
      for (const [phase, p] of Object.entries(phases)) {
        for (const [dir, key, arrow] of [["imports", "wasm_to_js", "wasm→JS (imports called)"], ["exports", "js_to_wasm", "JS→wasm (exports called)"]]) {
          row(`crossings_${phase}_${key}`, "Node", `JS↔wasm crossings ${what[phase]}: ${arrow}`, n, "calls/job", [p[dir].perJob], { top: p[dir].top, note });
          log(`  top: ${p[dir].top.slice(0, 5).map((t) => `${t.name} ${t.perJob.toFixed(2)}`).join(", ")}`);
        }
      }
      resolve();
    });
  });
}

mkdirSync(OUT, { recursive: true });
log(`bundling (esbuild); ${RUNS} runs per measurement${QUICK ? " (QUICK sizes)" : ""}`);
await bundle();
const size = sizes();
for (const [k, label] of [["wasm", "wasmq_bg.wasm"], ["glue", "wasmq.js (glue)"], ["total", "wasmq wasm + glue"], ["workbox", "workbox-background-sync (esbuild --minify)"]]) {
  row(`size_${k}_raw`, "file", `${label}, raw`, null, "bytes", [size[k].raw]);
  row(`size_${k}_gzip`, "file", `${label}, gzip -9`, null, "bytes", [size[k].gzip]);
}

const server = await serve();
const chromium = await launch(server.base);
const version = chromium.browser.version();
const B = "Chromium";
const failures = [];
/** Runs one group of measurements; a failure is reported and recorded, and the other groups still run. */
async function step(name, fn) {
  if (ONLY && !name.toLowerCase().includes(ONLY.toLowerCase())) return;
  try {
    await fn();
  } catch (e) {
    failures.push({ step: name, error: String(e?.stack ?? e) });
    log(`FAILED ${name}: ${e?.message ?? e}`);
  }
}
const WB_NOTE = "Workbox: workbox-background-sync in a service worker (esbuild, NODE_ENV=production), driven by postMessage; onSync is a no-op so nothing is replayed";

/** Fills queue `name` with n pending once, then opens it `runs` times, each in a fresh page. */
async function scale(n, runs) {
  const name = `scale-${n}-${Date.now().toString(36)}`;
  const fill = await chromium.run("scaleFill", name, n, 10_000);
  log(`filled ${n.toLocaleString("en")} pending in ${(fill.ms / 1000).toFixed(1)} s`);
  const opens = [];
  for (let i = 0; i < runs; i++) opens.push(await chromium.run("scaleOpen", name, n, i === runs - 1));
  row(`open_${n}`, B, `Queue.open with ${n.toLocaleString("en")} pending (until stats().pending === n)`, n, "ms", opens.map((x) => x.ms));
  row(`open_${n}_wasm_bytes`, B, "wasm memory (WebAssembly.Memory) after that open", n, "bytes", opens.map((x) => x.wasmMemoryBytes));
  row(`open_${n}_js_heap_bytes`, B, "JS heap (performance.memory.usedJSHeapSize) after that open", n, "bytes", opens.map((x) => x.jsHeapBytes));
  row(`open_${n}_js_heap_live_bytes`, B, "JS heap after that open and a full collection (gc()): what the open left alive", n, "bytes", opens.map((x) => x.jsHeapLiveBytes));
}
const LIBS = [["pqueue", N.lib, "p-queue"], ["fastq", N.lib, "fastq"], ["pqueue", N.libSmall, "p-queue"], ["fastq", N.libSmall, "fastq"]];

try {
  // IndexedDB: the browser's own ceiling, Workbox, wasmq.
  await step("IndexedDB ceiling", async () => {
    const r = await repeat(() => chromium.run("ceiling", N.ceiling, 1000));
    row("idb_ceiling", B, "IndexedDB ceiling: put, 1,000 per readwrite transaction", N.ceiling, "messages/s", perSecond(N.ceiling, r),
      raw(r, { note: `IndexedDB ceiling: one record per message (${r[0].recordBytes} B as JSON), awaiting each transaction's complete` }));
    const b = await repeat(() => chromium.run("ceiling", N.ceiling, 1000, true));
    row("idb_batch_ceiling", B, "IndexedDB, one record per 1,000 messages (wasmq's log layout), 1 put per transaction", N.ceiling, "messages/s",
      perSecond(N.ceiling, b), raw(b, { note: "One record per 1,000 messages: the layout of wasmq's log (one record per group commit), for context; not a target" }));
    const strict = await repeat(() => chromium.run("ceiling", N.ceiling, 1000, true, "strict"));
    row("idb_batch_ceiling_strict", B, "the same with durability strict (a flush per transaction)", N.ceiling, "messages/s", perSecond(N.ceiling, strict), raw(strict));
  });
  await step("Workbox", async () => {
    let r = await repeat(() => chromium.run("workbox", N.wbSerial, "serial"));
    row("workbox_serial", B, "Workbox Queue.pushRequest, awaited one by one (service worker)", N.wbSerial, "requests/s",
      perSecond(N.wbSerial, r), raw(r, { note: WB_NOTE }));
    r = await repeat(() => chromium.run("workbox", N.wbAll, "all"));
    row("workbox_all", B, `Workbox Queue.pushRequest, ${N.wbAll.toLocaleString("en")} at once (service worker)`, N.wbAll, "requests/s",
      perSecond(N.wbAll, r), raw(r, { note: WB_NOTE }));
  });
  await step("wasmq on IndexedDB", async () => {
    let r = await repeat(() => chromium.run("wasmqSerial", N.serial));
    row("wasmq_idb_serial", B, "wasmq enqueue (IndexedDB, durability strict: the default), awaited one by one", N.serial, "messages/s", perSecond(N.serial, r), raw(r));
    row("wasmq_idb_latency_p50", B, "wasmq enqueue latency p50 (one by one)", N.serial, "ms", r.map((x) => x.p50));
    row("wasmq_idb_latency_p99", B, "wasmq enqueue latency p99 (one by one)", N.serial, "ms", r.map((x) => x.p99));
    r = await repeat(() => chromium.run("wasmqBurst", N.burst));
    row("wasmq_idb_burst", B, `wasmq enqueue (IndexedDB, strict), ${N.burst.toLocaleString("en")} at once = durable enqueue`, N.burst, "messages/s",
      perSecond(N.burst, r), raw(r));
    // The same two with durability "relaxed", beside strict, to choose the default by measurement.
    const relaxed = { durability: "relaxed" };
    r = await repeat(() => chromium.run("wasmqSerial", N.serial, relaxed));
    row("wasmq_idb_serial_relaxed", B, "wasmq enqueue (IndexedDB, durability relaxed), awaited one by one", N.serial, "messages/s", perSecond(N.serial, r), raw(r));
    row("wasmq_idb_relaxed_latency_p50", B, "wasmq enqueue latency p50 (relaxed, one by one)", N.serial, "ms", r.map((x) => x.p50));
    r = await repeat(() => chromium.run("wasmqBurst", N.burst, relaxed));
    row("wasmq_idb_burst_relaxed", B, `wasmq enqueue (IndexedDB, relaxed), ${N.burst.toLocaleString("en")} at once`, N.burst, "messages/s",
      perSecond(N.burst, r), raw(r));
    r = await repeat(() => chromium.run("wasmqEndToEnd", N.e2e));
    row("wasmq_idb_e2e", B, "wasmq end to end (IndexedDB): enqueue → no-op handler → ack, concurrency 16", N.e2e, "jobs/s",
      perSecond(N.e2e, r), raw(r));
  });

  // The JetStream relay beside the same client publishing directly, over WebSocket to a local nats-server.
  await step("JetStream relay", async () => {
    const nats = await natsServer();
    try {
      const NOTE = "nats-server 2.9.10 (Debian) on loopback, JetStream file store, WebSocket; @nats-io/jetstream 3.4.0 in the page; ~85-byte JSON messages, each with a Nats-Msg-Id";
      let r = await repeat(() => chromium.run("natsDirect", nats.ws, N.natsSerial, "serial"));
      row("nats_direct_serial", B, "JetStream publish from JS (no queue), awaited one by one", N.natsSerial, "messages/s", perSecond(N.natsSerial, r), raw(r, { note: NOTE }));
      r = await repeat(() => chromium.run("natsDirect", nats.ws, N.nats, "all"));
      row("nats_direct_all", B, `JetStream publish from JS (no queue), ${N.nats.toLocaleString("en")} all in flight`, N.nats, "messages/s", perSecond(N.nats, r), raw(r, { note: NOTE }));
      r = await repeat(() => chromium.run("natsRelay", nats.ws, N.nats, 1024));
      row("nats_relay", B, "wasmq relay, IndexedDB → JetStream (window 1,024), stored jobs until drained", N.nats, "messages/s", perSecond(N.nats, r), raw(r, { note: NOTE }));
    } finally {
      await nats.remove();
    }
  });

  // Memory, in Chromium.
  for (const [lib, n, label] of LIBS) {
    await step(`${label} ${n} in Chromium`, async () => {
      const r = await repeat(() => chromium.run("memory", lib, n));
      row(`${lib}_${n}_chromium`, B, `${label}, no-op async task, concurrency 16`, n, "jobs/s", perSecond(n, r), raw(r));
    });
  }
  await step("wasmq memory in Chromium", async () => wasmqMemoryRows("chromium", B, N.wasmqMem,
    await repeat(() => chromium.run("memory", "wasmq", N.wasmqMem))));
  await step("wasmq memory, batch API, in Chromium", async () => wasmqMemoryRows("chromium", B, N.wasmqMem,
    await repeat(() => chromium.run("memory", "wasmqBatch", N.wasmqMem)), true));
  await step("wasmq rate limit in Chromium", async () => rateLimitRows("chromium", B,
    await repeat(() => chromium.run("memory", "wasmqRateLimit", N.rateBacklog))));

  // Scale: open with 10^5 pending.
  await step(`open ${N.open}`, () => scale(N.open, RUNS));

  // Memory, in Node (each run a fresh process).
  for (const [lib, n, label] of LIBS) {
    await step(`${label} ${n} in Node`, async () => {
      const r = await repeat(() => nodeMemory(lib, n));
      row(`${lib}_${n}_node`, "Node", `${label}, no-op async task, concurrency 16`, n, "jobs/s", perSecond(n, r), raw(r));
    });
  }
  await step("wasmq memory in Node", async () => wasmqMemoryRows("node", "Node", N.wasmqMem,
    await repeat(() => nodeMemory("wasmq", N.wasmqMem))));
  await step("wasmq memory, batch API, in Node", async () => wasmqMemoryRows("node", "Node", N.wasmqMem,
    await repeat(() => nodeMemory("wasmqBatch", N.wasmqMem)), true));
  await step("wasmq rate limit in Node", async () => rateLimitRows("node", "Node",
    await repeat(() => nodeMemory("wasmqRateLimit", N.rateBacklog))));

  await step("JS↔wasm crossings in Node", () => crossings(QUICK ? 2000 : 10_000));

  // 10^6 pending in IndexedDB, once, if time allows.
  if (N.openBig && elapsed() < BIG_OPEN_IF_BEFORE_S) await step(`open ${N.openBig}`, () => scale(N.openBig, 1));
  else if (N.openBig) log(`skipping open with ${N.openBig.toLocaleString("en")} pending: ${elapsed().toFixed(0)} s elapsed (limit ${BIG_OPEN_IF_BEFORE_S} s)`);

  const result = evaluate(rows, size);
  result.failures = failures;
  result.meta = {
    date: new Date().toISOString(), chromium: version, node: process.version, cpus: cpus().length,
    cpuModel: cpus()[0]?.model, runsPerMeasurement: RUNS, quick: QUICK, seconds: Math.round(elapsed()),
    note: "each figure is the median of the runs; min–max in the table; the machine is shared, so figures are noisy",
  };
  writeFileSync(`${OUT}/results.json`, `${JSON.stringify(result, null, 2)}\n`);
  const md = markdown(result);
  writeFileSync(`${OUT}/results.md`, md);

  const page = await chromium.context.newPage();
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.setContent(chartHtml(result));
  await page.locator("#chart").screenshot({ path: `${OUT}/chart.png` });
  await page.close();

  process.stdout.write(`${table(result)}\n`);
  log(`wrote target/bench/results.json, results.md, chart.png in ${elapsed().toFixed(0)} s`);
  if (chromium.errors.length) log(`page errors: ${chromium.errors.join("; ")}`);
  if (failures.length) {
    log(`${failures.length} measurement group(s) failed: ${failures.map((f) => f.step).join(", ")} (details in results.json)`);
    process.exitCode = 1;
  }
} finally {
  await chromium.close();
  await server.close();
}
