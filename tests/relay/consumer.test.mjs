// The other side: examples/consumer (native Rust, async-nats) reads what the relay stored with a durable pull consumer, acks everything and skips a repeated Nats-Msg-Id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import init, { Queue } from "../../pkg/wasmq.js";
import { relayToJetStream } from "../../pkg/jetstream.js";
import { natsServer } from "../../scripts/nats-server.mjs";

const root = new URL("../..", import.meta.url).pathname;
const CONSUMER = `${root}examples/consumer/target/debug/wasmq-consumer`;

test("examples/consumer processes each relayed job once, skipping a job stored twice past the window", { timeout: 120_000 }, async (t) => {
  await init({ module_or_path: readFileSync(`${root}pkg/wasmq_bg.wasm`) });
  const server = await natsServer();
  const admin = await wsconnect({ servers: server.ws });
  t.after(async () => {
    await admin.close();
    await server.remove();
  });
  const jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name: "WORK", subjects: ["WORK.>"], duplicate_window: 1e9 });
  const q = await Queue.open("to-consumer", { storage: "memory" });
  const ids = (await Promise.all(Array.from({ length: 500 }, (_, i) => q.enqueue({ i })))).map((r) => r.id);
  const relay = await relayToJetStream(q, { servers: server.ws, stream: "WORK", subject: "WORK.jobs" });
  await q.drained();
  await relay.close();
  // A retry past the 1 s window stores a job twice: here, 20 of them.
  await new Promise((r) => setTimeout(r, 1200));
  const js = jetstream(admin);
  for (const id of ids.slice(0, 20)) {
    const ack = await js.publish("WORK.jobs", JSON.stringify({ again: id }), { msgID: `${q.origin}:${id}` });
    assert.equal(ack.duplicate, false, "past the window the stream stores it again");
  }
  await q.close();
  assert.equal((await jsm.streams.info("WORK")).state.messages, 520);
  const run = () => JSON.parse(execFileSync(CONSUMER, ["--server", server.url, "--stream", "WORK", "--idle-ms", "500"], { encoding: "utf8" }).trim());
  assert.deepEqual(run(), { processed: 500, duplicates: 20 });
  // The durable consumer acked everything: a second run finds nothing left.
  assert.deepEqual(run(), { processed: 0, duplicates: 0 });
});
