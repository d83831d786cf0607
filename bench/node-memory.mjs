// Child process for one Node memory run: `node --expose-gc bench/node-memory.mjs <pqueue|fastq|wasmq|wasmqBatch|wasmqRateLimit> <jobs>`, prints one JSON line.
import { readFileSync } from "node:fs";
import PQueue from "p-queue";
import fastqLib from "fastq";
import init, { Queue } from "../pkg/wasmq.js";
import * as memory from "./memory.mjs";

const [lib, n] = [process.argv[2], Number(process.argv[3])];
let result;
if (lib === "pqueue") result = await memory.pqueue(PQueue, n);
else if (lib === "fastq") result = await memory.fastq(fastqLib, n);
else if (["wasmq", "wasmqBatch", "wasmqRateLimit"].includes(lib)) {
  const wasm = await init({ module_or_path: readFileSync(new URL("../pkg/wasmq_bg.wasm", import.meta.url)) });
  result = await memory[lib](Queue, n, `node-mem-${process.pid}`);
  result.wasmMemoryBytes = wasm.memory.buffer.byteLength;
} else throw new Error(`unknown lib ${lib}`);
result.rssBytes = process.memoryUsage().rss;
console.log(JSON.stringify(result));
