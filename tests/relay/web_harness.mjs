// Shared setup of the Chromium relay tests: the test page (wasmq and wasmq/jetstream bundled by esbuild) on a loopback HTTP server, a nats-server, an admin connection and one headless Chromium; and the steps the tests take in the page.
import { after, before } from "node:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { wsconnect } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsServer } from "../../scripts/nats-server.mjs";
import { stored } from "./support.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Starts everything before the file's tests and stops it after; the returned object is filled in then. */
export function useRelayBrowser(name) {
  const env = { base: "", server: null, admin: null, jsm: null, browser: null, http: null };
  const dir = `${root}target/relay-web-${name}`;
  before(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: [`${root}tests/relay/web_page.mjs`], outfile: `${dir}/page.js`,
      bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "error",
    });
    copyFileSync(`${root}pkg/wasmq_bg.wasm`, `${dir}/wasmq_bg.wasm`);
    writeFileSync(`${dir}/index.html`, `<!doctype html><title>relay</title><script type="module" src="page.js"></script>`);
    const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
    env.http = createServer((req, res) => {
      const file = (req.url === "/" ? "/index.html" : req.url).split("?")[0];
      try {
        const body = readFileSync(`${dir}${file}`);
        res.writeHead(200, { "content-type": types[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise((r) => env.http.listen(0, "127.0.0.1", r));
    env.base = `http://127.0.0.1:${env.http.address().port}/`;
    env.server = await natsServer();
    env.admin = await wsconnect({ servers: env.server.ws, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    env.jsm = await jetstreamManager(env.admin);
    env.browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  });
  after(async () => {
    await env.browser?.close();
    await env.admin?.close();
    await env.server?.remove();
    env.http?.close();
  });
  /** What `stream` holds: its message count and distinct ids. */
  env.stored = (stream) => stored(env.jsm, stream);
  /** A new page on the test page, its bundle loaded. */
  env.openPage = async (context = env.browser) => {
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(env.base);
    await page.waitForFunction(() => globalThis.relayTest);
    return page;
  };
  return env;
}

/**
 * In the page: opens queue `name` on IndexedDB, enqueues `n` (if any), starts the relay to `stream`
 * (subject `<stream>.jobs`, or with `perSubject` `<stream>.<origin>.<id>`); resolves with its origin and storage.
 */
export const startRelay = (page, args) => page.evaluate(async ({ name, n, ws, stream, window = 32, timeoutMs = 5000, perSubject = false }) => {
  const { init, Queue, relayToJetStream } = globalThis.relayTest;
  await init();
  const q = await Queue.open(name, { leaseMs: 1000, maxAttempts: 500, backoff: { type: "fixed", delayMs: 100, jitter: false } });
  if (n) await Promise.all(Array.from({ length: n }, (_, i) => q.enqueue({ i })));
  const subject = perSubject ? (job) => `${stream}.${q.origin}.${job.id}` : `${stream}.jobs`;
  const relay = await relayToJetStream(q, { servers: ws, stream, subject, window, timeoutMs });
  globalThis.current = { q, relay };
  return { origin: q.origin, storage: q.storage };
}, args);

/** The page's relay stats and queue state. */
export const state = (page) => page.evaluate(() => ({ ...globalThis.current.relay.stats, paused: globalThis.current.q.paused }));

/** In the page: waits until the queue is drained, closes relay and queue; resolves with the queue's stats. */
export const drained = (page) => page.evaluate(async () => {
  const { q, relay } = globalThis.current;
  await q.drained();
  const stats = q.stats();
  await relay.close();
  await q.close();
  return stats;
});
