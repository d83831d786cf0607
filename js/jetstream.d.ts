// Types of `wasmq/jetstream`.
import type { NatsConnection, WsConnectionOptions } from "@nats-io/nats-core";
import type { Job, Queue } from "./wasmq.js";
export { RelayError } from "./relay-error.js";

/** Options of `relayToJetStream`. */
export interface RelayOptions<T = unknown> {
  /** WebSocket address(es) of the NATS servers (`ws://` or `wss://`); or give `connection`. */
  servers?: string | string[];
  /** A connection made with `wsconnect`; the relay then leaves it open on `close()`. */
  connection?: NatsConnection;
  /** More options for `wsconnect` (defaults: reconnect forever, every 250 ms). */
  connectionOptions?: Partial<WsConnectionOptions>;
  /** The stream the jobs go to; it must exist. */
  stream: string;
  /** The subject each job is published on, or a function of the job. */
  subject: string | ((job: Job<T>) => string);
  /** Publishes in flight at most (default 128). */
  window?: number;
  /** How long a PubAck may take before the try counts as failed, in ms (default 5000). */
  timeoutMs?: number;
  /** Pause while the browser is offline (default true). */
  pauseWhenOffline?: boolean;
}

/** What a relay has done. */
export interface RelayStats {
  connected: boolean;
  inFlight: number;
  /** Jobs the stream acknowledged (acked in the queue). */
  relayed: number;
  /** Of those, acknowledged as already stored (a repeat of an earlier try). */
  duplicates: number;
  /** Retries whose first publish may have left the duplicate window: they may be stored twice. */
  possibleDuplicates: number;
  /** Tries after the first. */
  retried: number;
}

/** A running relay. Events: `connected`, `disconnected`, `possibleduplicate` (detail `{ id, msgID, attempt }`). */
export interface Relay extends EventTarget {
  readonly stats: RelayStats;
  /** The stream's duplicate window in ms (0 when it has none). */
  readonly duplicateWindowMs: number;
  /** The stream keeps one message per subject and refuses the next, so a repeat is known to be stored. */
  readonly perSubject: boolean;
  /** Stops relaying (pauses the queue) and closes the connection the relay opened. */
  close(): Promise<void>;
}

/**
 * Relays every job of `queue` to a JetStream stream, published with
 * `Nats-Msg-Id` = `${queue.origin}:${job.id}`; a job is acked only on its PubAck.
 */
export function relayToJetStream<T>(queue: Queue<T>, options: RelayOptions<T>): Promise<Relay>;
