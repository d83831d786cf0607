// Shared setup of the worker tests: tests/workers/www and the package served
// on a free loopback port (scripts/serve.mjs, every request path recorded),
// one headless browser from a driver (chromium.mjs, firefox.mjs), and the
// steps the tests take: open the test page, wait for a condition.
import { after, before } from "node:test";
import { serve } from "../../scripts/serve.mjs";
import { root } from "../e2e/harness.mjs";

/**
 * Starts the server (of `www`, by default tests/workers/www) and `driver`'s browser before the
 * file's tests, stops them after.
 * A driver is `{ name, backgroundSync, launch(), newContext(browser), stopServiceWorker(context, page), close(browser) }`.
 */
export function useWorkerPages(driver, www = `${root}tests/workers/www`) {
  const env = { driver, base: "", browser: null, server: null, requests: [] };
  before(async () => {
    const { server, url } = await serve({ www, onRequest: (path) => env.requests.push(path) });
    env.server = server;
    env.base = url;
    env.browser = await driver.launch();
  });
  after(async () => {
    if (env.browser) await driver.close(env.browser);
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

/** Resolves once no run of the service worker is alive (its "wt-sw-alive" lock is free). */
export const serviceWorkerGone = (page) =>
  waitFor("the service worker to stop", async () => !(await page.evaluate(() => globalThis.wt.swAlive())));
