// Two builds side by side on the open of a filled IndexedDB queue in headless Chromium (the open's counterpart of
// ab-chromium.mjs): one fill of n pending, then opens alternating between the builds, each in a fresh page with that
// build served as /pkg/, and per build the median open time, wasm memory and JS heap after it. After `make bench`
// (it uses the bench page): `node bench/ab-open.mjs <dir A> <dir B> [runs = 5] [n = 100000]`. Measures only; run it
// alone (another browser run slows both).
import { resolve } from "node:path";
import { launch } from "./browser.mjs";
import { serve } from "./serve.mjs";
import { median } from "./stats.mjs";

const [A, B, runs = "5", n = "100000"] = process.argv.slice(2).map((a, i) => (i < 2 ? resolve(a) : a));
let current = A;
const server = await serve(() => current);
const chromium = await launch(server.base);
const name = `ab-open-${Date.now().toString(36)}`;
await chromium.run("scaleFill", name, Number(n), 10_000);
const res = { [A]: [], [B]: [] };
for (let i = 0; i < Number(runs); i++) {
  for (const d of [A, B]) {
    current = d;
    res[d].push(await chromium.run("scaleOpen", name, Number(n), false));
  }
}
current = A;
await chromium.run("scaleOpen", name, Number(n), true);
for (const d of [A, B]) {
  const m = (k) => median(res[d].map((r) => r[k]));
  console.log(d, "open ms", m("ms").toFixed(0), "wasm MiB", (m("wasmMemoryBytes") / 2 ** 20).toFixed(1),
    "heap MiB", (m("jsHeapBytes") / 2 ** 20).toFixed(1), "runs", res[d].map((r) => Math.round(r.ms)).join(" "));
}
if (chromium.errors.length) console.log("page errors:", chromium.errors);
await chromium.close();
await server.close();
