// Types of `wasmq/deno-kv`.
import type { StorageAdapter } from "./wasmq.js";

/** The subset of `Deno.Kv` the adapter uses. */
export interface DenoKvLike {
  set(key: unknown[], value: unknown): Promise<unknown>;
  delete(key: unknown[]): Promise<void>;
  list(selector: { start: unknown[]; end: unknown[] }): AsyncIterable<{ key: unknown[]; value: unknown }>;
}

/** A storage adapter over a Deno KV database; wasmq's keys live under `root` (default `["wasmq"]`). */
export function denoKvAdapter(kv: DenoKvLike, root?: unknown[]): StorageAdapter;
