// The package step's renaming (scripts/short-names.mjs): the packed wasm's imports and closure exports all
// resolve in the (minified) glue under their short names, and the step refuses a glue, a wasm or a .d.ts that
// does not match exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { shortClosureExports, shortImports } from "../../scripts/short-names.mjs";

const pkg = new URL("../../pkg/", import.meta.url);

test("the package's wasm imports are short names of one module, each a function of the glue's import object, or a snippet's exports", async () => {
  const module = await WebAssembly.compile(readFileSync(new URL("wasmq_bg.wasm", pkg)));
  const all = WebAssembly.Module.imports(module);
  const imports = all.filter((i) => i.module === "w");
  const direct = all.filter((i) => i.module !== "w");
  assert.ok(imports.length > 0, "the wasm imports from the glue");
  assert.ok(imports.every((i) => i.kind === "function" && /^[a-zA-Z]{1,2}$/.test(i.name)), "short letter names");
  assert.equal(new Set(imports.map((i) => i.name)).size, imports.length, "distinct names");
  const glue = readFileSync(new URL("wasmq.js", pkg), "utf8");
  assert.ok(!/__wbg_\w+_[0-9a-f]{16}\b/.test(glue), "no long import name left in the glue");
  // The shipped glue is minified (whitespace only): `{a:function(`, `,b:function(`.
  for (const { name } of imports) assert.ok(new RegExp(`[{,]${name}:function\\(`).test(glue), `glue defines ${name}`);
  // And the other way: the glue's import object (`import0`, keyed "w") defines exactly what the wasm imports.
  const object = /const import0=\{__proto__:null,([^]*?)\};return\{__proto__:null,"w":import0/.exec(glue)?.[1];
  assert.ok(object, "the glue's import object for the wasm");
  const defined = [...object.matchAll(/(?:^|[{,])([a-zA-Z]{1,2}):function\(/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(defined)].sort(), imports.map((i) => i.name).sort(), "the glue defines no import the wasm lacks");
  assert.ok(!/\n {8}\S/.test(glue) && !/\/\*\*/.test(glue), "no indentation or doc comments left in the glue");
  // The rest: functions the wasm imports straight from a shipped snippet, under the short key (s0, s1, ...)
  // that the glue's import object gives that snippet's one namespace import.
  assert.ok(direct.length > 0, "the snippets' exports are imported directly");
  for (const { module: key, name, kind } of direct) {
    assert.match(key, /^s\d+$/);
    assert.equal(kind, "function");
    const ns = new RegExp(`[{,]"${key}":(import\\d+)[,}]`).exec(glue)?.[1];
    assert.ok(ns, `the glue's import object keys ${key}`);
    const path = new RegExp(`import\\*as ${ns} from"(\\./snippets/[^"]+)"`).exec(glue)?.[1];
    assert.ok(path, `the glue imports ${ns} from a snippet`);
    const snippet = await import(new URL(path, pkg));
    assert.equal(typeof snippet[name], "function", `${path} exports ${name}`);
  }
  assert.ok(!/import\*as import\d+ from"([^"]+)";[^]*import\*as import\d+ from"\1"/.test(glue), "each snippet one namespace import");
});

// A minimal wasm: one type `() -> ()` and the given imports (`[module, name]`, all functions of that type).
const str = (s) => [Buffer.byteLength(s), ...Buffer.from(s)];
function wasmWith(imports) {
  const body = [imports.length, ...imports.flatMap(([m, n]) => [...str(m), ...str(n), 0, 0])];
  const size = body.length < 128 ? [body.length] : [(body.length & 0x7f) | 0x80, body.length >> 7];
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, ...size, ...body]);
}
const glueWith = (keys, module = "./wasmq_bg.js") => [
  "function __wbg_get_imports() {",
  "    const import0 = {",
  "        __proto__: null,",
  ...keys.map((k) => `        ${k}: function(arg0) {\n            return arg0;\n        },`),
  "    };",
  "    return {",
  "        __proto__: null,",
  `        "${module}": import0,`,
  "    };",
  "}",
  "",
].join("\n");
const A = "__wbg_get_0123456789abcdef";
const B = "__wbg_set_fedcba9876543210";

