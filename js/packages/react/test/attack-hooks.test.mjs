// Hostile values given to @mfstate/react's hooks: a selector or equality that throws, a selector
// returning a fresh object each call, options behind getters and Proxies, a query key changed
// after the call, a listener that throws, prototype names as app names. Each fails the component
// that made it (its error boundary), or is absorbed, and never the store, another component, the
// sender of a message, or the cache.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createHost } from '@mfstate/core';
import { AppProvider, useAppState, useExport, useQuery, useSend, useTopic } from '@mfstate/react';
import { Boundary, h, mount, settle, withConsoleErrors } from './render.mjs';

let host;
let home;
let root;
beforeEach(async () => {
  host = await createHost({ clock: 'manual' });
  home = host.mount('home');
  home.createStore({ n: 0, other: 0 }, (state, action) => {
    if (action.type === 'n') return { ...state, n: state.n + 1 };
    if (action.type === 'other') return { ...state, other: state.other + 1 };
    return state;
  });
  root = mount();
});
afterEach(async () => {
  await root.unmount();
  host.dispose();
});
const inApp = (...children) => h(AppProvider, { app: home }, ...children);

function Count() {
  return h('span', null, `n=${useAppState((s) => s.n)};`);
}

describe('useAppState given hostile functions', () => {
  test('a selector that throws fails its component only: the dispatch, the store and a sibling go on', async () => {
    function Fragile() {
      const n = useAppState((s) => {
        if (s.n === 1) throw new Error('selector refused');
        return s.n;
      });
      return h('span', null, `fragile=${n};`);
    }
    await root.render(inApp(h(Count), h(Boundary, null, h(Fragile))));
    assert.equal(root.text(), 'n=0;fragile=0;');
    const errors = await withConsoleErrors(() => settle(() => home.dispatch({ type: 'n' })));
    assert.equal(home.getState().n, 1, 'the dispatch went through');
    assert.equal(root.text(), 'n=1;caught: selector refused');
    assert.ok(errors.some((e) => /selector refused/.test(e)));
    await settle(() => home.dispatch({ type: 'n' }));
    assert.equal(root.text(), 'n=2;caught: selector refused', 'the store still tells the others');
  });

  test('an equality function that throws fails its component only', async () => {
    function Fragile() {
      const n = useAppState((s) => ({ n: s.n }), () => {
        throw new Error('isEqual refused');
      });
      return h('span', null, `fragile=${n.n};`);
    }
    await root.render(inApp(h(Count), h(Boundary, null, h(Fragile))));
    await withConsoleErrors(() => settle(() => home.dispatch({ type: 'n' })));
    assert.equal(home.getState().n, 1);
    assert.equal(root.text(), 'n=1;caught: isEqual refused');
  });

  test('an inline selector returning a fresh object each call: a stable snapshot, one render per change', async () => {
    let renders = 0;
    function Fresh() {
      renders++;
      const view = useAppState((s) => ({ n: s.n }));
      return h('span', null, `fresh=${view.n};`);
    }
    const errors = await withConsoleErrors(async () => {
      await root.render(inApp(h(Fresh)));
      assert.equal(renders, 1);
      await settle(() => home.dispatch({ type: 'n' }));
      assert.equal(renders, 2);
      await settle(() => home.dispatch({ type: 'n' }));
      assert.equal(renders, 3);
    });
    assert.equal(root.text(), 'fresh=2;');
    assert.deepEqual(errors, [], 'no "getSnapshot should be cached" warning, no update loop');
  });

  test('with an equality on content, a fresh object for an unrelated change costs no render', async () => {
    let renders = 0;
    function Fresh() {
      renders++;
      const view = useAppState((s) => ({ n: s.n }), (a, b) => a.n === b.n);
      return h('span', null, `fresh=${view.n};`);
    }
    await root.render(inApp(h(Fresh)));
    await settle(() => home.dispatch({ type: 'other' }));
    await settle(() => home.dispatch({ type: 'other' }));
    assert.equal(renders, 1);
    await settle(() => home.dispatch({ type: 'n' }));
    assert.equal(renders, 2);
  });

  test('what the selector returns from the state cannot be written', async () => {
    let seen;
    function Writer() {
      seen = useAppState();
      return null;
    }
    await root.render(inApp(h(Writer)));
    assert.throws(() => {
      'use strict';
      seen.n = 99;
    }, TypeError);
    assert.equal(home.getState().n, 0);
  });
});

