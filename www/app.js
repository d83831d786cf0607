// The demo page's logic: opens queue "demo" through the public package API, simulates a producer and a handler, shows it all live.
import init, { Queue, version } from "/pkg/wasmq.js";
import { drawChart } from "./chart.js";
import { startRelayPanel } from "./relay-panel.js";
import { startJobsPanel, preview } from "./jobs-panel.js";

const OPTIONS = {
  concurrency: 8,
  maxAttempts: 3,
  backoff: { type: "fixed", delayMs: 500, jitter: false },
  leaseMs: 5000, // > the largest handler latency the slider allows
};
const CHART_SECONDS = 60;
const CONTROLS_KEY = "wasmq-demo:controls";
const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en-US");

const params = new URLSearchParams(location.search);
const saved = () => { try { return JSON.parse(localStorage.getItem(CONTROLS_KEY)) ?? {}; } catch { return {}; } };
const controls = { rate: 20, latencyMs: 50, failRate: 10, ...saved() };
const tab = Math.random().toString(36).slice(2, 10);
/** With `?record`, every handler call is logged here (for the end-to-end test). */
const processed = [];
let queue = null;
let jobsPanel = null;
let seq = 0;

/** Hooks for tests and the console: `await wasmqDemo.ready`, then drive it. */
const demo = (window.wasmqDemo = {
  tab,
  processed,
  queue: null,
  ready: null,
  enqueueBatch,
  setControls,
  stats: () => queue.stats(),
  /** What a Cancel button of the waiting-jobs panel does; resolves with the message shown. */
  cancelJob: (id) => jobsPanel.cancel(id),
});

function showError(e) {
  const el = $("error");
  el.textContent = `${e?.code ?? e?.name ?? "Error"}: ${e?.message ?? e}`;
  el.hidden = false;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}

/** The handler: waits the chosen latency, then fails as the payload says, or with the chosen failure rate. */
async function handler(job) {
  const p = job.payload ?? {};
  const fail = typeof p.fail === "boolean" ? p.fail : Math.random() * 100 < controls.failRate;
  if (params.has("record")) processed.push({ id: job.id, attempt: job.attempt, fail, tab });
  if (controls.latencyMs > 0) await sleep(controls.latencyMs, job.signal);
  if (fail) throw new Error(`simulated failure (try ${job.attempt} of ${job.maxAttempts})`);
}

/**
 * Enqueues `n` jobs at once (no await between them) and resolves when all are committed,
 * with `[{ id, fail }]`. With `failRate` (0..1) exactly that share of jobs, spread evenly,
 * fail every try; without it each try fails with the page's failure-rate slider.
 * Other options (`delayMs`, `group`, …) are enqueue()'s, given to every job.
 */
async function enqueueBatch(n, { failRate, ...options } = {}) {
  const jobs = [];
  for (let i = 0; i < n; i++) {
    const payload = { n: ++seq, tab };
    if (failRate !== undefined) payload.fail = Math.floor((i + 1) * failRate) > Math.floor(i * failRate);
    jobs.push(queue.enqueue(payload, options).then(({ id }) => ({ id, fail: payload.fail })));
  }
  return Promise.all(jobs);
}

function setControls(next) {
  Object.assign(controls, next);
  localStorage.setItem(CONTROLS_KEY, JSON.stringify(controls));
  $("rate").value = controls.rate;
  $("latency").value = controls.latencyMs;
  $("fail").value = controls.failRate;
  $("rate-out").textContent = `${fmt(controls.rate)} jobs/s`;
  $("latency-out").textContent = `${fmt(controls.latencyMs)} ms`;
  $("fail-out").textContent = `${controls.failRate} %`;
}

// ---- producer: enqueue at the chosen rate while started ----
let producer = null;
function toggleProducer() {
  const btn = $("toggle");
  if (producer) {
    clearInterval(producer);
    producer = null;
  } else {
    let owed = 0;
    let last = performance.now();
    producer = setInterval(() => {
      const now = performance.now();
      owed += (controls.rate * (now - last)) / 1000;
      last = now;
      for (; owed >= 1; owed--) queue.enqueue({ n: ++seq, tab }).catch(showError);
    }, 100);
  }
  btn.textContent = producer ? "Stop enqueueing" : "Start enqueueing";
  btn.classList.toggle("on", !!producer);
}

async function burst() {
  const btn = $("burst");
  btn.disabled = true;
  const t0 = performance.now();
  try {
    await enqueueBatch(10_000);
    const ms = performance.now() - t0;
    $("last-action").textContent = `Burst: 10,000 jobs committed to ${queue.storage} in ${fmt(Math.round(ms))} ms.`;
  } catch (e) {
    showError(e);
  } finally {
    btn.disabled = false;
  }
}

