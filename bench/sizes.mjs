// Sizes of the wasmq package (wasm + JS glue) and of the minified workbox-background-sync bundle, raw and gzipped (zlib level 9).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { OUT } from "./build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const measure = (path) => {
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};

/** The JS snippets wasm-bindgen places beside the glue (pkg/snippets/...), which wasmq.js imports. */
const snippets = () => (existsSync(`${root}pkg/snippets`) ? readdirSync(`${root}pkg/snippets`, { recursive: true }) : [])
  .filter((f) => f.endsWith(".js")).map((f) => `${root}pkg/snippets/${f}`);

/** { wasm, glue, total, workbox } each { raw, gzip } in bytes; glue is wasmq.js and its snippets (each file gzipped on its own, as served). */
export function sizes() {
  const wasm = measure(`${root}pkg/wasmq_bg.wasm`);
  const glue = [`${root}pkg/wasmq.js`, ...snippets()].map(measure).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }));
  const workbox = measure(`${OUT}/workbox-background-sync.min.js`);
  return { wasm, glue, total: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip }, workbox };
}
