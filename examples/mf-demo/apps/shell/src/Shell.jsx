// The page's layout: navigation, the remotes the route shows, and the devtools pane.
import { useEffect, useState } from 'react';
import { Devtools } from './devtools/Devtools.jsx';
import { RemoteSlot } from './RemoteSlot.jsx';
import { routes, usePath } from './route.js';

export function Shell({ host, config }) {
  const path = usePath();
  const [devtoolsOpen, setDevtoolsOpen] = useState(() => new URLSearchParams(location.search).has('devtools'));

  // The shell's own store holds the route; its export lets any remote follow navigation.
  useEffect(() => {
    host.platform.dispatch({ type: 'route/changed', payload: { path } });
  }, [host, path]);

  return (
    <div className={devtoolsOpen ? 'layout with-devtools' : 'layout'}>
      <nav className="topbar">
        <span className="brand">mfstate demo</span>
        {Object.entries(routes).map(([to, route]) => (
          <a key={to} href={`#${to}`} className={to === path ? 'active' : ''} data-nav={to}>
            {route.title}
          </a>
        ))}
        <button type="button" className="devtools-toggle" onClick={() => setDevtoolsOpen((open) => !open)}>
          {devtoolsOpen ? 'Hide devtools' : 'Devtools'}
        </button>
      </nav>
      <main className="remotes">
        {routes[path].remotes.map((name) => (
          <RemoteSlot key={name} name={name} host={host} config={config} />
        ))}
      </main>
      {devtoolsOpen ? <Devtools host={host} /> : null}
    </div>
  );
}
