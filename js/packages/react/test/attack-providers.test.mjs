// A hostile remote against @mfstate/react's providers: what a remote's component gets through
// context (useHost, useQueryClient) when the shell renders it in its own tree, and what a script
// that walks React's internals from the DOM (`__reactFiber$…`, memoizedProps, memoizedState, hook
// dependency arrays, context values) finds. The guarantee is per handle and against the public
// API; React's tree is readable by any script of the page, so these tests also pin what the
// package itself keeps there (each App handle, in its own provider, and nothing else of mfstate's)
// and the shell's wiring docs/web-react.md asks for (the Host never in React's tree).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createHost } from '@mfstate/core';
import {
  AppProvider, HostProvider, QueryClientProvider, useAppState, useDispatch, useExport, useHost, useQuery, useQueryClient,
  useSend, useTopic,
} from '@mfstate/react';
import { h, mount, settle } from './render.mjs';

let host;
let roots;
beforeEach(async () => {
  host = await createHost({ clock: 'manual' });
  roots = [];
});
afterEach(async () => {
  for (const root of roots) await root.unmount();
  host.dispose();
});
const newRoot = () => {
  const root = mount();
  roots.push(root);
  return root;
};

/** What a component's hook throws, or what it returns. */
function attempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

/**
 * Every object a same-page script reaches by walking React's fibers from every element of the
 * document: each fiber's props, state (hooks, their dependency arrays, effects), context values,
 * and what those hold, a few levels deep (functions are opaque: a closure's variables are not
 * reachable). What a hostile remote can collect without any handle.
 */
function reachableFromDom(document) {
  const seen = new Set();
  const fibers = new Set();
  const queue = [];
  const visit = (value, depth) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
    seen.add(value);
    if (depth > 0) queue.push([value, depth - 1]);
  };
  for (const element of [document.body, ...document.body.querySelectorAll('*')]) {
    for (const key of Object.keys(element)) {
      if (key.startsWith('__reactFiber$') || key.startsWith('__reactContainer$')) {
        for (let fiber = element[key]; fiber && !fibers.has(fiber); fiber = fiber.return) fibers.add(fiber);
      }
    }
  }
  for (const fiber of fibers) {
    for (let f = fiber; f; f = f.alternate === fiber ? null : f.alternate) {
      for (const part of [f.memoizedProps, f.pendingProps, f.memoizedState, f.updateQueue, f.dependencies, f.type]) {
        visit(part, 6);
      }
      for (let c = f.child; c; c = c.sibling) fibers.add(c);
    }
  }
  while (queue.length) {
    const [value, depth] = queue.shift();
    if (typeof value === 'function') continue;  // its closure's variables are out of reach
    if (value.$$typeof === Symbol.for('react.element') || value.$$typeof === Symbol.for('react.transitional.element')) {
      visit(value.props, depth + 1);
      continue;
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) visit(descriptor.value, depth);
    }
  }
  return seen;
}

