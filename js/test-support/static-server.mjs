// A static file server on 127.0.0.1 (a free port) for browser tests: serves the files under `root`
// with the content types a browser needs to run ES modules and WebAssembly (application/wasm lets
// WebAssembly.instantiateStreaming compile while downloading).
//
//   const server = await serveStatic(root, {headers?, log?});  server.url;  await server.close();
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * Serves `root` on 127.0.0.1:<free port>. `options.headers` are added to every response (e.g.
 * CORS for a remote served from another origin); `options.routes` maps a URL path to a handler
 * `(req, res) => void` for anything dynamic. Resolves once listening.
 */
export async function serveStatic(root, options = {}) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    requests.push(path);
    for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
    const route = options.routes?.[path];
    if (route) return route(req, res);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Paths requested so far, in order. */
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
