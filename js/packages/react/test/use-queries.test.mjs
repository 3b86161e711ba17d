// useQueries: the same components run with @tanstack/react-query and with @mfstate/react show the
// same text after every step (a changing list of queries, combine, throwOnError), and leave no
// observer behind after a Strict Mode mount and unmount.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Component, StrictMode } from 'react';
import { both } from './both.mjs';
import { deferred, h, mount, settle } from './render.mjs';

/** A server that answers each request when the test says so, by id. */
function fakeApi() {
  const pending = new Map();
  let version = 1;
  return {
    get: (id) => {
      const d = deferred();
      pending.set(id, () => d.resolve({ id, title: `todo ${id} v${version}` }));
      return d.promise;
    },
    answer: (id) => {
      const answer = pending.get(id);
      pending.delete(id);
      answer();
    },
    bump: () => { version++; },
  };
}

const line = (r) => `${r.status}/${r.fetchStatus}:${r.data?.title ?? '-'}`;

test('useQueries over a changing list shows the same text as TanStack (added, removed, reordered queries)', async () => {
  async function story(lib, Provider, props) {
    const api = fakeApi();
    function Todos({ ids }) {
      const results = lib.useQueries({ queries: ids.map((id) => ({ queryKey: ['todo', id], queryFn: () => api.get(id) })) });
      return h('p', null, results.map(line).join(' | '));
    }
    const root = mount();
    const seen = [];
    const show = (ids) => root.render(h(Provider, props, h(Todos, { ids })));
    await show([1, 2]);
    seen.push(root.text());
    await settle(() => api.answer(1));
    seen.push(root.text());
    await settle(() => api.answer(2));
    seen.push(root.text());
    await show([2, 3]);                      // 1 removed, 3 added
    seen.push(root.text());
    await settle(() => api.answer(3));
    seen.push(root.text());
    await show([3, 2]);                      // reordered
    seen.push(root.text());
    await show([]);                          // none
    seen.push(root.text());
    await root.unmount();
    return seen;
  }
  const { ours, theirs } = await both(story);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs.slice(0, 4), [
    'pending/fetching:- | pending/fetching:-',
    'success/idle:todo 1 v1 | pending/fetching:-',
    'success/idle:todo 1 v1 | success/idle:todo 2 v1',
    'success/idle:todo 2 v1 | pending/fetching:-',
  ]);
});

test('useQueries with combine reads the same as TanStack, and re-renders only when the combined value changes', async () => {
  async function story(lib, Provider, props, client) {
    const api = fakeApi();
    let renders = 0;
    const combine = (results) => ({ titles: results.map((r) => r.data?.title ?? '…'), pending: results.some((r) => r.isPending) });
    function Summary({ ids }) {
      renders++;
      const { titles, pending } = lib.useQueries({ queries: ids.map((id) => ({ queryKey: ['todo', id], queryFn: () => api.get(id) })), combine });
      return h('p', null, `${pending ? 'loading ' : ''}${titles.join(', ')}`);
    }
    const root = mount();
    const seen = [];
    const show = (ids) => root.render(h(Provider, props, h(Summary, { ids })));
    await show([1, 2]);
    seen.push(root.text());
    await settle(() => api.answer(1));
    seen.push(root.text());
    await settle(() => api.answer(2));
    seen.push(root.text());
    // A refetch that brings the same data: the results move (fetching, then idle), the combined
    // value does not, so the component does not render.
    const before = renders;
    await settle(() => { client.invalidateQueries({ queryKey: ['todo', 1] }); });
    await settle(() => api.answer(1));
    seen.push([root.text(), `renders during a refetch of equal data: ${renders - before}`]);
    await show([2, 3]);
    seen.push(root.text());
    await settle(() => { api.bump(); client.invalidateQueries({ queryKey: ['todo'] }); });
    await settle(() => { api.answer(2); api.answer(3); });
    seen.push(root.text());
    await root.unmount();
    return seen;
  }
  const { ours, theirs } = await both(story);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs, [
    'loading …, …',
    'loading todo 1 v1, …',
    'todo 1 v1, todo 2 v1',
    ['todo 1 v1, todo 2 v1', 'renders during a refetch of equal data: 0'],
    'loading todo 2 v1, …',
    'todo 2 v2, todo 3 v2',
  ]);
});

