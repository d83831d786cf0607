// Real nats-servers (Debian's) for the relay tests and the relay benchmark: JetStream on temporary stores, WebSocket listeners on loopback; one server, or a three-node cluster. Each can be stopped and started again on the same ports and store.
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

/** One nats-server process on `config` (written to `dir/<name>.conf`), with start/stop. */
function process_(dir, name, config, ports) {
  writeFileSync(`${dir}/${name}.conf`, config);
  let child = null;
  let log = "";
  return {
    name,
    ws: `ws://127.0.0.1:${ports.ws}`,
    url: `nats://127.0.0.1:${ports.client}`,
    wsPort: ports.ws,
    log: () => log,
    async start() {
      child = spawn(NATS_SERVER, ["-c", `${dir}/${name}.conf`], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => (log += d));
      child.stderr.on("data", (d) => (log += d));
      child.exited = new Promise((r) => child.once("exit", r));
      for (let i = 0; !(await listening(ports.ws)) || !(await listening(ports.client)); i++) {
        if (i > 200) throw new Error(`nats-server ${name} did not listen within 10 s:\n${log}`);
        if (child.exitCode !== null) throw new Error(`nats-server ${name} exited with ${child.exitCode}:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = "SIGTERM") {
      if (!child || child.exitCode !== null) return;
      child.kill(signal);
      await child.exited;
    },
  };
}

/** A nats-server with JetStream and WebSocket; `ws` is its WebSocket address. */
export async function natsServer() {
  const dir = mkdtempSync(`${tmpdir()}/wasmq-nats-`);
  const ports = { client: await freePort(), ws: await freePort() };
  const server = process_(dir, "nats", `listen: "127.0.0.1:${ports.client}"
jetstream { store_dir: "${dir}/js" }
websocket { listen: "127.0.0.1:${ports.ws}", no_tls: true }
`, ports);
  server.remove = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  await server.start();
  return server;
}

/** A JetStream cluster of `n` nats-servers (`n0`, `n1`, ...) routed to each other on loopback. */
export async function natsCluster(n = 3) {
  const dir = mkdtempSync(`${tmpdir()}/wasmq-nats-cluster-`);
  const ports = [];
  for (let i = 0; i < n; i++) ports.push({ client: await freePort(), ws: await freePort(), route: await freePort() });
  const routes = ports.map((p) => `"nats-route://127.0.0.1:${p.route}"`).join(", ");
  const nodes = ports.map((p, i) => process_(dir, `n${i}`, `server_name: "n${i}"
listen: "127.0.0.1:${p.client}"
jetstream { store_dir: "${dir}/n${i}" }
websocket { listen: "127.0.0.1:${p.ws}", no_tls: true }
cluster { name: "wasmq", listen: "127.0.0.1:${p.route}", routes: [${routes}] }
`, p));
  await Promise.all(nodes.map((s) => s.start()));
  return {
    nodes,
    ws: nodes.map((s) => s.ws),
    node: (name) => nodes.find((s) => s.name === name),
    async remove() {
      await Promise.all(nodes.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
