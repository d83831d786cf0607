// A TypeScript user of wasmq/jetstream: type-checked (strict) by the relay tests, not run.
import { Queue } from "../../pkg/wasmq.js";
import { relayToJetStream, RelayError, type Relay, type RelayStats } from "../../pkg/jetstream.js";

type Order = { sku: string };
const q = await Queue.open<Order>("orders");
const relay: Relay = await relayToJetStream(q, {
  servers: ["wss://nats.example:443"],
  stream: "ORDERS",
  subject: (job) => `orders.${job.payload.sku}`, // job: Job<Order>
  window: 64,
});
relay.addEventListener("possibleduplicate", () => {});
const stats: RelayStats = relay.stats;
const n: number = stats.relayed + stats.possibleDuplicates;
try {
  await relayToJetStream(q, { servers: "ws://127.0.0.1:1", stream: "ORDERS", subject: "orders.x" });
} catch (e) {
  if (e instanceof RelayError && e.code === "RELAY_UNREACHABLE") console.log(n);
}
await relay.close();
