// What the devtools pane shows. Events come from the inspector (host.inspect: the shell's
// capability, which no remote has), kept in a bounded ring, newest last. The picture of apps,
// exports and the query cache is re-read at most once per animation frame after an event or a
// cache change: apps from the host, their versions, export schemas and commands from the
// manifests the shell mounted them with, export values read as the shell, queries from the cache.
import { useEffect, useState } from 'react';
import { mounted } from '../mounted.js';

const keep = 300;

/** The current picture of the page's apps and query cache, as the shell can see it. */
export function snapshotOf(host) {
  const apps = host.apps().map((name) => {
    const manifest = mounted.get(name) ?? { version: '' };
    const exports = Object.entries(manifest.exports ?? {}).map(([exportName, schema]) => {
      let value;
      try {
        value = host.platform.read(name, exportName);
      } catch (error) {
        value = { '(not exported)': error.code ?? error.message };
      }
      return { name: exportName, schema, value };
    });
    return { name, version: manifest.version, exports, accepts: Object.keys(manifest.commands ?? {}) };
  });
  const queries = host.queryClient
    .getQueryCache()
    .getAll()
    .map((q) => ({
      queryHash: q.queryHash,
      status: q.state.status,
      fetchStatus: q.state.fetchStatus,
      observers: q.getObserversCount(),
      isStale: q.isStale(),
      dataUpdatedAt: q.state.dataUpdatedAt,
    }));
  // The cache's own totals (entries, observers, fetching), counted in the C++ core.
  return { apps, queries, cache: host.queryClient.stats() };
}

/** { events, snapshot } for `host`, live while the component is mounted. */
export function useInspector(host) {
  const [view, setView] = useState(() => ({ events: [], snapshot: snapshotOf(host) }));

  useEffect(() => {
    let events = [];
    let frame = 0;
    const refresh = () => {
      frame = 0;
      setView({ events, snapshot: snapshotOf(host) });
    };
    const later = () => {
      frame ||= requestAnimationFrame(refresh);
    };
    const stopEvents = host.inspect((event) => {
      events = [...events.slice(-(keep - 1)), event];
      later();
    });
    const stopCache = host.queryClient.getQueryCache().subscribe(later);
    refresh();
    return () => {
      stopEvents();
      stopCache();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [host]);

  return view;
}
