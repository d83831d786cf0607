// Two builds side by side on the memory store in headless Chromium (the counterpart of ab-speed.mjs): runs alternate
// between them, each in a fresh page of the bench session (bench/browser.mjs) with that build served as /pkg/
// (bench/serve.mjs), and the medians of the whole run, its enqueue phase and its processing phase are printed per
// build. After `make bench` (it uses the bench page, target/bench/build/page.js):
// `node bench/ab-chromium.mjs <dir A> <dir B> [runs = 5] [wasmq | wasmqBatch]`. Measures only; run it alone (another
// browser run slows both).
import { resolve } from "node:path";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";
import { median } from "./stats.mjs";

const [A, B, runs = "5", lib = "wasmq"] = process.argv.slice(2).map((a, i) => (i < 2 ? resolve(a) : a));
let current = A;
const server = await serve(() => current);
const chromium = await launch(server.base);
const res = { [A]: [], [B]: [] };
for (let i = 0; i < Number(runs); i++) {
  for (const d of [A, B]) {
    current = d;
    res[d].push(await chromium.run("memory", lib, 100_000));
  }
}
for (const d of [A, B]) {
  const m = (k) => median(res[d].map((r) => r[k])).toFixed(0);
  console.log(d, "total", m("ms"), "enqueue", m("enqueueMs"), "process", m("processMs"), "mem", res[d][0].wasmMemoryBytes);
}
if (chromium.errors.length) console.log("page errors:", chromium.errors);
await chromium.close();
await server.close();
