// Drives the browser benchmarks in one headless Chromium session (playwright-core): each measurement in a fresh page of one context.
import { chromium } from "playwright-core";

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-precise-memory-info",
  // gc() for the open rows' live heap (after a full collection); it changes no collection the page would make itself.
  "--js-flags=--expose-gc"];

/** Launches Chromium; resolves { run(name, ...args), browser, context, errors, close }. */
export async function launch(base) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ARGS });
  const context = await browser.newContext();
  const errors = [];
  /** Opens a fresh page on the bench origin, waits for wasm, calls window.bench[name](...args), closes the page. */
  async function run(name, ...args) {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(base);
      await page.waitForFunction(() => window.bench !== undefined);
      return await page.evaluate(async ([name, args]) => {
        await window.bench.ready;
        return window.bench[name](...args);
      }, [name, args]);
    } finally {
      await page.close();
    }
  }
  return { browser, context, run, errors, close: () => browser.close() };
}
