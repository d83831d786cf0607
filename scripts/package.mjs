// Post-build step of `make package`: turns wasm-pack's pkg/ into the publishable npm package `wasmq`.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { transformSync } from "esbuild";
import { shortClosureExports, shortImports } from "./short-names.mjs";

const root = new URL("..", import.meta.url);
const pkg = new URL("pkg/", root);
const cargo = readFileSync(new URL("Cargo.toml", root), "utf8");
const section = cargo.split(/^\[/m).find((s) => s.startsWith("package]")) ?? "";
const field = (key) => section.match(new RegExp(`^${key}\\s*=\\s*(".*?"|\\[.*?\\])`, "m"))?.[1];
const version = JSON.parse(field("version") ?? "null");
if (!version) throw new Error("no [package] version in Cargo.toml");

for (const f of ["wasmq.js", "wasmq.d.ts", "wasmq_bg.wasm", "wasmq_bg.wasm.d.ts"]) {
  if (!existsSync(new URL(f, pkg))) throw new Error(`pkg/${f} is missing: run wasm-pack build first`);
}
// The glue's JS snippets (wasm-bindgen's pkg/snippets/<crate>-<hash>/...: the runtime's hot.js and link/web.js, the
// stores' idb.js and kv.js), which wasmq.js imports.
const found = existsSync(new URL("snippets/", pkg))
  ? readdirSync(new URL("snippets/", pkg), { recursive: true }).filter((f) => f.endsWith(".js")).map((f) => `snippets/${f}`)
  : [];
const snippets = [...new Set([...readFileSync(new URL("wasmq.js", pkg), "utf8").matchAll(/from\s*["']\.\/(snippets\/[^"']+)["']/g)].map((m) => m[1]))];
for (const s of snippets) {
  if (!found.includes(s)) throw new Error(`pkg/${s}, imported by wasmq.js, is missing`);
}
// wasm-pack never clears pkg/snippets/: a snippet an earlier build left there (another branch's, or one since
// removed) is not imported, and would otherwise be shipped and counted in the glue's size.
for (const s of found.filter((f) => !snippets.includes(f))) rmSync(new URL(s, pkg));
if (found.length > snippets.length) console.log(`package: removed ${found.length - snippets.length} stale snippet(s) from pkg/snippets/`);
// wasm-bindgen copies a snippet as written, comments and all: ship it minified. Without a `format`, esbuild keeps
// each `export` where it is written, so what a snippet exports keeps its name (`Call`, `callHandler`, `Job`: what a
// stack trace or a console shows), and only its local names are shortened (−860 bytes gzipped over the four
// snippets against minifying whitespace and syntax only; `format: "esm"` would rename the exports too, behind an
// `export { g as Call }`).
for (const s of snippets) {
  const url = new URL(s, pkg);
  const { code } = transformSync(readFileSync(url, "utf8"), { target: "es2022", minify: true });
  writeFileSync(url, code);
}
// Small JS companions of the wasm API (js/): copied as they are, each its own export.
const companions = ["deno-kv.js", "deno-kv.d.ts", "jetstream.js", "jetstream.d.ts", "http.js", "http.d.ts", "relay-error.js", "relay-error.d.ts"];
for (const f of companions) copyFileSync(new URL(`js/${f}`, root), new URL(f, pkg));
const docs = [];
for (const f of ["README.md", "LICENSE"]) {
  if (existsSync(new URL(f, root))) {
    copyFileSync(new URL(f, root), new URL(f, pkg));
    docs.push(f);
  } else {
    console.warn(`package: no ${f} at the repository root; the package ships without it`);
  }
}
// wasm-bindgen types a trailing `x: T | undefined` parameter as required, so TypeScript rejects
// `q.enqueue(payload)` or `q.redrive()`; make such parameters optional, as the API means them.
const dtsUrl = new URL("wasmq.d.ts", pkg);
let optional = 0;
const dts = readFileSync(dtsUrl, "utf8").replace(/(\w+): ([^,()]+?) \| undefined\)/g, (_, name, type) => {
  optional++;
  return `${name}?: ${type})`;
});
// A queue carries one payload type: `Queue.open<Email>("emails")` types enqueue, the handler's
// `job.payload` and the dead letters. (wasm-bindgen cannot emit generic classes; every pattern
// must match once, so a change in its output fails the build instead of shipping loose types.)
const generic = [
  [/export class Queue \{/, "export class Queue<T = unknown> {"],
  [/enqueue\(payload: any, /, "enqueue(payload: T, "],
  [/process\(handler: Handler, /, "process(handler: Handler<T>, "],
  [/enqueueMany\(payloads: any\[\], /, "enqueueMany(payloads: T[], "],
  [/processBatch\(handler: BatchHandler, /, "processBatch(handler: BatchHandler<T>, "],
  [/static open\(name: string, options\?: QueueOptions\): Promise<Queue>;/,
    "static open<T = unknown>(name: string, options?: QueueOptions<T>): Promise<Queue<T>>;"],
  [/Promise<DeadLetter\[\]>/, "Promise<DeadLetter<T>[]>"],
  [/Promise<QueuedJob\[\]>/, "Promise<QueuedJob<T>[]>"],
];
let typed = dts;
for (const [pattern, replacement] of generic) {
  if (!pattern.test(typed)) throw new Error(`package: wasmq.d.ts no longer matches ${pattern}`);
  typed = typed.replace(pattern, replacement);
}
if (/:\s*any\b/.test(typed.split("export type InitInput")[0])) {
  throw new Error("package: `any` left in the public API of wasmq.d.ts");
}
writeFileSync(dtsUrl, typed);

// Short import and closure export names in the wasm, the glue and the .d.ts files (scripts/short-names.mjs;
// throws unless all match exactly).
const wasmUrl = new URL("wasmq_bg.wasm", pkg);
const glueUrl = new URL("wasmq.js", pkg);
const bgDtsUrl = new URL("wasmq_bg.wasm.d.ts", pkg);
const imports = shortImports(readFileSync(wasmUrl), readFileSync(glueUrl, "utf8"));
const closures = shortClosureExports(imports.wasm, imports.glue, [readFileSync(dtsUrl, "utf8"), readFileSync(bgDtsUrl, "utf8")]);
writeFileSync(wasmUrl, closures.wasm);
writeFileSync(dtsUrl, closures.dts[0]);
writeFileSync(bgDtsUrl, closures.dts[1]);
// The glue without its comments and indentation (esbuild, whitespace only: the same code, names kept). The
// readable glue, with the same short names, stays in target/package/ for bench/crossings.mjs.
mkdirSync(new URL("target/package/", root), { recursive: true });
writeFileSync(new URL("target/package/wasmq.js", root), closures.glue);
// Minifying drops comments, so the directive that gives Deno the glue's types (`@ts-self-types`, first line) is put back.
const selfTypes = closures.glue.match(/^\/\* @ts-self-types="\.\/wasmq\.d\.ts" \*\/\n/)?.[0];
if (!selfTypes) throw new Error("package: wasm-bindgen's glue no longer starts with its @ts-self-types directive");
writeFileSync(glueUrl, selfTypes + transformSync(closures.glue, { minifyWhitespace: true, format: "esm" }).code);

// wasm-pack's pkg/.gitignore ("*") would hide the package from tools that honour it.
rmSync(new URL(".gitignore", pkg), { force: true });

const manifest = {
  name: "wasmq",
  version,
  description: JSON.parse(field("description") ?? '""'),
  license: "MIT",
  type: "module",
  main: "./wasmq.js",
  module: "./wasmq.js",
  types: "./wasmq.d.ts",
  exports: {
    ".": { types: "./wasmq.d.ts", default: "./wasmq.js" },
    "./deno-kv": { types: "./deno-kv.d.ts", default: "./deno-kv.js" },
    "./jetstream": { types: "./jetstream.d.ts", default: "./jetstream.js" },
    "./http": { types: "./http.d.ts", default: "./http.js" },
    "./wasmq_bg.wasm": "./wasmq_bg.wasm",
    "./package.json": "./package.json",
  },
  files: ["wasmq.js", "wasmq.d.ts", "wasmq_bg.wasm", "wasmq_bg.wasm.d.ts", ...(snippets.length ? ["snippets/"] : []), ...companions, ...docs],
  sideEffects: false,
  // Only `wasmq/jetstream` imports them, and only its users install them.
  peerDependencies: { "@nats-io/nats-core": "^3.4.0", "@nats-io/jetstream": "^3.4.0" },
  peerDependenciesMeta: { "@nats-io/nats-core": { optional: true }, "@nats-io/jetstream": { optional: true } },
  keywords: [...new Set([...JSON.parse(field("keywords") ?? "[]"), "webassembly", "job-queue",
    "message-queue", "dead-letter", "idempotency", "durable", "deno", "cloudflare-workers"])],
  engines: { node: ">=18" },
};
writeFileSync(new URL("package.json", pkg), `${JSON.stringify(manifest, null, 2)}\n`);

const wasm = readFileSync(wasmUrl);
const js = ["wasmq.js", ...snippets].reduce((sum, f) => sum + statSync(new URL(f, pkg)).size, 0);
console.log(`package: pkg/ is wasmq@${version}; wasm ${wasm.length} bytes (${gzipSync(wasm, { level: 9 }).length} gzipped), glue ${js} bytes (wasmq.js and ${snippets.length} snippet${snippets.length === 1 ? "" : "s"}); ${optional} optional parameters typed; ${imports.count} imports (${imports.direct} direct snippet imports kept) and ${closures.count} closure exports renamed`);
