// @mfstate/react's app hooks: the app's own state (useAppState with a selector, useDispatch),
// another app's export (useExport, also before that app mounts), commands (useSend), topics
// (useTopic), with renders counted.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { createHost } from '@mfstate/core';
import {
  AppProvider, HostProvider, useAppState, useDispatch, useExport, useHost, useQueryClient, useSend, useTopic,
} from '@mfstate/react';
import { h, mount, settle } from './render.mjs';

let host;
let root;
beforeEach(async () => {
  host = await createHost({ clock: 'manual' });
  root = mount();
});
afterEach(async () => {
  await root.unmount();
  host.dispose();
});

const cartReducer = (state, action) => {
  switch (action.type) {
    case 'cart/add': return { ...state, items: [...state.items, action.payload] };
    case 'cart/touch': return { ...state, touched: state.touched + 1 };
    default: return state;
  }
};

describe('useAppState and useDispatch', () => {
  test('a selector re-renders only when what it selects changes', async () => {
    const cart = host.mount('cart');
    cart.createStore({ items: [], touched: 0 }, cartReducer);
    let countRenders = 0;
    let dispatch;
    function Count() {
      const count = useAppState((s) => s.items.length);
      dispatch = useDispatch();
      countRenders += 1;
      return h('b', null, String(count));
    }
    await root.render(h(AppProvider, { app: cart }, h(Count)));
    await settle(() => dispatch({ type: 'cart/touch' }));
    assert.equal(countRenders, 1);
    await settle(() => dispatch({ type: 'cart/add', payload: { id: 1 } }));
    assert.equal(root.text(), '1');
    assert.equal(countRenders, 2);
  });

  test('without a selector: the state itself, frozen, one identity per version', async () => {
    const cart = host.mount('cart');
    cart.createStore({ items: [], touched: 0 }, cartReducer);
    const seen = [];
    function State() {
      seen.push(useAppState());
      return null;
    }
    await root.render(h(AppProvider, { app: cart }, h(State)));
    await settle(() => cart.dispatch({ type: 'cart/touch' }));
    assert.equal(seen.length, 2);
    assert.ok(Object.isFrozen(seen[1]));
    assert.equal(seen[1], cart.getState());
  });

  test('an equality function keeps the last selection when equal', async () => {
    const cart = host.mount('cart');
    cart.createStore({ items: [], touched: 0 }, cartReducer);
    let renders = 0;
    function Ids() {
      const ids = useAppState((s) => s.items.map((i) => i.id), (a, b) => a.join() === b.join());
      renders += 1;
      return h('i', null, ids.join());
    }
    await root.render(h(AppProvider, { app: cart }, h(Ids)));
    await settle(() => cart.dispatch({ type: 'cart/touch' }));
    assert.equal(renders, 1, 'a new array with the same ids is no change');
  });

  test('server rendering shows the current state', () => {
    const cart = host.mount('cart');
    cart.createStore({ items: [{ id: 7 }], touched: 0 }, cartReducer);
    function Count() {
      return h('b', null, String(useAppState((s) => s.items.length)));
    }
    assert.equal(renderToString(h(AppProvider, { app: cart }, h(Count))), '<b>1</b>');
  });
});

