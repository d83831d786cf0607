// A small W3C WebDriver client over plain fetch: starts a driver binary (geckodriver,
// WebKitWebDriver) on a free loopback port, opens one session, and runs the few commands the
// tests need (navigate and wait for the load, run scripts, windows, screenshots). Used by the
// demo end to end in Firefox and WebKit (tests/e2e/webdriver-browser.mjs, through
// ./browsers.mjs). No npm dependency. (The wasm tests need only freePort, in ./webkit-run.mjs:
// wasm-bindgen-test-runner drives geckodriver and WebKitWebDriver itself.)
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bound once, then released for the driver to take). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Raised for a WebDriver error answer, with its `error` code (e.g. "javascript error"). */
export class WebDriverError extends Error {
  constructor(what, value) {
    super(`${what}: ${value?.error ?? "error"}: ${value?.message ?? JSON.stringify(value)}`);
    this.code = value?.error;
  }
}

export class WebDriver {
  /**
   * Starts `driver` (path) with `args` plus `--port=N`, waits until it answers, and opens a
   * session with `capabilities` (W3C alwaysMatch). `env` is the driver's environment.
   */
  static async start({ driver, args = [], env = process.env, capabilities = {}, timeoutMs = 60_000 }) {
    const port = await freePort();
    const child = spawn(driver, [...args, `--port=${port}`], { env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const keep = (d) => { log = (log + d).slice(-20_000); };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
    const wd = new WebDriver(`http://127.0.0.1:${port}`, child, () => log);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const gone = await Promise.race([exited, sleep(100).then(() => null)]);
      if (gone !== null) throw new Error(`${driver} exited (${gone}) before answering:\n${log}`);
      try {
        const status = await wd.http("GET", "/status");
        if (status?.ready !== false) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) { child.kill(); throw new Error(`${driver} did not answer on port ${port}:\n${log}`); }
    }
    try {
      const created = await wd.http("POST", "/session", { capabilities: { alwaysMatch: capabilities } }, timeoutMs);
      wd.session = created.sessionId;
      wd.capabilities = created.capabilities ?? {};
      wd.window = await wd.cmd("GET", "/window");
    } catch (e) {
      child.kill();
      throw new Error(`${e.message}\n${driver} log:\n${log}`);
    }
    return wd;
  }

  constructor(base, child, log) {
    this.base = base;
    this.child = child;
    this.log = log;
    this.session = null;
    this.window = null;
  }

  /** One HTTP request to the driver; returns the answer's `value`, throws WebDriverError. */
  async http(method, path, body, timeoutMs = 120_000) {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`); }
    // W3C error answers have a 4xx/5xx status; a 200's value is the result, even one with an `error` field.
    if (!res.ok) throw new WebDriverError(`${method} ${path}`, json.value);
    return json.value;
  }

  /** A command on the session (`path` after /session/{id}). */
  cmd(method, path, body, timeoutMs) {
    return this.http(method, `/session/${this.session}${path}`, body, timeoutMs);
  }

  /** `script` (a function body) run synchronously in the current window with `args`. */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** `script` (a function body whose last argument is the done callback) run asynchronously. */
  executeAsync(script, args = [], timeoutMs = 120_000) {
    return this.cmd("POST", "/execute/async", { script, args }, timeoutMs + 5_000);
  }

  /** Polls `script` (sync) until it returns a truthy value; returns it. Errors while the page changes are retried. */
  async until(script, { timeoutMs = 30_000, pollMs = 100, what = script } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const v = await this.execute(script);
        if (v) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
      await sleep(pollMs);
    }
  }

  /**
   * Navigates (to `url`, or reloads when `url` is null) and waits until the new document has
   * loaded: some drivers answer before it has, so the old document is marked first and the
   * wait is for a complete document without the mark.
   */
  async navigate(url, timeoutMs = 60_000) {
    await this.execute("window.__wdOldDocument = true;").catch(() => {});
    if (url === null) await this.cmd("POST", "/refresh", {}, timeoutMs);
    else await this.cmd("POST", "/url", { url }, timeoutMs);
    await this.until("return !window.__wdOldDocument && document.readyState === 'complete';", { timeoutMs, what: `the page ${url ?? "reload"} to load` });
  }

  /** Opens a new top-level window (not a tab: a background tab is throttled) and returns its handle. */
  async newWindow() {
    const { handle } = await this.cmd("POST", "/window/new", { type: "window" });
    return handle;
  }

  /** Makes `handle` the window that commands go to. */
  async switchTo(handle) {
    if (this.window === handle) return;
    await this.cmd("POST", "/window", { handle });
    this.window = handle;
  }

  /** Clicks the first element matching the CSS `selector` as a user would (scrolled into view, must be clickable). */
  async click(selector) {
    const found = await this.cmd("POST", "/element", { using: "css selector", value: selector });
    const id = found["element-6066-11e4-a52e-4f735466cecf"];
    await this.cmd("POST", `/element/${id}/click`, {});
  }

  async setWindowRect(width, height) {
    await this.cmd("POST", "/window/rect", { width, height }).catch(() => {});
  }

  /** A PNG of the current window's viewport. */
  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  /** Ends the session and the driver (and with it the browser). */
  async quit() {
    if (this.session) await this.http("DELETE", `/session/${this.session}`, undefined, 15_000).catch(() => {});
    this.session = null;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await Promise.race([gone, sleep(5_000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    }
  }
}
