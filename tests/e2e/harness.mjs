// Shared setup of the end-to-end tests: the demo server on a free loopback port and one browser:
// headless Chromium (playwright-core), or with E2E_BROWSER=firefox|webkit that browser over
// WebDriver behind the same small API (./webdriver-browser.mjs).
import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { webDriverBrowser } from "./webdriver-browser.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The browser the e2e tests drive: E2E_BROWSER, else "chromium". */
export const browserName = process.env.E2E_BROWSER ?? "chromium";

/** Starts the server and the browser before the file's tests and stops them after; `env.base` and `env.browser` are set then. */
export function useDemoServer() {
  const env = { base: "", browser: null, server: null };
  before(async () => {
    env.server = spawn(process.execPath, [`${root}scripts/serve.mjs`, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    env.base = await new Promise((resolve, reject) => {
      env.server.once("exit", (code) => reject(new Error(`serve.mjs exited with ${code}`)));
      env.server.stdout.on("data", (d) => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(d));
        if (m) resolve(m[0]);
      });
    });
    env.browser = browserName === "chromium"
      ? await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS })
      : webDriverBrowser(browserName);
  });
  after(async () => {
    await env.browser?.close();
    env.server?.kill();
  });
  return env;
}
