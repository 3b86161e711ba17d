// "A component written for @tanstack/react-query changes its import and keeps working": the same
// component code, run once with @tanstack/react-query over @tanstack/query-core and once with
// @mfstate/react over @mfstate/core, shows the same text after every step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tanstackCore from '@tanstack/query-core';
import * as tanstack from '@tanstack/react-query';
import { Component, Suspense } from 'react';
import { createHost } from '@mfstate/core';
import * as mfstate from '@mfstate/react';
import { deferred, h, mount, settle } from './render.mjs';

// A profile card as a TanStack user writes it: a query, a mutation with an optimistic update and
// invalidation on settle, a refetch button. `lib` is the only thing that changes.
function makeProfile(lib, api) {
  return function Profile() {
    const qc = lib.useQueryClient();
    const user = lib.useQuery({ queryKey: ['user', 'me'], queryFn: api.getUser });
    const rename = lib.useMutation({
      mutationFn: api.rename,
      onMutate: async (name) => {
        await qc.cancelQueries({ queryKey: ['user', 'me'] });
        const previous = qc.getQueryData(['user', 'me']);
        qc.setQueryData(['user', 'me'], (old) => ({ ...old, name }));
        return { previous };
      },
      onError: (_error, _name, context) => qc.setQueryData(['user', 'me'], context.previous),
      onSettled: () => qc.invalidateQueries({ queryKey: ['user', 'me'] }),
    });
    api.view = { rename, user };
    if (user.isPending) return h('p', null, 'loading');
    return h('p', null, `${user.data.name} [${user.status}/${user.fetchStatus}] rename:${rename.status}`);
  };
}

// The server: answers when the test says so.
function fakeApi() {
  const pending = [];
  let name = 'John Doe';
  const api = {
    pending,
    getUser: () => { const d = deferred(); pending.push(() => d.resolve({ id: 'S6nRz7bZ8Cv1dfTm', name })); return d.promise; },
    rename: (next) => { const d = deferred(); pending.push(() => { name = next; d.resolve({ name }); }); return d.promise; },
    answerNext: () => pending.shift()(),
  };
  return api;
}

async function story(lib, Provider, props) {
  const api = fakeApi();
  const Profile = makeProfile(lib, api);
  const root = mount();
  const seen = [];
  await root.render(h(Provider, props, h(Profile)));
  seen.push(root.text());
  await settle(() => api.answerNext());                         // GET -> John Doe
  seen.push(root.text());
  await settle(() => { api.view.rename.mutate('Jane Roe'); });  // optimistic
  seen.push(root.text());
  await settle(() => api.answerNext());                         // PATCH answered
  seen.push(root.text());
  await settle(() => api.answerNext());                         // refetch after invalidation
  seen.push(root.text());
  await settle(() => { api.view.user.refetch(); });
  seen.push(root.text());
  await settle(() => api.answerNext());
  seen.push(root.text());
  await root.unmount();
  return seen;
}

test('the same component shows the same text with @tanstack/react-query and @mfstate/react', async () => {
  // TanStack notifies through setTimeout(0) by default; a microtask keeps this run timer-free.
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const defaultOptions = { queries: { retry: false, gcTime: Infinity } };
  const theirs = await story(tanstack, tanstack.QueryClientProvider, { client: new tanstackCore.QueryClient({ defaultOptions }) });

  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('profile');
  const ours = await story(mfstate, mfstate.AppProvider, { app });
  host.dispose();

  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs.slice(0, 3), ['loading', 'John Doe [success/idle] rename:idle', 'Jane Roe [success/idle] rename:pending']);
});

