// @ts-self-types="./jetstream.d.ts"
// `wasmq/jetstream`: relays a queue's jobs to a NATS JetStream stream over WebSocket with the official client (@nats-io/nats-core, @nats-io/jetstream: optional peer dependencies).
import { wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { RelayError, checkOptionNames, invalid } from "./relay-error.js";

export { RelayError };

const PER_SUBJECT_FULL = /maximum messages per subject exceeded/i;

/** Reads and checks the options; throws RelayError INVALID_OPTION naming the option. */
function readOptions(options) {
  checkOptionNames(options, ["servers", "connection", "connectionOptions", "stream", "subject", "window", "timeoutMs", "pauseWhenOffline"], "relayToJetStream");
  const { servers, connection, connectionOptions = {}, stream, subject, window = 128, timeoutMs = 5000, pauseWhenOffline = true } = options;
  if (connection === undefined) {
    const list = Array.isArray(servers) ? servers : [servers];
    if (list.length === 0 || !list.every((s) => typeof s === "string" && s !== "")) throw invalid("servers", "must be a ws:// or wss:// address (or a list of them), or give `connection`");
    for (const s of list) {
      let url;
      try {
        url = new URL(s);
      } catch {
        throw invalid("servers", `${JSON.stringify(s)} is not a URL`);
      }
      if (url.protocol !== "ws:" && url.protocol !== "wss:") throw invalid("servers", `${JSON.stringify(s)} is not a ws:// or wss:// address`);
    }
  } else if (connection === null || typeof connection !== "object" || typeof connection.request !== "function") {
    throw invalid("connection", "must be a NatsConnection (from wsconnect)");
  }
  if (typeof stream !== "string" || stream === "") throw invalid("stream", "must be a stream name");
  if (typeof subject !== "function" && (typeof subject !== "string" || subject === "" || /[\s*>]/.test(subject))) {
    throw invalid("subject", "must be a subject without wildcards, or a function (job) => subject");
  }
  if (!Number.isInteger(window) || window < 1 || window > 10_000) throw invalid("window", "must be an integer in [1, 10000]");
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid("timeoutMs", "must be a positive number of ms");
  return { servers, connection, connectionOptions, stream, subject, window, timeoutMs, pauseWhenOffline: pauseWhenOffline !== false };
}

/** The bytes published for a payload: bytes as they are, a string as UTF-8, anything else as JSON. */
function encode(payload) {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === "string") return new TextEncoder().encode(payload);
  return new TextEncoder().encode(JSON.stringify(payload ?? null));
}

/**
 * Relays every job of `queue` to JetStream stream `options.stream`: each job is
 * published with `Nats-Msg-Id` = `${queue.origin}:${job.id}` (the same on every
 * retry, reload and tab), at most `window` in flight, and acked only on its
 * PubAck. Resolves once connected and checked; rejects with a RelayError (and
 * takes no job) when the address, the stream or the subject is wrong.
 */
export async function relayToJetStream(queue, options) {
  const o = readOptions(options);
  let nc = o.connection;
  const own = nc === undefined;
  if (own && typeof globalThis.WebSocket !== "function") {
    // wsconnect would wait forever for a WebSocket class that is not there.
    throw new RelayError("RELAY_UNREACHABLE", "this runtime has no WebSocket (Node 20 needs --experimental-websocket; Node 22, Deno, browsers and workers have it)");
  }
  if (own) {
    try {
      nc = await wsconnect({ servers: o.servers, maxReconnectAttempts: -1, reconnectTimeWait: 250, ...o.connectionOptions });
    } catch (e) {
      throw new RelayError("RELAY_UNREACHABLE", `cannot reach ${[o.servers].flat().join(", ")}: ${e?.message ?? e}`, e);
    }
  }
  let info;
  try {
    const jsm = await jetstreamManager(nc, { timeout: o.timeoutMs });
    info = await jsm.streams.info(o.stream);
    if (typeof o.subject === "string") {
      const owner = await jsm.streams.find(o.subject).catch(() => null);
      if (owner !== o.stream) {
        throw new RelayError("SUBJECT_NOT_IN_STREAM", `subject ${o.subject} is not bound to stream ${o.stream}${owner ? ` but to ${owner}` : ""}`);
      }
    }
  } catch (e) {
    if (own) await nc.close().catch(() => {});
    if (e instanceof RelayError) throw e;
    const missing = e?.name === "StreamNotFoundError" || /stream not found/i.test(e?.message ?? "");
    throw new RelayError(missing ? "STREAM_NOT_FOUND" : "RELAY_UNREACHABLE", `stream ${o.stream}: ${e?.message ?? e}`, e);
  }
  return new Relay(queue, nc, own, o, info.config);
}

