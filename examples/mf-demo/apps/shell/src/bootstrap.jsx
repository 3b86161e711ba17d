// The shell starts here: it reads where the remotes are deployed, creates the page's one mfstate
// host (the shell's capability: mounting, focus and connectivity, the inspector), tells the
// shared query cache how to fetch, and renders the layout.
import { createHost } from '@mfstate/core';
import { createRoot } from 'react-dom/client';
import { shareApp, shareHost } from './console-access.js';
import { getJson } from './http.js';
import { connectPageSignals } from './page-signals.js';
import { Shell } from './Shell.jsx';
import shellManifest from '../mfstate.json';

const root = createRoot(document.getElementById('root'));

async function start() {
  const config = await getJson('/mf-demo.config.json');
  const host = await createHost();
  // Every query keyed by keyFromUrl('GET', url) is fetched the same way, so an app only names the
  // resource: the shell owns transport (and could add auth, retries, tracing here, once).
  host.queryClient.setQueryDefaults(['GET'], {
    queryFn: ({ queryKey, signal }) => getJson(urlOfKey(queryKey), { signal }),
    staleTime: 30_000,
  });
  connectPageSignals(host);
  // The shell is an app too: it exports the current route for any remote that wants it.
  const shellApp = host.mount(shellManifest);
  shellApp.createStore({ route: { path: '/' } }, (state, action) =>
    action.type === 'route/changed' ? { ...state, route: action.payload } : state,
  );
  shellApp.expose('route', (state) => state.route);
  shareHost(host);
  shareApp('shell', shellApp);
  root.render(<Shell host={host} shellApp={shellApp} config={config} />);
}

/** The URL a keyFromUrl key names: [METHOD, url, {params}]. */
function urlOfKey([, url, params = {}]) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) query.append(name, v);
  }
  const text = query.toString();
  return text ? `${url}?${text}` : url;
}

start().catch((error) => {
  root.render(
    <div className="fatal" role="alert" data-testid="shell-error">
      <h1>The shell could not start</h1>
      <pre>{String(error?.message ?? error)}</pre>
    </div>,
  );
});
