// Forwarded calls, two builds side by side in Node: a leader and a follower of one memory queue in one realm (the
// in-realm lock and bus, as two tabs share a BroadcastChannel), the follower's calls forwarded to the leader. Per run:
// 2,000 enqueues one by one (each awaited: the round trip's p50 and p99), a burst of 10^4 enqueues at once (ms until
// all resolved) and 500 `jobs({ limit: 1 })` one by one (p50). Runs alternate between the builds, each in its own
// process; medians printed per build. `node bench/ab-forward.mjs <dir A> <dir B> [runs = 5]`. Measures only.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";

const [a, b, runs = "5"] = process.argv.slice(2);
const pct = (xs, p) => xs.slice().sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

if (process.argv[5] === "--child") {
  const dir = resolve(a);
  const { default: init, Queue } = await import(pathToFileURL(`${dir}/wasmq.js`).href);
  await init({ module_or_path: readFileSync(`${dir}/wasmq_bg.wasm`) });
  const name = `fwd-${process.pid}`;
  const leader = await Queue.open(name, { storage: "memory" });
  const follower = await Queue.open(name, { storage: "memory" });
  if (!leader.isLeader || follower.isLeader) throw new Error("roles");
  const serial = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await follower.enqueue({ n: i });
    serial.push(performance.now() - t);
  }
  const t0 = performance.now();
  const burst = [];
  for (let i = 0; i < 10000; i++) burst.push(follower.enqueue({ n: i }));
  await Promise.all(burst);
  const burstMs = performance.now() - t0;
  const jobs = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await follower.jobs({ limit: 1 });
    jobs.push(performance.now() - t);
  }
  if (leader.stats().pending !== 12000) throw new Error(`pending ${leader.stats().pending}`);
  await follower.close();
  await leader.close();
  console.log(JSON.stringify({ p50: pct(serial, 0.5), p99: pct(serial, 0.99), burstMs, jobsP50: pct(jobs, 0.5) }));
} else {
  const res = { [a]: [], [b]: [] };
  for (let i = 0; i < Number(runs); i++) {
    for (const d of [a, b]) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), d, d, "1", "--child"], { encoding: "utf8" });
      res[d].push(JSON.parse(out));
    }
  }
  const { median } = await import("./stats.mjs");
  for (const d of [a, b]) {
    const m = (k) => median(res[d].map((r) => r[k])).toFixed(3);
    console.log(d, "enqueue p50", m("p50"), "ms p99", m("p99"), "ms; burst of 10^4", m("burstMs"), "ms; jobs p50", m("jobsP50"), "ms");
  }
}