/** A running relay: an EventTarget (`connected`, `disconnected`, `possibleduplicate`) with `stats` and `close()`. */
class Relay extends EventTarget {
  #queue;
  #nc;
  #own;
  #js;
  #o;
  #firstTry = new Map();
  #closed = false;
  #offline = null;

  constructor(queue, nc, own, o, config) {
    super();
    this.#queue = queue;
    this.#nc = nc;
    this.#own = own;
    this.#o = o;
    this.#js = jetstream(nc, { timeout: o.timeoutMs });
    /** The stream's duplicate window in ms (0 when it has none). */
    this.duplicateWindowMs = Math.floor((config.duplicate_window ?? 0) / 1e6);
    /** The stream keeps one message per subject and refuses the next: a repeat is known to be stored. */
    this.perSubject = config.max_msgs_per_subject === 1 && config.discard === "new" && config.discard_new_per_subject === true;
    this.stats = { connected: true, inFlight: 0, relayed: 0, duplicates: 0, possibleDuplicates: 0, retried: 0 };
    this.#watch();
    if (o.pauseWhenOffline && typeof globalThis.addEventListener === "function" && typeof navigator !== "undefined" && "onLine" in navigator) {
      const onChange = () => this.#online(navigator.onLine);
      globalThis.addEventListener("online", onChange);
      globalThis.addEventListener("offline", onChange);
      this.#offline = onChange;
      if (!navigator.onLine) this.#pause();
    }
    queue.process((job) => this.#publish(job), { concurrency: o.window });
  }

  async #publish(job) {
    const origin = this.#queue.origin;
    const msgID = `${origin}:${job.id}`;
    const subject = typeof this.#o.subject === "function" ? this.#o.subject(job) : this.#o.subject;
    if (job.attempt > 1) {
      this.stats.retried++;
      this.#checkWindow(job, msgID);
    } else {
      this.#firstTry.set(msgID, Date.now());
    }
    this.stats.inFlight++;
    try {
      const ack = await this.#js.publish(subject, encode(job.payload), { msgID, timeout: this.#o.timeoutMs });
      if (ack.duplicate) this.stats.duplicates++;
    } catch (e) {
      // In a stream made for dedup (one message per subject, the job id in it), a refusal means it is stored.
      if (!(this.perSubject && PER_SUBJECT_FULL.test(e?.message ?? ""))) {
        if (job.attempt >= job.maxAttempts) this.#firstTry.delete(msgID); // its last try: a dead letter next
        throw new Error(`${e?.name ?? "Error"}: ${e?.message ?? e}`);
      }
      this.stats.duplicates++;
    } finally {
      this.stats.inFlight--;
    }
    this.#firstTry.delete(msgID);
    this.stats.relayed++;
  }

  /** A retry whose first publish may have left the stream's duplicate window is reported: it may be stored twice. */
  #checkWindow(job, msgID) {
    if (this.perSubject) return;
    const first = this.#firstTry.get(msgID) ?? job.enqueuedAt; // after a reload: no later than the enqueue
    if (this.duplicateWindowMs > 0 && Date.now() - first <= this.duplicateWindowMs) return;
    this.stats.possibleDuplicates++;
    this.dispatchEvent(new CustomEvent("possibleduplicate", { detail: { id: job.id, msgID, attempt: job.attempt } }));
  }

  async #watch() {
    for await (const s of this.#nc.status()) {
      if (this.#closed) return;
      // Each failed reconnect attempt reports "disconnect" again: only the change is an event.
      if (s.type === "disconnect" && this.stats.connected) {
        this.stats.connected = false;
        this.#pause();
        this.dispatchEvent(new CustomEvent("disconnected"));
      } else if (s.type === "reconnect" && !this.stats.connected) {
        this.stats.connected = true;
        if (this.#offline === null || navigator.onLine) this.#resume();
        this.dispatchEvent(new CustomEvent("connected"));
      }
    }
  }

  #online(online) {
    if (online && this.stats.connected) this.#resume();
    else if (!online) this.#pause();
  }

  // A queue closed under the relay throws QUEUE_CLOSED: nothing left to pause or resume.
  #pause() {
    if (!this.#queue.closed) this.#queue.pause();
  }

  #resume() {
    if (!this.#queue.closed && !this.#closed) this.#queue.resume();
  }

  /** Stops relaying (the queue is paused; close it separately) and closes the connection the relay opened. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#offline) {
      globalThis.removeEventListener("online", this.#offline);
      globalThis.removeEventListener("offline", this.#offline);
    }
    this.#pause();
    if (this.#own) await this.#nc.close();
  }
}
