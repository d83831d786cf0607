// The package step's import renaming (scripts/short-imports.mjs): the packed wasm's imports all resolve in
// the (minified) glue under their short names, and the step refuses a glue or a wasm that does not match exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { shortImports } from "../../scripts/short-imports.mjs";

const pkg = new URL("../../pkg/", import.meta.url);

test("the package's wasm imports are short names of one module, each a function of the glue's import object", async () => {
  const module = await WebAssembly.compile(readFileSync(new URL("wasmq_bg.wasm", pkg)));
  const imports = WebAssembly.Module.imports(module);
  assert.ok(imports.length > 100, `${imports.length} imports`);
  assert.deepEqual([...new Set(imports.map((i) => i.module))], ["w"]);
  assert.ok(imports.every((i) => i.kind === "function" && /^[a-zA-Z]{1,2}$/.test(i.name)), "short letter names");
  assert.equal(new Set(imports.map((i) => i.name)).size, imports.length, "distinct names");
  const glue = readFileSync(new URL("wasmq.js", pkg), "utf8");
  assert.ok(!/__wbg_\w+_[0-9a-f]{16}\b/.test(glue), "no long import name left in the glue");
  // The shipped glue is minified (whitespace only): `{a:function(`, `,b:function(`.
  for (const { name } of imports) assert.ok(new RegExp(`[{,]${name}:function\\(`).test(glue), `glue defines ${name}`);
  assert.ok(!/\n {8}\S/.test(glue) && !/\/\*\*/.test(glue), "no indentation or doc comments left in the glue");
});

// A minimal wasm: one type `() -> ()` and the given imports (`[module, name]`, all functions of that type).
const str = (s) => [Buffer.byteLength(s), ...Buffer.from(s)];
function wasmWith(imports) {
  const body = [imports.length, ...imports.flatMap(([m, n]) => [...str(m), ...str(n), 0, 0])];
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, body.length, ...body]);
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
