// Types of `wasmq/http`.
import type { Job, Queue } from "./wasmq.js";
export { RelayError } from "./relay-error.js";

/** Options of `relayToHttp`. */
export interface HttpRelayOptions<T = unknown> {
  /** Where each job goes (http:// or https://). */
  url: string;
  /** Default POST. */
  method?: "POST" | "PUT" | "PATCH";
  /** More request headers (the relay sets `idempotency-key`). */
  headers?: Record<string, string>;
  /** Requests in flight at most (default 16). */
  window?: number;
  /** How long a request may take before the try counts as failed, in ms (default 10000). */
  timeoutMs?: number;
  /** The request body for a job (default: the payload as JSON). */
  body?: (job: Job<T>) => BodyInit;
}

/** What an HTTP relay has done. */
export interface HttpRelayStats {
  inFlight: number;
  /** Jobs answered 2xx (acked). */
  relayed: number;
  /** Tries after the first. */
  retried: number;
  /** Jobs answered with a status no retry can mend (dead letters). */
  rejected: number;
}

/** A running HTTP relay. */
export interface HttpRelay {
  readonly stats: HttpRelayStats;
  /** Stops relaying (pauses the queue). */
  close(): void;
}

/**
 * Relays every job of `queue` to `options.url` with `Idempotency-Key: ${queue.origin}:${job.id}`:
 * 2xx acks; 408/409/425/429/5xx, timeouts and network errors retry; other statuses are dead letters at once.
 */
export function relayToHttp<T>(queue: Queue<T>, options: HttpRelayOptions<T>): HttpRelay;

/** For a 429 or 503 answer with `Retry-After` (seconds or an HTTP date): when the next try may start (ms since the epoch); else undefined. */
export function retryAfter(res: Response, now?: number): number | undefined;
