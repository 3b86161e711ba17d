// What the devtools pane shows. Events come from the inspector (host.inspector: the shell's
// capability, which no remote has), kept in a bounded ring, newest last. The picture of apps
// (version, exports with schema and value, accepted commands, live counts) and of the shared
// query cache is host.inspect(), re-read at most once per animation frame after an event or a
// cache change.
import { useEffect, useState } from 'react';

const keep = 300;

/** The current picture of the page's apps and query cache, as the shell can see it. */
export function snapshotOf(host) {
  const { apps, queries } = host.inspect();
  // The cache's own totals (entries, observers, fetching), counted in the C++ core.
  return { apps, queries, cache: host.queryClient.stats() };
}

/** { events, snapshot } for `host` (the same for the component's life), live while it is mounted. */
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
    const stopEvents = host.inspector.subscribe((event) => {
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
    // No dependency on `host`: a dependency array is kept on the fiber, where any script of the
    // page reads it. The host is the one the component was made for (devtoolsFor), for its life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return view;
}
