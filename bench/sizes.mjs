// Sizes of the wasmq package (wasm + JS glue) and of the minified workbox-background-sync bundle, raw and gzipped (zlib level 9).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { OUT } from "./build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const measure = (path) => {
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};

/** { wasm, glue, total, workbox } each { raw, gzip } in bytes. */
export function sizes() {
  const wasm = measure(`${root}pkg/wasmq_bg.wasm`);
  const glue = measure(`${root}pkg/wasmq.js`);
  const workbox = measure(`${OUT}/workbox-background-sync.min.js`);
  return { wasm, glue, total: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip }, workbox };
}
