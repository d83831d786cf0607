// The Cloudflare worker of the workerd runtime test: on each request runs the job scenario with the memory store and answers its JSON.
import { initSync, Queue } from "./wasmq.js";
import wasmModule from "./wasmq_bg.wasm";
import { scenario } from "./scenario.mjs";

let runs = 0;
export default {
  async fetch() {
    initSync({ module: wasmModule }); // workerd compiles no wasm at run time: the module comes from the config
    try {
      return Response.json(await scenario(Queue, `workerd-${++runs}`));
    } catch (e) {
      return Response.json({ error: `${e?.code ?? e?.name}: ${e?.message ?? e}` }, { status: 500 });
    }
  },
};
