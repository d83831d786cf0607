// The IndexedDB store's browser plumbing, written in JavaScript (a wasm-bindgen snippet the glue imports;
// bindings and what a rejection means in idb.rs), and at its end encryption at rest's WebCrypto calls (both
// stores'; bindings in cipher.rs): opening the database (the upgrade that creates its two
// object stores, `blocked`, `versionchange`), and each transaction the store runs, whole, as one promise.
// Done from wasm, every request, event and listener had been an import shim in the wasm and the glue, and
// its futures part of the leader's open state machine. Every function but `open` takes and returns only JS
// values, so the wasm imports it directly (no shim in the glue).
//
// A transaction's promise settles once: with what it read or the log key it added on `complete`, or with
// `[where, error]`: where 0, `db.transaction` threw; 1, issuing a request threw (the transaction is aborted);
// 2, an `error` event (the failed request's error, else the transaction's); 3, `abort` (the transaction's).

const LOG = "log";
const SNAPSHOT = "snapshot";
const BOTH = [SNAPSHOT, LOG];

/**
 * Opens (creating or upgrading to `version`) database `name` of `factory`: a promise of the connection
 * (`{ db, durability }`: every readwrite transaction's durability goes with it), or of `null` when the open
 * is blocked by a connection that does not close (should it succeed later, that connection is closed at
 * once). Rejects with what `open` threw or the request's error. The connection closes itself on
 * `versionchange` (another tab upgrading or deleting the database), warning `closing`.
 */
export function open(factory, name, version, durability, closing) {
  let settled = false;
  const opening = new Promise((resolve, reject) => {
    const request = factory.open(name, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      try {
        if (!db.objectStoreNames.contains(LOG)) db.createObjectStore(LOG, { autoIncrement: true });
        if (!db.objectStoreNames.contains(SNAPSHOT)) db.createObjectStore(SNAPSHOT);
      } catch (e) {
        // Aborting the upgrade fails the open with an `error` event.
        request.transaction?.abort();
        console.warn("wasmq: IndexedDB upgrade failed:", e);
      }
    };
    request.onblocked = () => {
      if (!settled) resolve(null);
      settled = true;
    };
    request.onsuccess = () => {
      const db = request.result;
      // Already answered (`blocked`), or nobody waits any more (`abandon`): nobody will use it.
      if (settled || opening.abandoned) return db.close();
      settled = true;
      db.onversionchange = () => {
        console.warn(closing);
        db.close();
      };
      resolve({ db, durability });
    };
    request.onerror = () => {
      if (!settled) reject(request.error);
      settled = true;
    };
  });
  return opening;
}

/** Nobody awaits `opening` (an `open` promise) any more: a connection it still makes is closed. */
export function abandon(opening) {
  opening.abandoned = true;
}

/** Closes connection `c`. */
export function close(c) {
  c.db.close();
}

/** Everything a load reads, in one readonly transaction: `[chunks, chunkKeys, batches, keys]`. */
export function readAll(c) {
  return run(c.db, "readonly", undefined, (txn) => {
    const snapshot = txn.objectStore(SNAPSHOT);
    const log = txn.objectStore(LOG);
    const reads = [snapshot.getAll(), snapshot.getAllKeys(), log.getAll(), log.getAllKeys()];
    return () => reads.map((r) => r.result);
  });
}

/**
 * Adds `value` to the log in one readwrite transaction, and with `deletes` (`[store, key, ...]`, or
 * undefined) deletes those records in the same one: the new log key.
 */
export function append(c, value, deletes) {
  return run(c.db, c.durability, deletes && BOTH, (txn) => {
    const added = txn.objectStore(LOG).add(value);
    for (let i = 0; deletes && i < deletes.length; i += 2) txn.objectStore(deletes[i]).delete(deletes[i + 1]);
    return () => added.result;
  });
}

/** A compaction, in one readwrite transaction: the snapshot becomes `chunks` (keys 0, 1, ...) and the log keys up to `covered` go. */
export function writeSnapshot(c, chunks, covered) {
  return run(c.db, c.durability, BOTH, (txn) => {
    const snapshot = txn.objectStore(SNAPSHOT);
    snapshot.clear();
    chunks.forEach((chunk, i) => snapshot.put(chunk, i));
    txn.objectStore(LOG).delete(IDBKeyRange.upperBound(covered));
    return () => undefined;
  });
}

