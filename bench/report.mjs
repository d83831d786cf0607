// Turns the raw rows into the summary ratios, the issue's targets (met / missed), a text table for stdout and the README's markdown.
const KIB = 1024;
export const GZIP_TARGET_BYTES = 60 * KIB;

/** { summary, targets, rows, sizes } from the measured rows. */
export function evaluate(rows, size) {
  const find = (pred) => rows.find(pred);
  const v = (id) => find((r) => r.id === id)?.median ?? null;
  const ratio = (a, b) => (a != null && b ? a / b : null);
  const sum = (a, b) => (a != null && b != null ? a + b : null);
  const durable = v("wasmq_idb_burst");
  const wbSerial = v("workbox_serial");
  const wbAll = v("workbox_all");
  const wbBest = Math.max(wbSerial ?? 0, wbAll ?? 0) || null;
  const wasmqMem = (env) => find((r) => r.id === `wasmq_memory_${env}`);
  const lib = (name, env) => {
    const w = wasmqMem(env);
    return w ? find((r) => r.id === `${name}_${w.n}_${env}`)?.median ?? null : null; // same job count as wasmq
  };
  const summary = {
    durable_enqueue_is: `wasmq_idb_burst: ${(find((r) => r.id === "wasmq_idb_burst")?.n ?? 0).toLocaleString("en")} enqueue() calls issued at once on IndexedDB, timed until every promise resolved (each resolves after its batch's transaction completes)`,
    durable_enqueue_per_s: durable,
    durable_enqueue_vs_idb_ceiling: ratio(durable, v("idb_ceiling")),
    durable_enqueue_vs_idb_batch_layout: ratio(durable, v("idb_batch_ceiling")),
    durable_enqueue_vs_workbox: ratio(durable, wbBest),
    durable_enqueue_vs_workbox_is: `against the faster of Workbox's two modes (one by one, or ${(find((r) => r.id === "workbox_all")?.n ?? 0).toLocaleString("en")} at once)`,
    durable_enqueue_vs_workbox_serial: ratio(durable, wbSerial),
    durable_enqueue_vs_workbox_all: ratio(durable, wbAll),
    wasmq_serial_vs_workbox_serial: ratio(v("wasmq_idb_serial"), wbSerial),
    relay_vs_direct_all_in_flight: ratio(v("nats_relay"), v("nats_direct_all")),
    e2e_vs_idb_ceiling: ratio(v("wasmq_idb_e2e"), v("idb_ceiling")),
    relay_vs_direct_serial: ratio(v("nats_relay"), v("nats_direct_serial")),
    memory_vs_fastq: ratio(wasmqMem("node")?.median, lib("fastq", "node")),
    memory_vs_pqueue: ratio(wasmqMem("node")?.median, lib("pqueue", "node")),
    memory_ratios_are: `Node, wasmq memory store vs the library at the same job count (${(wasmqMem("node")?.n ?? 0).toLocaleString("en")}), end to end`,
    memory_vs_fastq_chromium: ratio(wasmqMem("chromium")?.median, lib("fastq", "chromium")),
    memory_batch_vs_fastq: ratio(v("wasmq_memory_batch_node"), lib("fastq", "node")),
    memory_batch_vs_fastq_chromium: ratio(v("wasmq_memory_batch_chromium"), lib("fastq", "chromium")),
    memory_vs_pqueue_chromium: ratio(wasmqMem("chromium")?.median, lib("pqueue", "chromium")),
    open_100k_ms: v("open_100000"),
    open_100k_wasm_memory_bytes: v("open_100000_wasm_bytes"),
    open_1m_ms: v("open_1000000"),
    open_1m_wasm_memory_bytes: v("open_1000000_wasm_bytes"),
    open_1m_js_heap_live_bytes: v("open_1000000_js_heap_live_bytes"),
    crossings_per_enqueued_job: sum(v("crossings_enqueue_wasm_to_js"), v("crossings_enqueue_js_to_wasm")),
    crossings_per_processed_job: sum(v("crossings_process_wasm_to_js"), v("crossings_process_js_to_wasm")),
    crossings_per_enqueued_job_batch: sum(v("crossings_enqueueMany_wasm_to_js"), v("crossings_enqueueMany_js_to_wasm")),
    crossings_per_processed_job_batch: sum(v("crossings_processBatch_wasm_to_js"), v("crossings_processBatch_js_to_wasm")),
    crossings_are: "JS↔wasm calls per job, both directions, memory store in Node (bench/crossings.mjs)",
    wasm_gzip_bytes: size.total.gzip,
    wasm_gzip_bytes_is: "pkg/wasmq_bg.wasm + pkg/wasmq.js, each gzipped at level 9, summed",
    wasm_only_gzip_bytes: size.wasm.gzip,
    glue_gzip_bytes: size.glue.gzip,
    workbox_gzip_bytes: size.workbox.gzip,
  };
  const target = (name, measured, met, goal) => ({ target: name, goal, measured, met });
  const x = (n) => (n == null ? "n/a" : `${n.toFixed(2)}×`);
  const at = (n, goal) => n != null && n >= goal;
  // The relay must hold in each repeat: run i of the relay over run i of the direct publish.
  const relayRuns = (find((r) => r.id === "nats_relay")?.runs ?? []).map((v, i) => ratio(v, find((r) => r.id === "nats_direct_all")?.runs?.[i]));
  const bigOpen = sum(summary.open_1m_wasm_memory_bytes, v("open_1000000_js_heap_bytes"));
  // Issue #13's targets, then the two earlier ones it keeps (durable enqueue against the per-message ceiling and Workbox).
  const targets = [
    target("wasm + glue ≤ 60 KiB gzipped", `${(summary.wasm_gzip_bytes / KIB).toFixed(1)} KiB`, summary.wasm_gzip_bytes <= GZIP_TARGET_BYTES, "≤ 60 KiB"),
    target("memory store, per-job handler, ≥ 1× fastq (Node)", x(summary.memory_vs_fastq), at(summary.memory_vs_fastq, 1), "≥ 1×"),
    target("memory store, per-job handler, ≥ 1× fastq (Chromium)", x(summary.memory_vs_fastq_chromium), at(summary.memory_vs_fastq_chromium, 1), "≥ 1×"),
    target("enqueueMany + processBatch ≥ 2× fastq (Node)", x(summary.memory_batch_vs_fastq), at(summary.memory_batch_vs_fastq, 2), "≥ 2×"),
    target("enqueueMany + processBatch ≥ 2× fastq (Chromium)", x(summary.memory_batch_vs_fastq_chromium), at(summary.memory_batch_vs_fastq_chromium, 2), "≥ 2×"),
    target("durable enqueue (10^4 at once) ≥ 0.4× the one-record-per-batch IndexedDB layout", x(summary.durable_enqueue_vs_idb_batch_layout),
      at(summary.durable_enqueue_vs_idb_batch_layout, 0.4), "≥ 0.40×"),
    target("durable end to end ≥ 2× the IndexedDB put ceiling", x(summary.e2e_vs_idb_ceiling), at(summary.e2e_vs_idb_ceiling, 2), "≥ 2×"),
    target("open with 10^5 pending ≤ 250 ms", summary.open_100k_ms == null ? "n/a" : `${Math.round(summary.open_100k_ms)} ms`,
      summary.open_100k_ms != null && summary.open_100k_ms <= 250, "≤ 250 ms"),
    target("10^6 pending after open: wasm memory + JS heap ≤ 300 MB", bigOpen == null ? "n/a" : `${Math.round(bigOpen / 1e6)} MB`,
      bigOpen != null && bigOpen <= 300e6, "≤ 300 MB"),
    target("JetStream relay ≥ 0.8× the direct all-in-flight publish, in each repeat", relayRuns.length ? relayRuns.map(x).join(", ") : "n/a",
      relayRuns.length > 0 && relayRuns.every((r) => at(r, 0.8)), "≥ 0.80× each"),
    target("durable enqueue ≥ 70% of the IndexedDB put ceiling (earlier target)", x(summary.durable_enqueue_vs_idb_ceiling),
      at(summary.durable_enqueue_vs_idb_ceiling, 0.7), "≥ 0.70×"),
    target("durable enqueue ≥ 20× Workbox (earlier target)", x(summary.durable_enqueue_vs_workbox), at(summary.durable_enqueue_vs_workbox, 20), "≥ 20×"),
  ];
  return { summary, targets, rows, sizes: size };
}

