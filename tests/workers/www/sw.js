// The module service worker of the worker tests (registered with
// `{ type: "module" }`). A service worker cannot `import()`, so the package
// is imported statically; top-level await is not allowed either, so the wasm
// is loaded in `install` and again in the first event after each restart.
// `?init=default`: `init()` fetches the wasm next to wasmq.js; `?init=cache`:
// `install` puts the wasm in Cache Storage and every load takes it from there
// (a restarted worker then needs no network). Answers `{ op, args }` messages
// on their port with the queue calls of ops.js, plus `info`, `dynamicImport`
// and `ping`. Each run holds the Web Lock "wt-sw-alive" until it ends.
// A Background Sync `sync` event whose tag is a queue name opens that queue
// with a handler, waits until it is drained and closes it.
import init from "/pkg/wasmq.js";
import { answer, plainError, queueOps } from "./ops.js";

// Held for as long as this run of the worker lives: how the page sees that it stopped.
navigator.locks.request("wt-sw-alive", () => new Promise(() => {}));

const WASM = new URL("/pkg/wasmq_bg.wasm", self.location.href).href;
const mode = new URL(self.location.href).searchParams.get("init") ?? "default";
let loading = null;
const info = { loadedIn: null, wasmFrom: null };

/** Loads the wasm once per run of this worker; `event` names the event that did it. */
function load(event) {
  loading ??= (async () => {
    info.loadedIn = event;
    if (mode === "cache") {
      const cached = await caches.match(WASM);
      info.wasmFrom = cached ? "cache" : "network";
      await init({ module_or_path: cached ?? fetch(WASM) });
    } else {
      info.wasmFrom = "network";
      await init();
    }
  })();
  return loading;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    if (mode === "cache") await (await caches.open("wasmq")).add(WASM);
    await load("install");
    await self.skipWaiting();
  })());
});

const ops = queueOps();
ops.info = () => ({ ...info, context: self.constructor.name });
ops.ping = () => true;
ops.dynamicImport = () => import("/pkg/wasmq.js").then(() => "imported", (e) => `refused: ${e.name}`);

self.addEventListener("message", (event) => {
  const port = event.ports[0];
  event.waitUntil((async () => {
    try {
      await load("message");
    } catch (e) {
      port.postMessage({ ok: false, error: plainError(e) });
      return;
    }
    port.postMessage(await answer(ops, event.data));
  })());
});

self.addEventListener("sync", (event) => {
  event.waitUntil((async () => {
    await load("sync");
    await ops.open(event.tag, { leaseMs: 1500 }, { concurrency: 2 }, "sync");
    await ops.drained();
    await ops.close();
  })());
});
