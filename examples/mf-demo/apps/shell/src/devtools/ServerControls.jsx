// The demo API's fault injection, for a person trying the stories by hand: make the next save
// fail, or slow every answer down, and watch Profile roll back. (Not part of a real shell: it
// talks to the demo server's /__control routes.)
import { useEffect, useState } from 'react';

async function control(method, route, body) {
  const res = await fetch(route, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

export function ServerControls() {
  const [faults, setFaults] = useState(null);
  const [stats, setStats] = useState(null);
  const refresh = async () => {
    setFaults(await control('GET', '/__control/faults'));
    setStats(await control('GET', '/__control/stats'));
  };
  useEffect(() => {
    refresh();
  }, []);
  const change = async (settings) => {
    setFaults(await control('PUT', '/__control/faults', settings));
  };
  if (!faults) return <p className="muted">Asking the server…</p>;
  return (
    <div className="server-controls">
      <p>
        <button type="button" onClick={() => change({ failWrites: faults.failWrites + 1 })}>
          Fail the next save
        </button>{' '}
        ({faults.failWrites} pending)
      </p>
      <p>
        <label>
          Delay every answer by{' '}
          <select value={faults.delayMs} onChange={(e) => change({ delayMs: Number(e.target.value) })}>
            {[0, 300, 1000, 3000].map((ms) => (
              <option key={ms} value={ms}>
                {ms} ms
              </option>
            ))}
          </select>
        </label>
      </p>
      <h4>
        Requests the API received <button type="button" onClick={refresh}>↻</button>
      </h4>
      <pre>{JSON.stringify(stats?.requests ?? {}, null, 1)}</pre>
    </div>
  );
}
