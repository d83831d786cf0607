// Runs the job scenario in Deno (npm package `deno`) from the built package, and checks what it reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
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
