// Memory-store throughput of one package directory (a build variant from bench/size-variants.sh, or pkg/), to check a smaller build is not slower.
// `node --expose-gc bench/variant-speed.mjs <dir with wasmq.js + wasmq_bg.wasm> [jobs] [runs]`: prints jobs/s per run for the per-job and the batch API.
// Measures, never asserts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as memory from "./memory.mjs";

const dir = resolve(process.argv[2] ?? "pkg");
const [n, runs] = [Number(process.argv[3] ?? 100_000), Number(process.argv[4] ?? 3)];
const { default: init, Queue } = await import(pathToFileURL(`${dir}/wasmq.js`).href);
await init({ module_or_path: readFileSync(`${dir}/wasmq_bg.wasm`) });
const out = { dir, n, perJob: [], batch: [] };
for (let i = 0; i < runs; i++) {
  out.perJob.push(Math.round((n / (await memory.wasmq(Queue, n, `speed-${process.pid}-${i}`)).ms) * 1000));
  out.batch.push(Math.round((n / (await memory.wasmqBatch(Queue, n, `speed-b-${process.pid}-${i}`)).ms) * 1000));
}
console.log(JSON.stringify(out));