// A paginated list as TanStack users write it: the page in the key, placeholderData:
// keepPreviousData while the next page loads, `select`, and a dependent query held by `enabled`.
function makePages(lib, api) {
  return function Pages({ page }) {
    const list = lib.useQuery({
      queryKey: ['items', { page }],
      queryFn: () => api.getPage(page),
      placeholderData: lib.keepPreviousData,
      select: (data) => data.items.map((i) => i.toUpperCase()),
    });
    const first = list.data?.[0];
    const detail = lib.useQuery({ queryKey: ['item', first], queryFn: () => api.getItem(first), enabled: first !== undefined });
    return h('p', null, `${(list.data ?? []).join(',')} placeholder:${list.isPlaceholderData} detail:${detail.status}/${detail.fetchStatus}:${detail.data ?? '-'}`);
  };
}

async function pagesStory(lib, Provider, props) {
  const pending = [];
  const api = {
    getPage: (page) => { const d = deferred(); pending.push(() => d.resolve({ items: [`a${page}`, `b${page}`] })); return d.promise; },
    getItem: (id) => { const d = deferred(); pending.push(() => d.resolve(`detail of ${id}`)); return d.promise; },
  };
  const Pages = makePages(lib, api);
  const root = mount();
  const seen = [];
  await root.render(h(Provider, props, h(Pages, { page: 1 })));
  seen.push(root.text());
  await settle(() => pending.shift()());   // page 1
  seen.push(root.text());
  await settle(() => pending.shift()());   // detail of A1
  seen.push(root.text());
  await root.render(h(Provider, props, h(Pages, { page: 2 })));
  seen.push(root.text());                  // page 1 kept as placeholder while page 2 loads
  await settle(() => pending.shift()());   // page 2
  seen.push(root.text());
  await settle(() => pending.shift()());   // detail of A2
  seen.push(root.text());
  await root.unmount();
  return seen;
}

test('paging with keepPreviousData, select and a dependent query reads the same with both', async () => {
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const defaultOptions = { queries: { retry: false, gcTime: Infinity } };
  const theirs = await pagesStory(tanstack, tanstack.QueryClientProvider, { client: new tanstackCore.QueryClient({ defaultOptions }) });
  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('list');
  const ours = await pagesStory(mfstate, mfstate.AppProvider, { app });
  host.dispose();
  assert.deepEqual(ours, theirs);
  assert.equal(theirs[3], 'A1,B1 placeholder:true detail:success/idle:detail of A1');
});

// Errors as TanStack users handle them: a failed fetch shown inline, a refetch that succeeds, a
// mutation that fails and rolls its optimistic update back, and infinite pages.
function makeErrors(lib, api) {
  return function Errors() {
    const qc = lib.useQueryClient();
    const user = lib.useQuery({ queryKey: ['me'], queryFn: api.getUser });
    const save = lib.useMutation({
      mutationFn: api.save,
      onMutate: (name) => {
        const previous = qc.getQueryData(['me']);
        qc.setQueryData(['me'], { name });
        return { previous };
      },
      onError: (_e, _v, context) => qc.setQueryData(['me'], context.previous),
    });
    const feed = lib.useInfiniteQuery({
      queryKey: ['feed'], queryFn: ({ pageParam }) => api.getFeed(pageParam), initialPageParam: 0,
      getNextPageParam: (last) => last.next ?? undefined,
    });
    api.view = { user, save, feed };
    const pages = feed.data?.pages.map((p) => p.n).join('+') ?? '-';
    return h('p', null, `${user.status}:${user.data?.name ?? user.error?.message ?? '-'} save:${save.status}:${save.error?.message ?? ''} feed:${pages}:${feed.hasNextPage}`);
  };
}

