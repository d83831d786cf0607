// Runs the job scenario in Node from the built package (plain ESM import of pkg/wasmq.js, wasm bytes passed to init).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import init, { Queue, version } from "../../pkg/wasmq.js";
import { scenario } from "./scenario.mjs";
import { expectScenario } from "./expect.mjs";

test("Node: jobs are processed with retries and dead letters", { timeout: 30_000 }, async () => {
  await init({ module_or_path: readFileSync(new URL("../../pkg/wasmq_bg.wasm", import.meta.url)) });
  const pkg = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  assert.equal(version(), pkg.version, "version() matches package.json");
  expectScenario(await scenario(Queue));
});
