// The runtime's browser link, written in JavaScript (a wasm-bindgen snippet the glue imports; bindings in
// web.rs): the Web Locks API's lock of a queue name, requested with an AbortController's signal, and a
// BroadcastChannel with its message listener. Done from wasm, each of those calls, the lock callback and the
// listener had been an import shim, a closure and a future. Every function but `join`, `lock`, `calls` and
// `forwardCall` takes and returns only JS values, so the wasm imports it directly (no shim in the glue). At the end,
// the table of an instance's forwarded calls, in every runtime (the in-realm link's too).
//
// A link is `{ name, locks, channel, abort, waiting }`: `waiting` holds each `lock` promise not settled yet,
// which `close` resolves with `null`.

/**
 * Joins the lock and channel `wasmq:<name>`: the link, or `null` when this global scope has no
 * `navigator.locks` or no `BroadcastChannel`, or the channel cannot be made.
 */
export function join(name) {
  name = `wasmq:${name}`;
  try {
    const locks = globalThis.navigator?.locks;
    if (typeof BroadcastChannel !== "function" || typeof locks !== "object" || locks === null) return null;
    const channel = new BroadcastChannel(name);
    let abort;
    try {
      abort = new AbortController();
    } catch {}
    return { name, locks, channel, abort, waiting: new Set() };
  } catch {
    return null;
  }
}

/** Calls `onMessage(data)` for each message the others post on `link`'s channel. */
export function listen(link, onMessage) {
  link.channel.onmessage = (e) => onMessage(e.data);
}

/**
 * Requests `link`'s lock (with `ifAvailable`, answered at once; else waiting, until `close` aborts it): a
 * promise of the held lock (`{ release, done }`, for `release`), or of `null` when not available or closed.
 * A request the lock manager refuses leaves the promise waiting for `close`. A lock granted once nobody
 * waits any more (closed, or `abandon`ed) is released at once.
 */
export function lock(link, ifAvailable) {
  let grant;
  const granted = new Promise((resolve) => (grant = resolve));
  granted.grant = grant;
  link.waiting.add(granted);
  const options = { ifAvailable };
  if (link.abort && !ifAvailable) options.signal = link.abort.signal;
  const held = {};
  const callback = (lock) => {
    if (!link.waiting.delete(granted)) return;
    if (lock == null) return grant(null);
    // The lock is held until `release` resolves this promise.
    return new Promise((release) => {
      held.release = release;
      grant((granted.held = held));
    });
  };
  try {
    // `done` settles once the lock manager has let the lock go. An aborted request rejects; that is
    // expected on close.
    held.done = link.locks.request(link.name, options, callback).catch(() => {});
  } catch {}
  return granted;
}

/** Nobody awaits `granted` (a `lock` promise) any more: a lock it still gets, or got, is released. */
export function abandon(link, granted) {
  link.waiting.delete(granted);
  granted.held?.release();
}

/** Releases held lock `held`: the promise that settles once another request can take it. */
export function release(held) {
  held.release();
  return Promise.resolve(held.done);
}

/** Posts `message` to the others (a message that cannot be cloned is not posted). */
export function post(link, message) {
  try {
    link.channel.postMessage(message);
  } catch {}
}

/** Leaves the channel, aborts a waiting lock request and resolves each `lock` promise not settled with `null`. */
export function close(link) {
  link.channel.onmessage = null;
  link.channel.close();
  link.abort?.abort();
  for (const granted of link.waiting) granted.grant(null);
  link.waiting.clear();
}

// The calls an instance forwarded to its leader and still awaits (bindings in instance/forward.rs), in every runtime:
// `{ from, n, out }`, `out` a Map from a request's number to `[request, settle]`; numbers only grow and a Map keeps
// insertion order, so its values are in number order (the order they are re-sent in).

/** An empty table of the calls instance `from` forwards. */
export function calls(from) {
  return { from, n: 1, out: new Map() };
}

/**
 * Records forwarded call `op(...args)`: `[request, answer]`, the request to post and the promise of its answer (the
 * leader's `res` message, or `null` once given up).
 */
export function forwardCall(table, op, args) {
  const n = ++table.n;
  const request = { t: "req", from: table.from, n, op, args };
  return [request, new Promise((settle) => table.out.set(n, [request, settle]))];
}

/** Settles the call that `res` (an answer to this instance) answers, if it is still awaited. */
export function answered(table, res) {
  const call = table.out.get(res.n);
  if (!call) return;
  table.out.delete(res.n);
  call[1](res);
}

/** The requests still awaiting an answer, in number order. */
export function unanswered(table) {
  return Array.from(table.out.values(), (call) => call[0]);
}

/** Gives every call up: each answer is `null` (`QUEUE_CLOSED` for its caller). */
export function giveUp(table) {
  for (const call of table.out.values()) call[1](null);
  table.out.clear();
}
