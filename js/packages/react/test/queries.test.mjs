// @mfstate/react's query hooks over @mfstate/core's shared cache, rendered with React 19 and
// react-dom under node: renders counted, one version per render, Strict Mode, Suspense, server
// rendering, mutations and the fetching counters.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { StrictMode, Suspense, startTransition, useLayoutEffect } from 'react';
import { renderToString } from 'react-dom/server';
import { createHost } from '@mfstate/core';
import {
  AppProvider, HostProvider, useInfiniteQuery, useIsFetching, useIsMutating, useMutation, useQuery,
  useQueryClient, useSuspenseQuery,
} from '@mfstate/react';
import { deferred, h, mount, settle } from './render.mjs';

let host;
let app;
let root;
beforeEach(async () => {
  host = await createHost({ clock: 'manual' });
  app = host.mount('home');
  root = mount();
});
afterEach(async () => {
  await root.unmount();
  host.dispose();
});

const inApp = (...children) => h(AppProvider, { app }, ...children);

describe('useQuery', () => {
  test('renders once per data version, and not for a fetch that brings the same data', async () => {
    const answers = [];
    const renders = [];
    function Name() {
      const { data } = useQuery({
        queryKey: ['user'],
        queryFn: () => { const d = deferred(); answers.push(d); return d.promise; },
      });
      renders.push(data?.name);
      return h('p', null, data?.name ?? 'loading');
    }
    await root.render(inApp(h(Name)));
    assert.equal(root.text(), 'loading');
    await settle(() => answers[0].resolve({ name: 'John Doe' }));
    assert.equal(root.text(), 'John Doe');
    // A refetch that answers the same data: structural sharing keeps the object, no render.
    // (invalidateQueries resolves once the refetch is answered: not awaited here.)
    await settle(() => { app.queryClient.invalidateQueries({ queryKey: ['user'] }); });
    await settle(() => answers[1].resolve({ name: 'John Doe' }));
    // A new version, then the same one written again.
    await settle(() => app.queryClient.setQueryData(['user'], { name: 'Jane Roe' }));
    await settle(() => app.queryClient.setQueryData(['user'], { name: 'Jane Roe' }));
    assert.equal(root.text(), 'Jane Roe');
    assert.deepEqual(renders, [undefined, 'John Doe', 'Jane Roe']);
  });

  test('returns TanStack\'s result shape', async () => {
    const answer = deferred();
    let seen;
    function Probe() {
      seen = useQuery({ queryKey: ['shape'], queryFn: () => answer.promise });
      return null;
    }
    await root.render(inApp(h(Probe)));
    assert.equal(seen.status, 'pending');
    assert.equal(seen.fetchStatus, 'fetching');
    assert.equal(seen.isPending, true);
    assert.equal(seen.isFetching, true);
    assert.equal(seen.isLoading, true);
    assert.equal(typeof seen.refetch, 'function');
    await settle(() => answer.resolve({ ok: true }));
    assert.equal(seen.status, 'success');
    assert.equal(seen.fetchStatus, 'idle');
    assert.equal(seen.isSuccess, true);
    assert.deepEqual(seen.data, { ok: true });
  });

  test('a component that reads only data does not re-render when only fetchStatus changes', async () => {
    const answers = [];
    let dataRenders = 0;
    let statusRenders = 0;
    const options = { queryKey: ['tracked'], queryFn: () => { const d = deferred(); answers.push(d); return d.promise; } };
    function DataOnly() {
      const { data } = useQuery(options);
      dataRenders += 1;
      return h('span', null, String(data?.v));
    }
    function StatusToo() {
      const { data, isFetching } = useQuery(options);
      statusRenders += 1;
      return h('span', null, `${data?.v}${isFetching ? '…' : ''}`);
    }
    await root.render(inApp(h(DataOnly), h(StatusToo)));
    await settle(() => answers[0].resolve({ v: 1 }));
    const [d, s] = [dataRenders, statusRenders];
    await settle(() => { app.queryClient.refetchQueries({ queryKey: ['tracked'] }); });
    assert.equal(root.text(), '11…');
    await settle(() => answers[1].resolve({ v: 1 }));
    assert.equal(root.text(), '11');
    assert.equal(dataRenders, d, 'nothing DataOnly read changed');
    assert.equal(statusRenders, s + 2, 'isFetching went true, then false');
  });

  test('select: a component re-renders only when its selection changes', async () => {
    let nameRenders = 0;
    function NameOnly() {
      const { data } = useQuery({ queryKey: ['me'], queryFn: () => new Promise(() => {}), select: (u) => u.name });
      nameRenders += 1;
      return h('b', null, data);
    }
    app.queryClient.setQueryData(['me'], { name: 'John Doe', visits: 1 });
    await root.render(inApp(h(NameOnly)));
    const before = nameRenders;
    await settle(() => app.queryClient.setQueryData(['me'], { name: 'John Doe', visits: 2 }));
    assert.equal(nameRenders, before);
    await settle(() => app.queryClient.setQueryData(['me'], { name: 'Jane Roe', visits: 2 }));
    assert.equal(nameRenders, before + 1);
    assert.equal(root.text(), 'Jane Roe');
  });

  test('no tearing: a concurrent render that sees the cache change mid-way commits one version', async () => {
    app.queryClient.setQueryData(['v'], 0);
    const commits = [];
    let version = 0;
    function Reader({ id, bump }) {
      const { data } = useQuery({ queryKey: ['v'], queryFn: () => new Promise(() => {}), staleTime: Infinity });
      // The first reader writes the cache while the render is under way (what another app's
      // update looks like to a render that yields).
      if (bump && data === version && version < 1) {
        version += 1;
        app.queryClient.setQueryData(['v'], version);
      }
      useLayoutEffect(() => { commits.push([id, data]); });
      return h('i', null, String(data));
    }
    function Pair() {
      return h('div', null, h(Reader, { id: 'a', bump: true }), h(Reader, { id: 'b' }));
    }
    await settle(() => startTransition(() => root.renderInAct(inApp(h(Pair)))));
    await settle();
    assert.equal(root.text(), '11');
    // Every commit shows both readers on the same version.
    for (let i = 0; i + 1 < commits.length; i += 2) {
      assert.equal(commits[i][1], commits[i + 1][1], `commit ${i / 2}: ${JSON.stringify(commits)}`);
    }
  });

  test('Strict Mode: same output, one observer per component, none left after unmount', async () => {
    const answer = deferred();
    function Name() {
      const { data } = useQuery({ queryKey: ['strict'], queryFn: () => answer.promise });
      return h('p', null, data ?? '…');
    }
    await root.render(h(StrictMode, null, inApp(h(Name), h(Name))));
    await settle(() => answer.resolve('John Doe'));
    assert.equal(root.text(), 'John DoeJohn Doe');
    assert.equal(host.queryClient.stats().observers, 2);
    await root.render(h(StrictMode, null, inApp()));
    assert.equal(host.queryClient.stats().observers, 0);
  });

  test('the shell\'s tree reads the same cache through HostProvider', async () => {
    app.queryClient.setQueryData(['shared'], 'from home');
    function Shared() {
      return h('p', null, useQuery({ queryKey: ['shared'], queryFn: () => new Promise(() => {}) }).data);
    }
    await root.render(h(HostProvider, { host }, h(Shared)));
    assert.equal(root.text(), 'from home');
  });

  test('throwOnError sends the error to the nearest error boundary', async () => {
    const { Component } = await import('react');
    class Boundary extends Component {
      constructor(props) { super(props); this.state = { error: null }; }
      static getDerivedStateFromError(error) { return { error }; }
      render() { return this.state.error ? h('p', null, `caught: ${this.state.error.message}`) : this.props.children; }
    }
    function Failing() {
      useQuery({ queryKey: ['fails'], queryFn: () => Promise.reject(new Error('boom')), retry: false, throwOnError: true });
      return h('p', null, 'fine');
    }
    const quiet = console.error;
    console.error = () => {};
    try {
      await root.render(inApp(h(Boundary, null, h(Failing))));
      await settle();
    } finally {
      console.error = quiet;
    }
    assert.equal(root.text(), 'caught: boom');
  });
});

