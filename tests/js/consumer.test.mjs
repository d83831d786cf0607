// CI check of the npm package: `npm pack` pkg/, install the tarball into a scratch project, bundle a consumer with esbuild and run it in Node; type-check and run a TypeScript consumer in Deno.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expectScenario } from "./expect.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = `${root}target/js-consumer`;
const npm = (args, cwd) => execFileSync("npm", [...args, "--no-audit", "--no-fund"], { cwd, encoding: "utf8" });

test("the packed tarball installs, bundles with esbuild and runs jobs in Node", { timeout: 60_000 }, async (t) => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(`${work}/app/src`, { recursive: true });
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", work], `${root}pkg`))[0];
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ["package.json", "wasmq.js", "wasmq.d.ts", "wasmq_bg.wasm"]) assert.ok(files.includes(f), `tarball has ${f}`);
  // The snippets shipped are exactly those the glue imports (wasm-pack leaves an earlier build's in pkg/snippets/).
  const imported = [...new Set([...readFileSync(`${root}pkg/wasmq.js`, "utf8").matchAll(/from\s*["']\.\/(snippets\/[^"']+)["']/g)].map((m) => m[1]))].sort();
  assert.ok(imported.length > 0, "wasmq.js imports its snippets");
  assert.deepEqual(files.filter((f) => f.startsWith("snippets/")), imported);
  const tarball = `${work}/${packed.filename}`;
  t.diagnostic(`tarball ${packed.filename}: ${statSync(tarball).size} bytes, ${files.length} files`);

  writeFileSync(`${work}/app/package.json`, JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", tarball], `${work}/app`);
  const installed = JSON.parse(readFileSync(`${work}/app/node_modules/wasmq/package.json`, "utf8"));
  assert.equal(installed.name, "wasmq");
  assert.equal(installed.exports["."].types, "./wasmq.d.ts");

  copyFileSync(`${root}tests/js/scenario.mjs`, `${work}/app/src/scenario.mjs`);
  writeFileSync(`${work}/app/src/main.mjs`, [
    'import init, { Queue } from "wasmq";',
    'import wasm from "wasmq/wasmq_bg.wasm";',
    'import { scenario } from "./scenario.mjs";',
    "await init({ module_or_path: wasm });",
    "console.log(JSON.stringify(await scenario(Queue, \"bundled\")));",
  ].join("\n"));
  const out = `${work}/bundle.mjs`; // outside app/: the bundle must not need node_modules
  await build({
    absWorkingDir: `${work}/app`, entryPoints: ["src/main.mjs"], outfile: out,
    bundle: true, format: "esm", platform: "neutral", target: "es2022", loader: { ".wasm": "binary" }, logLevel: "error",
  });
  const bundle = readFileSync(out, "utf8");
  assert.ok(!/from\s*["']wasmq/.test(bundle), "wasmq is inlined in the bundle");
  expectScenario(JSON.parse(execFileSync(process.execPath, [out], { cwd: work, encoding: "utf8" })));
});

test("a TypeScript consumer of the installed package type-checks (strict) and runs in Deno", { timeout: 60_000 }, () => {
  copyFileSync(`${root}tests/js/typed_consumer.ts`, `${work}/app/src/typed.ts`);
  const deno = (args) => execFileSync(`${root}node_modules/.bin/deno`, [...args, "--no-lock", "src/typed.ts"], {
    cwd: `${work}/app`, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  deno(["check"]); // throws with tsc's errors when the package's types reject the documented usage
  const r = JSON.parse(deno(["run", "--allow-read"]).trim().split("\n").at(-1));
  assert.deepEqual(r, {
    first: { id: 0, duplicate: false, replaced: false },
    stats: { pending: 0, delayed: 0, inFlight: 0, completed: 2, retried: 1, dead: 1 },
    dead: ["no recipient"],
    deadTo: [""],
    code: "INVALID_OPTION",
    redriven: 1,
    ids: [2],
    batchTo: "x@y.z,u@v.w",
    marked: [true, true],
    storage: "adapter",
    keptPending: 1,
    kvAdapter: "function",
  });
});
