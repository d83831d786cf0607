// esbuild bundles for the benchmarks: the browser page, the Workbox service worker, and workbox-background-sync minified (for its size).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const OUT = `${root}target/bench/build`;
const production = { "process.env.NODE_ENV": '"production"' };

/** Writes page.js, sw.js and workbox-background-sync.min.js into target/bench/build/. */
export async function bundle() {
  const common = { bundle: true, absWorkingDir: root, logLevel: "warning", define: production, target: "es2022" };
  await build({ ...common, entryPoints: ["bench/page.js"], outfile: `${OUT}/page.js`, format: "esm", external: ["/pkg/*"], platform: "browser",
    define: { ...production, "process.nextTick": "queueMicrotask" } }); // fastq calls process.nextTick
  await build({ ...common, entryPoints: ["bench/sw.js"], outfile: `${OUT}/sw.js`, format: "iife" });
  await build({
    ...common, minify: true, format: "esm", outfile: `${OUT}/workbox-background-sync.min.js`,
    stdin: { contents: 'export * from "workbox-background-sync";', resolveDir: root, loader: "js" },
  });
}
