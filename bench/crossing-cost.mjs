// What one JS↔wasm call costs by itself in this Node: a tiny module (built with binaryen.js from node_modules) calling an import, and JS calling an export, 10^7 times.
// `node bench/crossing-cost.mjs`: ns per call, three rounds, to read bench/crossings.mjs counts as time. Measures, never asserts.
import binaryen from "binaryen";
const wat = `(module
  (import "js" "f" (func $f (result f64)))
  (import "js" "g" (func $g (param externref) (result externref)))
  (func (export "callF") (param $n i32) (local $acc f64)
    (loop $l (local.set $acc (f64.add (local.get $acc) (call $f)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "callG") (param $n i32) (param $x externref)
    (loop $l (local.set $x (call $g (local.get $x)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "nop") (param i32) (result i32) (local.get 0)))`;
const m = binaryen.parseText(wat); m.setFeatures(binaryen.Features.ReferenceTypes | binaryen.Features.MutableGlobals | binaryen.Features.SignExt);
const bytes = m.emitBinary();
const obj = { a: 1 };
const { instance } = await WebAssembly.instantiate(bytes, { js: { f: () => 1, g: (x) => x } });
const { callF, callG, nop } = instance.exports;
const N = 10_000_000;
for (let r = 0; r < 3; r++) {
  let t = performance.now(); callF(N); const f = (performance.now() - t) * 1e6 / N;
  t = performance.now(); callG(N, obj); const g = (performance.now() - t) * 1e6 / N;
  t = performance.now(); let s = 0; for (let i = 0; i < N; i++) s += nop(i); const e = (performance.now() - t) * 1e6 / N;
  t = performance.now(); for (let i = 0; i < N; i++) Date.now(); const d = (performance.now() - t) * 1e6 / N;
  console.log(`wasm→JS import returning f64 ${f.toFixed(1)} ns, wasm→JS import passing an externref ${g.toFixed(1)} ns, JS→wasm export ${e.toFixed(1)} ns; Date.now() alone ${d.toFixed(1)} ns`);
}
