// @ts-self-types="./deno-kv.d.ts"
// `wasmq/deno-kv`: Deno KV as wasmq's storage adapter (`Queue.open(name, { storage: denoKvAdapter(kv) })`).
/**
 * A storage adapter over a Deno KV database: wasmq's key `k` is stored at
 * `[...root, k]`. Every `put` is one atomic `kv.set`; values stay under
 * Deno KV's 64 KiB limit as long as ~128 stored messages fit in it.
 * @param {Deno.Kv} kv an open database (`await Deno.openKv()`)
 * @param {Deno.KvKeyPart[]} [root] where under the database wasmq's keys live
 */
export function denoKvAdapter(kv, root = ["wasmq"]) {
  return {
    put: (key, value) => kv.set([...root, key], value),
    delete: (key) => kv.delete([...root, key]),
    async list({ prefix }) {
      const entries = [];
      // Deno KV lists by whole key parts, so a string prefix is a range.
      const range = { start: [...root, prefix], end: [...root, `${prefix}\uffff`] };
      for await (const { key, value } of kv.list(range)) entries.push([key[root.length], value]);
      return entries;
    },
  };
}
