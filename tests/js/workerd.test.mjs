// Runs wasmq inside Cloudflare's workerd (npm package `workerd`) from the built package: the job scenario in a fetch handler (memory store), and a queue kept in a Durable Object's storage through the storage adapter, across workerd restarts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expectScenario } from "./expect.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** The glue's JS snippets (pkg/snippets/…), which wasmq.js imports: modules of the worker too. */
const snippets = existsSync(`${root}pkg/snippets`)
  ? readdirSync(`${root}pkg/snippets`, { recursive: true }).filter((f) => f.endsWith(".js")).map((f) => `snippets/${f}`)
  : [];

const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().once("error", reject);
  srv.listen(0, "127.0.0.1", () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

/** A workerd config: `main` serves `entry` (with the package and `extra` modules) on `port`; `durable` adds a Durable Object class on local disk. */
function config(port, entry, extra, durable) {
  const modules = [
    `(name = "${entry}", esModule = embed "${entry}")`,
    `(name = "wasmq.js", esModule = embed "wasmq.js")`,
    `(name = "wasmq_bg.wasm", wasm = embed "wasmq_bg.wasm")`,
    ...snippets.map((f) => `(name = "${f}", esModule = embed "${f}")`),
    ...extra.map((f) => `(name = "${f}", esModule = embed "${f}")`),
  ];
  const services = [`(name = "main", worker = .worker)`];
  let objects = "";
  if (durable) {
    services.push(`(name = "disk", disk = (path = "${durable.dir}", writable = true))`);
    objects = `
  durableObjectNamespaces = [(className = "${durable.className}", uniqueKey = "wasmq-test")],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [(name = "QUEUES", durableObjectNamespace = "${durable.className}")],`;
  }
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [${services.join(", ")}],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = "2025-01-01",${objects}
);
`;
}

/** Copies the package and `files` into a fresh `target/<name>` (keeping `keep` if it exists). */
function workdir(name, files) {
  const dir = `${root}target/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ["wasmq.js", "wasmq_bg.wasm"]) copyFileSync(`${root}pkg/${f}`, `${dir}/${f}`);
  if (snippets.length) cpSync(`${root}pkg/snippets`, `${dir}/snippets`, { recursive: true });
  for (const f of files) copyFileSync(`${root}tests/js/${f}`, `${dir}/${f}`);
  return dir;
}

/** Starts workerd on `dir/config.capnp` and waits until it answers; `stop()` ends it. */
async function startWorkerd(dir, configFor) {
  const port = await freePort();
  writeFileSync(`${dir}/config.capnp`, configFor(port));
  let log = "";
  const workerd = spawn(`${root}node_modules/.bin/workerd`, ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  workerd.stdout.on("data", (d) => (log += d));
  workerd.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => workerd.once("exit", (code) => resolve(code)));
  const stop = async () => {
    workerd.kill();
    await exited;
  };
  for (let i = 0; ; i++) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    if (early !== undefined) assert.fail(`workerd exited with ${early}:\n${log}`);
    const up = await new Promise((resolve) => {
      const socket = createServer().listen(port, "127.0.0.1", () => socket.close(() => resolve(false))).once("error", () => resolve(true));
    });
    if (up) break;
    if (i > 300) {
      await stop();
      assert.fail(`workerd did not listen within 30 s:\n${log}`);
    }
  }
  const get = async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const body = await res.json();
    assert.equal(res.status, 200, `${path} failed: ${JSON.stringify(body)}\n${log}`);
    return body;
  };
  return { get, stop, log: () => log };
}

test("workerd: jobs are processed with retries and dead letters inside a request", { timeout: 60_000 }, async (t) => {
  const dir = workdir("js-workerd", ["worker.mjs", "scenario.mjs"]);
  const workerd = await startWorkerd(dir, (port) => config(port, "worker.mjs", ["scenario.mjs"]));
  try {
    expectScenario(await workerd.get("/"));
    // A second request in the same isolate: the wasm instance is reused, and the queue is a fresh one.
    expectScenario(await workerd.get("/"));
    if (workerd.log().trim()) t.diagnostic(`workerd said: ${workerd.log().trim().slice(0, 300)}`);
  } finally {
    await workerd.stop();
  }
});

test("workerd: a queue in a Durable Object's storage survives restarts, with retries and dead letters", { timeout: 90_000 }, async (t) => {
  const dir = workdir("js-workerd-do", ["do_worker.mjs"]);
  mkdirSync(`${dir}/storage`);
  const durable = { dir: `${dir}/storage`, className: "QueueObject" };
  const start = () => startWorkerd(dir, (port) => config(port, "do_worker.mjs", [], durable));

  let workerd = await start();
  let enqueued;
  try {
    enqueued = await workerd.get("/enqueue");
  } finally {
    await workerd.stop();
  }
  assert.equal(enqueued.storage, "adapter");
  assert.equal(new Set(enqueued.ids).size, 20, "20 distinct ids");
  assert.equal(enqueued.duplicate.duplicate, false);
  assert.equal(enqueued.stats.pending, 21);
  assert.ok(enqueued.keys >= 2, `a marker and its parts in ctx.storage: ${enqueued.keys} keys`);

  // A new workerd process: only what the Durable Object stored on disk is left.
  workerd = await start();
  try {
    const before = await workerd.get("/stats");
    assert.equal(before.stats.pending, 21, "every job survived the restart");
    const done = await workerd.get("/process");
    assert.equal(done.stats.pending, 0);
    assert.equal(done.stats.completed, 16, "15 good jobs and the keyed one");
    assert.equal(done.stats.dead, 5, "every 4th job failed 3 times");
    assert.equal(done.events.dead, 5);
    assert.equal(done.events.retrying, 10, "2 retries for each failing job");
    assert.deepEqual(done.dead.map((d) => d.attempts), [3, 3, 3, 3, 3]);
    assert.ok(done.dead.every((d) => /^boom \d+$/.test(d.lastError)), JSON.stringify(done.dead));
  } finally {
    await workerd.stop();
  }

  workerd = await start();
  try {
    const after = await workerd.get("/stats");
    assert.deepEqual(
      { pending: after.stats.pending, completed: after.stats.completed, dead: after.stats.dead },
      { pending: 0, completed: 16, dead: 5 },
      "acks and dead letters were durable too",
    );
    if (workerd.log().trim()) t.diagnostic(`workerd said: ${workerd.log().trim().slice(0, 300)}`);
  } finally {
    await workerd.stop();
  }
});