describe('query options given hostile values', () => {
  test('a queryKey changed in place after the call leaves the cached entry and its key as they were', async () => {
    const key = ['user', { id: 1 }];
    let result;
    function User() {
      result = useQuery({ queryKey: key, queryFn: () => ({ name: 'Ann' }), staleTime: Infinity });
      return h('span', null, result.data?.name ?? 'pending');
    }
    await root.render(inApp(h(User)));
    await settle();
    assert.equal(root.text(), 'Ann');
    key[0] = 'admin';
    key[1].id = 2;
    const entries = host.queryClient.getQueryCache().findAll();
    assert.deepEqual(entries.map((q) => q.queryKey), [['user', { id: 1 }]]);
    assert.deepEqual(host.queryClient.getQueryData(['user', { id: 1 }]), { name: 'Ann' });
    assert.equal(host.queryClient.getQueryData(['admin', { id: 2 }]), undefined);
  });

  test('options behind a Proxy answering each read differently make one consistent query', async () => {
    // Each render's first read of queryKey answers ['first'], any later read of the same render
    // ['second'] (defaultQueryOptions reads it twice, as TanStack's: once to find the key's
    // defaults, once to copy it): the copy is what the observer, the cache and the render use.
    let reads = 0;
    const options = new Proxy({ queryKey: ['target'], queryFn: () => 'x', staleTime: Infinity }, {
      get(target, property) {
        if (property === 'queryKey') return ++reads === 1 ? ['first'] : ['second'];
        return target[property];
      },
    });
    function Shifty() {
      reads = 0;
      return h('span', null, String(useQuery(options).data ?? 'pending'));
    }
    // (A key that differs on every render refetches on every render, in TanStack too: a component
    // that does it loops on its own, which is its own app's loss.)
    await root.render(inApp(h(Shifty)));
    await settle();
    assert.equal(root.text(), 'x');
    assert.deepEqual(host.queryClient.getQueryCache().findAll().map((q) => q.queryKey), [['second']]);
  });

  test('a queryKey with a getter: the cache keeps a copy of its answer, never the getter', async () => {
    // (A getter answering differently on each render makes a new key on each render, which
    // refetches on each render, in TanStack too: its own component's loss.)
    let reads = 0;
    const part = Object.defineProperty({}, 'id', { enumerable: true, get: () => (reads++, 7) });
    function Getter() {
      return h('span', null, String(useQuery({ queryKey: ['k', part], queryFn: () => 1, staleTime: Infinity }).data));
    }
    await root.render(inApp(h(Getter)));
    await settle();
    assert.equal(root.text(), '1');
    const [entry] = host.queryClient.getQueryCache().findAll();
    assert.deepEqual(Object.getOwnPropertyDescriptor(entry.queryKey[1], 'id'), {
      value: 7, writable: false, enumerable: true, configurable: false,
    });
    const before = reads;
    assert.equal(host.queryClient.getQueryData(['k', { id: 7 }]), 1);
    assert.equal(reads, before, 'no read of the caller\'s getter after its call');
  });
});

describe('messages and names given hostile values', () => {
  test('a useTopic listener that throws: the sender is not failed, another app still hears it, the shell is told', async () => {
    const profile = host.mount('profile');
    const heard = [];
    host.platform.on('profile/*', (payload) => heard.push(payload.v));
    function Thrower() {
      useTopic('profile/*', () => {
        throw new Error('listener refused');
      });
      return null;
    }
    const reported = [];
    host.setErrorHandler((error) => reported.push(error));
    await root.render(inApp(h(Thrower)));
    await settle(() => profile.emit('profile/renamed', { v: 1 }));
    assert.deepEqual(heard, [1]);
    assert.deepEqual(reported.map((e) => [e.code, e.cause?.message]), [['listener_error', 'listener refused']]);
    assert.match(reported[0].message, /in app "home" threw/, 'the shell hears whose listener threw');
  });

  test('prototype names as producers and targets: undefined to read, a clear error to send, nothing changed', async () => {
    let values;
    let sends;
    function Names() {
      values = ['__proto__', 'constructor', 'toString'].map((name) => useExport(name, 'count'));
      const toProto = useSend('__proto__');
      const toConstructor = useSend('constructor');
      sends = [toProto, toConstructor];
      return null;
    }
    await root.render(inApp(h(Names)));
    assert.deepEqual(values, [undefined, undefined, undefined]);
    for (const send of sends) {
      assert.throws(() => send({ type: 'x' }), (e) => typeof e.code === 'string' && e.code.length > 0);
    }
    assert.deepEqual(home.getState(), { n: 0, other: 0 });
  });
});
