// The adapter store's JS snippet as the package ships it (pkg/snippets/…/kv.js): its key layout (what it
// writes parses back, keys sort as their numbers, other shapes are not the store's), a load's listing over a
// Map adapter (the commits to replay, the garbage, the next `seq`, exact past 2^53), and how it rejects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";

const pkg = new URL("../../pkg/", import.meta.url);
const shipped = readdirSync(new URL("snippets/", pkg), { recursive: true }).find((f) => f.endsWith("store/kv.js"));
assert.ok(shipped, "the package ships the kv.js snippet");
const { append, compact, markerKey, open, parseKey, partKey, read, sweep } = await import(new URL(`snippets/${shipped}`, pkg));

const prefix = "wasmq:jobs/";
const seq16 = (n) => String(n).padStart(16, "0");

/** An adapter over a Map (its `map`), every call recorded in `calls`. */
function mapAdapter(map = new Map()) {
  const calls = [];
  return {
    map,
    calls,
    async put(key, value) {
      calls.push(["put", key]);
      map.set(key, structuredClone(value));
    },
    async delete(key) {
      calls.push(["delete", key]);
      return map.delete(key);
    },
    async list({ prefix }) {
      return new Map([...map].filter(([k]) => k.startsWith(prefix)));
    },
  };
}

/** How `promise` rejected. */
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("it resolved");
}

test("the keys it writes parse back", () => {
  for (const [seq, part] of [
    [0, 0],
    [7, 3],
    ["9999999999999999", 999_999],
    [1, 1_000_000],
  ]) {
    const s = typeof seq === "string" ? seq : seq16(seq);
    const m = markerKey(prefix, s);
    assert.deepEqual(parseKey(m.slice(prefix.length)), [s], m);
    const d = partKey(prefix, s, part);
    assert.deepEqual(parseKey(d.slice(prefix.length)), [s, part], d);
  }
  assert.equal(partKey(prefix, seq16(7), 3), "wasmq:jobs/d/0000000000000007/000003");
  assert.equal(markerKey(prefix, seq16(7)), "wasmq:jobs/c/0000000000000007");
});

test("keys sort as their numbers do", () => {
  const keys = [1, 9, 10, 11, 100].map((n) => markerKey(prefix, seq16(n)));
  assert.deepEqual([...keys].sort(), keys);
});

test("keys of other shapes are not the store's", () => {
  for (const rest of [
    "c/7",
    "c/000000000000007",
    "c/00000000000000070",
    "c/c/0000000000000007",
    "c/000000000000000x",
    "c/0000000000000007\n",
    "d/0000000000000007/",
    "d/0000000000000007",
    "d/7/000001",
    "d/0000000000000007/1x",
    "d/0000000000000007/99999999999",
    "d/0000000000000007/4294967296",
    "x/0000000000000007",
    "",
  ]) {
    assert.equal(parseKey(rest), undefined, JSON.stringify(rest));
  }
  assert.deepEqual(parseKey("d/0000000000000007/4294967295"), ["0000000000000007", 4294967295]);
});

test("another queue whose name extends this one's is not read", async () => {
  // Queue "a" lists prefix "wasmq:a/"; queue "a/c" writes under "wasmq:a/c/".
  const adapter = mapAdapter();
  const theirs = open(adapter, "a/c", 1);
  await read(theirs);
  await append(theirs, [{ n: 1 }]);
  assert.equal(adapter.map.size, 2);
  const mine = open(adapter, "a", 1);
  assert.deepEqual(await read(mine), [[], []]);
  await sweep(mine);
  assert.equal(adapter.map.size, 2, "their keys are left alone");
});

test("a commit is its parts, then its marker; a load lists it back", async () => {
  const adapter = mapAdapter();
  const c = open(adapter, "jobs", 1);
  assert.deepEqual(await read(c), [[], []]);
  await append(c, [{ a: 1 }, { b: 2 }]);
  assert.deepEqual(adapter.calls, [
    ["put", "wasmq:jobs/d/0000000000000001/000000"],
    ["put", "wasmq:jobs/d/0000000000000001/000001"],
    ["put", "wasmq:jobs/c/0000000000000001"],
  ]);
  assert.deepEqual(adapter.map.get("wasmq:jobs/c/0000000000000001"), { v: 1, kind: "log", parts: 2 });
  const again = open(adapter, "jobs", 1);
  assert.deepEqual(await read(again), [
    [[1, false, { v: 1, kind: "log", parts: 2 }, [{ a: 1 }, { b: 2 }], 2]],
    [{ a: 1 }, { b: 2 }],
  ]);
});

