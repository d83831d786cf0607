// Two builds side by side on the memory store in Node: runs alternate between them, each in its own process (so neither
// inherits the other's heap or JIT state), and the medians of the whole run, its enqueue phase and its processing phase
// are printed per build. `node bench/ab-speed.mjs <dir A> <dir B> [runs = 5] [wasmq | wasmqBatch]` (each dir holds
// wasmq.js, wasmq_bg.wasm and the snippets: pkg/, a copy of it, or a bench/size-variants.sh output). Measures only.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
const [a, b, runs = "5", what = "wasmq"] = process.argv.slice(2);
if (process.argv[6] === "--child") {
  const memory = await import("./memory.mjs");
  const dir = resolve(a);
  const { default: init, Queue } = await import(pathToFileURL(`${dir}/wasmq.js`).href);
  await init({ module_or_path: readFileSync(`${dir}/wasmq_bg.wasm`) });
  const r = await memory[what](Queue, 100000, `ab-${process.pid}`);
  console.log(JSON.stringify(r));
} else {
  const res = { [a]: [], [b]: [] };
  for (let i = 0; i < Number(runs); i++) for (const d of [a, b]) res[d].push(JSON.parse(execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), d, d, "1", what, "--child"], { encoding: "utf8" })));
  const { median } = await import("./stats.mjs");
  for (const d of [a, b]) {
    const m = (k) => median(res[d].map((r) => r[k])).toFixed(0);
    console.log(d, "total", m("ms"), "enqueue", m("enqueueMs"), "process", m("processMs"));
  }
}
