// Static server for the browser benchmarks: bench pages, the package (/pkg/) and esbuild output (/build/, /sw.js) on 127.0.0.1.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json" };

/** Maps a URL path to a file under the repository (`/pkg/` to the package directory `pkg()` names), or null. */
function fileFor(urlPath, pkg) {
  const path = normalize(decodeURIComponent(urlPath.split("?")[0]));
  if (path.includes("..")) return null;
  if (path === "/") return join(root, "bench/page.html");
  if (path === "/sw.js") return join(root, "target/bench/build/sw.js");
  if (path.startsWith("/pkg/")) return pkg ? join(pkg(), path.slice(5)) : join(root, path);
  if (path.startsWith("/build/")) return join(root, "target/bench", path);
  return null;
}

/**
 * Starts the server on a free port; resolves { base, close }. `pkg`: a function naming the directory served as
 * /pkg/ at each request (default the repository's pkg/), so that a comparison can switch builds between pages.
 */
export function serve(pkg = undefined) {
  const server = createServer(async (req, res) => {
    if (req.url.startsWith("/api/")) { res.writeHead(204); res.end(); return; } // replay target, if ever hit
    const file = fileFor(req.url ?? "/", pkg);
    try {
      if (!file) throw new Error("no route");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    base: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  })));
}