describe('useExport', () => {
  test('renders the value of an app that mounts later, when it comes', async () => {
    const home = host.mount('home');
    const renders = [];
    function Greeting() {
      const user = useExport('profile', 'user');
      renders.push(user?.name);
      return h('p', null, user ? `Hello, ${user.name}` : 'Hello');
    }
    await root.render(h(AppProvider, { app: home }, h(Greeting)));
    assert.equal(root.text(), 'Hello');
    await settle(() => {
      const profile = host.mount('profile');
      profile.createStore({ user: { userId: 'S6nRz7bZ8Cv1dfTm', name: 'John Doe' }, visits: 0 },
        (s, a) => (a.type === 'visit' ? { ...s, visits: s.visits + 1 } : a.type === 'rename' ? { ...s, user: { ...s.user, name: a.payload } } : s));
      profile.expose('user', (s) => s.user);
      profile.dispatch({ type: 'visit' });
      profile.dispatch({ type: 'rename', payload: 'Jane Roe' });
    });
    assert.equal(root.text(), 'Hello, Jane Roe');
    // Mounting, a change it does not export (visits) and the rename: one render per value.
    assert.deepEqual(renders, [undefined, 'Jane Roe']);
  });

  test('renders an existing value at once, and undefined again when the producer unmounts', async () => {
    const profile = host.mount('profile');
    profile.createStore({ name: 'John Doe' }, (s) => s);
    profile.expose('user', (s) => s);
    const home = host.mount('home');
    function Name() {
      return h('p', null, useExport('profile', 'user')?.name ?? '(gone)');
    }
    await root.render(h(AppProvider, { app: home }, h(Name)));
    assert.equal(root.text(), 'John Doe');
    await settle(() => profile.unmount());
    assert.equal(root.text(), '(gone)');
  });

  test('what it hands out cannot be written', async () => {
    const profile = host.mount('profile');
    profile.createStore({ user: { name: 'John Doe' } }, (s) => s);
    profile.expose('user', (s) => s.user);
    let user;
    function Grab() {
      user = useExport('profile', 'user');
      return null;
    }
    await root.render(h(AppProvider, { app: host.mount('home') }, h(Grab)));
    assert.throws(() => { user.name = 'Mallory'; }, TypeError);
    assert.equal(profile.getState().user.name, 'John Doe');
  });

  test('Strict Mode: one watch while mounted, none after', async () => {
    const profile = host.mount('profile');
    profile.createStore({ n: 0 }, (s, a) => (a.type === 'inc' ? { n: s.n + 1 } : s));
    profile.expose('n', (s) => s.n);
    const home = host.mount('home');
    let renders = 0;
    function N() {
      renders += 1;
      return h('p', null, String(useExport('profile', 'n')));
    }
    await root.render(h(StrictMode, null, h(AppProvider, { app: home }, h(N))));
    const mounted = renders;
    await settle(() => profile.dispatch({ type: 'inc' }));
    assert.equal(root.text(), '1');
    assert.equal(renders - mounted, 2, 'one update, rendered twice by Strict Mode');
    await root.render(h(StrictMode, null, h(AppProvider, { app: home })));
    const after = renders;
    await settle(() => profile.dispatch({ type: 'inc' }));
    assert.equal(renders, after);
  });
});

describe('useSend and useTopic', () => {
  test('useSend sends a command the target accepts; one it does not accept throws and changes nothing', async () => {
    const cart = host.mount('cart');
    cart.createStore({ items: [], touched: 0 }, cartReducer);
    cart.accept('cart/add');
    const home = host.mount('home');
    let send;
    function Button() {
      send = useSend('cart');
      return null;
    }
    await root.render(h(AppProvider, { app: home }, h(Button)));
    await settle(() => send({ type: 'cart/add', payload: { id: 1 } }));
    assert.equal(cart.getState().items.length, 1);
    assert.throws(() => send({ type: 'cart/touch' }), (e) => e.code === 'command_not_accepted');
    assert.equal(cart.getState().touched, 0);
  });

  test('useTopic delivers messages while mounted, to the latest listener', async () => {
    const home = host.mount('home');
    const profile = host.mount('profile');
    const heard = [];
    function Listener({ tag }) {
      useTopic('profile/*', (payload, topic) => heard.push(`${tag}:${topic}:${payload.userId}`));
      return null;
    }
    await root.render(h(AppProvider, { app: home }, h(Listener, { tag: 'a' })));
    await settle(() => profile.emit('profile/user-renamed', { userId: 'u1' }));
    await root.render(h(AppProvider, { app: home }, h(Listener, { tag: 'b' })));
    await settle(() => profile.emit('profile/user-renamed', { userId: 'u2' }));
    await root.render(h(AppProvider, { app: home }));
    await settle(() => profile.emit('profile/user-renamed', { userId: 'u3' }));
    assert.deepEqual(heard, ['a:profile/user-renamed:u1', 'b:profile/user-renamed:u2']);
  });
});

describe('providers', () => {
  test('a remote rendered inside the shell\'s tree cannot reach the host, and gets its app\'s client', async () => {
    const home = host.mount('home');
    let shellSees;
    let remoteClient;
    let remoteHost;
    function ShellPart() {
      shellSees = useHost();
      return null;
    }
    function RemotePart() {
      remoteClient = useQueryClient();
      try {
        remoteHost = useHost();
      } catch (e) {
        remoteHost = e;
      }
      return null;
    }
    await root.render(h(HostProvider, { host }, h(ShellPart), h(AppProvider, { app: home }, h(RemotePart))));
    assert.equal(shellSees, host);
    assert.equal(remoteClient, home.queryClient);
    assert.notEqual(remoteClient, host.queryClient);
    assert.match(remoteHost.message, /cannot reach the shell's host/);
  });

  test('a hook outside AppProvider says what to wrap the tree in', async () => {
    function Lost() {
      useAppState();
      return null;
    }
    const quiet = console.error;
    console.error = () => {};
    try {
      assert.throws(() => renderToString(h(Lost)), /<AppProvider app=\{app\}>/);
    } finally {
      console.error = quiet;
    }
  });
});
