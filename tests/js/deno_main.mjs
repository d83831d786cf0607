// Deno entry of the runtime test: loads pkg/wasmq.js as Deno would (init() fetches the wasm file itself), runs the scenario, prints JSON.
import init, { Queue } from "../../pkg/wasmq.js";
import { scenario } from "./scenario.mjs";

await init();
console.log(JSON.stringify({ deno: Deno.version.deno, ...(await scenario(Queue, "deno")) }));
