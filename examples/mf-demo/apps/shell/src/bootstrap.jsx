// The shell starts here: it reads where the remotes are deployed, creates the page's one mfstate
// host (the shell's capability: mounting, focus and connectivity, the inspector), tells the
// shared query cache how to fetch, and renders the layout.
import { createHost } from '@mfstate/core';
import { createRoot } from 'react-dom/client';
import { shareApp, shareHost } from './console-access.js';
import { getJson } from './http.js';
import { shellFor } from './Shell.jsx';
import shellManifest from '../mfstate.json';

const root = createRoot(document.getElementById('root'));

async function start() {
  const config = await getJson('/mf-demo.config.json');
  // Focus and connectivity are the shell's to report; listenToPage has the host follow the page's
  // visibilitychange and online/offline events (refetch on focus, pause while offline).
  // Transport is the shell's too: TanStack's "default query function" fetches every query whose
  // key keyFromUrl('GET', url) made, so an app only names the resource (auth, retries, tracing
  // would be added here, once, for every app).
  const host = await createHost({
    listenToPage: true,
    queries: { defaultOptions: { queries: { queryFn: fetchKey, staleTime: 30_000 } } },
  });
  // The shell is an app too ("platform"): it exports the current route for any remote.
  const shell = host.platform;
  shell.createStore({ route: { path: '/' } }, (state, action) =>
    action.type === 'route/changed' ? { ...state, route: action.payload } : state,
  );
  shell.expose('route', (state) => state.route, { schema: shellManifest.exports.route });
  shareHost(host);
  shareApp('platform', shell);
  // The host never enters React's tree: React keeps props, state, context and hook dependency
  // arrays on fibers that any script of the page reaches from the DOM (a remote from the element
  // it is given: element.__reactFiber$… .return.memoizedProps). The shell's components close over
  // it instead (a closure's variables are out of every other script's reach).
  const Shell = shellFor(host);
  root.render(<Shell config={config} />);
}

/** The default query function: GET the URL a keyFromUrl key names ([METHOD, url, {params}]). */
function fetchKey({ queryKey, signal }) {
  const [method, url, params = {}] = queryKey;
  if (method !== 'GET' || typeof url !== 'string')
    throw new Error(`no fetcher for the query key ${JSON.stringify(queryKey)}: give the query its own queryFn`);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) query.append(name, v);
  }
  const text = query.toString();
  return getJson(text ? `${url}?${text}` : url, { signal });
}

start().catch((error) => {
  root.render(
    <div className="fatal" role="alert" data-testid="shell-error">
      <h1>The shell could not start</h1>
      <pre>{String(error?.message ?? error)}</pre>
    </div>,
  );
});
