// How much a React tree pays for its queries: N components, each with useQuery on its own key
// (data already in the cache), mounted, then every key written once (a new version: N renders),
// then every key written with an equal value (no render). @mfstate/react beside
// @tanstack/react-query in the same run, alternating which goes first. Not a test: prints a table.
//   node bench/hooks.mjs [N]
import '../test/dom.mjs';
import { act, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import * as tanstackCore from '@tanstack/query-core';
import * as tanstack from '@tanstack/react-query';
import { createHost } from '@mfstate/core';
import * as mfstate from '@mfstate/react';

const n = Number(process.argv[2] ?? 1000);
tanstackCore.notifyManager.setScheduler(queueMicrotask);
const never = () => new Promise(() => {});

async function run(lib, client, Provider, props) {
  let renders = 0;
  function Row({ i }) {
    const { data } = lib.useQuery({ queryKey: ['user', { id: i }], queryFn: never, staleTime: Infinity });
    renders += 1;
    return h('li', null, data.name);
  }
  for (let i = 0; i < n; i++) client.setQueryData(['user', { id: i }], { id: i, name: `user ${i}` });
  const el = document.createElement('div');
  const root = createRoot(el);
  const rows = Array.from({ length: n }, (_, i) => h(Row, { key: i, i }));
  let t = performance.now();
  await act(async () => root.render(h(Provider, props, h('ul', null, rows))));
  const mount = performance.now() - t;
  renders = 0;
  t = performance.now();
  await act(async () => { for (let i = 0; i < n; i++) client.setQueryData(['user', { id: i }], { id: i, name: `renamed ${i}` }); });
  const update = performance.now() - t;
  const updateRenders = renders;
  renders = 0;
  t = performance.now();
  await act(async () => { for (let i = 0; i < n; i++) client.setQueryData(['user', { id: i }], { id: i, name: `renamed ${i}` }); });
  const same = performance.now() - t;
  const sameRenders = renders;
  await act(async () => root.unmount());
  return { mount, update, updateRenders, same, sameRenders };
}

globalThis.IS_REACT_ACT_ENVIRONMENT = true;
const results = { mfstate: [], tanstack: [] };
for (let round = 0; round < 4; round++) {
  const order = round % 2 ? ['tanstack', 'mfstate'] : ['mfstate', 'tanstack'];
  for (const impl of order) {
    if (impl === 'mfstate') {
      const host = await createHost({ clock: 'manual' });
      const app = host.mount('bench');
      results.mfstate.push(await run(mfstate, app.queryClient, mfstate.AppProvider, { app }));
      host.dispose();
    } else {
      const client = new tanstackCore.QueryClient({ defaultOptions: { queries: { gcTime: Infinity } } });
      results.tanstack.push(await run(tanstack, client, tanstack.QueryClientProvider, { client }));
      client.clear();
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`N = ${n} components, median of ${results.mfstate.length} rounds (ms)`);
console.log('impl                  mount   update(renders)   equal write(renders)');
for (const [impl, rs] of Object.entries(results)) {
  console.log(`${impl.padEnd(20)} ${median(rs.map((r) => r.mount)).toFixed(1).padStart(7)} ${median(rs.map((r) => r.update)).toFixed(1).padStart(9)} (${rs[0].updateRenders}) ${median(rs.map((r) => r.same)).toFixed(1).padStart(12)} (${rs[0].sameRenders})`);
}
