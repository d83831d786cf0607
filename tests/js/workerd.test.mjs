// Runs the job scenario inside a Cloudflare workerd fetch handler (npm package `workerd`) from the built package, and checks its answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expectScenario } from "./expect.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = `${root}target/js-workerd`;

const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().once("error", reject);
  srv.listen(0, "127.0.0.1", () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

function config(port) {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "wasmq.js", esModule = embed "wasmq.js"),
    (name = "scenario.mjs", esModule = embed "scenario.mjs"),
    (name = "wasmq_bg.wasm", wasm = embed "wasmq_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

test("workerd: jobs are processed with retries and dead letters inside a request", { timeout: 60_000 }, async (t) => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ["wasmq.js", "wasmq_bg.wasm"]) copyFileSync(`${root}pkg/${f}`, `${dir}/${f}`);
  for (const f of ["worker.mjs", "scenario.mjs"]) copyFileSync(`${root}tests/js/${f}`, `${dir}/${f}`);
  const port = await freePort();
  writeFileSync(`${dir}/config.capnp`, config(port));

  let log = "";
  const workerd = spawn(`${root}node_modules/.bin/workerd`, ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  workerd.stdout.on("data", (d) => (log += d));
  workerd.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => workerd.once("exit", (code) => resolve(code)));
  try {
    let res;
    for (let i = 0; !res; i++) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
      if (early !== undefined) assert.fail(`workerd exited with ${early}:\n${log}`);
      res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      if (i > 300) assert.fail(`workerd did not answer within 30 s:\n${log}`);
    }
    const body = await res.json();
    assert.equal(res.status, 200, `worker failed: ${JSON.stringify(body)}\n${log}`);
    expectScenario(body);
    // A second request in the same isolate: the wasm instance is reused, and the queue is a fresh one.
    expectScenario(await (await fetch(`http://127.0.0.1:${port}/`)).json());
    if (log.trim()) t.diagnostic(`workerd said: ${log.trim().slice(0, 300)}`);
  } finally {
    workerd.kill();
    await exited;
  }
});
