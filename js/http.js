// @ts-self-types="./http.d.ts"
// `wasmq/http`: relays a queue's jobs to an HTTP endpoint, each POSTed with `Idempotency-Key: <origin>:<job id>` so the server can drop a repeat.
import { RelayError, checkOptionNames, invalid } from "./relay-error.js";

const RETRYABLE = new Set([408, 409, 425, 429]);

/** When a 429 or 503 answer's `Retry-After` (seconds, or an HTTP date) allows the next try; undefined without one. */
export function retryAfter(res, now = Date.now()) {
  if (res.status !== 429 && res.status !== 503) return undefined;
  const value = res.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return now + Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(at, now) : undefined;
}

function readOptions(options) {
  checkOptionNames(options, ["url", "method", "headers", "window", "timeoutMs", "body"], "relayToHttp");
  const { url, method = "POST", headers = {}, window = 16, timeoutMs = 10_000, body } = options;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("url", `${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw invalid("url", "must be an http:// or https:// address");
  if (!["POST", "PUT", "PATCH"].includes(method)) throw invalid("method", "must be POST, PUT or PATCH");
  if (headers === null || typeof headers !== "object") throw invalid("headers", "must be an object of header names and values");
  if (!Number.isInteger(window) || window < 1 || window > 1000) throw invalid("window", "must be an integer in [1, 1000]");
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid("timeoutMs", "must be a positive number of ms");
  if (body !== undefined && typeof body !== "function") throw invalid("body", "must be a function (job) => request body");
  return { url: parsed.href, method, headers, window, timeoutMs, body };
}

/**
 * Relays every job of `queue` to `options.url`: one request per job with
 * `Idempotency-Key: ${queue.origin}:${job.id}` (the same on every retry,
 * reload and tab), the payload as JSON. A 2xx acks the job; 408, 409, 425,
 * 429, 5xx, a timeout or a network error retries it with the queue's
 * backoff — a 429 or 503 with `Retry-After` no sooner than it says; any
 * other status makes it a dead letter at once, with the status.
 */
export function relayToHttp(queue, options) {
  const o = readOptions(options);
  const stats = { inFlight: 0, relayed: 0, retried: 0, rejected: 0 };
  let closed = false;
  queue.process(async (job) => {
    if (job.attempt > 1) stats.retried++;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    job.signal.addEventListener("abort", () => timeout.abort(job.signal.reason), { once: true });
    stats.inFlight++;
    let res;
    try {
      res = await fetch(o.url, {
        method: o.method,
        headers: { "content-type": "application/json", ...o.headers, "idempotency-key": `${queue.origin}:${job.id}` },
        body: o.body ? o.body(job) : JSON.stringify(job.payload ?? null),
        signal: timeout.signal,
      });
      await res.arrayBuffer().catch(() => {}); // let the connection be reused
    } finally {
      clearTimeout(timer);
      stats.inFlight--;
    }
    if (res.ok) {
      stats.relayed++;
      return;
    }
    const error = new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
    if (res.status >= 500 || RETRYABLE.has(res.status)) throw Object.assign(error, { retryAt: retryAfter(res) });
    stats.rejected++;
    throw Object.assign(error, { retry: false });
  }, { concurrency: o.window });
  return {
    stats,
    /** Stops relaying (pauses the queue; close it separately). */
    close() {
      if (!closed && !queue.closed) queue.pause();
      closed = true;
    },
  };
}

export { RelayError };
