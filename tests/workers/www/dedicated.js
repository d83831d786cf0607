// The dedicated (module) worker of the worker tests: loads the package as a
// page would (`init()` fetches the wasm next to wasmq.js) and answers the
// page's `{ n, op, args }` messages with the queue calls of ops.js.
import init from "/pkg/wasmq.js";
import { answer, plainError, queueOps } from "./ops.js";

const loaded = init();
const ops = queueOps();
self.onmessage = async ({ data }) => {
  try {
    await loaded;
  } catch (e) {
    self.postMessage({ n: data.n, ok: false, error: plainError(e) });
    return;
  }
  self.postMessage({ n: data.n, ...(await answer(ops, data)) });
};
