// Runs a command with DISPLAY set to a fresh virtual X display (Xvfb), then stops the display;
// exits with the command's status. `make webkit-test` runs the WebKit wasm tests through it,
// since WebKitGTK's MiniBrowser has no headless mode:
//   node tests/browsers/with-xvfb.mjs wasm-pack test --safari ...
import { spawn } from "node:child_process";
import { startXvfb } from "./xvfb.mjs";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node tests/browsers/with-xvfb.mjs <command> [args...]");
  process.exit(2);
}
const xvfb = await startXvfb();
const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, DISPLAY: xvfb.display } });
const forward = (sig) => child.kill(sig);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const status = await new Promise((resolve) => {
  child.once("error", (e) => { console.error(`${cmd}: ${e.message}`); resolve(127); });
  child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});
await xvfb.stop();
process.exit(status);