// ---- dead letters ----
let deadBusy = false;
let deadSeen = -1;
async function refreshDead() {
  if (deadBusy) return;
  deadBusy = true;
  try {
    const total = queue.stats().dead;
    deadSeen = total;
    const list = await queue.deadLetters({ limit: 100 });
    $("dead-count").textContent = total > list.length ? `(first ${list.length} of ${fmt(total)})` : `(${fmt(total)})`;
    $("redrive-all").disabled = $("purge-all").disabled = total === 0;
    const rows = list.map((d) => {
      const tr = document.createElement("tr");
      const cells = [d.id, d.attempts, d.lastError ?? "", new Date(d.failedAt).toLocaleTimeString(), preview(d.payload)];
      cells.forEach((v, i) => {
        const td = document.createElement("td");
        if (i === 4) td.append(Object.assign(document.createElement("code"), { textContent: v }));
        else td.textContent = v;
        td.className = ["num", "num", "err", "num", ""][i];
        tr.append(td);
      });
      const actions = document.createElement("td");
      actions.className = "actions";
      actions.innerHTML = `<button class="small" data-op="redrive" data-id="${d.id}">redrive</button><button class="small danger" data-op="purge" data-id="${d.id}">purge</button>`;
      tr.append(actions);
      return tr;
    });
    if (!rows.length) rows.push(Object.assign(document.createElement("tr"), { innerHTML: '<td colspan="6" class="muted">No dead letters.</td>' }));
    $("dead-rows").replaceChildren(...rows);
  } catch (e) {
    showError(e);
  } finally {
    deadBusy = false;
  }
}

async function deadAction(op, id) {
  try {
    const n = await (op === "redrive" ? queue.redrive(id) : queue.purge(id));
    $("last-action").textContent = `${op === "redrive" ? "Redrove" : "Purged"} ${fmt(n)} dead letter${n === 1 ? "" : "s"}.`;
  } catch (e) {
    showError(e);
  }
  refreshDead();
}

// ---- live numbers and the chart ----
const history = [];
let prev = null;
function tickStats() {
  const s = queue.stats();
  for (const k of ["pending", "delayed", "inFlight", "completed", "retried", "dead"]) $(`s-${k}`).textContent = fmt(s[k]);
  if (s.dead !== deadSeen) refreshDead();
  jobsPanel.refresh(s);
  $("role").textContent = queue.isLeader ? "this tab processes" : "another tab processes; this one follows";
  return s;
}
function tickChart() {
  const s = queue.stats();
  if (prev) {
    history.push({ completed: s.completed - prev.completed, retried: s.retried - prev.retried, dead: Math.max(0, s.dead - prev.dead) });
    if (history.length > CHART_SECONDS) history.shift();
    $("rate-now").textContent = `· ${fmt(history.at(-1).completed)} completed/s now`;
  }
  prev = s;
  drawChart($("chart"), history, CHART_SECONDS);
}

function wireControls() {
  setControls({});
  $("rate").oninput = (e) => setControls({ rate: Number(e.target.value) });
  $("latency").oninput = (e) => setControls({ latencyMs: Number(e.target.value) });
  $("fail").oninput = (e) => setControls({ failRate: Number(e.target.value) });
  $("toggle").onclick = toggleProducer;
  $("burst").onclick = burst;
  $("reload").onclick = () => location.reload();
  $("pause").onclick = () => {
    queue.paused ? queue.resume() : queue.pause();
    $("pause").textContent = queue.paused ? "Resume" : "Pause";
    $("pause").classList.toggle("on", queue.paused);
  };
  $("redrive-all").onclick = () => deadAction("redrive");
  $("purge-all").onclick = () => deadAction("purge");
  $("dead-rows").onclick = (e) => {
    const b = e.target.closest("button[data-op]");
    if (b) deadAction(b.dataset.op, Number(b.dataset.id));
  };
  addEventListener("resize", () => drawChart($("chart"), history, CHART_SECONDS));
}

async function start() {
  await init();
  $("version").textContent = `v${version()}`;
  queue = demo.queue = await Queue.open("demo", OPTIONS);
  const s = queue.stats();
  const unfinished = s.pending + s.delayed + s.inFlight;
  if (unfinished > 0) $("restored").textContent = `Restored ${fmt(unfinished)} unfinished job${unfinished === 1 ? "" : "s"} from IndexedDB (${fmt(s.completed)} completed before).`;
  $("storage").textContent = `storage: ${queue.storage}`;
  $("settings").textContent = `concurrency ${OPTIONS.concurrency} · ${OPTIONS.maxAttempts} tries · retry after ${OPTIONS.backoff.delayMs} ms · lease ${OPTIONS.leaseMs / 1000} s`;
  queue.addEventListener("error", (e) => showError(e.detail));
  queue.process(handler, { concurrency: OPTIONS.concurrency });
  jobsPanel = startJobsPanel(queue, showError);
  wireControls();
  tickStats();
  tickChart();
  setInterval(tickStats, 200);
  setInterval(tickChart, 1000);
  startRelayPanel();
  return queue;
}

demo.ready = start();
demo.ready.catch(showError);
