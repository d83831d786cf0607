// The adapter store's I/O and key layout, written in JavaScript (a wasm-bindgen snippet the glue imports;
// bindings and what a rejection means in kv_adapter.rs, the rest of the store in kv.rs). Done from wasm, every
// `put`, `delete` and `list` of the adapter had been an awaited future inlined into the leader's open state
// machine. Here a load's listing is one promise, and so is each commit, compaction and sweep.
//
// Under `wasmq:{name}/` the store writes `d/{seq}/{part}` (a commit's parts, `part` in 6 digits) and then
// `c/{seq}`, the commit's marker `{ v, kind: "log" | "snapshot", parts }`; `seq` is 16 digits, so keys sort as
// their numbers do (it is kept here as that string: exact, whatever its size). Parsing is strict: a key of
// another shape (another queue whose name extends this one's, the application's own) is left alone.
//
// A handle (`open`) holds the adapter, the prefix, the next `seq`, the commits whose markers are stored now
// (`live`, the snapshot first if any) and the keys the last `read` found no commit needs (`garbage`).
//
// Every promise rejects with `[how, text, error]`: how 0, the adapter's method threw or rejected `error` (`text`
// names the method); 1, it is no longer a function; 3, `list` gave the wrong shape (`text` says so, whole);
// 2, iterating what `list` gave threw `error`.

const LOG = "log";
const SNAPSHOT = "snapshot";
const SEQ = /^\d{16}$/;
const DIGITS = /^\d+$/;
const U32_MAX = 4294967295;
const NOT_ITERABLE = "gave something that is not iterable";
const LIST = "storage adapter `list`";

/** A store's handle: queue `name`'s keys in `adapter`, markers of schema `version`. */
export function open(adapter, name, version) {
  return { adapter, prefix: `wasmq:${name}/`, version, next: "0000000000000000", live: [], garbage: [] };
}

/** The key of commit `seq`'s marker, under `prefix`. */
export function markerKey(prefix, seq) {
  return `${prefix}c/${seq}`;
}

/** The key of part `part` of commit `seq`, under `prefix`. */
export function partKey(prefix, seq, part) {
  return `${prefix}d/${seq}/${String(part).padStart(6, "0")}`;
}

/** What `rest` (a key without the prefix) names: `[seq]` for a marker, `[seq, part]` for a part, else undefined. */
export function parseKey(rest) {
  if (rest.startsWith("c/")) return SEQ.test(rest.slice(2)) ? [rest.slice(2)] : undefined;
  if (!rest.startsWith("d/")) return undefined;
  const slash = rest.indexOf("/", 2);
  const seq = rest.slice(2, slash);
  const part = rest.slice(slash + 1);
  if (slash < 0 || !SEQ.test(seq) || !DIGITS.test(part) || Number(part) > U32_MAX) return undefined;
  return [seq, Number(part)];
}

/** Calls `adapter[name](...args)` and awaits what it returns (a promise, any thenable, or a value). */
async function call(adapter, name, args) {
  let method;
  try {
    method = adapter[name];
  } catch {}
  const context = `storage adapter \`${name}\``;
  if (typeof method !== "function") throw [1, `${context} is no longer a function`];
  try {
    return await method.apply(adapter, args);
  } catch (e) {
    throw [0, context, e];
  }
}

/** Every `[key, value]` under the prefix that the adapter's `list` gives (a Map, an array of pairs), flat. */
async function list(c) {
  const listed = await call(c.adapter, "list", [{ prefix: c.prefix }]);
  const bad = (why) => [3, `${LIST} ${why}; expected a Map or an array of [key, value] pairs`];
  if (typeof listed !== "object" || listed === null) throw bad(NOT_ITERABLE);
  let it;
  try {
    const iterator = listed[Symbol.iterator];
    if (typeof iterator === "function") it = iterator.call(listed);
    if (typeof it !== "object" || it === null || typeof it.next !== "function") it = undefined;
  } catch (e) {
    throw [2, LIST, e];
  }
  if (!it) throw bad(NOT_ITERABLE);
  const out = [];
  for (;;) {
    let entry, key;
    try {
      const step = it.next();
      if (step?.done) break;
      entry = step?.value;
      if (Array.isArray(entry)) key = entry[0];
    } catch (e) {
      throw [2, LIST, e];
    }
    if (!Array.isArray(entry)) throw bad("gave an entry that is not a [key, value] pair");
    if (typeof key !== "string") throw bad("gave a key that is not a string");
    // Only what was asked for, whatever the adapter returned.
    if (key.startsWith(c.prefix)) out.push(key, entry[1]);
  }
  return out;
}

/** A marker read without trusting it: `[snapshot, parts]`, or why it is unreadable. */
function readMarker(value, version) {
  if (typeof value !== "object" || value === null) return "the commit marker is not an object";
  const field = (name) => {
    try {
      return value[name];
    } catch {}
  };
  if (field("v") !== version) return `unknown schema version in the commit marker (this build reads ${version})`;
  const kind = field("kind");
  if (kind !== LOG && kind !== SNAPSHOT) return 'the commit marker\'s `kind` is neither "log" nor "snapshot"';
  const parts = field("parts");
  if (!(typeof parts === "number" && parts >= 1 && parts <= U32_MAX && Number.isInteger(parts))) {
    return "the commit marker's `parts` is not a positive integer";
  }
  return [kind === SNAPSHOT, parts];
}

