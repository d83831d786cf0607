// A TCP proxy in front of nats-server's WebSocket port that can lose what the server sends for a while (PubAcks included), then cut the connections so the client reconnects: lost acknowledgements, on demand.
import { connect, createServer } from "node:net";

/** Proxies `127.0.0.1:<port>` to `upstreamPort`; `ws` is its address. */
export async function lossyProxy(upstreamPort) {
  const sockets = new Set();
  let losing = false;
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => {
      if (!losing) client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    ws: `ws://127.0.0.1:${server.address().port}`,
    /** From now on, what the server sends is lost. */
    lose() {
      losing = true;
    },
    /** Cuts every connection (their streams are broken by what was lost) and forwards again. */
    restore() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      losing = false;
    },
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(r);
    }),
  };
}
