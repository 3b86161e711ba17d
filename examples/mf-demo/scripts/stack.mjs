// The running demo: the API server (on a fresh copy of the database unless told otherwise), one
// static server per app, each on a free 127.0.0.1 port, and the shell's runtime configuration
// telling it where each remote lives. Used by `make demo`, `make demo-check` and the stories.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { apiBinary, appBuildDir, demoDir } from './paths.mjs';
import { startProcess, stopAll } from './processes.mjs';

const serveStatic = path.join(demoDir, 'scripts/serve-static.mjs');

async function startStatic(name, root, extra = []) {
  const { handle, match } = await startProcess(name, process.execPath, [serveStatic, '--root', root, ...extra], {
    ready: /^serve-static: listening on (http:\/\/\S+)/,
  });
  return { handle, origin: match[1] };
}

/**
 * Starts the stack. `remotes` maps each remote's name to the build folder it is served from
 * (default: home and profile's own builds; a story swaps in a variant). `database`: a SQLite
 * file to keep (default: a fresh one in a temporary folder, removed by stop()). Resolves with
 * { url, origins, api, stop }.
 */
export async function startStack({ remotes, database, apiArgs = [] } = {}) {
  remotes ??= { home: appBuildDir('home'), profile: appBuildDir('profile') };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mfdemo-stack-'));
  const handles = [];
  try {
    const api = await startProcess(
      'mfdemo-api',
      apiBinary,
      ['--db', database ?? path.join(tmp, 'users.sqlite'), '--port', '0', ...apiArgs],
      { ready: /^mfdemo-api: listening on (http:\/\/\S+)/ },
    );
    handles.push(api.handle);
    const apiOrigin = api.match[1];

    const origins = { api: apiOrigin };
    const config = { remotes: {} };
    for (const [name, dir] of Object.entries(remotes)) {
      const served = await startStatic(name, dir);
      handles.push(served.handle);
      origins[name] = served.origin;
      config.remotes[name] = {
        entry: `${served.origin}/mf-manifest.json`,
        manifest: `${served.origin}/mfstate.json`,
      };
    }
    const configFile = path.join(tmp, 'mf-demo.config.json');
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const shell = await startStatic('shell', appBuildDir('shell'), [
      '--file', `/mf-demo.config.json=${configFile}`,
      '--proxy', `/api=${apiOrigin}`,
      '--proxy', `/__control=${apiOrigin}`,
    ]);
    handles.push(shell.handle);
    origins.shell = shell.origin;

    return {
      url: `${shell.origin}/`,
      origins,
      handles,
      api: apiControl(apiOrigin),
      async stop() {
        try {
          await stopAll(handles);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await stopAll(handles).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** The API server's control routes (examples/mf-demo/server/api_server.hpp), from node. */
export function apiControl(origin) {
  const call = async (method, route, body) => {
    const res = await fetch(`${origin}${route}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(35000),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    origin,
    /** {"GET /api/users/me": n, ...} */
    requests: async () => (await call('GET', '/__control/stats')).requests,
    /** How many times `route` ("GET /api/users/me") was requested. */
    count: async (route) => (await call('GET', '/__control/stats')).requests[route] ?? 0,
    reset: () => call('POST', '/__control/reset'),
    faults: (settings) => call('PUT', '/__control/faults', settings),
    release: () => call('POST', '/__control/release'),
    /** Waits (bounded by the server) until `count` writes are held; resolves with how many are. */
    waitHeld: async (count = 1, timeoutMs = 10000) =>
      (await call('GET', `/__control/held?atLeast=${count}&timeoutMs=${timeoutMs}`)).held,
  };
}
