// The devtools pane (toggled from the top bar): one view across every app on the page — what
// TanStack's and Redux's devtools show for one library in one app, here for all of them.
import { useState } from 'react';
import { ServerControls } from './ServerControls.jsx';
import { useInspector } from './useInspector.js';

const json = (value) => JSON.stringify(value, null, 1);

function Apps({ apps, cache }) {
  return (
    <table data-testid="devtools-apps">
      <thead>
        <tr>
          <th>app</th>
          <th>version</th>
          <th>exports</th>
          <th>accepts</th>
          <th title="store and bus listeners / watches / query observers / command handlers">live</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((app) => (
          <tr key={app.name} data-app={app.name}>
            <td>{app.name}</td>
            <td>{app.version}</td>
            <td>{app.exports.map((e) => e.name).join(', ')}</td>
            <td>{app.accepts.join(', ')}</td>
            <td data-counts={JSON.stringify(app.counts)}>
              {app.counts.subscriptions} subs, {app.counts.watches} watches, {app.counts.observers} observers,{' '}
              {app.counts.handlers} handlers
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={5} data-testid="devtools-observers">
            query cache: {cache.entries} entries, {cache.observers} observers, {cache.fetching} fetching
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

function Exports({ apps }) {
  const exports = apps.flatMap((app) => app.exports.map((e) => ({ ...e, app: app.name })));
  if (!exports.length) return <p className="muted">No exports.</p>;
  return exports.map((e) => (
    <details key={`${e.app}/${e.name}`} data-export={`${e.app}/${e.name}`} open>
      <summary>
        {e.app}/{e.name}
      </summary>
      <div className="columns">
        <pre title="value">{e.error ? `(not readable: ${e.error})` : json(e.value)}</pre>
        <pre title="schema">{json(e.schema)}</pre>
      </div>
    </details>
  ));
}

function Commands({ apps, refusals }) {
  return (
    <>
      <ul>
        {apps.map((app) => (
          <li key={app.name}>
            {app.name} accepts: {app.accepts.length ? app.accepts.join(', ') : <span className="muted">nothing</span>}
          </li>
        ))}
      </ul>
      <h4>Last refusals</h4>
      {refusals.length ? (
        <ul data-testid="devtools-refusals">
          {refusals.map((e, i) => (
            <li key={i}>
              {e.app} → {e.target}: {e.name} — {e.code}: {e.detail}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
    </>
  );
}

function Queries({ queries }) {
  return (
    <table data-testid="devtools-queries">
      <thead>
        <tr>
          <th>key</th>
          <th>status</th>
          <th>fetch</th>
          <th>observers</th>
          <th>stale</th>
        </tr>
      </thead>
      <tbody>
        {queries.map((q) => (
          <tr key={q.queryHash}>
            <td>
              <code>{q.queryHash}</code>
            </td>
            <td>{q.status}</td>
            <td>{q.fetchStatus}</td>
            <td>{q.observers}</td>
            <td>{q.isStale ? 'stale' : 'fresh'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Events({ events, testid }) {
  if (!events.length) return <p className="muted">None yet.</p>;
  return (
    <ol className="timeline" data-testid={testid}>
      {events.map((e, i) => (
        <li key={i}>
          <span className="time">{e.time}ms</span> <strong>{e.kind}</strong> {e.app} {e.target ? `→ ${e.target}` : ''}{' '}
          {e.name} {e.code ? <em>{e.code}</em> : null} {e.detail}
        </li>
      ))}
    </ol>
  );
}

const tabs = ['Apps', 'Exports', 'Commands', 'Queries', 'Bus', 'Contracts', 'Timeline', 'Server'];

/** The devtools pane for `host`, held in its closure, never in a prop (see bootstrap.jsx). */
export function devtoolsFor(host) {
  return function Devtools() {
    const { events, snapshot } = useInspector(host);
    const [tab, setTab] = useState('Apps');
    const of = (...kinds) => events.filter((e) => kinds.includes(e.kind));

    return (
      <aside className="devtools" data-testid="devtools">
        <nav>
          {tabs.map((t) => (
            <button key={t} type="button" className={t === tab ? 'active' : ''} onClick={() => setTab(t)}>
              {t}
            </button>
          ))}
        </nav>
        <div className="devtools-body">
          {tab === 'Apps' ? <Apps apps={snapshot.apps} cache={snapshot.cache} /> : null}
          {tab === 'Exports' ? <Exports apps={snapshot.apps} /> : null}
          {tab === 'Commands' ? <Commands apps={snapshot.apps} refusals={of('command_refused').slice(-10)} /> : null}
          {tab === 'Queries' ? <Queries queries={snapshot.queries} /> : null}
          {tab === 'Bus' ? <Events events={of('bus_message').slice(-50)} testid="devtools-bus" /> : null}
          {tab === 'Contracts' ? <Events events={of('contract_error').slice(-50)} testid="devtools-contracts" /> : null}
          {tab === 'Timeline' ? <Events events={events.slice(-100).reverse()} testid="devtools-timeline" /> : null}
          {tab === 'Server' ? <ServerControls /> : null}
        </div>
      </aside>
    );
  };
}
