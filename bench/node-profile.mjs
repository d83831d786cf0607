// Where a memory-store run spends its CPU in Node: node --cpu-prof over bench/memory.mjs's workload on the build with names, self time by kind and by function.
// `node bench/node-profile.mjs [wasmq|wasmqBatch] [jobs]` after `node bench/size-profile.mjs` (which writes target/size-profile/named/). Measures only.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const DIR = `${root}target/size-profile/named`;
const [what, n] = [process.argv[2] ?? "wasmq", Number(process.argv[3] ?? 100_000)];

if (process.argv[4] === "--child") {
  const memory = await import("./memory.mjs");
  const { default: init, Queue } = await import(pathToFileURL(`${DIR}/wasmq.js`).href);
  await init({ module_or_path: readFileSync(`${DIR}/wasmq_bg.wasm`) });
  const r = await memory[what](Queue, n, `profile-${process.pid}`);
  console.log(`${what}, ${n} jobs: ${Math.round((n / r.ms) * 1000)} jobs/s under the profiler (enqueue ${r.enqueueMs.toFixed(0)} ms, process ${r.processMs.toFixed(0)} ms)`);
} else {
  const out = mkdtempSync(`${tmpdir()}/wasmq-profile-`);
  process.stdout.write(execFileSync(process.execPath, ["--expose-gc", "--cpu-prof", `--cpu-prof-dir=${out}`, fileURLToPath(import.meta.url), what, String(n), "--child"], { encoding: "utf8" }));
  const p = JSON.parse(readFileSync(`${out}/${readdirSync(out)[0]}`, "utf8"));
  rmSync(out, { recursive: true });
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const glue = readFileSync(`${DIR}/wasmq.js`, "utf8").split("\n");
  const kinds = new Map();
  const fns = new Map();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const { functionName: f, url, lineNumber } = byId.get(p.samples[i]).callFrame;
    if (f === "(idle)") continue;
    const us = p.timeDeltas[i] ?? 0;
    const kind = url.startsWith("wasm://") ? "wasm" : url.endsWith("wasmq.js") ? "glue (wasmq.js)" : url.includes("/snippets/") ? "glue snippets (hot.js, idb.js, kv.js, web.js)" : url.includes("/bench/") ? "bench"
      : f.startsWith("(") ? f : url ? "other JS (Node internals)" : "native builtins";
    // An anonymous glue function is an import's body: name it by the import it belongs to.
    const name = f || (kind.startsWith("glue") ? /^\s*(\w+):/.exec(glue[lineNumber] ?? "")?.[1] ?? `line ${lineNumber + 1}` : "(anonymous)");
    total += us;
    kinds.set(kind, (kinds.get(kind) ?? 0) + us);
    const key = `${kind}: ${name}`.slice(0, 150);
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  console.log(`self time, ${(total / 1000).toFixed(0)} ms sampled`);
  for (const [k, us] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${pct(us)}  ${k}`);
  console.log("top 25 functions by self time:");
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(us)}  ${k}`);
}