describe('useSuspenseQuery', () => {
  test('suspends until the data is there, then renders it once', async () => {
    const answer = deferred();
    let renders = 0;
    function Name() {
      const { data } = useSuspenseQuery({ queryKey: ['suspended'], queryFn: () => answer.promise });
      renders += 1;
      return h('p', null, data.name);
    }
    await root.render(inApp(h(Suspense, { fallback: h('p', null, 'loading') }, h(Name))));
    assert.equal(root.text(), 'loading');
    await settle(() => answer.resolve({ name: 'John Doe' }));
    await settle();
    assert.equal(root.text(), 'John Doe');
    assert.equal(renders, 1);
  });
});

describe('server rendering', () => {
  test('renderToString shows what the cache holds (e.g. hydrated), and pending queries as pending', () => {
    app.queryClient.setQueryData(['user'], { name: 'John Doe' });
    function Page() {
      const user = useQuery({ queryKey: ['user'], queryFn: () => new Promise(() => {}) });
      const other = useQuery({ queryKey: ['other'], queryFn: () => new Promise(() => {}) });
      return h('p', null, `${user.data.name}/${other.status}`);
    }
    assert.equal(renderToString(inApp(h(Page))), '<p>John Doe/pending</p>');
  });
});

describe('useMutation', () => {
  test('mutate: pending, then success; on settle the invalidated query refetches', async () => {
    let name = 'John Doe';
    let fetches = 0;
    const saved = [];
    let view;
    function Profile() {
      const qc = useQueryClient();
      const user = useQuery({ queryKey: ['user'], queryFn: async () => { fetches += 1; return { name }; } });
      const rename = useMutation({
        mutationFn: async (next) => { name = next; saved.push(next); return { name: next }; },
        onSettled: () => qc.invalidateQueries({ queryKey: ['user'] }),
      });
      view = rename;
      return h('p', null, `${user.data?.name}|${rename.status}`);
    }
    await root.render(inApp(h(Profile)));
    await settle();
    assert.equal(root.text(), 'John Doe|idle');
    await settle(() => view.mutate('Jane Roe'));
    await settle();
    assert.deepEqual(saved, ['Jane Roe']);
    assert.equal(root.text(), 'Jane Roe|success');
    assert.equal(fetches, 2);
    assert.deepEqual(view.data, { name: 'Jane Roe' });
  });

  test('mutate never rejects; mutateAsync does', async () => {
    let view;
    function Failing() {
      view = useMutation({ mutationFn: async () => { throw new Error('nope'); } });
      return h('p', null, view.status);
    }
    await root.render(inApp(h(Failing)));
    await settle(() => view.mutate());
    assert.equal(root.text(), 'error');
    assert.equal(view.error.message, 'nope');
    let failure;
    await settle(async () => {
      try {
        await view.mutateAsync();
      } catch (e) {
        failure = e;
      }
    });
    assert.equal(failure?.message, 'nope');
  });
});

