// The worker tests' Firefox driver: Debian's firefox-esr, headless, driven by
// puppeteer-core over WebDriver BiDi (no browser download). Firefox has no way
// to stop a service worker from outside, so its profile stops idle ones after
// 1 s (dom.serviceWorkers.idle_timeout): the tests ping the worker while they
// need it, and stopping it means no longer pinging and waiting for its end.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import puppeteer from "puppeteer-core";
import { serviceWorkerGone } from "./harness.mjs";

const PREFS = {
  "dom.serviceWorkers.idle_timeout": 1000,
  "dom.serviceWorkers.idle_extended_timeout": 1000,
};
const runs = new WeakMap();

export const firefoxDriver = {
  name: "firefox",
  backgroundSync: false,
  async launch() {
    const profile = mkdtempSync(`${tmpdir()}/wasmq-firefox-`);
    writeFileSync(`${profile}/user.js`, Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(""));
    const proc = spawn(process.env.FIREFOX ?? "/usr/bin/firefox-esr",
      ["--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0"], { stdio: ["ignore", "pipe", "pipe"] });
    const ws = await new Promise((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`firefox exited with ${code}`)));
      const look = (d) => {
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(String(d));
        if (m) resolve(m[1]);
      };
      proc.stdout.on("data", look);
      proc.stderr.on("data", look);
    });
    const browser = await puppeteer.connect({ browserWSEndpoint: `${ws}/session`, protocol: "webDriverBiDi" });
    runs.set(browser, { proc, profile });
    return browser;
  },
  newContext: (browser) => browser.createBrowserContext(),
  async close(browser) {
    const { proc, profile } = runs.get(browser);
    await browser.close().catch(() => {});
    proc.kill();
    await new Promise((r) => (proc.exitCode === null ? proc.once("exit", r) : r()));
    rmSync(profile, { recursive: true, force: true });
  },
  stopServiceWorker: (context, page) => serviceWorkerGone(page),
};
