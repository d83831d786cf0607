// The demo's relay panel: with a NATS WebSocket address (typed in, or ?nats=ws://…&stream=…&subject=…), a second durable queue "demo-relay" is relayed to that JetStream stream through wasmq/jetstream; shows connected, in flight, relayed and possible duplicates.
import { Queue } from "/pkg/wasmq.js";

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en-US");
let queue = null;
let relay = null;

function show(text, bad = false) {
  $("relay-status").textContent = text;
  $("relay-status").className = bad ? "error small" : "muted small";
}

function render() {
  if (!relay) return;
  const s = relay.stats;
  $("r-connected").textContent = s.connected ? "yes" : "no";
  $("r-inFlight").textContent = fmt(s.inFlight);
  $("r-relayed").textContent = fmt(s.relayed);
  $("r-duplicates").textContent = fmt(s.duplicates);
  $("r-possible").textContent = fmt(s.possibleDuplicates);
  $("r-pending").textContent = fmt(queue.stats().pending + queue.stats().delayed);
}

async function connect() {
  const servers = $("relay-ws").value.trim();
  const stream = $("relay-stream").value.trim();
  const subject = $("relay-subject").value.trim();
  if (relay) return;
  show("connecting…");
  try {
    // Built from wasmq/jetstream and the @nats-io client by `make demo` (they ship CommonJS).
    const { relayToJetStream } = await import("/build/jetstream.js");
    queue ??= await Queue.open("demo-relay", { maxAttempts: 10, backoff: { type: "exponential", delayMs: 500, maxDelayMs: 10_000 } });
    relay = await relayToJetStream(queue, { servers, stream, subject });
    relay.addEventListener("disconnected", () => show("disconnected: jobs wait on the device"));
    relay.addEventListener("connected", () => show(`relaying to ${stream}`));
    show(`relaying to ${stream} (duplicate window ${relay.duplicateWindowMs / 1000} s${relay.perSubject ? ", one message per subject" : ""})`);
    $("relay-enqueue").disabled = false;
  } catch (e) {
    show(`${e.code ?? e.name}: ${e.message}`, true);
  }
}

async function enqueue() {
  const n = 1000;
  await queue.enqueueMany(Array.from({ length: n }, (_, i) => ({ order: i, at: Date.now() })));
  render();
}

export function startRelayPanel() {
  const params = new URLSearchParams(location.search);
  $("relay-ws").value = params.get("nats") ?? "";
  $("relay-stream").value = params.get("stream") ?? "DEMO";
  $("relay-subject").value = params.get("subject") ?? "DEMO.jobs";
  $("relay-connect").addEventListener("click", connect);
  $("relay-enqueue").addEventListener("click", () => enqueue().catch((e) => show(`${e.code ?? e.name}: ${e.message}`, true)));
  setInterval(render, 250);
  if (params.get("nats")) connect();
  window.wasmqRelayPanel = { stats: () => relay?.stats ?? null, pending: () => queue?.stats().pending ?? null };
}
