// Runs the job scenario in Deno (npm package `deno`) from the built package, and a queue kept in Deno KV (wasmq/deno-kv) across Deno processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { expectScenario } from "./expect.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("Deno: jobs are processed with retries and dead letters", { timeout: 60_000 }, (t) => {
  const out = execFileSync(`${root}node_modules/.bin/deno`, ["run", "--no-lock", "--allow-read", `${root}tests/js/deno_main.mjs`], {
    cwd: root, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  const result = JSON.parse(out.trim().split("\n").at(-1));
  assert.match(result.deno, /^\d+\.\d+\.\d+/);
  t.diagnostic(`deno ${result.deno}`);
  expectScenario(result);
});

test("Deno KV: a queue kept through wasmq/deno-kv survives the process, with retries and dead letters", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(`${tmpdir()}/wasmq-deno-kv-`);
  const run = (action) => {
    const out = execFileSync(`${root}node_modules/.bin/deno`, ["run", "--no-lock", "--unstable-kv", "--allow-read", "--allow-write",
      `${root}tests/js/deno_kv_main.mjs`, action, `${dir}/kv.sqlite`], {
      cwd: root, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    });
    return JSON.parse(out.trim().split("\n").at(-1));
  };
  try {
    const enqueued = run("enqueue");
    assert.equal(enqueued.storage, "adapter");
    assert.equal(enqueued.distinct, 300);
    assert.ok(enqueued.keys >= 4, `a marker and several parts: ${enqueued.keys} keys`);
    // Each run is a new Deno process: only what Deno KV stored is left.
    assert.equal(run("stats").stats.pending, 300, "every job survived the process");
    const done = run("process");
    assert.deepEqual([done.stats.pending, done.stats.completed, done.stats.dead, done.dead], [0, 225, 75, 75]);
    const after = run("stats");
    assert.deepEqual([after.stats.pending, after.stats.completed, after.stats.dead], [0, 225, 75], "acks and dead letters were durable");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