test('useQueries throws the first error a query asks to throw to the nearest error boundary, as TanStack', async () => {
  class Boundary extends Component {
    constructor(props) { super(props); this.state = { error: null }; }
    static getDerivedStateFromError(error) { return { error }; }
    render() { return this.state.error ? h('p', null, `caught: ${this.state.error.message}`) : this.props.children; }
  }
  async function story(lib, Provider, props) {
    function Mixed() {
      const results = lib.useQueries({
        queries: [
          { queryKey: ['fine'], queryFn: () => Promise.resolve('ok') },
          { queryKey: ['shown'], queryFn: () => Promise.reject(new Error('shown inline')) },
          { queryKey: ['thrown'], queryFn: () => Promise.reject(new Error('boom')), throwOnError: true },
          { queryKey: ['also'], queryFn: () => Promise.reject(new Error('second')), throwOnError: () => true },
        ],
      });
      return h('p', null, results.map((r) => r.status).join(','));
    }
    const root = mount();
    const quiet = console.error;
    console.error = () => {};
    try {
      await root.render(h(Provider, props, h(Boundary, null, h(Mixed))));
      await settle();
      await settle();
    } finally {
      console.error = quiet;
    }
    const text = root.text();
    await root.unmount();
    return text;
  }
  const { ours, theirs } = await both(story);
  assert.equal(theirs, 'caught: boom');
  assert.equal(ours, theirs);
});

test('useQueries under Strict Mode leaves no observer after unmount, as TanStack', async () => {
  async function story(lib, Provider, props, client) {
    function Pair() {
      const results = lib.useQueries({ queries: [1, 2].map((id) => ({ queryKey: ['sm', id], queryFn: () => `v${id}` })) });
      return h('p', null, results.map((r) => r.data ?? '-').join(','));
    }
    const root = mount();
    await root.render(h(StrictMode, null, h(Provider, props, h(Pair))));
    await settle();
    const counts = () => client.getQueryCache().findAll({ queryKey: ['sm'] }).map((q) => q.getObserversCount());
    const mounted = [root.text(), counts()];
    await root.unmount();
    return [mounted, counts()];
  }
  const { ours, theirs } = await both(story);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs, [['v1,v2', [1, 1]], [0, 0]]);
});

test('useSuspenseQueries suspends until every query has data, then reads the same as TanStack; errors go to the boundary', async () => {
  const { Suspense } = await import('react');
  class Boundary extends Component {
    constructor(props) { super(props); this.state = { error: null }; }
    static getDerivedStateFromError(error) { return { error }; }
    render() { return this.state.error ? h('p', null, `caught: ${this.state.error.message}`) : this.props.children; }
  }
  async function story(lib, Provider, props) {
    const api = fakeApi();
    let renders = 0;
    function Both({ ids }) {
      renders++;
      const titles = lib.useSuspenseQueries({
        queries: ids.map((id) => ({ queryKey: ['todo', id], queryFn: () => (id === 'bad' ? Promise.reject(new Error('refused')) : api.get(id)) })),
        combine: (results) => results.map((r) => r.data.title).join(', '),
      });
      return h('p', null, titles);
    }
    const root = mount();
    const seen = [];
    const show = (ids) => root.render(h(Provider, props, h(Boundary, null, h(Suspense, { fallback: h('p', null, 'loading') }, h(Both, { ids })))));
    await show([1, 2]);
    seen.push(root.text());
    await settle(() => api.answer(1));
    seen.push(root.text());                  // still suspended: 2 has no data
    await settle(() => api.answer(2));
    seen.push(root.text());
    const quiet = console.error;
    console.error = () => {};
    try {
      await show([1, 'bad']);
      await settle();
      await settle();
    } finally {
      console.error = quiet;
    }
    seen.push(root.text());
    seen.push(renders > 0);
    await root.unmount();
    return seen;
  }
  const { ours, theirs } = await both(story);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs, ['loading', 'loading', 'todo 1 v1, todo 2 v1', 'caught: refused', true]);
});
