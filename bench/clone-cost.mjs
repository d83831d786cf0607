// What one copy of the bench message costs, beside fastq's whole cost per job, in Node and in headless Chromium.
// `node bench/clone-cost.mjs` (no package needed): per round, ns per structuredClone(message(i)) and per hot.js
// copyPayload(message(i)) (the hand copy enqueue makes), ns per item when an array of 10^5 messages is copied in one
// call (structuredClone of the array, as enqueueMany did; copyEach, as it does), and fastq's ns per job
// (bench/memory.mjs's fastq run, 10^5 jobs); three rounds each, then the medians. Measures, never asserts.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import fastqLib from "fastq";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import * as memory from "./memory.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const N = 100_000;
const ROUNDS = 3;
/** hot.js's source as a function body returning its copies (no module loader needed in the page). */
const hotSource = `${readFileSync(new URL("../src/runtime/hot.js", import.meta.url), "utf8").replace(/^export /gm, "")}
return { copyPayload, copyEach };`;
const hot = new Function(hotSource)();

/** One round in this realm: ns per copy and per fastq job. `fastq`, `message` and hot.js's `hot` are given. */
async function round(fastq, message, n, hot) {
  const list = Array.from({ length: n }, (_, i) => message(i));
  let sink;
  let t = performance.now();
  for (let i = 0; i < n; i++) sink = structuredClone(list[i]);
  const perCall = ((performance.now() - t) * 1e6) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) sink = hot.copyPayload(list[i]);
  const handPerCall = ((performance.now() - t) * 1e6) / n;
  t = performance.now();
  sink = structuredClone(list);
  const perItemInArray = ((performance.now() - t) * 1e6) / n;
  t = performance.now();
  sink = hot.copyEach(list);
  const handPerItemInArray = ((performance.now() - t) * 1e6) / n;
  const noop = async () => {};
  const q = fastq.promise(noop, 16);
  t = performance.now();
  for (let i = 0; i < n; i++) q.push(message(i));
  await q.drained();
  const fastqPerJob = ((performance.now() - t) * 1e6) / n;
  return { perCall, handPerCall, perItemInArray, handPerItemInArray, fastqPerJob, kept: sink.length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function summary(where, rounds) {
  const f = (k) => `${k} ${rounds.map((r) => Math.round(r[k])).join(" / ")} ns (median ${Math.round(median(rounds.map((r) => r[k])))})`;
  console.log(`${where}: ${["perCall", "handPerCall", "perItemInArray", "handPerItemInArray", "fastqPerJob"].map(f).join("; ")}`);
}

// Node: the same function, here.
const node = [];
for (let r = 0; r < ROUNDS; r++) {
  globalThis.gc?.();
  node.push(await round(fastqLib, memory.message, N, hot));
}
summary(`Node ${process.version}`, node);

// Chromium: fastq bundled for the page (it calls process.nextTick), the round's source evaluated there.
const bundled = await build({
  bundle: true, write: false, format: "iife", globalName: "fastqLib", platform: "browser", target: "es2022", absWorkingDir: root,
  define: { "process.nextTick": "queueMicrotask" }, stdin: { contents: 'module.exports = require("fastq");', resolveDir: root, loader: "js" },
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
await page.addScriptTag({ content: bundled.outputFiles[0].text });
const version = browser.version();
const web = [];
for (let r = 0; r < ROUNDS; r++) {
  web.push(await page.evaluate(async ([src, msg, n, hotSrc]) => {
    const f = new Function(`return ${src}`)();
    const message = new Function(`return ${msg}`)();
    return f(window.fastqLib, message, n, new Function(hotSrc)());
  }, [round.toString(), memory.message.toString(), N, hotSource]));
}
await browser.close();
summary(`Chromium ${version}`, web);
