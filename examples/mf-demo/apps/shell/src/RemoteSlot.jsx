// Where a remote lives on the page. On mount: load the remote's code and manifest, mount the app
// in the host *with its manifest* (the contract production enforces is the one CI checked),
// and call the remote's mount() with the element and the app's handle — the only way the remote
// can act as itself. On unmount, the reverse: the remote's React root, then the app (which
// releases its store, exports, handlers, subscriptions and query observers).
import { useEffect, useRef, useState } from 'react';
import { forgetApp, shareApp } from './console-access.js';
import { loadRemoteApp } from './remotes.js';

/** The slot component for `host`: it mounts apps in that host, held in its closure, never in a prop. */
export function remoteSlotFor(host) {
  return function RemoteSlot({ name, config }) {
    const element = useRef(null);
    const [state, setState] = useState({ phase: 'loading' });

    useEffect(() => {
      let cancelled = false;
      let unmountRemote = null;
      let app = null;
      setState({ phase: 'loading' });
      loadRemoteApp(name, config)
        .then(({ mount, manifest }) => {
          if (cancelled) return;
          app = host.mount(manifest);
          unmountRemote = mount(element.current, { app });
          shareApp(name, app);
          setState({ phase: 'mounted', version: manifest.version });
        })
        .catch((error) => {
          if (cancelled) return;
          app?.unmount();
          app = null;
          setState({ phase: 'failed', error });
        });
      return () => {
        cancelled = true;
        forgetApp(name);
        unmountRemote?.();
        app?.unmount();
      };
    }, [name, config]);

    return (
      <section className="remote" data-remote={name} data-phase={state.phase}>
        <header className="remote-label">
          {name}
          {state.version ? <span className="version"> {state.version}</span> : null}
        </header>
        {state.phase === 'loading' ? <p className="muted">Loading {name}…</p> : null}
        {state.phase === 'failed' ? (
          <div className="error" role="alert" data-testid={`${name}-load-error`}>
            <strong>{name} could not be mounted.</strong>
            <pre>{String(state.error?.message ?? state.error)}</pre>
          </div>
        ) : null}
        <div ref={element} />
      </section>
    );
  };
}
