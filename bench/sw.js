// Service worker for the Workbox background-sync benchmark (bundled by bench/build.mjs): times Queue.pushRequest on request from the page.
import { Queue } from "workbox-background-sync";
import { message } from "./memory.mjs";

const request = (i) => new Request("/api/send", {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message(i)),
});

/** Pushes n requests to a fresh workbox queue, one by one (awaited) or all at once; resolves the elapsed ms. */
async function push(name, n, mode) {
  // onSync is a no-op: replaying to the network is not part of the measurement.
  const queue = new Queue(name, { onSync: async () => {} });
  const t0 = performance.now();
  if (mode === "serial") {
    for (let i = 0; i < n; i++) await queue.pushRequest({ request: request(i) });
  } else {
    await Promise.all(Array.from({ length: n }, (_, i) => queue.pushRequest({ request: request(i) })));
  }
  const ms = performance.now() - t0;
  const stored = await queue.size();
  if (stored !== n) throw new Error(`workbox queue ${name} holds ${stored} of ${n}`);
  return { ms };
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("message", (event) => {
  const { name, n, mode } = event.data;
  const port = event.ports[0];
  event.waitUntil(push(name, n, mode).then((r) => port.postMessage(r), (e) => port.postMessage({ error: String(e?.stack ?? e) })));
});