test("short-imports renames the wasm and the glue alike", async () => {
  const out = shortImports(wasmWith([["./wasmq_bg.js", A], ["./wasmq_bg.js", B]]), glueWith([A, B]));
  assert.equal(out.count, 2);
  const imports = WebAssembly.Module.imports(await WebAssembly.compile(out.wasm));
  assert.deepEqual(imports, [{ module: "w", name: "a", kind: "function" }, { module: "w", name: "b", kind: "function" }]);
  assert.equal(out.glue, glueWith(["a", "b"], "w"));
  // The renamed module instantiates with an import object keyed by the new names.
  const { instance } = await WebAssembly.instantiate(out.wasm, { w: { a() {}, b() {} } });
  assert.ok(instance instanceof WebAssembly.Instance);
});

test("short-imports keeps a snippet's direct imports, under one short key and one namespace import", async () => {
  const S = "./snippets/wasmq-0123/src/store/idb.js";
  // As wasm-bindgen writes it: one namespace import, and one key, per function imported directly.
  const withSnippet = (glue, namespaces) =>
    namespaces.map((n) => `import * as ${n} from "${S}"\n`).join("") +
    glue.replace(`"./wasmq_bg.js": import0,`, [`"./wasmq_bg.js": import0,`, ...namespaces.map((n) => `        "${S}": ${n},`)].join("\n"));
  const wasm = wasmWith([[S, "append"], ["./wasmq_bg.js", A], [S, "close"]]);
  const out = shortImports(wasm, withSnippet(glueWith([A]), ["import1", "import2"]));
  assert.equal(out.count, 1);
  assert.equal(out.direct, 2);
  const imports = WebAssembly.Module.imports(await WebAssembly.compile(out.wasm));
  assert.deepEqual(imports, [
    { module: "s0", name: "append", kind: "function" },
    { module: "w", name: "a", kind: "function" },
    { module: "s0", name: "close", kind: "function" },
  ]);
  assert.equal(out.glue, `import * as import1 from "${S}"\n` + glueWith(["a"], "w").replace(`"w": import0,`, `"w": import0,\n        "s0": import1,`));
  const { instance } = await WebAssembly.instantiate(out.wasm, { w: { a() {} }, s0: { append() {}, close() {} } });
  assert.ok(instance instanceof WebAssembly.Instance);
  assert.throws(() => shortImports(wasm, glueWith([A])), /does not import \S+ as namespaces that only its import object keys/);
  assert.throws(() => shortImports(wasm, withSnippet(glueWith([A]), ["import1"]).replace("import * as import1", "import * as import1x")), /as namespaces/);
  assert.throws(() => shortImports(wasm, `${withSnippet(glueWith([A]), ["import1", "import2"])}import2.close();\n`), /as namespaces/);
  assert.throws(() => shortImports(wasmWith([["./snippets/../x.js", "f"]]), glueWith([])), /not \.\/wasmq_bg\.js nor a snippet/);
});

