// JS↔wasm crossings per job on the memory store in Node: every import (wasm→JS) and export (JS→wasm) of the instance wrapped with a counter.
// `node bench/crossings.mjs [jobs]` (after `make package`) prints a table; `--json` prints one JSON line instead (bench/run.mjs reads it).
// It measures, never asserts: the counters only count, and a run with other figures is no failure.
import { existsSync, readFileSync } from "node:fs";
import { BATCH_SIZE, CONCURRENCY, message } from "./memory.mjs";

const args = process.argv.slice(2);
const JSON_OUT = args.includes("--json");
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.CROSSINGS_N ?? 10_000);
const TOP = Number(process.env.CROSSINGS_TOP ?? 10);

/** Calls per function name, one map per direction; `snapshot()` copies both for a later `since()`. */
const calls = { imports: new Map(), exports: new Map() };
const counted = (map, name, f) => {
  map.set(name, 0);
  return function (...a) {
    map.set(name, map.get(name) + 1);
    return f.apply(this, a);
  };
};

/** Each function of each import namespace, wrapped (the glue's `__wbg_get_imports()` result, passed to instantiate). */
function wrapImports(imports) {
  const out = {};
  for (const [ns, fns] of Object.entries(imports)) {
    out[ns] = {};
    for (const [name, v] of Object.entries(fns)) out[ns][name] = typeof v === "function" ? counted(calls.imports, name, v) : v;
  }
  return out;
}
/** The instance's exports with each function wrapped; memory, tables and globals passed as they are. */
function wrapExports(exports) {
  const out = {};
  for (const [name, v] of Object.entries(exports)) out[name] = typeof v === "function" ? counted(calls.exports, name, v) : v;
  return out;
}
// The glue (--target web) calls `WebAssembly.instantiate(bytes, imports)` and keeps `instance.exports` as its `wasm`.
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (source, imports) {
  const result = await instantiate.call(WebAssembly, source, wrapImports(imports ?? {}));
  const inst = result instanceof WebAssembly.Instance ? result : result.instance;
  const wrapped = { exports: wrapExports(inst.exports) };
  return result instanceof WebAssembly.Instance ? wrapped : { instance: wrapped, module: result.module };
};

const GLUE = new URL("../pkg/wasmq.js", import.meta.url);
const { default: init, Queue } = await import(GLUE);
await init({ module_or_path: readFileSync(new URL("../pkg/wasmq_bg.wasm", import.meta.url)) });
if (calls.imports.size === 0 || calls.exports.size === 0) throw new Error("crossings: the wasm module was not instantiated through WebAssembly.instantiate, nothing is counted");

const snapshot = () => ({ imports: new Map(calls.imports), exports: new Map(calls.exports) });
/** Per-direction totals and the top functions of what was called since `before`. */
function since(before, jobs) {
  const out = {};
  for (const dir of ["imports", "exports"]) {
    const delta = [...calls[dir]].map(([name, c]) => [name, c - before[dir].get(name)]).filter(([, c]) => c > 0);
    delta.sort((a, b) => b[1] - a[1]);
    const total = delta.reduce((s, [, c]) => s + c, 0);
    out[dir] = { total, perJob: total / jobs, top: delta.slice(0, TOP).map(([name, c]) => ({ name, calls: c, perJob: c / jobs, ...(dir === "imports" ? { does: importDoes(name) } : {}) })) };
  }
  return out;
}

/** What an import does, read from its body in the glue: its cast comment or first statement (e.g. `Reflect.set(arg0, arg1, arg2)`).
 *  Read from the readable glue `make package` keeps in target/package/ (pkg/'s is minified; both have the same import names). */
const READABLE = new URL("../target/package/wasmq.js", import.meta.url);
const glue = readFileSync(existsSync(READABLE) ? READABLE : GLUE, "utf8");
export function importDoes(name) {
  const body = new RegExp(`\\n\\s+${name}: function\\(.*\\n([\\s\\S]*?)\\n {8}\\},?\\n`).exec(glue)?.[1] ?? "";
  for (const re of [/\/\/ (Cast intrinsic for .*)/, /^\s*result = (.*);$/m, /const ret = (.*);/, /^\s*(\S.*;)$/m]) {
    const m = re.exec(body);
    if (m) return m[1].trim().slice(0, 70);
  }
  return "";
}

/** The workload of bench/memory.mjs (per-job and batch APIs), measured phase by phase. */
async function run() {
  const phases = {};
  const measure = async (phase, fn) => {
    const before = snapshot();
    await fn();
    phases[phase] = since(before, N);
  };
  let q = await Queue.open(`crossings-${process.pid}`, { storage: "memory", concurrency: CONCURRENCY });
  await measure("enqueue", async () => {
    const pending = new Array(N);
    for (let i = 0; i < N; i++) pending[i] = q.enqueue(message(i));
    await Promise.all(pending);
  });
  await measure("process", async () => {
    q.process(async () => {}, { concurrency: CONCURRENCY });
    await q.drained();
  });
  const perJob = q.stats().completed;
  await q.close();
  Queue.dropMemory(`crossings-${process.pid}`);

  q = await Queue.open(`crossings-batch-${process.pid}`, { storage: "memory", concurrency: CONCURRENCY });
  let ids = [];
  await measure("enqueueMany", async () => {
    const payloads = new Array(N);
    for (let i = 0; i < N; i++) payloads[i] = message(i);
    ids = await q.enqueueMany(payloads);
  });
  await measure("processBatch", async () => {
    q.processBatch(async () => {}, { concurrency: CONCURRENCY, batchSize: BATCH_SIZE });
    await q.drained();
  });
  const batch = q.stats().completed;
  await q.close();
  Queue.dropMemory(`crossings-batch-${process.pid}`);
  return { jobs: N, concurrency: CONCURRENCY, batchSize: BATCH_SIZE, completed: { perJob, batch, enqueueManyIds: ids.length }, phases };
}

const result = await run();
if (JSON_OUT) {
  console.log(JSON.stringify(result));
} else {
  const f = (x) => (x >= 100 ? Math.round(x).toLocaleString("en") : x >= 0.01 || x === 0 ? x.toFixed(2) : x.toPrecision(2));
  const out = [`JS↔wasm crossings per job, memory store, Node ${process.version}, ${N.toLocaleString("en")} jobs, concurrency ${CONCURRENCY}, batches of ${BATCH_SIZE}`,
    `(completed: ${result.completed.perJob} per-job, ${result.completed.batch} batch)`, "",
    "phase          wasm→JS (imports)/job  JS→wasm (exports)/job  both/job"];
  for (const [phase, p] of Object.entries(result.phases)) {
    out.push(`${phase.padEnd(13)}  ${f(p.imports.perJob).padStart(21)}  ${f(p.exports.perJob).padStart(21)}  ${f(p.imports.perJob + p.exports.perJob).padStart(8)}`);
  }
  for (const [phase, p] of Object.entries(result.phases)) {
    for (const [dir, what] of [["imports", "wasm→JS imports"], ["exports", "JS→wasm exports"]]) {
      out.push("", `${phase}: top ${TOP} ${what}`, "  per job     calls  name");
      for (const t of p[dir].top) out.push(`  ${f(t.perJob).padStart(7)}  ${String(t.calls).padStart(8)}  ${t.name}${t.does ? `  (${t.does})` : ""}`);
    }
  }
  console.log(out.join("\n"));
}
