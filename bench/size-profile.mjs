// Size profile of the release wasm with function names: twiggy top, dominators and monos, and shallow bytes summed by kind of code.
// `node bench/size-profile.mjs` (needs twiggy 0.8.0: `cargo install twiggy --version 0.8.0 --locked`): builds the release wasm the way
// wasm-pack does (cargo build --lib --release → wasm-bindgen --target web → wasm-opt with Cargo.toml's flags) but adds `-g` to wasm-opt,
// so the code is the shipped code and only the "function names" subsection is extra. Writes target/size-profile/*.txt. Measures only.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = `${root}target/size-profile`;
const env = { ...process.env, PATH: `${root}node_modules/.bin:${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, env, maxBuffer: 1 << 28, encoding: "utf8", ...opts });
mkdirSync(OUT, { recursive: true });

// The wasm-opt flags wasm-pack uses, from Cargo.toml's [package.metadata.wasm-pack.profile.release].
const cargo = readFileSync(`${root}Cargo.toml`, "utf8");
const flags = JSON.parse(/\[package\.metadata\.wasm-pack\.profile\.release\][^[]*?wasm-opt\s*=\s*(\[[^\]]*\])/.exec(cargo)?.[1] ?? '["-Os"]');
run("cargo", ["build", "--lib", "--release", "--target", "wasm32-unknown-unknown"], { stdio: ["ignore", "ignore", "inherit"] });
run("wasm-bindgen", ["--target", "web", "--out-dir", `${OUT}/bindgen`, "--out-name", "wasmq", "target/wasm32-unknown-unknown/release/wasmq.wasm"]);
const WASM = `${OUT}/wasmq_bg.named.wasm`;
run("wasm-opt", [`${OUT}/bindgen/wasmq_bg.wasm`, "-o", WASM, ...flags, "-g"]);
// The same build as a package directory (glue + named wasm), for bench/node-profile.mjs and bench/variant-speed.mjs.
mkdirSync(`${OUT}/named`, { recursive: true });
copyFileSync(`${OUT}/bindgen/wasmq.js`, `${OUT}/named/wasmq.js`);
rmSync(`${OUT}/named/snippets`, { recursive: true, force: true });
if (existsSync(`${OUT}/bindgen/snippets`)) cpSync(`${OUT}/bindgen/snippets`, `${OUT}/named/snippets`, { recursive: true });
copyFileSync(WASM, `${OUT}/named/wasmq_bg.wasm`);
writeFileSync(`${OUT}/named/package.json`, '{ "type": "module" }\n');

/** Rows of a twiggy CSV (quoted fields with "" escapes) as objects keyed by the header. */
function csv(text) {
  const rows = [];
  for (const line of text.trim().split("\n")) {
    const cells = [];
    for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      cells.push(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]);
      if (!m[2]) break;
    }
    rows.push(cells);
  }
  const [head, ...body] = rows;
  return body.map((c) => Object.fromEntries(head.map((h, i) => [h, c[i]])));
}

const twiggy = (...args) => run("twiggy", [...args, WASM]);
const files = {
  "top25.txt": twiggy("top", "-n", "25"),
  "dominators.txt": twiggy("dominators", "-d", "3", "-r", "60"),
  "monos.txt": twiggy("monos", "-m", "15"),
};
const items = csv(twiggy("top", "-n", "1000000", "-f", "csv"));

// Shallow bytes by kind of code: the first pattern that matches an item's name wins.
const KINDS = [
  ["function names (added by -g, not shipped)", / subsection$/],
  ["data segments (.rodata, .data)", /^data segment|^data\[/],
  ["BTreeMap / BTreeSet code", /alloc::collections::btree/],
  ["drop glue (drop_in_place)", /drop_in_place/],
  ["allocator (wasmq::alloc; dlmalloc until 2026-12-02)", /dlmalloc|wasmq::alloc::|__rust_(alloc|dealloc|realloc|alloc_zeroed)|__rdl_|__rg_/],
  ["sorting (core::slice::sort)", /core::slice::sort/],
  ["formatting and panics (core::fmt, Debug, panicking)", /core(\[\w+\])?::fmt|::fmt::|escape_debug|pad_integral|slice_error_fail|str::count|panicking|panic_|begin_panic/],
  ["hash maps (hashbrown)", /hashbrown|HashMap|HashSet/],
  ["futures executor (js_sys::futures, wasm_bindgen_futures, futures::)", /js_sys::futures|wasm_bindgen_futures|futures_util|futures_channel|futures_core|futures::/],
  ["wasm-bindgen / js-sys / web-sys glue and shims", /wasm_bindgen|js_sys|web_sys|externref shim|multivalue shim|__wbindgen|__wbg|__externref/],
  ["wasmq async fn bodies and closures ({{closure}})", /wasmq::.*\{\{closure\}\}/],
  ["wasmq::core (engine, records)", /wasmq::core/],
  ["wasmq::store", /wasmq::store/],
  ["wasmq::runtime", /wasmq::runtime/],
  ["wasmq::api", /wasmq::api/],
  ["wasmq::js and other wasmq", /wasmq::/],
  ["Vec / VecDeque / String (alloc::)", /alloc::/],
  ["boxed closures (FnOnce vtable shims)", /FnOnce::call_once/],
  ["other (core::, tables, types, exports, ...)", /./],
];
const sums = new Map(KINDS.map(([k]) => [k, { bytes: 0, items: 0 }]));
let total = 0;
for (const it of items) {
  const name = it.Name;
  const bytes = Number(it.ShallowSize);
  if (!name || Number.isNaN(bytes) || name.startsWith("Σ") || name.startsWith("...")) continue;
  const [kind] = KINDS.find(([, re]) => re.test(name));
  sums.get(kind).bytes += bytes;
  sums.get(kind).items += 1;
  total += bytes;
}
const names = sums.get(KINDS[0][0]).bytes;
const lines = [`shallow bytes by kind, ${WASM.replace(root, "")} (${total} bytes; ${total - names} without the names subsection)`];
for (const [kind, { bytes, items: n }] of [...sums].sort((a, b) => b[1].bytes - a[1].bytes)) {
  if (!bytes) continue;
  const share = kind === KINDS[0][0] ? "" : `${((bytes / (total - names)) * 100).toFixed(1).padStart(5)} %`;
  lines.push(`${String(bytes).padStart(8)}  ${share.padStart(7)}  ${String(n).padStart(5)} items  ${kind}`);
}
files["kinds.txt"] = `${lines.join("\n")}\n`;
for (const [f, text] of Object.entries(files)) {
  writeFileSync(`${OUT}/${f}`, text);
  process.stdout.write(`\n== ${f}\n${text}`);
}
