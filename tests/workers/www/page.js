// The page of the worker tests: loads the package in the window, and gives
// the test (through `window.wt`) the queue calls of ops.js here, in dedicated
// workers it starts, and in the service worker it registers, plus the log
// every handler call posts, whatever context ran it.
import init from "/pkg/wasmq.js";
import { queueOps } from "./ops.js";

const workers = new Map();

/** Sends `{ op, args }` to a dedicated worker; resolves with its answer. */
function callWorker(w, op, args) {
  const n = (w.n = (w.n ?? 0) + 1);
  return new Promise((resolve) => {
    const onMessage = ({ data }) => {
      if (data.n !== n) return;
      w.worker.removeEventListener("message", onMessage);
      resolve(data);
    };
    w.worker.addEventListener("message", onMessage);
    w.worker.postMessage({ n, op, args });
  });
}

/** Sends `{ op, args }` to the active service worker on a port of its own (which wakes a stopped one). */
async function callServiceWorker(op, args) {
  const reg = await navigator.serviceWorker.ready;
  const { port1, port2 } = new MessageChannel();
  const reply = new Promise((resolve) => { port1.onmessage = ({ data }) => resolve(data); });
  reg.active.postMessage({ op, args }, [port2]);
  return reply;
}

const unwrap = (r) => {
  if (r.ok) return r.value;
  throw Object.assign(new Error(r.error.message), { code: r.error.code });
};

window.wt = {
  ready: init().then(() => true),
  context: globalThis.constructor.name,
  page: queueOps(),
  logs: new Map(),
  /** Starts collecting queue `name`'s handler log. */
  listen(name) {
    const entries = [];
    const channel = new BroadcastChannel(`wasmq-test-log:${name}`);
    channel.onmessage = ({ data }) => entries.push(data);
    this.logs.set(name, { entries, channel });
  },
  log(name) {
    return this.logs.get(name).entries;
  },
  startWorker(key) {
    workers.set(key, { worker: new Worker("/dedicated.js", { type: "module" }) });
    return true;
  },
  terminateWorker(key) {
    workers.get(key).worker.terminate();
    workers.delete(key);
    return true;
  },
  worker: (key, op, ...args) => callWorker(workers.get(key), op, args).then(unwrap),
  async register(url) {
    const reg = await navigator.serviceWorker.register(url, { type: "module" });
    await navigator.serviceWorker.ready;
    return reg.active?.state ?? reg.installing?.state ?? "none";
  },
  sw: (op, ...args) => callServiceWorker(op, args).then(unwrap),
  /** Whether a run of the service worker is alive (it holds "wt-sw-alive"). */
  swAlive: async () => (await navigator.locks.query()).held.some((l) => l.name === "wt-sw-alive"),
  /** Pings the service worker every 250 ms while on: a browser that stops idle workers soon (Firefox here) keeps it. */
  keepAwake(on) {
    clearInterval(this.pinger);
    if (on) this.pinger = setInterval(() => callServiceWorker("ping", []), 250);
    return on;
  },
};
