// Encryption at rest, written in JavaScript (a wasm-bindgen snippet the glue imports; bindings and the format
// in cipher.rs): a stored value's payload column `p` sealed as `e: { iv, ct }`, AES-GCM with a fresh 96-bit
// IV, of the UTF-8 JSON of that column, and opened back. Done from wasm, each WebCrypto call, buffer and
// JSON step had been an import shim and part of an async state machine.
//
// `seal` and `open` each return a promise that resolves once `value` was changed in place, or rejects with
// the message that says why (nothing changed then).

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

/** Replaces `value.p` by `value.e`, its ciphertext under `key`. */
export async function seal(key, value) {
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
export async function open(key, value) {
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
