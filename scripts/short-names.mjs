// Post-build step of `make package` (called by scripts/package.mjs): short names for what only the glue uses.
//
// Imports: wasm-bindgen names each import `__wbg_<what>_<16 hex digits>` (~33 bytes, the hash incompressible)
// and the name is stored twice, in the wasm's import section and as the key of the glue's import object.
// `shortImports` rewrites both, consistently: the module "./wasmq_bg.js" becomes "w" and the i-th import
// becomes the i-th short name (a, b, ..., Z, aa, ab, ...). It refuses (throws, nothing written) unless every
// import is a function of that module (or of a JS snippet, whose exports the wasm imports directly when no
// conversion is needed: those keep their names, the snippet's module becomes s0, s1, ..., imported once by
// the glue under that key), every name is a key of the glue's import object exactly once and
// appears nowhere else in the glue, and the module name appears once.
//
// Closure exports: `wasm_bindgen__convert__closures_____invoke__<hash>` (one per Rust closure type handed
// to JS) become i0, i1, ... in the wasm's export section, the glue (its JS wrapper function, the
// `wasm.<name>` call and the one use) and the two .d.ts files listing the exports. `shortClosureExports`
// refuses unless each name is exported once, appears exactly three times in the glue in those forms and once
// in each .d.ts, and no `i<digits>` name is in the glue already.
//
// So a change in wasm-bindgen's output fails the build instead of shipping a module whose names do not resolve.

const MODULE = "./wasmq_bg.js";
/** wasm-bindgen's module name for a JS snippet (pkg/snippets/<crate>-<hash>/<path>.js). */
const SNIPPET = /^\.\/snippets\/[\w-]+\/(?:[\w-]+\/)*[\w-]+\.js$/;
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
  /** Snippet module -> its short key. */
  const snippets = new Map();
  for (let i = 0; i < count.value; i++) {
    const names = [];
    for (let k = 0; k < 2; k++) {
      const len = readLeb(wasm, at);
      names.push(utf8.decode(wasm.subarray(len.next, len.next + len.value)));
      at = len.next + len.value;
    }
    const [module, name] = names;
    if (wasm[at] !== 0) throw new Error(`short-imports: import ${name} is not a function`);
    const type = readLeb(wasm, at + 1);
    if (SNIPPET.test(module)) {
      // A snippet's export the wasm calls directly (no shim): its name kept, its module a short key (below).
      if (!snippets.has(module)) snippets.set(module, `s${snippets.size}`);
      body.push(...encode(snippets.get(module)), ...encode(name), 0, ...wasm.subarray(at + 1, type.next));
      at = type.next;
      continue;
    }
    if (module !== MODULE) throw new Error(`short-imports: import ${name} is from ${module}, not ${MODULE} nor a snippet`);
    const short = shortName(renames.length);
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
  // wasm-bindgen imports a snippet once per function the wasm imports from it directly (`import * as importN
  // from "<module>"`, each a key of the import object): one import under one short key is enough.
  for (const [module, key] of snippets) {
    const quoted = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const lines = [...out.matchAll(new RegExp(`^import \\* as (import\\d+) from "${quoted}"\\n`, "gm"))].map((m) => m[1]);
    const keys = [...out.matchAll(new RegExp(`\\n {8}"${quoted}": (import\\d+),(?=\\n)`, "g"))].map((m) => m[1]);
    if (!lines.length || lines.join() !== keys.join() || lines.some((n) => out.split(new RegExp(`\\b${n}\\b`)).length !== 3)) {
      throw new Error(`short-imports: the glue does not import ${module} as namespaces that only its import object keys`);
    }
    for (const n of lines.slice(1)) out = out.replace(`import * as ${n} from "${module}"\n`, "");
    out = out.replace(`\n        "${module}": ${lines[0]},`, `\n        "${key}": ${lines[0]},`);
    for (const n of lines.slice(1)) out = out.replace(`\n        "${module}": ${n},`, "");
  }
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
  return { wasm: wasmOut, glue: out, count: renames.length, direct: count.value - renames.length, snippets };
}

const CLOSURE = /^wasm_bindgen__convert__closures_____invoke__h[0-9a-f]{16}(_\d+)?$/;

/** The sections of `wasm` as `{ id, start, body, end }` (start: the id byte; body: after the size). */
function sections(wasm) {
  const out = [];
  let pos = 8;
  while (pos < wasm.length) {
    const size = readLeb(wasm, pos + 1);
    out.push({ id: wasm[pos], start: pos, body: size.next, end: size.next + size.value });
    pos = size.next + size.value;
  }
  return out;
}

/**
 * The wasm (`Buffer`), glue (string) and .d.ts texts (strings) with the closure exports renamed:
 * `{ wasm, glue, dts, count }`. Throws if any does not have the shape described at the top of this file.
 */
export function shortClosureExports(wasm, glue, dts) {
  if (wasm.readUInt32LE(0) !== 0x6d736100 || wasm.readUInt32LE(4) !== 1) throw new Error("short-names: not a wasm module");
  if (/\bi\d+\b/.test(glue)) throw new Error("short-names: the glue already has an i<digits> name");
  const found = sections(wasm).filter((x) => x.id === 7);
  if (found.length !== 1) throw new Error("short-names: the wasm has no single export section");
  const [section] = found;
  let at = section.body;
  const count = readLeb(wasm, at);
  at = count.next;
  const body = [...leb(count.value)];
  const renames = new Map();
  for (let i = 0; i < count.value; i++) {
    const len = readLeb(wasm, at);
    const name = utf8.decode(wasm.subarray(len.next, len.next + len.value));
    at = len.next + len.value;
    const index = readLeb(wasm, at + 1);
    let out = name;
    if (CLOSURE.test(name)) {
      if (renames.has(name)) throw new Error(`short-names: ${name} is exported twice`);
      out = `i${renames.size}`;
      renames.set(name, out);
    }
    body.push(...encode(out), ...wasm.subarray(at, index.next));
    at = index.next;
  }
  if (at !== section.end) throw new Error("short-names: the export section has bytes after its exports");

  let outGlue = glue;
  const outDts = [...dts];
  for (const [name, short] of renames) {
    const word = new RegExp(`\\b${name}\\b`, "g");
    const uses = outGlue.match(word)?.length ?? 0;
    if (uses !== 3 || outGlue.split(`function ${name}(`).length !== 2 || outGlue.split(`wasm.${name}(`).length !== 2) {
      throw new Error(`short-names: closure export ${name} is not defined, called and used once each in the glue`);
    }
    outGlue = outGlue.replace(word, short);
    outDts.forEach((text, k) => {
      if ((text.match(word)?.length ?? 0) !== 1) throw new Error(`short-names: closure export ${name} is not once in .d.ts ${k}`);
      outDts[k] = text.replace(word, short);
    });
  }
  const bytes = [7, ...leb(body.length), ...body];
  const wasmOut = Buffer.concat([wasm.subarray(0, section.start), Buffer.from(bytes), wasm.subarray(section.end)]);
  return { wasm: wasmOut, glue: outGlue, dts: outDts, count: renames.size };
}
