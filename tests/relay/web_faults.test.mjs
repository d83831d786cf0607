// The JetStream relay through faults in headless Chromium with the IndexedDB store: the server stopped mid-relay, PubAcks lost, a reload past the window in a per-subject stream, going offline, bad configuration, and a cluster's stream leader killed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { wsconnect } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsCluster } from "../../scripts/nats-server.mjs";
import { lossyProxy } from "./proxy.mjs";
import { sleep, stored, until } from "./support.mjs";
import { drained, startRelay, state, useRelayBrowser } from "./web_harness.mjs";

const env = useRelayBrowser("faults");

test("Chromium: the server stopped mid-relay and started again: all arrive, none twice", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "WF1", subjects: ["WF1.>"] });
  const page = await env.openPage();
  await startRelay(page, { name: "wf-outage", n: 3000, ws: env.server.ws, stream: "WF1", timeoutMs: 1000 });
  await until("500 relayed", async () => (await state(page)).relayed >= 500);
  await env.server.stop();
  await until("the relay saw the disconnect", async () => !(await state(page)).connected, 30_000);
  assert.equal((await state(page)).paused, true, "the queue waits while disconnected");
  await env.server.start();
  const stats = await drained(page);
  assert.deepEqual([stats.completed, stats.dead], [3000, 0]);
  const { messages, ids } = await env.stored("WF1");
  assert.deepEqual([messages, ids.size], [3000, 3000]);
  await page.close();
});

test("Chromium: PubAcks lost for a while: the retries come back as duplicates and the stream does not grow", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "WF2", subjects: ["WF2.>"] });
  const proxy = await lossyProxy(env.server.wsPort);
  try {
    const page = await env.openPage();
    await startRelay(page, { name: "wf-lossy", n: 2000, ws: proxy.ws, stream: "WF2", timeoutMs: 500 });
    await until("300 relayed", async () => (await state(page)).relayed >= 300);
    proxy.lose();
    const before = (await env.jsm.streams.info("WF2")).state.messages;
    await until("publishes stored without their PubAcks", async () => (await env.jsm.streams.info("WF2")).state.messages > before);
    await sleep(1000);
    proxy.restore();
    const duplicates = await page.evaluate(async () => {
      await globalThis.current.q.drained();
      return globalThis.current.relay.stats.duplicates;
    });
    const stats = await drained(page);
    assert.deepEqual([stats.completed, stats.dead], [2000, 0]);
    assert.ok(duplicates > 0, "the stored publishes came back as duplicates");
    const { messages, ids } = await env.stored("WF2");
    assert.deepEqual([messages, ids.size], [2000, 2000]);
    await page.close();
  } finally {
    await proxy.close();
  }
});

test("Chromium: a per-subject stream with a 2 s window, the page reloaded mid-relay and reopened past the window: all arrive, none twice", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({
    name: "WF3", subjects: ["WF3.>"], duplicate_window: 2e9,
    max_msgs_per_subject: 1, discard: "new", discard_new_per_subject: true,
  });
  const page = await env.openPage();
  await startRelay(page, { name: "wf-per-subject", n: 1500, ws: env.server.ws, stream: "WF3", window: 16, perSubject: true });
  await until("200 relayed", async () => (await state(page)).relayed >= 200);
  await page.reload(); // jobs in flight stay leased, some already stored
  await page.waitForFunction(() => globalThis.relayTest);
  await sleep(2500); // past the duplicate window: only the per-subject limit can tell a repeat
  await startRelay(page, { name: "wf-per-subject", n: 0, ws: env.server.ws, stream: "WF3", window: 16, perSubject: true });
  const stats = await drained(page);
  assert.deepEqual([stats.pending, stats.inFlight, stats.dead], [0, 0, 0]);
  const { messages, ids } = await env.stored("WF3");
  assert.deepEqual([messages, ids.size], [1500, 1500]);
  await page.close();
});

test("Chromium: offline pauses the relay and online resumes it; all arrive once", { timeout: 120_000 }, async () => {
  await env.jsm.streams.add({ name: "WF4", subjects: ["WF4.>"] });
  const context = await env.browser.newContext();
  try {
    const page = await env.openPage(context);
    await startRelay(page, { name: "wf-offline", n: 2000, ws: env.server.ws, stream: "WF4", window: 8 });
    await until("100 relayed", async () => (await state(page)).relayed >= 100);
    await context.setOffline(true);
    await until("paused while offline", async () => (await state(page)).paused, 10_000);
    await context.setOffline(false);
    const stats = await drained(page);
    assert.deepEqual([stats.completed, stats.dead], [2000, 0]);
    const { messages, ids } = await env.stored("WF4");
    assert.deepEqual([messages, ids.size], [2000, 2000]);
  } finally {
    await context.close();
  }
});

test("Chromium: bad configuration is a typed error and no job leaves the queue", { timeout: 60_000 }, async () => {
  await env.jsm.streams.add({ name: "WF5", subjects: ["WF5.>"] });
  const page = await env.openPage();
  const result = await page.evaluate(async (ws) => {
    const { init, Queue, relayToJetStream } = globalThis.relayTest;
    await init();
    const q = await Queue.open("wf-bad");
    await q.enqueue({ n: 1 });
    const codes = [];
    for (const options of [
      { servers: "ws://127.0.0.1:1", stream: "WF5", subject: "WF5.jobs" },
      { servers: ws, stream: "NO_SUCH_STREAM", subject: "WF5.jobs" },
      { servers: ws, stream: "WF5", subject: "bound.to.nothing" },
      { servers: "not a url", stream: "WF5", subject: "WF5.jobs" },
    ]) {
      try {
        await relayToJetStream(q, options);
        codes.push("accepted");
      } catch (e) {
        codes.push(`${e.name}:${e.code}`);
      }
    }
    const pending = q.stats().pending;
    await q.close();
    return { codes, pending };
  }, env.server.ws);
  assert.deepEqual(result.codes, [
    "RelayError:RELAY_UNREACHABLE", "RelayError:STREAM_NOT_FOUND", "RelayError:SUBJECT_NOT_IN_STREAM", "RelayError:INVALID_OPTION",
  ]);
  assert.equal(result.pending, 1, "no job left the queue");
  await page.close();
});

test("Chromium: a three-node cluster with an R3 stream, its leader killed mid-relay: nothing lost, none twice", { timeout: 180_000 }, async (t) => {
  const cluster = await natsCluster(3);
  const admin = await wsconnect({ servers: cluster.ws, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  t.after(async () => {
    await admin.close();
    await cluster.remove();
  });
  let jsm;
  await until("an R3 stream", async () => {
    try {
      jsm ??= await jetstreamManager(admin, { timeout: 2000 });
      await jsm.streams.add({ name: "WF6", subjects: ["WF6.>"], num_replicas: 3 });
      return true;
    } catch {
      return false;
    }
  });
  const page = await env.openPage();
  await startRelay(page, { name: "wf-cluster", n: 3000, ws: cluster.ws, stream: "WF6", window: 64, timeoutMs: 2000 });
  await until("500 relayed", async () => (await state(page)).relayed >= 500);
  const leader = (await jsm.streams.info("WF6")).cluster.leader;
  await cluster.node(leader).stop("SIGKILL");
  const stats = await drained(page);
  assert.deepEqual([stats.completed, stats.dead], [3000, 0]);
  assert.notEqual((await jsm.streams.info("WF6")).cluster.leader, leader);
  const { messages, ids } = await stored(jsm, "WF6");
  assert.deepEqual([messages, ids.size], [3000, 3000]);
  await page.close();
});
