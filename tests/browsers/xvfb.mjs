// A virtual X display (Debian's Xvfb) for browsers that need one (WebKitGTK's MiniBrowser):
// `Xvfb -displayfd 3 -nolisten tcp` picks a free display number and writes it on fd 3.
import { spawn } from "node:child_process";

/** Starts Xvfb; resolves to `{ display: ":N", stop() }`. */
export function startXvfb(timeoutMs = 20_000) {
  const child = spawn("Xvfb", ["-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x1200x24"], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => { err = (err + d).slice(-4000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`Xvfb gave no display in ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.once("error", (e) => { clearTimeout(timer); reject(new Error(`Xvfb could not start (${e.message}); is Debian's xvfb installed?`)); });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited (${code}): ${err}`)); });
    let out = "";
    child.stdio[3].on("data", (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        display: `:${m[1]}`,
        stop: () => new Promise((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once("exit", () => r());
          child.kill("SIGTERM");
        }),
      });
    });
  });
}
