// Shared setup of the worker tests: tests/workers/www and the package served
// on a free loopback port (scripts/serve.mjs, every request path recorded),
// one headless Chromium, and the steps the tests take: open the test page,
// wait for a condition, stop the service workers through the DevTools protocol.
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve.mjs";
import { CHROMIUM_ARGS, root } from "../e2e/harness.mjs";

/** Starts the server and the browser before the file's tests, stops them after. */
export function useWorkerPages() {
  const env = { base: "", browser: null, server: null, requests: [] };
  before(async () => {
    const { server, url } = await serve({ www: `${root}tests/workers/www`, onRequest: (path) => env.requests.push(path) });
    env.server = server;
    env.base = url;
    env.browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

let count = 0;
/** A queue name no other test (or earlier run) uses. */
export const uniqueName = (what) => `workers-${what}-${process.pid}-${++count}`;

/** A new page of `context` on the test page, the package loaded in the window. */
export async function openPage(env, context) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") console.error(`[console] ${m.text()}`); });
  await page.goto(env.base);
  await page.waitForFunction(() => globalThis.wt);
  await page.evaluate(() => globalThis.wt.ready);
  return page;
}

/** Polls `check` (async, truthy when done) every 50 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The service workers of `page`'s browser context through the DevTools
 * protocol: `stopAll()` stops every running one (as the browser does to an
 * idle worker, or when it kills it) and resolves once all are stopped.
 */
export async function serviceWorkers(context, page) {
  const cdp = await context.newCDPSession(page);
  const versions = new Map();
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions: vs }) => {
    for (const v of vs) versions.set(v.versionId, v);
  });
  await cdp.send("ServiceWorker.enable");
  const statuses = () => [...versions.values()].map((v) => v.runningStatus);
  return {
    statuses,
    async stopAll() {
      await waitFor("a running service worker", () => statuses().includes("running"));
      await cdp.send("ServiceWorker.stopAllWorkers");
      await waitFor(`every service worker stopped (${statuses()})`, () => statuses().every((s) => s === "stopped"));
    },
    detach: () => cdp.detach(),
  };
}
