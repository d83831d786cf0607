// Post-build step of `make package` (called by scripts/package.mjs): gives the wasm's imports short names.
// wasm-bindgen names each import `__wbg_<what>_<16 hex digits>` (~33 bytes, the hash incompressible) and the
// name is stored twice, in the wasm's import section and as the key of the glue's import object. This rewrites
// both, consistently: the module "./wasmq_bg.js" becomes "w" and the i-th import becomes the i-th short name
// (a, b, ..., Z, aa, ab, ...). It refuses (throws, nothing written) unless every import is a function of that
// module, every name is a key of the glue's import object exactly once and appears nowhere else in the glue,
// and the module name appears once; so a change in wasm-bindgen's output fails the build instead of shipping
// a module whose imports do not resolve.

const MODULE = "./wasmq_bg.js";
const SHORT_MODULE = "w";
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The i-th short identifier: a..Z, then aa, ab, ... (letters only, never a glue helper's name). */
function shortName(i) {
  let s = "";
  let n = i;
  do {
    s = ALPHABET[n % ALPHABET.length] + s;
    n = Math.floor(n / ALPHABET.length) - 1;
  } while (n >= 0);
  return s;
}

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const b = bytes[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: pos };
    if (shift > 35) throw new Error("short-imports: bad LEB128 in the wasm");
  }
}

function leb(value) {
  const out = [];
  let n = value;
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encode = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];

/**
 * The wasm (`Buffer`) and glue (string) with short import names: `{ wasm, glue, count }`.
 * Throws if either does not have the shape described at the top of this file.
 */
export function shortImports(wasm, glue) {
  if (wasm.readUInt32LE(0) !== 0x6d736100 || wasm.readUInt32LE(4) !== 1) throw new Error("short-imports: not a wasm module");
  let pos = 8;
  let section = null;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const size = readLeb(wasm, pos + 1);
    if (id === 2) {
      if (section) throw new Error("short-imports: two import sections");
      section = { start: pos, body: size.next, end: size.next + size.value };
    }
    pos = size.next + size.value;
  }
  if (!section) throw new Error("short-imports: the wasm has no import section");

  const body = [];
  let at = section.body;
  const count = readLeb(wasm, at);
  at = count.next;
  body.push(...leb(count.value));
  const renames = [];
  for (let i = 0; i < count.value; i++) {
    const names = [];
    for (let k = 0; k < 2; k++) {
      const len = readLeb(wasm, at);
      names.push(utf8.decode(wasm.subarray(len.next, len.next + len.value)));
      at = len.next + len.value;
    }
    const [module, name] = names;
    if (module !== MODULE) throw new Error(`short-imports: import ${name} is from ${module}, not ${MODULE}`);
    if (wasm[at] !== 0) throw new Error(`short-imports: import ${name} is not a function`);
    const type = readLeb(wasm, at + 1);
    const short = shortName(i);
    renames.push([name, short]);
    body.push(...encode(SHORT_MODULE), ...encode(short), 0, ...wasm.subarray(at + 1, type.next));
    at = type.next;
  }
  if (at !== section.end) throw new Error("short-imports: the import section has bytes after its imports");

  let out = glue;
  const moduleKey = `\n        "${MODULE}": import0,\n`;
  if (out.split(MODULE).length !== 2 || out.split(moduleKey).length !== 2) {
    throw new Error(`short-imports: the glue does not name ${MODULE} exactly once, as the import object's key`);
  }
  out = out.replace(moduleKey, `\n        "${SHORT_MODULE}": import0,\n`);
  const taken = new Set(renames.map(([, s]) => s));
  for (const [name, short] of renames) {
    const key = `\n        ${name}: function(`;
    if (out.split(name).length !== 2 || out.split(key).length !== 2) {
      throw new Error(`short-imports: import ${name} is not exactly once a key of the glue's import object`);
    }
    out = out.replace(key, `\n        ${short}: function(`);
  }
  // No short name may collide with a key the glue's import object already had (e.g. __proto__).
  const object = /\n    const import0 = \{\n([\s\S]*?)\n    \};\n    return \{/.exec(out)?.[1];
  if (!object) throw new Error("short-imports: the glue has no `const import0 = { ... }` import object");
  const keys = [...object.matchAll(/^ {8}([\w$]+): /gm)].map((m) => m[1]).filter((k) => k !== "__proto__");
  if (keys.length !== renames.length || keys.some((k) => !taken.has(k))) {
    throw new Error("short-imports: the glue's import object has keys that are not the wasm's imports");
  }

  const sectionBytes = [2, ...leb(body.length), ...body];
  const wasmOut = Buffer.concat([wasm.subarray(0, section.start), Buffer.from(sectionBytes), wasm.subarray(section.end)]);
  return { wasm: wasmOut, glue: out, count: renames.length };
}