test("short-imports refuses what does not match exactly", () => {
  const wasm = wasmWith([["./wasmq_bg.js", A], ["./wasmq_bg.js", B]]);
  assert.throws(() => shortImports(wasm, glueWith([A])), /import __wbg_set_\w+ is not exactly once/);
  assert.throws(() => shortImports(wasm, glueWith([A, B, B])), /import __wbg_set_\w+ is not exactly once/);
  assert.throws(() => shortImports(wasm, glueWith([A, B]).replace(`${A}: function(`, `${A}: (`)), /is not exactly once/);
  assert.throws(() => shortImports(wasm, glueWith([A, B, "__wbg_extra"])), /keys that are not the wasm's imports/);
  assert.throws(() => shortImports(wasm, glueWith([A, B], "./other.js")), /does not name \.\/wasmq_bg\.js exactly once/);
  assert.throws(() => shortImports(wasmWith([["env", A]]), glueWith([A])), /is from env/);
  assert.throws(() => shortImports(Buffer.from("not wasm at all"), glueWith([A])), /not a wasm module/);
});

test("the package's closure exports are short names, in the wasm, the glue and both .d.ts files", async () => {
  const exports = WebAssembly.Module.exports(await WebAssembly.compile(readFileSync(new URL("wasmq_bg.wasm", pkg))));
  const closures = exports.filter((e) => /^i\d+$/.test(e.name));
  assert.ok(closures.length > 0, "closure exports renamed");
  assert.ok(!exports.some((e) => e.name.startsWith("wasm_bindgen__convert__closures")), "no long closure export left");
  const glue = readFileSync(new URL("wasmq.js", pkg), "utf8");
  for (const f of ["wasmq.d.ts", "wasmq_bg.wasm.d.ts"]) {
    const dts = readFileSync(new URL(f, pkg), "utf8");
    assert.ok(!dts.includes("wasm_bindgen__convert__closures"), `${f} has no long closure export`);
    for (const { name } of closures) assert.ok(new RegExp(`\\b${name}:`).test(dts), `${f} lists ${name}`);
  }
  for (const { name } of closures) assert.ok(glue.includes(`wasm.${name}(`), `glue calls ${name}`);
});

// A minimal wasm exporting one empty function `() -> ()` under each of `names`.
function wasmExporting(names) {
  const exp = [names.length, ...names.flatMap((n) => [...str(n), 0, 0])];
  const code = [1, 2, 0, 0x0b];
  const size = exp.length < 128 ? [exp.length] : [(exp.length & 0x7f) | 0x80, exp.length >> 7];
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 7, ...size, ...exp, 10, code.length, ...code]);
}
const C = "wasm_bindgen__convert__closures_____invoke__h0123456789abcdef";
const closureGlue = (name) => `function ${name}(arg0) {\n    wasm.${name}(arg0);\n}\nconst f = make(1, ${name});\n`;
const closureDts = (name) => `export const ${name}: (a: number) => void;\n`;

test("short-names renames a closure export in the wasm, the glue and the .d.ts alike", async () => {
  const out = shortClosureExports(wasmExporting(["memoryless", C]), closureGlue(C), [closureDts(C), `    readonly ${C}: (a: number) => void;\n`]);
  assert.equal(out.count, 1);
  const exports = WebAssembly.Module.exports(await WebAssembly.compile(out.wasm));
  assert.deepEqual(exports.map((e) => e.name), ["memoryless", "i0"]);
  assert.equal(out.glue, closureGlue("i0"));
  assert.deepEqual(out.dts, [closureDts("i0"), "    readonly i0: (a: number) => void;\n"]);
});

test("short-names refuses closure exports that do not match exactly", () => {
  const wasm = wasmExporting([C]);
  assert.throws(() => shortClosureExports(wasm, closureGlue(C).replace(`const f = make(1, ${C});\n`, ""), [closureDts(C)]), /not defined, called and used once/);
  assert.throws(() => shortClosureExports(wasm, `${closureGlue(C)}g(${C});\n`, [closureDts(C)]), /not defined, called and used once/);
  assert.throws(() => shortClosureExports(wasm, closureGlue(C), [""]), /not once in \.d\.ts 0/);
  assert.throws(() => shortClosureExports(wasm, closureGlue(C), [closureDts(C).repeat(2)]), /not once in \.d\.ts 0/);
  assert.throws(() => shortClosureExports(wasm, `${closureGlue(C)}let i0;\n`, [closureDts(C)]), /already has an i<digits> name/);
  assert.throws(() => shortClosureExports(wasmExporting([C, C]), closureGlue(C), [closureDts(C)]), /exported twice/);
});
