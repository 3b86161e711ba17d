// What the devtools pane shows, from the inspector: the shell's capability, which no remote has.
// Events arrive as they happen (kept in a bounded ring, newest last); the snapshot of apps,
// exports, commands and the query cache is re-read at most once per animation frame.
import { useEffect, useState } from 'react';

const keep = 300;

/** { events, snapshot } for `host`, live while the component is mounted. */
export function useInspector(host) {
  const [view, setView] = useState(() => ({ events: [], snapshot: host.inspect() }));

  useEffect(() => {
    let events = [];
    let frame = 0;
    const refresh = () => {
      frame = 0;
      setView({ events, snapshot: host.inspect() });
    };
    const unsubscribe = host.inspector.subscribe((event) => {
      events = [...events.slice(-(keep - 1)), event];
      frame ||= requestAnimationFrame(refresh);
    });
    refresh();
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [host]);

  return view;
}
