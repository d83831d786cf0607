// Shared setup of the end-to-end tests: the demo server on a free loopback port and one headless Chromium.
import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

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
    env.browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  });
  after(async () => {
    await env.browser?.close();
    env.server?.kill();
  });
  return env;
}
