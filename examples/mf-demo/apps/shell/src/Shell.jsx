// The page's layout: navigation, the remotes the route shows, and the devtools pane.
import { useEffect, useState } from 'react';
import { devtoolsFor } from './devtools/Devtools.jsx';
import { remoteSlotFor } from './RemoteSlot.jsx';
import { routes, usePath } from './route.js';

/** The layout's component for `host`, which it holds in its closure, never in a prop (bootstrap.jsx). */
export function shellFor(host) {
  const RemoteSlot = remoteSlotFor(host);
  const Devtools = devtoolsFor(host);
  return function Shell({ config }) {
    const path = usePath();
    const [devtoolsOpen, setDevtoolsOpen] = useState(() => new URLSearchParams(location.search).has('devtools'));

    // The shell's own store holds the route; its export lets any remote follow navigation.
    useEffect(() => {
      host.platform.dispatch({ type: 'route/changed', payload: { path } });
    }, [path]);

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
            <RemoteSlot key={name} name={name} config={config} />
          ))}
        </main>
        {devtoolsOpen ? <Devtools /> : null}
      </div>
    );
  };
}