const bySeq = (a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);
const bySeqPart = (a, b) => bySeq(a, b) || a.part - b.part;

/**
 * What a load reads, `[rows, values]`: the commits from the newest readable snapshot on, in `seq` order, each
 * `[seq, true | false, marker, parts found, parts]` (a snapshot or a log commit: the values of parts 0, 1, ...
 * that are stored, and how many the marker names) or `[seq, why, [marker, ...its parts]]` when its marker is
 * unreadable; and the values of every readable commit's parts found, in that order (to decrypt). Sets the
 * handle's next `seq`, its live commits and the keys no commit needs (older markers first, then parts older than
 * the snapshot or without a marker): `sweep` deletes them.
 */
export async function read(c) {
  const entries = await list(c);
  const markers = [];
  const parts = [];
  let max;
  for (let i = 0; i < entries.length; i += 2) {
    const key = parseKey(entries[i].slice(c.prefix.length));
    if (!key) continue;
    const [seq, part] = key;
    if (part === undefined) markers.push({ seq, value: entries[i + 1], marker: readMarker(entries[i + 1], c.version) });
    else parts.push({ seq, part, value: entries[i + 1] });
    if (max === undefined || seq > max) max = seq;
  }
  markers.sort(bySeq);
  parts.sort(bySeqPart);
  let first = "";
  for (const m of markers) if (Array.isArray(m.marker) && m.marker[0]) first = m.seq;
  const grouped = new Map();
  for (const p of parts) {
    if (!grouped.has(p.seq)) grouped.set(p.seq, []);
    grouped.get(p.seq).push(p);
  }
  const partsOf = (seq) => grouped.get(seq) ?? [];
  const rows = [];
  const values = [];
  const live = [];
  for (const { seq, value, marker } of markers) {
    if (seq < first) continue;
    if (!Array.isArray(marker)) {
      rows.push([Number(seq), marker, [value, ...partsOf(seq).map((p) => p.value)]]);
      continue;
    }
    const [snapshot, count] = marker;
    // Part 0, 1, ... of those stored (one value per part number).
    const found = partsOf(seq).filter((p, i, all) => p.part < count && (i === 0 || all[i - 1].part !== p.part));
    rows.push([Number(seq), snapshot, value, found.map((p) => p.value), count]);
    for (const p of found) values.push(p.value);
    live.push({ seq, parts: count });
  }
  const marked = new Set(markers.map((m) => m.seq));
  c.garbage = [
    ...markers.filter((m) => m.seq < first).map((m) => markerKey(c.prefix, m.seq)),
    ...parts.filter((p) => p.seq < first || !marked.has(p.seq)).map((p) => partKey(c.prefix, p.seq, p.part)),
  ];
  c.next = max === undefined ? "0000000000000001" : String(BigInt(max) + 1n).padStart(16, "0");
  c.live = live;
  return [rows, values];
}

/** Deletes the keys the last `read` found no commit needs, in order; rejects at the first that fails. */
export async function sweep(c) {
  const keys = c.garbage;
  c.garbage = [];
  for (const key of keys) await call(c.adapter, "delete", [key]);
}

/** Writes `values` (an array) as one log commit: its parts, then its marker. */
export async function append(c, values) {
  const seq = take(c);
  await write(c, seq, LOG, values);
  c.live.push({ seq, parts: values.length });
}

/**
 * Writes `chunks` as a snapshot commit, then deletes every older commit (markers first, then parts). Rejects if
 * the snapshot was not written; resolves with the rejection of a delete that failed (the snapshot supersedes
 * them already, a load deletes what is left), or undefined.
 */
export async function compact(c, chunks) {
  const seq = take(c);
  await write(c, seq, SNAPSHOT, chunks);
  const old = c.live;
  c.live = [{ seq, parts: chunks.length }];
  try {
    for (const m of old) await call(c.adapter, "delete", [markerKey(c.prefix, m.seq)]);
    for (const m of old) for (let i = 0; i < m.parts; i++) await call(c.adapter, "delete", [partKey(c.prefix, m.seq, i)]);
  } catch (e) {
    return e;
  }
}

/** The next commit's `seq`, reserved. */
function take(c) {
  const seq = c.next;
  c.next = String(BigInt(seq) + 1n).padStart(16, "0");
  return seq;
}

/**
 * Puts `values` as the parts of commit `seq`, then its marker. On a failure the parts are deleted (best effort:
 * a load deletes what is left), nothing counts, and it rejects as the failed put did.
 */
async function write(c, seq, kind, values) {
  try {
    for (let i = 0; i < values.length; i++) await call(c.adapter, "put", [partKey(c.prefix, seq, i), values[i]]);
    await call(c.adapter, "put", [markerKey(c.prefix, seq), { v: c.version, kind, parts: values.length }]);
  } catch (e) {
    for (let i = 0; i < values.length; i++) await call(c.adapter, "delete", [partKey(c.prefix, seq, i)]).catch(() => {});
    throw e;
  }
}