test("a load replays from the newest snapshot and lists the keys no commit needs", async () => {
  const map = new Map([
    [`${prefix}c/${seq16(1)}`, { v: 1, kind: "snapshot", parts: 1 }],
    [`${prefix}d/${seq16(1)}/000000`, "s1"],
    [`${prefix}c/${seq16(2)}`, { v: 1, kind: "log", parts: 1 }],
    [`${prefix}d/${seq16(2)}/000000`, "l2"],
    [`${prefix}c/${seq16(3)}`, { v: 1, kind: "snapshot", parts: 2 }],
    [`${prefix}d/${seq16(3)}/000001`, "s3b"],
    [`${prefix}d/${seq16(3)}/1`, "s3b again"],
    [`${prefix}d/${seq16(3)}/000000`, "s3a"],
    [`${prefix}d/${seq16(3)}/000002`, "beyond its parts"],
    [`${prefix}c/${seq16(4)}`, { v: 2, kind: "log", parts: 1 }],
    [`${prefix}d/${seq16(4)}/000000`, "l4"],
    [`${prefix}c/${seq16(5)}`, { v: 1, kind: "log", parts: 2 }],
    [`${prefix}d/${seq16(5)}/000001`, "l5b"],
    [`${prefix}d/${seq16(9)}/000000`, "orphan"],
    [`${prefix}mine`, "the application's"],
  ]);
  const c = open(mapAdapter(map), "jobs", 1);
  const [rows, values] = await read(c);
  assert.deepEqual(rows, [
    [3, true, { v: 1, kind: "snapshot", parts: 2 }, ["s3a", "s3b"], 2],
    [4, "unknown schema version in the commit marker (this build reads 1)", [{ v: 2, kind: "log", parts: 1 }, "l4"]],
    [5, false, { v: 1, kind: "log", parts: 2 }, ["l5b"], 2],
  ]);
  assert.deepEqual(values, ["s3a", "s3b", "l5b"], "the readable commits' parts, to decrypt");
  assert.deepEqual(c.garbage, [
    `${prefix}c/${seq16(1)}`,
    `${prefix}c/${seq16(2)}`,
    `${prefix}d/${seq16(1)}/000000`,
    `${prefix}d/${seq16(2)}/000000`,
    `${prefix}d/${seq16(9)}/000000`,
  ]);
  assert.equal(c.next, seq16(10), "after the highest seq of any of its keys");
  await sweep(c);
  assert.equal(map.has(`${prefix}d/${seq16(9)}/000000`), false);
  assert.equal(map.has(`${prefix}mine`), true);
  assert.equal(map.size, 10);
});

test("unreadable markers say why", async () => {
  const markers = [
    [7, "the commit marker is not an object"],
    [null, "the commit marker is not an object"],
    [{ v: "1", kind: "log", parts: 1 }, "unknown schema version in the commit marker (this build reads 1)"],
    [{ v: 1, kind: "Log", parts: 1 }, 'the commit marker\'s `kind` is neither "log" nor "snapshot"'],
    [{ v: 1, kind: "log", parts: 0 }, "the commit marker's `parts` is not a positive integer"],
    [{ v: 1, kind: "log", parts: 1.5 }, "the commit marker's `parts` is not a positive integer"],
    [{ v: 1, kind: "log", parts: 2 ** 32 }, "the commit marker's `parts` is not a positive integer"],
    [{ v: 1, kind: "log", get parts() { throw new Error("trap"); } }, "the commit marker's `parts` is not a positive integer"],
  ];
  for (const [i, [marker, why]] of markers.entries()) {
    const c = open(mapAdapter(new Map([[`${prefix}c/${seq16(1)}`, marker]])), "jobs", 1);
    const [[row]] = await read(c);
    assert.equal(row[1], why, `marker ${i}`);
  }
});