describe('what a remote gets through context', () => {
  test('inside the shell\'s HostProvider and its own AppProvider: no host, its own client, also below its own providers', async () => {
    const home = host.mount('home');
    const seen = {};
    function Remote() {
      seen.host = attempt(() => useHost());
      seen.client = useQueryClient();
      return h(QueryClientProvider, { client: home.queryClient }, h(Nested));
    }
    function Nested() {
      seen.nestedHost = attempt(() => useHost());
      seen.nestedClient = useQueryClient();
      return null;
    }
    await newRoot().render(h(HostProvider, { host }, h(AppProvider, { app: home }, h(Remote))));
    assert.match(seen.host.error.message, /cannot reach the shell's host/);
    assert.match(seen.nestedHost.error.message, /cannot reach the shell's host/);
    assert.equal(seen.client, home.queryClient);
    assert.equal(seen.nestedClient, home.queryClient);
    host.queryClient.setQueryData(['shell'], 1);
    assert.throws(() => seen.client.clear(), (e) => e.code === 'refused' || /shell/.test(e.message));
    assert.equal(host.queryClient.getQueryData(['shell']), 1, "an app's client has no shell switches");
  });

  test('a HostProvider a remote renders with a forged host gives it nothing of the shell\'s', async () => {
    const home = host.mount('home');
    const forged = { queryClient: home.queryClient, platform: 'mine', inspector: null };
    const seen = {};
    function Spy() {
      seen.host = useHost();
      seen.client = useQueryClient();
      return null;
    }
    await newRoot().render(
      h(HostProvider, { host }, h(AppProvider, { app: home }, h(HostProvider, { host: forged }, h(Spy)))),
    );
    assert.equal(seen.host, forged, 'the nearest provider is the remote\'s own: the shell\'s host stays out of reach');
    assert.equal(seen.client, home.queryClient);
    assert.notEqual(seen.client, host.queryClient);
  });

  test('a remote rendered without its AppProvider acts as the shell: the shell must wrap each remote', async () => {
    // The package cannot tell the shell's components from a remote's: below <HostProvider>,
    // useHost() is the host for whoever calls it. docs/web-react.md: a shell renders a remote's
    // components only inside <AppProvider app={theRemotesApp}>, and keeps the Host out of React's
    // tree if it loads code it does not trust.
    let got;
    function RemoteWithoutProvider() {
      got = attempt(() => useHost());
      return null;
    }
    await newRoot().render(h(HostProvider, { host }, h(RemoteWithoutProvider)));
    assert.equal(got.value, host);
  });
});

describe('what a script walking React\'s internals finds', () => {
  function Remote({ producer }) {
    useAppState((s) => s);
    useDispatch();
    useExport(producer, 'count');
    useSend(producer);
    useTopic('x/*', () => {});
    useQuery({ queryKey: ['k'], queryFn: () => 1 });
    return h('p', null, 'remote');
  }

  test('each app hook keeps only its App handle: no host, no shell client, no other app', async () => {
    const home = host.mount('home');
    home.createStore({ n: 0 }, (s) => s);
    const profile = host.mount('profile');
    profile.createStore({ count: 1 }, (s) => s);
    profile.expose('count', (s) => s.count);
    // Only home renders with React here; profile's handle lives in the shell's code only.
    await newRoot().render(h(AppProvider, { app: home }, h(Remote, { producer: 'profile' })));
    const reached = reachableFromDom(document);
    assert.ok(reached.has(home), 'the walk does find the App handle React holds (the walk works)');
    assert.ok(!reached.has(host), 'no host');
    assert.ok(!reached.has(host.queryClient), 'no shell query client');
    assert.ok(!reached.has(host.platform), 'no platform app');
    assert.ok(!reached.has(profile), 'no other app');
  });

  test('a shell that keeps the Host out of React (closures, not props) leaves none of it to find', async () => {
    let home;
    // The shell's wiring docs/web-react.md asks for: its components close over the host (made by
    // a function of the host), receive no host prop, hold it in no state, ref or dependency
    // array, and hand each remote only an element and its App handle.
    const makeSlot = (shellHost) => function Slot({ name }) {
      return h('section', { 'data-remote': name, ref: (element) => {
        if (element && !element.firstChild) {
          const place = document.createElement('div');
          element.appendChild(place);
          const remoteRoot = mount();
          roots.push(remoteRoot);
          place.appendChild(remoteRoot.container);
          home = shellHost.mount(name);
          home.createStore({ n: 0 }, (s) => s);
          remoteRoot.renderInAct(h(AppProvider, { app: home }, h(Remote, { producer: 'platform' })));
        }
      } });
    };
    const Slot = makeSlot(host);
    // The shell's own queries run on the platform's client (an app's: no clear, no defaults).
    function ShellStatus() {
      return h('nav', null, `shell:${useQuery({ queryKey: ['status'], queryFn: () => 'up' }).data ?? 'pending'}`);
    }
    await newRoot().render(h(QueryClientProvider, { client: host.platform.queryClient },
      h('main', null, h(ShellStatus), h(Slot, { name: 'home' }))));
    await settle();
    assert.match(document.body.textContent, /shell:up/);
    const reached = reachableFromDom(document);
    assert.ok(reached.has(home));
    assert.ok(!reached.has(host), 'no host');
    assert.ok(!reached.has(host.queryClient), 'no shell query client');
  });

  test('a host passed as a React prop (or to HostProvider) is found by any script of the page', async () => {
    // Pinned so the docs stay true: React keeps props, context values and hook dependency arrays
    // on fibers reachable from every element (any root, any remote's own root included).
    function ShellPart({ host: _host }) {
      return h('nav', null, 'shell');
    }
    await newRoot().render(h(ShellPart, { host }));
    const home = host.mount('home');
    await newRoot().render(h(AppProvider, { app: home }, h('p', null, 'home')));
    assert.ok(reachableFromDom(document).has(host));
    await roots.shift().unmount();
    await newRoot().render(h(HostProvider, { host }, h('nav', null, 'shell')));
    assert.ok(reachableFromDom(document).has(host));
  });
});
