// Assertions shared by the runtime tests: what the scenario in scenario.mjs must report on every runtime.
import assert from "node:assert/strict";

/** Checks a scenario result: 16 completed (15 + the keyed job), 5 dead after 3 tries each, 10 retries. */
export function expectScenario(r) {
  assert.equal(r.storage, "memory");
  assert.equal(new Set(r.ids).size, 20, "20 distinct ids");
  assert.deepEqual(r.stats, { pending: 0, delayed: 0, inFlight: 0, completed: 16, retried: 10, dead: 5 });
  assert.deepEqual(r.events, { completed: 16, retrying: 10, dead: 5, error: 0 }, "events dispatched");
  assert.equal(r.duplicate.first.duplicate, false);
  assert.deepEqual(r.duplicate.second, { id: r.duplicate.first.id, duplicate: true, replaced: false }, "idempotency key dedups");
  assert.deepEqual(r.dead.map((d) => d.id).sort((a, b) => a - b), [...r.failing].sort((a, b) => a - b), "dead letters are the failing jobs");
  for (const d of r.dead) {
    assert.equal(d.attempts, 3);
    assert.match(d.lastError, /^boom \d+$/);
    assert.equal(r.tries[d.id], 3, `job ${d.id} was tried 3 times`);
  }
  for (const id of r.ids.filter((id) => !r.failing.includes(id))) assert.equal(r.tries[id], 1, `job ${id} ran once`);
  assert.deepEqual(r.invalid, { name: "WasmqError", code: "INVALID_OPTION", isError: true });
  assert.equal(r.redriven, 1);
  assert.equal(r.purged, 4, "purge() removed the 4 dead letters left");
  assert.deepEqual(r.afterCleanup, { pending: 1, delayed: 0, inFlight: 0, completed: 16, retried: 10, dead: 0 }, "the redriven job waits (paused)");
  assert.equal(r.closed, true);
}
