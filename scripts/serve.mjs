// Serves the demo page (www/) and the built package (pkg/ at /pkg/) on
// 127.0.0.1 with the right MIME types, and prints the address. The relay
// panel's wasmq/jetstream is bundled with the @nats-io client (CommonJS)
// into target/demo/jetstream.js when first asked for at /build/jetstream.js.
// Imported, `serve({ port, www, onRequest })` serves another directory in
// place of www/ (the worker tests' pages) and reports every request path.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = resolve(new URL("..", import.meta.url).pathname);
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
};

// Built on the first request for it: only a page that connects the relay panel needs it.
let relayBundle = null;
const buildRelay = () => (relayBundle ??= build({
  entryPoints: [join(root, "pkg/jetstream.js")], outfile: join(root, "target/demo/jetstream.js"),
  bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "error",
}));

function resolvePath(www, urlPath) {
  const path = normalize(decodeURIComponent(urlPath.split("?")[0]));
  if (path.includes("..")) return null;
  if (path.startsWith("/pkg/")) return join(root, path);
  if (path.startsWith("/build/")) return join(root, "target/demo", path.slice("/build/".length));
  return join(www, path === "/" ? "index.html" : path);
}

/** Listens on 127.0.0.1:`port` (0: a free one); resolves with the server and its address. */
export function serve({ port = 0, www = join(root, "www"), onRequest = () => {} } = {}) {
  const server = createServer(async (req, res) => {
    onRequest(req.url ?? "/");
    const file = resolvePath(www, req.url ?? "/");
    try {
      if (file?.endsWith("target/demo/jetstream.js")) await buildRelay();
      if (!file || !(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf("--port");
  const port = Number(portArg >= 0 ? args[portArg + 1] : process.env.PORT ?? 8080);
  const { url } = await serve({ port });
  console.log(`wasmq demo: ${url}`);
}
