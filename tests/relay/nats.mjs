// A real nats-server (Debian's) for the relay tests: JetStream on a temporary store, a WebSocket listener on loopback; started, stopped and started again on the same ports and store.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";

export const NATS_SERVER = process.env.NATS_SERVER ?? (existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server");

export const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().once("error", reject);
  srv.listen(0, "127.0.0.1", () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

const listening = (port) => new Promise((resolve) => {
  const s = connect(port, "127.0.0.1").once("connect", () => (s.destroy(), resolve(true))).once("error", () => resolve(false));
});

/** A nats-server with JetStream and WebSocket; `ws` is its WebSocket address. */
export async function natsServer() {
  const dir = mkdtempSync(`${tmpdir()}/wasmq-nats-`);
  const [port, wsPort] = [await freePort(), await freePort()];
  writeFileSync(`${dir}/nats.conf`, `listen: "127.0.0.1:${port}"
jetstream { store_dir: "${dir}/js" }
websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }
`);
  let child = null;
  let log = "";
  const server = {
    ws: `ws://127.0.0.1:${wsPort}`,
    log: () => log,
    async start() {
      child = spawn(NATS_SERVER, ["-c", `${dir}/nats.conf`], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => (log += d));
      child.stderr.on("data", (d) => (log += d));
      const exited = new Promise((r) => child.once("exit", r));
      child.exited = exited;
      for (let i = 0; !(await listening(wsPort)) || !(await listening(port)); i++) {
        if (i > 200) throw new Error(`nats-server did not listen within 10 s:\n${log}`);
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      child.kill("SIGTERM");
      await child.exited;
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
