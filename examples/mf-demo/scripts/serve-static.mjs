// The static server each app is deployed on: its build folder on its own 127.0.0.1 port, with
// CORS open (the shell fetches the remotes' manifests and chunks from their origins), no caching
// (a rebuilt app is seen at once), and for the shell a proxy that forwards /api to the API server
// the way a gateway would, so that every app asks for "/api/users/me" on the page's own origin.
//
//   node serve-static.mjs --root DIR [--port N] [--file /path=FILE]... [--proxy /prefix=http://host:port]...
// prints "serve-static: listening on http://127.0.0.1:PORT (DIR)" once it listens; stops on SIGTERM.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function commonHeaders(res) {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cache-Control', 'no-cache');
}

function answerText(res, status, text) {
  commonHeaders(res);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** Forwards `req` to `target` (an http://host:port origin) and streams the answer back. */
function forward(req, res, target) {
  const url = new URL(req.url, target);
  const upstream = http.request(
    url,
    { method: req.method, headers: { ...req.headers, host: url.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) answerText(res, 502, `proxy to ${target}: ${error.message}\n`);
    else res.destroy(error);
  });
  req.pipe(upstream);
}

/**
 * Serves `root` on `host`:`port` (0: a free port). `files` maps URL paths to files served from
 * elsewhere (e.g. the shell's runtime configuration); `proxies` maps path prefixes to origins.
 * Resolves with the listening http.Server and its origin.
 */
export async function serveStatic({ root, host = '127.0.0.1', port = 0, files = {}, proxies = {} }) {
  const base = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    try {
      const { pathname } = new URL(req.url, 'http://localhost');
      for (const [prefix, target] of Object.entries(proxies)) {
        if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return forward(req, res, target);
      }
      if (req.method === 'OPTIONS') {
        commonHeaders(res);
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*' });
        return res.end();
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return answerText(res, 405, `${req.method} not allowed\n`);
      let file = files[pathname];
      if (!file) {
        file = path.join(base, decodeURIComponent(pathname));
        // Nothing outside the root, whatever the URL says (../, encoded or not).
        if (file !== base && !file.startsWith(base + path.sep)) return answerText(res, 403, 'outside the root\n');
        if (pathname.endsWith('/')) file = path.join(file, 'index.html');
      }
      let info;
      try {
        info = await stat(file);
      } catch {
        return answerText(res, 404, `not found: ${pathname}\n`);
      }
      if (!info.isFile()) return answerText(res, 404, `not found: ${pathname}\n`);
      commonHeaders(res);
      res.writeHead(200, {
        'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch (error) {
      if (!res.headersSent) answerText(res, 500, `${error.message}\n`);
      else res.destroy(error);
    }
  });
  // Idle keep-alive sockets would otherwise keep close() waiting.
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const origin = `http://${host}:${server.address().port}`;
  return { server, origin };
}

function parseArgs(argv) {
  const options = { files: {}, proxies: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const pair = () => {
      const at = value.indexOf('=');
      if (at <= 0) throw new Error(`${flag} takes PATH=VALUE, got ${value}`);
      return [value.slice(0, at), value.slice(at + 1)];
    };
    if (flag === '--root') options.root = value;
    else if (flag === '--port') options.port = Number(value);
    else if (flag === '--host') options.host = value;
    else if (flag === '--file') {
      const [url, file] = pair();
      options.files[url] = file;
    } else if (flag === '--proxy') {
      const [prefix, target] = pair();
      options.proxies[prefix] = target;
    } else throw new Error(`unknown option ${flag}`);
  }
  if (!options.root) throw new Error('--root DIR is required');
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const { server, origin } = await serveStatic(options);
    console.log(`serve-static: listening on ${origin} (${path.resolve(options.root)})`);
    const stop = () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    console.error(`serve-static: ${error.message}`);
    process.exit(1);
  }
}
