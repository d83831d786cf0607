// The part of Playwright's Browser / BrowserContext / Page API that the e2e tests use, over
// WebDriver (tests/browsers/), so the same tests run in Firefox and WebKit: a context is one
// WebDriver session (its own profile and storage), a page one top-level window of it.
// WebDriver has no page events: each page collects its own errors and unhandled rejections,
// which are passed to `on("pageerror")` listeners whenever the test talks to the page.
import { writeFileSync } from "node:fs";
import { openBrowser } from "../browsers/browsers.mjs";
import { sleep } from "../browsers/webdriver.mjs";

const COLLECT_ERRORS = `
  if (!window.__wdErrors) {
    window.__wdErrors = [];
    addEventListener("error", (e) => window.__wdErrors.push(String(e.message || e.error)));
    addEventListener("unhandledrejection", (e) => window.__wdErrors.push(String(e.reason && e.reason.stack || e.reason)));
  }`;

/** Runs `fn(arg)` in the page and hands back its (awaited) result or its error. */
const EVALUATE = `
  const [source, arg, done] = arguments;
  ${COLLECT_ERRORS}
  const errors = () => window.__wdErrors.splice(0);
  Promise.resolve()
    .then(() => (0, eval)("(" + source + ")")(arg))
    .then((value) => done({ value: value === undefined ? null : value, errors: errors() }),
          (e) => done({ error: String(e && e.stack || e), errors: errors() }));`;

class WebDriverPage {
  constructor(context, handle) {
    this.context = context;
    this.handle = handle;
    this.listeners = [];
  }

  get wd() { return this.context.wd; }

  on(event, listener) {
    if (event === "pageerror") this.listeners.push(listener);
  }

  async focus() { await this.wd.switchTo(this.handle); }

  async goto(url) {
    await this.context.serial(async () => { await this.focus(); await this.wd.navigate(url); });
  }

  async reload() {
    await this.context.serial(async () => { await this.focus(); await this.wd.navigate(null); });
  }

  async evaluate(fn, arg = null) {
    const out = await this.context.serial(async () => {
      await this.focus();
      return this.wd.executeAsync(EVALUATE, [String(fn), arg]);
    });
    for (const message of out.errors ?? []) for (const l of this.listeners) l(new Error(message));
    if (out.error !== undefined) throw new Error(`in the page: ${out.error}`);
    return out.value;
  }

  /** Polls `fn(arg)` in the page until truthy, like Playwright's (polling in ms, timeout in ms). */
  async waitForFunction(fn, arg = null, { timeout = 30_000, polling = 100 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await this.evaluate(fn, arg);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await sleep(polling);
    }
  }

  textContent(selector) {
    return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  }

  async click(selector) {
    await this.context.serial(async () => { await this.focus(); await this.wd.click(selector); });
  }

  /** Like Playwright's: no such element, or one with an empty box or `visibility: hidden`. */
  isHidden(selector) {
    return this.evaluate((s) => {
      const el = document.querySelector(s);
      if (!el) return true;
      const box = el.getBoundingClientRect();
      return box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden";
    }, selector);
  }

  locator(selector) {
    return new Locator(this, [selector]);
  }

  waitForTimeout(ms) { return sleep(ms); }

  /** A PNG of the window's viewport (WebDriver has no full-page screenshot everywhere). */
  async screenshot({ path }) {
    const png = await this.context.serial(async () => { await this.focus(); return this.wd.screenshot(); });
    if (path) writeFileSync(path, png);
    return png;
  }
}

/** A chain of CSS selectors, each looked up inside the matches of the one before (Playwright's `locator`). */
class Locator {
  constructor(page, chain) {
    this.page = page;
    this.chain = chain;
  }

  locator(selector) {
    return new Locator(this.page, [...this.chain, selector]);
  }

  allTextContents() {
    return this.page.evaluate((chain) => chain
      .reduce((found, sel) => found.flatMap((el) => [...el.querySelectorAll(sel)]), [document])
      .map((el) => el.textContent ?? ""), this.chain);
  }
}

class WebDriverContext {
  constructor(browser, viewport) {
    this.browser = browser;
    this.viewport = viewport;
    this.pages = [];
    this.queue = Promise.resolve();
  }

  /** Runs WebDriver commands one after another: the session has one current window. */
  serial(work) {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  async open() {
    this.session = await openBrowser(this.browser.name);
    this.wd = this.session.wd;
    return this;
  }

  async newPage() {
    const handle = await this.serial(async () => {
      const h = this.pages.length === 0 ? this.wd.window : await this.wd.newWindow();
      await this.wd.switchTo(h);
      if (this.viewport) await this.wd.setWindowRect(this.viewport.width, this.viewport.height);
      return h;
    });
    const page = new WebDriverPage(this, handle);
    this.pages.push(page);
    return page;
  }

  async close() {
    await this.session?.stop();
  }
}

/** A Playwright-like browser whose contexts are WebDriver sessions of `name` ("firefox", "webkit"). */
export function webDriverBrowser(name) {
  const contexts = new Set();
  return {
    name,
    async newContext({ viewport } = {}) {
      const ctx = await new WebDriverContext({ name }, viewport).open();
      contexts.add(ctx);
      const close = ctx.close.bind(ctx);
      ctx.close = async () => { contexts.delete(ctx); await close(); };
      return ctx;
    },
    async close() {
      for (const ctx of [...contexts]) await ctx.close();
    },
  };
}
