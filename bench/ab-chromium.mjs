// Two builds side by side on the memory store in headless Chromium (the counterpart of ab-speed.mjs): runs alternate
// between them, each in a fresh browser context and page serving that build as /pkg/, and the medians of the whole
// run, its enqueue phase and its processing phase are printed per build. After `make bench` (it uses the bench page,
// target/bench/build/page.js): `node bench/ab-chromium.mjs <dir A> <dir B> [runs = 5] [wasmq | wasmqBatch]`.
// Measures only; run it alone (another browser run slows both).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
const root = fileURLToPath(new URL("..", import.meta.url));
const [A, B, runs = "5", lib = "wasmq"] = process.argv.slice(2).map((a, i) => (i < 2 ? resolve(a) : a));
let current = A;
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
function fileFor(p) {
  p = normalize(decodeURIComponent(p.split("?")[0]));
  if (p === "/") return join(root, "bench/page.html");
  if (p.startsWith("/pkg/")) return join(current, p.slice(5));
  if (p.startsWith("/build/")) return join(root, "target/bench", p);
  return null;
}
const server = createServer(async (req, res) => { const f = fileFor(req.url); try { const b = await readFile(f); res.writeHead(200, { "content-type": TYPES[extname(f)] ?? "application/octet-stream", "cache-control": "no-store" }); res.end(b); } catch { res.writeHead(404); res.end(); } });
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--js-flags=--expose-gc"] });
const res = { [A]: [], [B]: [] };
for (let i = 0; i < Number(runs); i++) for (const d of [A, B]) {
  current = d;
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(base);
  await page.waitForFunction(() => window.bench !== undefined);
  await page.evaluate(() => window.bench.ready);
  res[d].push(await page.evaluate(([l]) => window.bench.memory(l, 100000), [lib]));
  await ctx.close();
}
const med = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1];
for (const d of [A, B]) console.log(d, "total", med(res[d].map((r) => r.ms)).toFixed(0), "enqueue", med(res[d].map((r) => r.enqueueMs)).toFixed(0), "process", med(res[d].map((r) => r.processMs)).toFixed(0), "mem", res[d][0].wasmMemoryBytes);
await browser.close(); server.close();
