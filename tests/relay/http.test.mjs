// The HTTP relay (wasmq/http) against a small local server, in Node from the built package: the Idempotency-Key, which statuses retry and which make dead letters, network errors, bad configuration.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import init, { Queue } from "../../pkg/wasmq.js";
import { relayToHttp, retryAfter } from "../../pkg/http.js";

let server;
let url;
const seen = []; // { key, kind, body, contentType }

/** Answers by the job's `kind`: the first try of a flaky kind fails, the next succeeds. */
function answer(req, res, body) {
  const key = req.headers["idempotency-key"];
  const { kind } = JSON.parse(body);
  const tries = seen.filter((s) => s.key === key).length;
  seen.push({ key, kind, body, contentType: req.headers["content-type"] });
  const first = tries === 0;
  const status = { ok: 200, flaky: first ? 503 : 200, busy: first ? 429 : 201, conflict: first ? 409 : 200, bad: 400, gone: 404 }[kind];
  if (kind === "drop" && first) return req.socket.destroy(); // a network error
  if (kind === "paced" && first) {
    seen.at(-1).answeredAt = Date.now();
    return res.writeHead(429, { "retry-after": "30" }).end(); // 30 s: far beyond the queue's 20 ms backoff
  }
  res.writeHead(status ?? 200).end();
}

before(async () => {
  await init({ module_or_path: readFileSync(new URL("../../pkg/wasmq_bg.wasm", import.meta.url)) });
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => answer(req, res, body));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${server.address().port}/jobs`;
});

after(() => server?.close());

test("each job is sent with its Idempotency-Key; 2xx acks, 408/409/425/429/5xx and network errors retry, other statuses are dead at once", { timeout: 60_000 }, async () => {
  const q = await Queue.open("http-relay", { storage: "memory", maxAttempts: 5, backoff: { type: "fixed", delayMs: 20, jitter: false } });
  const kinds = ["ok", "flaky", "busy", "conflict", "drop", "bad", "gone"];
  const ids = {};
  for (const kind of kinds) ids[kind] = (await q.enqueue({ kind, n: kinds.indexOf(kind) })).id;
  const relay = relayToHttp(q, { url, window: 4 });
  await q.drained();
  const s = q.stats();
  assert.deepEqual([s.completed, s.dead, s.pending], [5, 2, 0]);
  assert.deepEqual([relay.stats.relayed, relay.stats.rejected, relay.stats.retried], [5, 2, 4]);
  const dead = Object.fromEntries((await q.deadLetters()).map((d) => [d.payload.kind, [d.attempts, d.lastError]]));
  assert.deepEqual(dead, { bad: [1, "HTTP 400 Bad Request"], gone: [1, "HTTP 404 Not Found"] });
  for (const kind of kinds) {
    const requests = seen.filter((r) => r.kind === kind);
    const want = ["flaky", "busy", "conflict", "drop"].includes(kind) ? 2 : 1;
    assert.equal(requests.length, want, `${kind}: tries`);
    assert.ok(requests.every((r) => r.key === `${q.origin}:${ids[kind]}`), `${kind}: the same key on every try`);
    assert.ok(requests.every((r) => r.contentType === "application/json" && JSON.parse(r.body).kind === kind));
  }
  relay.close();
  await q.close();
});

test("a 429 with Retry-After holds the job's next try until then, not the backoff", { timeout: 30_000 }, async () => {
  const q = await Queue.open("http-paced", { storage: "memory", maxAttempts: 5, backoff: { type: "fixed", delayMs: 20, jitter: false } });
  const { id } = await q.enqueue({ kind: "paced" });
  const relay = relayToHttp(q, { url });
  let job;
  for (let i = 0; i < 200 && !(job = (await q.jobs({ states: ["delayed"] }))[0]); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(job, "the job waits for its next try");
  const answered = seen.find((r) => r.kind === "paced").answeredAt;
  assert.equal(job.id, id);
  assert.equal(job.lastError, "HTTP 429 Too Many Requests");
  assert.ok(job.dueAt >= answered + 30_000, `due ${job.dueAt - answered} ms after the answer: Retry-After, not the 20 ms backoff`);
  assert.equal(seen.filter((r) => r.kind === "paced").length, 1, "no second try yet");
  relay.close();
  await q.close();
});

test("retryAfter reads seconds and HTTP dates of 429 and 503 answers only", () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const res = (status, value) => ({ status, headers: new Headers(value === undefined ? {} : { "retry-after": value }) });
  assert.equal(retryAfter(res(429, "120"), now), now + 120_000);
  assert.equal(retryAfter(res(503, "Tue, 01 Dec 2026 10:05:00 GMT"), now), now + 300_000);
  assert.equal(retryAfter(res(503, "Tue, 01 Dec 2026 09:00:00 GMT"), now), now, "a date past is now");
  assert.equal(retryAfter(res(429, "soon"), now), undefined);
  assert.equal(retryAfter(res(429), now), undefined);
  assert.equal(retryAfter(res(500, "120"), now), undefined, "only 429 and 503 carry it");
});

test("bad HTTP relay options are a typed error and take no job", { timeout: 30_000 }, async () => {
  const q = await Queue.open("http-bad", { storage: "memory" });
  await q.enqueue({ kind: "ok" });
  for (const [options, option] of [
    [{ url: "ftp://127.0.0.1/x" }, "url"],
    [{ url: "not a url" }, "url"],
    [{ url, method: "GET" }, "method"],
    [{ url, window: 0 }, "window"],
    [{ url, timeoutMs: -1 }, "timeoutMs"],
    [{ url, typo: true }, "typo"],
  ]) {
    assert.throws(() => relayToHttp(q, options), (e) => e.name === "RelayError" && e.code === "INVALID_OPTION" && e.option === option);
  }
  assert.equal(q.stats().pending, 1);
  q.process(() => {}); // nothing took the queue's processing
  await q.drained();
  await q.close();
});
