// Runs a command (wasm-pack test --safari ...) against WebKitGTK: starts Xvfb (MiniBrowser has no
// headless mode) and WebKitWebDriver on it, behind a small loopback proxy that adds this
// project's MiniBrowser capabilities (tests/browsers/browsers.mjs) to every new session, and
// gives the command SAFARIDRIVER_REMOTE pointing at the proxy. wasm-bindgen-test-runner drives
// WebKitWebDriver as its "safaridriver" but sends Safari no capabilities of its own, so without
// this MiniBrowser would start with its defaults (no Storage API, as Safari has).
//   node tests/browsers/webkit-run.mjs wasm-pack test --headless --safari ...
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { BROWSERS } from "./browsers.mjs";
import { freePort, sleep } from "./webdriver.mjs";
import { startXvfb } from "./xvfb.mjs";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node tests/browsers/webkit-run.mjs <command> [args...]");
  process.exit(2);
}
const spec = BROWSERS.webkit;
const xvfb = await startXvfb();
const driverPort = await freePort();
const driver = spawn(spec.driver, [`--port=${driverPort}`, "--replace-on-new-session"], {
  env: { ...process.env, DISPLAY: xvfb.display },
  stdio: ["ignore", "inherit", "inherit"],
});
driver.once("error", (e) => { console.error(`${spec.driver}: ${e.message}`); process.exit(127); });

/** The session request with our capabilities merged into alwaysMatch. */
function withCapabilities(body) {
  const request = JSON.parse(body || "{}");
  request.capabilities ??= {};
  request.capabilities.alwaysMatch = { ...request.capabilities.alwaysMatch, ...spec.capabilities() };
  delete request.desiredCapabilities; // the legacy field: W3C drivers take `capabilities`
  return JSON.stringify(request);
}

const proxy = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let body = Buffer.concat(chunks).toString();
  if (req.method === "POST" && /^\/session\/?$/.test(req.url)) body = withCapabilities(body);
  try {
    const answer = await fetch(`http://127.0.0.1:${driverPort}${req.url}`, {
      method: req.method,
      headers: { "content-type": "application/json" },
      body: req.method === "GET" || req.method === "DELETE" ? undefined : body,
    });
    const text = await answer.text();
    // wasm-bindgen-test-runner reports only "http status: 500": say what the driver answered.
    if (answer.status >= 500) console.error(`webkit-run: WebKitWebDriver answered ${req.method} ${req.url} with ${answer.status}: ${text.slice(0, 2000)}`);
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(text);
  } catch (e) {
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ value: { error: "unknown error", message: `WebKitWebDriver: ${e.message}` } }));
  }
});
await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
for (let i = 0; ; i++) {
  try { await fetch(`http://127.0.0.1:${driverPort}/status`); break; } catch { /* not up yet */ }
  if (i > 100) { console.error("WebKitWebDriver did not answer"); process.exit(1); }
  await sleep(100);
}

const child = spawn(cmd, args, {
  stdio: "inherit",
  env: { ...process.env, DISPLAY: xvfb.display, SAFARIDRIVER_REMOTE: `http://127.0.0.1:${proxy.address().port}` },
});
const status = await new Promise((resolve) => {
  child.once("error", (e) => { console.error(`${cmd}: ${e.message}`); resolve(127); });
  child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});
proxy.close();
driver.kill("SIGTERM");
await new Promise((r) => (driver.exitCode !== null ? r() : driver.once("exit", r)));
await xvfb.stop();
process.exit(status);