async function errorsStory(lib, Provider, props) {
  const pending = [];
  const answer = (fn) => { const d = deferred(); pending.push(() => fn(d)); return d.promise; };
  let attempts = 0;
  const api = {
    getUser: () => answer((d) => (++attempts === 1 ? d.reject(new Error('down')) : d.resolve({ name: 'John Doe' }))),
    save: () => answer((d) => d.reject(new Error('refused'))),
    getFeed: (n) => answer((d) => d.resolve({ n, next: n < 2 ? n + 1 : null })),
  };
  const Errors = makeErrors(lib, api);
  const root = mount();
  const seen = [];
  await root.render(h(Provider, props, h(Errors)));
  seen.push(root.text());
  await settle(() => pending.shift()());            // the user fetch fails
  seen.push(root.text());
  await settle(() => pending.shift()());            // feed page 0
  seen.push(root.text());
  await settle(() => { api.view.user.refetch(); });
  await settle(() => pending.shift()());            // the refetch succeeds
  seen.push(root.text());
  await settle(() => { api.view.save.mutate('Jane Roe'); });
  seen.push(root.text());                           // optimistic
  await settle(() => pending.shift()());            // the save is refused: rolled back
  seen.push(root.text());
  await settle(() => { api.view.feed.fetchNextPage(); });
  await settle(() => pending.shift()());
  await settle(() => { api.view.feed.fetchNextPage(); });
  await settle(() => pending.shift()());
  seen.push(root.text());
  await root.unmount();
  return seen;
}

test('errors, a rolled-back mutation and infinite pages read the same with both', async () => {
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const defaultOptions = { queries: { retry: false, gcTime: Infinity } };
  const theirs = await errorsStory(tanstack, tanstack.QueryClientProvider, { client: new tanstackCore.QueryClient({ defaultOptions }) });
  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('errors');
  const ours = await errorsStory(mfstate, mfstate.AppProvider, { app });
  host.dispose();
  assert.deepEqual(ours, theirs);
  assert.match(theirs[1], /^error:down /);
  assert.match(theirs.at(-1), /feed:0\+1\+2:false/);
});

// A query already in error when a component mounts: useSuspenseQuery and useQuery with throwOnError
// send the error to the boundary, mounted again too, without fetching again (TanStack's
// ensurePreventErrorBoundaryRetry); before, useSuspenseQuery rendered with data undefined.
test('a query in error reaches the error boundary on every mount, without a refetch, as with TanStack', async () => {
  class Boundary extends Component {
    constructor(props) { super(props); this.state = { error: null }; }
    static getDerivedStateFromError(error) { return { error }; }
    render() { return this.state.error ? h('p', null, `caught: ${this.state.error.message}`) : this.props.children; }
  }
  async function story(lib, Provider, props) {
    let calls = 0;
    const queryFn = () => Promise.reject(new Error(`refused ${++calls}`));
    function Suspended() {
      const { data } = lib.useSuspenseQuery({ queryKey: ['refused', 'suspense'], queryFn });
      return h('p', null, `data: ${data}`);
    }
    function Thrown() {
      return h('p', null, lib.useQuery({ queryKey: ['refused', 'thrown'], queryFn, throwOnError: true }).status);
    }
    const seen = [];
    const quiet = console.error;
    console.error = () => {};
    try {
      for (const Card of [Suspended, Thrown]) {
        for (let mountNo = 1; mountNo <= 2; mountNo++) {
          const root = mount();
          await root.render(h(Provider, props, h(Boundary, null, h(Suspense, { fallback: h('p', null, 'loading') }, h(Card)))));
          await settle();
          await settle();
          seen.push(`${Card.name} mount ${mountNo}: ${root.text()} (${calls} calls)`);
          await root.unmount();
        }
      }
    } finally {
      console.error = quiet;
    }
    return seen;
  }
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const defaultOptions = { queries: { retry: false, gcTime: Infinity } };
  const theirs = await story(tanstack, tanstack.QueryClientProvider, { client: new tanstackCore.QueryClient({ defaultOptions }) });
  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('errors');
  const ours = await story(mfstate, mfstate.AppProvider, { app });
  host.dispose();
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs, [
    'Suspended mount 1: caught: refused 1 (1 calls)',
    'Suspended mount 2: caught: refused 1 (1 calls)',
    'Thrown mount 1: caught: refused 2 (2 calls)',
    'Thrown mount 2: caught: refused 2 (2 calls)',
  ]);
});