const int = (n) => Math.round(n).toLocaleString("en");
/** A value in its unit, for people. */
export function human(v, unit) {
  if (v == null) return "n/a";
  if (unit === "bytes") return v >= KIB * KIB ? `${(v / KIB / KIB).toFixed(1)} MiB` : `${(v / KIB).toFixed(1)} KiB`;
  if (unit === "calls/job") return `${v >= 0.01 || v === 0 ? v.toFixed(2) : v.toPrecision(2)} calls/job`;
  if (unit === "ms") return v >= 100 ? `${int(v)} ms` : `${v.toFixed(1)} ms`;
  return `${int(v)} ${unit}`;
}
/** "min – max" in the row's unit, the unit written once. */
function range(r) {
  if (r.runs.length < 2) return "";
  const [lo, hi] = [human(r.min, r.unit), human(r.max, r.unit)];
  const unit = / [^ ]+$/.exec(hi)?.[0] ?? "";
  return lo.endsWith(unit) && unit ? `${lo.slice(0, -unit.length)} – ${hi}` : `${lo} – ${hi}`;
}
const count = (n) => (n == null ? "" : n >= 1e5 && Math.log10(n) % 1 === 0 ? `10^${Math.log10(n)}` : n.toLocaleString("en"));

/** The plain-text table printed by `make bench`. */
export function table({ rows, summary, targets, meta }) {
  const head = ["where", "measurement", "n", "median", "range (runs)"];
  const body = rows.map((r) => [r.env, r.label, count(r.n), human(r.median, r.unit), range(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line), ""];
  out.push("summary (ratios of medians measured in this run):");
  for (const [k, val] of Object.entries(summary)) if (typeof val === "number") out.push(`  ${k.padEnd(36)} ${Number.isInteger(val) ? val : val.toFixed(3)}`);
  out.push("", "targets:");
  for (const t of targets) out.push(`  ${t.met ? "MET   " : "MISSED"}  ${t.target}: ${t.measured} (goal ${t.goal})`);
  out.push("", `${meta.chromium ? `Chromium ${meta.chromium}, ` : ""}Node ${meta.node}, ${meta.cpus} cores; ${meta.runsPerMeasurement} runs each; ${meta.seconds} s`);
  return out.join("\n");
}

/** The markdown for the README's benchmark section (results.md). */
export function markdown({ rows, summary, targets, meta }) {
  const md = [];
  md.push(`Measured by \`make bench\` on ${meta.date.slice(0, 10)}: headless Chromium ${meta.chromium}, Node ${meta.node}, ` +
    `${meta.cpus} shared cores (single runs swing by ±20 % with the machine's load). Each figure is the median of ` +
    `${meta.runsPerMeasurement} runs (one run for 10^6 open), with the range; messages are ~85-byte objects. ` +
    `The whole run took ${Math.round(meta.seconds)} s after the package build.`, "");
  md.push("| where | measurement | n | median | range |", "|---|---|---:|---:|---|");
  for (const r of rows) md.push(`| ${r.env} | ${r.label} | ${count(r.n)} | ${human(r.median, r.unit)} | ${range(r)} |`);
  md.push("", "| target | goal | measured | |", "|---|---|---|---|");
  for (const t of targets) md.push(`| ${t.target} | ${t.goal} | ${t.measured} | ${t.met ? "met" : "**missed**"} |`);
  const notes = [
    `Durable enqueue = ${summary.durable_enqueue_is.split(": ")[1]}; it is compared with the IndexedDB ceiling, and with Workbox ` +
      `${summary.durable_enqueue_vs_workbox_is.replace("against ", "taking ")}.`,
    `Memory ratios: ${summary.memory_ratios_are}.`,
    ...new Set(rows.filter((r) => r.note).map((r) => `${r.note}.`)),
  ];
  md.push("", ...notes.map((n) => `- ${n}`), "");
  return `${md.join("\n")}\n`;
}