describe('useIsFetching and useIsMutating', () => {
  test('count what is in flight, re-rendering only when the count changes', async () => {
    const answer = deferred();
    const done = deferred();
    let counts = [];
    let mutation;
    function Counters() {
      const fetching = useIsFetching();
      const mutating = useIsMutating();
      counts.push(`${fetching}/${mutating}`);
      return null;
    }
    function Work() {
      useQuery({ queryKey: ['slow'], queryFn: () => answer.promise });
      mutation = useMutation({ mutationFn: () => done.promise });
      return null;
    }
    await root.render(inApp(h(Counters), h(Work)));
    await settle(() => { mutation.mutate(); });
    await settle(() => answer.resolve(1));
    await settle(() => done.resolve(2));
    counts = counts.filter((c, i) => i === 0 || c !== counts[i - 1]);
    assert.deepEqual(counts.slice(-4), ['1/0', '1/1', '0/1', '0/0']);
  });
});

describe('useInfiniteQuery', () => {
  test('fetchNextPage appends a page; hasNextPage follows getNextPageParam', async () => {
    let view;
    function Feed() {
      view = useInfiniteQuery({
        queryKey: ['feed'],
        queryFn: async ({ pageParam }) => ({ items: [pageParam * 2, pageParam * 2 + 1], next: pageParam < 1 ? pageParam + 1 : null }),
        initialPageParam: 0,
        getNextPageParam: (last) => last.next,
      });
      return h('p', null, (view.data?.pages ?? []).flatMap((p) => p.items).join(','));
    }
    await root.render(inApp(h(Feed)));
    await settle();
    assert.equal(root.text(), '0,1');
    assert.equal(view.hasNextPage, true);
    await settle(() => view.fetchNextPage());
    assert.equal(root.text(), '0,1,2,3');
    assert.equal(view.hasNextPage, false);
  });
});