test("the next seq is exact past 2^53", async () => {
  const big = "9007199254740993"; // 2^53 + 1: a Number would round it down to 2^53
  const map = new Map([
    [`${prefix}c/${big}`, { v: 1, kind: "log", parts: 1 }],
    [`${prefix}d/${big}/000000`, "x"],
  ]);
  const c = open(mapAdapter(map), "jobs", 1);
  await read(c);
  await append(c, ["y"]);
  assert.deepEqual(map.get(`${prefix}c/${big}`), { v: 1, kind: "log", parts: 1 }, "the stored commit is kept");
  assert.ok(map.has(`${prefix}c/9007199254740994`), [...map.keys()].join());
});

test("a compaction writes the snapshot, then deletes the older commits (markers first)", async () => {
  const adapter = mapAdapter();
  const c = open(adapter, "jobs", 1);
  await read(c);
  await append(c, ["a", "b"]);
  await append(c, ["c"]);
  adapter.calls.length = 0;
  assert.equal(await compact(c, ["s"]), undefined);
  assert.deepEqual(adapter.calls, [
    ["put", `${prefix}d/${seq16(3)}/000000`],
    ["put", `${prefix}c/${seq16(3)}`],
    ["delete", `${prefix}c/${seq16(1)}`],
    ["delete", `${prefix}c/${seq16(2)}`],
    ["delete", `${prefix}d/${seq16(1)}/000000`],
    ["delete", `${prefix}d/${seq16(1)}/000001`],
    ["delete", `${prefix}d/${seq16(2)}/000000`],
  ]);
  assert.deepEqual([...adapter.map.keys()], [`${prefix}d/${seq16(3)}/000000`, `${prefix}c/${seq16(3)}`]);
  // A delete that fails is what the compaction resolves with: the snapshot is written.
  await append(c, ["d"]);
  const deleteFails = new Error("delete down");
  adapter.delete = async () => {
    throw deleteFails;
  };
  assert.deepEqual(await compact(c, ["t"]), [0, "storage adapter `delete`", deleteFails]);
  assert.deepEqual(adapter.map.get(`${prefix}c/${seq16(5)}`), { v: 1, kind: "snapshot", parts: 1 });
});

test("a failed put deletes the commit's parts and rejects with what the adapter threw", async () => {
  const adapter = mapAdapter();
  const c = open(adapter, "jobs", 1);
  await read(c);
  const full = new DOMException("storage is full", "QuotaExceededError");
  adapter.put = async (key, value) => {
    adapter.calls.push(["put", key]);
    if (key.includes("/c/")) throw full;
    adapter.map.set(key, value);
  };
  assert.deepEqual(await rejection(append(c, ["a", "b"])), [0, "storage adapter `put`", full]);
  assert.equal(adapter.map.size, 0, "its parts were deleted");
  assert.deepEqual(c.live, [], "it does not count");
});

test("an adapter that breaks is rejected as such", async () => {
  const c = open(mapAdapter(), "jobs", 1);
  c.adapter.put = undefined;
  assert.deepEqual(await rejection(append(c, ["a"])), [1, "storage adapter `put` is no longer a function"]);
  const shapes = [
    [5, [3, "storage adapter `list` gave something that is not iterable; expected a Map or an array of [key, value] pairs"]],
    [{}, [3, "storage adapter `list` gave something that is not iterable; expected a Map or an array of [key, value] pairs"]],
    [[7], [3, "storage adapter `list` gave an entry that is not a [key, value] pair; expected a Map or an array of [key, value] pairs"]],
    [[[1, 2]], [3, "storage adapter `list` gave a key that is not a string; expected a Map or an array of [key, value] pairs"]],
  ];
  for (const [listed, want] of shapes) {
    const c = open({ ...mapAdapter(), list: () => listed }, "jobs", 1);
    assert.deepEqual(await rejection(read(c)), want, JSON.stringify(listed));
  }
  const broken = new Error("iterator down");
  const throwing = {
    [Symbol.iterator]() {
      return {
        next() {
          throw broken;
        },
      };
    },
  };
  const c2 = open({ ...mapAdapter(), list: () => throwing }, "jobs", 1);
  assert.deepEqual(await rejection(read(c2)), [2, "storage adapter `list`", broken]);
  const down = new Error("backend down");
  const c3 = open({ ...mapAdapter(), list: async () => Promise.reject(down) }, "jobs", 1);
  assert.deepEqual(await rejection(read(c3)), [0, "storage adapter `list`", down]);
});