/**
 * Runs `issue(txn)` in a transaction over `stores` (default the log; `durability` "readonly" for a read) and
 * settles as the header says, on `complete` with what the function `issue` returned gives.
 */
function run(db, durability, stores, issue) {
  return new Promise((resolve, reject) => {
    let txn;
    try {
      txn = durability === "readonly" ? db.transaction(BOTH, "readonly") : db.transaction(stores ?? LOG, "readwrite", { durability });
    } catch (e) {
      return reject([0, e]);
    }
    let result;
    try {
      result = issue(txn);
    } catch (e) {
      try {
        txn.abort();
      } catch {}
      return reject([1, e]);
    }
    txn.oncomplete = () => resolve(result());
    // The event bubbled from the failed request, if any.
    txn.onerror = (event) => reject([2, event.target?.error ?? txn.error]);
    txn.onabort = () => reject([3, txn.error]);
  });
}

// Encryption at rest, for both stores (IndexedDB's and the adapter's: WebCrypto is there in Node, Deno and
// workerd too; bindings and the format in cipher.rs): a stored value's payload column `p` sealed as `e: { iv, ct }`, AES-GCM with a fresh 96-bit
// IV, of the UTF-8 JSON of that column, and opened back. Done from wasm, each WebCrypto call, buffer and
// JSON step had been an import shim and part of an async state machine.
//
// `seal` and `unseal` each take a whole load's or commit's stored values and return one promise (one await in
// wasm, not one per value) that resolves once every value was changed in place, or rejects, at the first value
// that fails (in order), with the message that says why: the caller then drops them all.

/** The message of what a WebCrypto call threw or rejected with. */
const detail = (e) => (e instanceof Error ? e.message : typeof e === "string" ? e : "");

/** `value[key]`, or undefined where reading it throws (`value` null, a throwing getter). */
function field(value, key) {
  try {
    return value[key];
  } catch {
    return undefined;
  }
}

/** Whether this global scope has WebCrypto. */
export function webCrypto() {
  try {
    return globalThis.crypto instanceof Crypto;
  } catch {
    return false;
  }
}

/** Seals `values`, one stored value or an array of them, in order. */
export async function seal(key, values) {
  for (const value of [values].flat()) await sealOne(key, value);
}

/** Opens the stored values in `values` and then in `more` (an array, if given), in order. */
export async function unseal(key, values, more) {
  for (const value of [values, more ?? []].flat()) await unsealOne(key, value);
}

/** Replaces `value.p` by `value.e`, its ciphertext under `key`. */
async function sealOne(key, value) {
  let json;
  try {
    json = JSON.stringify(value.p) ?? "[]";
  } catch (e) {
    throw `a payload is not JSON-serializable: ${detail(e)}`;
  }
  const iv = new Uint8Array(12);
  try {
    crypto.getRandomValues(iv);
  } catch (e) {
    throw `no random IV: ${detail(e)}`;
  }
  let ct;
  try {
    ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(json));
  } catch (e) {
    throw `cannot encrypt: ${detail(e)}`;
  }
  value.e = { iv, ct: new Uint8Array(ct) };
  delete value.p;
}

/** Replaces `value.e` by the payload column it seals under `key`; a value without `e` stays as it is. */
async function unsealOne(key, value) {
  const sealed = field(value, "e");
  if (sealed === undefined) return;
  const part = (k) => {
    const p = field(sealed, k);
    if (!(p instanceof Uint8Array)) throw `sealed value has no ${k}`;
    return p;
  };
  const iv = part("iv");
  const ct = part("ct");
  let plain;
  try {
    plain = crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ct);
  } catch (e) {
    throw `cannot decrypt: ${detail(e)}`;
  }
  try {
    plain = await plain;
  } catch (e) {
    throw `cannot decrypt stored payloads (wrong encryptionKey?): ${detail(e)}`;
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plain);
  } catch {
    throw "decrypted payloads are not UTF-8";
  }
  let column;
  try {
    column = JSON.parse(text);
  } catch {}
  if (!Array.isArray(column)) throw "decrypted payloads are not a list";
  value.p = column;
  delete value.e;
}
