// The JetStream relay through broker-side faults, in Node from the built package: PubAcks lost for a while (a proxy drops what the server sends), and the stream leader of a three-node JetStream cluster killed mid-relay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { wsconnect } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import init, { Queue } from "../../pkg/wasmq.js";
import { relayToJetStream } from "../../pkg/jetstream.js";
import { natsCluster, natsServer } from "../../scripts/nats-server.mjs";
import { lossyProxy } from "./proxy.mjs";
import { sleep, stored, until } from "./support.mjs";

await init({ module_or_path: readFileSync(new URL("../../pkg/wasmq_bg.wasm", import.meta.url)) });

const RETRY = { maxAttempts: 500, backoff: { type: "fixed", delayMs: 100, jitter: false } };

/** Cleanup steps, run last-registered first (the relay before its server), whatever the test did. */
function cleanup(t) {
  const steps = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step();
  });
  return (step) => steps.push(step);
}

test("PubAcks lost for a while: the retries come back as duplicates and the stream does not grow", { timeout: 120_000 }, async (t) => {
  const later = cleanup(t);
  const server = await natsServer();
  later(() => server.remove());
  const proxy = await lossyProxy(server.wsPort);
  later(() => proxy.close());
  const admin = await wsconnect({ servers: server.ws });
  later(() => admin.close());
  const jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name: "LOSSY", subjects: ["LOSSY.>"] });
  const q = await Queue.open("relay-lossy", { storage: "memory", ...RETRY });
  await Promise.all(Array.from({ length: 2000 }, (_, i) => q.enqueue({ i })));
  const relay = await relayToJetStream(q, { servers: proxy.ws, stream: "LOSSY", subject: "LOSSY.jobs", window: 32, timeoutMs: 500 });
  later(async () => {
    await relay.close();
    if (!q.closed) await q.close();
  });
  await until("300 relayed", () => relay.stats.relayed >= 300);
  proxy.lose(); // publishes still reach the server and are stored; their PubAcks are lost
  const storedBefore = (await jsm.streams.info("LOSSY")).state.messages;
  await until("publishes stored without their PubAcks", async () => (await jsm.streams.info("LOSSY")).state.messages > storedBefore);
  await sleep(1000); // their tries time out (timeoutMs 500) and are retried
  proxy.restore();
  await q.drained();
  assert.deepEqual([q.stats().completed, q.stats().dead], [2000, 0]);
  assert.ok(relay.stats.duplicates > 0, "the stored publishes came back as duplicates");
  const { messages, ids } = await stored(jsm, "LOSSY");
  assert.deepEqual([messages, ids.size], [2000, 2000]);
});

test("a three-node JetStream cluster with an R3 stream, its leader killed mid-relay: nothing lost, none twice", { timeout: 180_000 }, async (t) => {
  const later = cleanup(t);
  const cluster = await natsCluster(3);
  later(() => cluster.remove());
  const admin = await wsconnect({ servers: cluster.ws, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  later(() => admin.close());
  // The cluster needs a meta leader before JetStream answers and takes a replicated stream.
  let jsm;
  await until("an R3 stream", async () => {
    try {
      jsm ??= await jetstreamManager(admin, { timeout: 2000 });
      await jsm.streams.add({ name: "R3", subjects: ["R3.>"], num_replicas: 3 });
      return true;
    } catch {
      return false;
    }
  });
  const q = await Queue.open("relay-cluster", { storage: "memory", ...RETRY });
  await Promise.all(Array.from({ length: 5000 }, (_, i) => q.enqueue({ i })));
  const relay = await relayToJetStream(q, { servers: cluster.ws, stream: "R3", subject: "R3.jobs", window: 64, timeoutMs: 2000 });
  later(async () => {
    await relay.close();
    if (!q.closed) await q.close();
  });
  await until("1,000 relayed", () => relay.stats.relayed >= 1000);
  const leader = (await jsm.streams.info("R3")).cluster.leader;
  await cluster.node(leader).stop("SIGKILL");
  await q.drained();
  assert.deepEqual([q.stats().completed, q.stats().dead], [5000, 0]);
  const after = await jsm.streams.info("R3");
  assert.notEqual(after.cluster.leader, leader, "a new leader took over");
  const { messages, ids } = await stored(jsm, "R3");
  assert.deepEqual([messages, ids.size], [5000, 5000]);
});
