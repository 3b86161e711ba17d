// A hostile app against the redux-micro-frontend facade, beyond what global-store.test.mjs pins
// (naming another app, writing partner state, replacing another's reducer): forged App handles,
// prototype keys as app names, actions with getters, a partner that unmounted, and 10⁵
// subscriptions made and dropped.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { App, createHost } from '@mfstate/core';
import { AbstractLogger, ConsoleLogger, GlobalStore } from '@mfstate/redux-micro-frontend';

const counter = (state = { count: 0 }, action) => {
  switch (action.type) {
    case 'INC': return { count: state.count + 1 };
    case 'SET': return { count: action.payload.count };
    default: return state;
  }
};
const expectRefused = (fn, pattern) => assert.throws(fn, (e) => e.code === 'refused' && pattern.test(e.message));

let host;
beforeEach(async () => {
  host = await createHost({ clock: 'manual' });
});
afterEach(() => host.dispose());

const countsOf = (name) => host.inspect().apps.find((a) => a.name === name)?.counts;

describe('forged App handles', () => {
  test('an object shaped like an App, or made from App.prototype, is refused: no GlobalStore, no name announced', () => {
    const home = host.mount('home');
    const stores = GlobalStore.Get(home);
    stores.SubscribeToGlobalState('home', () => {});
    const watches = countsOf('home').watches;
    // What a GlobalStore of a forged handle would do: announce its names to every app that
    // follows the global state, each answering with a watch of its own (65,536 at most per app).
    const shaped = (name) => ({
      name, broadcast() {}, expose() {}, accept() {}, acceptAll() {}, read() {}, watch: () => () => {},
      createStore: () => ({ getState: () => 0, dispatch() {}, subscribe: () => () => {} }),
    });
    const fromPrototype = (name) => Object.create(App.prototype, { name: { value: name } });
    for (const forge of [shaped, fromPrototype]) {
      for (let i = 0; i < 100; i++) {
        expectRefused(() => GlobalStore.Get(forge(`ghost${i}`)).CreateStore(`ghost${i}`, counter), /needs the App handle/);
      }
    }
    assert.equal(countsOf('home').watches, watches, 'no watch added for a forged name');
    assert.deepEqual(Object.keys(stores.GetGlobalState()), []);
  });

  test('a real handle cannot be made to answer another app\'s name', () => {
    const home = host.mount('home');
    const profile = host.mount('profile');
    GlobalStore.Get(profile).CreateStore('profile', counter, [], ['INC']);
    assert.throws(() => Object.defineProperty(home, 'name', { value: 'profile' }), TypeError);
    const stores = GlobalStore.Get(home);
    expectRefused(() => stores.CreateStore('profile', counter), /acts as app "home"/);
    assert.equal(stores.AppName, 'home');
  });
});

describe('the facade\'s classes', () => {
  test('a method replaced on GlobalStore or a logger class never runs for another app', () => {
    'use strict';
    // Every app shares these classes (one instance of the package per page). A replaced
    // GlobalStore.Get would be handed each later app's App handle; a replaced prototype method
    // would run with `this` = another app's GlobalStore, whose other methods act as that app; a
    // replaced AbstractLogger.prototype.LogEvent would read every app's logged actions.
    const victim = host.mount('victim');
    const stolen = [];
    assert.throws(() => {
      GlobalStore.Get = (app) => stolen.push(app);
    }, TypeError);
    assert.throws(() => {
      GlobalStore.prototype.DispatchGlobalAction = function () {
        stolen.push(this);
      };
    }, TypeError);
    assert.throws(() => Object.defineProperty(GlobalStore.prototype, 'AppName', { get: () => 'mallory' }), TypeError);
    for (const Logger of [AbstractLogger, ConsoleLogger]) {
      assert.throws(() => {
        Logger.prototype.LogEvent = function () {
          stolen.push(this);
        };
      }, TypeError);
    }
    const stores = GlobalStore.Get(victim);
    stores.CreateStore('victim', counter, [], ['INC']);
    stores.DispatchGlobalAction('victim', { type: 'INC' });
    assert.deepEqual(stolen, []);
    assert.deepEqual(stores.GetPartnerState('victim'), { count: 1 });
  });

  test('GlobalStore.DebugMode stays redux-micro-frontend\'s switch', () => {
    const before = GlobalStore.DebugMode;
    GlobalStore.DebugMode = true;
    assert.equal(GlobalStore.DebugMode, true);
    GlobalStore.DebugMode = before;
    assert.equal(GlobalStore.DebugMode, before);
  });
});

describe('prototype keys as app names', () => {
  test('apps named __proto__ and constructor keep their own state, in GetGlobalState as own members', () => {
    const proto = host.mount('__proto__');
    const ctor = host.mount('constructor');
    const home = host.mount('home');
    GlobalStore.Get(proto).CreateStore('__proto__', counter, [], ['INC']);
    GlobalStore.Get(ctor).CreateStore('constructor', counter);
    const stores = GlobalStore.Get(home);
    stores.DispatchGlobalAction('home', { type: 'INC' });
    const global = stores.GetGlobalState();
    assert.equal(Object.getPrototypeOf(global), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(global, '__proto__').value, { count: 1 });
    assert.deepEqual(Object.getOwnPropertyDescriptor(global, 'constructor').value, { count: 0 });
    assert.deepEqual(stores.GetPartnerState('__proto__'), { count: 1 });
    assert.equal(({}).count, undefined, 'Object.prototype untouched');
    expectRefused(() => stores.DispatchLocalAction('__proto__', { type: 'INC' }), /acts as app "home"/);
    expectRefused(() => stores.CreateStore('constructor', counter), /acts as app "home"/);
    assert.deepEqual(stores.GetPartnerState('constructor'), { count: 0 });
  });

  test('a prototype key as a partner that does not exist reads null and subscribes quietly', () => {
    const stores = GlobalStore.Get(host.mount('home'));
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(stores.GetPartnerState(name), null);
      stores.SubscribeToPartnerState('home', name, () => assert.fail('nothing to tell'))();
    }
  });
});

describe('actions with getters', () => {
  test('a partner gets a frozen copy of what each getter answered once; the sender\'s object is never handed on', () => {
    const home = host.mount('home');
    const profile = host.mount('profile');
    const seen = [];
    GlobalStore.Get(profile).CreateStore('profile', (state = { count: 0 }, action) => {
      if (action.type === 'SET') seen.push(action);
      return counter(state, action);
    }, [], ['SET']);
    let typeReads = 0;
    let countReads = 0;
    const payload = { get count() { return ++countReads; } };
    const action = { get type() { typeReads++; return 'SET'; }, payload };
    GlobalStore.Get(home).DispatchGlobalAction('home', action);
    assert.equal(seen.length, 1);
    assert.notEqual(seen[0].payload, payload);
    assert.ok(Object.isFrozen(seen[0]) && Object.isFrozen(seen[0].payload));
    assert.deepEqual(Object.getOwnPropertyDescriptor(seen[0].payload, 'count'), {
      value: 1, writable: false, enumerable: true, configurable: false,
    });
    assert.deepEqual(GlobalStore.Get(home).GetPartnerState('profile'), { count: 1 });
    assert.equal(countReads, 1);
    assert.equal(typeReads, 1);
  });

  test('a type that is not a string is refused, and nothing changes', () => {
    const home = host.mount('home');
    const profile = host.mount('profile');
    GlobalStore.Get(profile).CreateStore('profile', counter, [], ['*']);
    const stores = GlobalStore.Get(home);
    for (const action of [{ type: { toString: () => 'INC' } }, { type: 7 }, null, 'INC']) {
      assert.throws(() => stores.DispatchGlobalAction('home', action), (e) => typeof e.code === 'string');
    }
    assert.deepEqual(stores.GetPartnerState('profile'), { count: 0 });
  });
});

describe('a partner that unmounted', () => {
  test('eager: subscribing after the partner left is quiet until an app of that name registers again', () => {
    const home = GlobalStore.Get(host.mount('home'));
    let profile = host.mount('profile');
    GlobalStore.Get(profile).CreateStore('profile', counter, [], ['INC']);
    profile.unmount();
    assert.equal(home.GetPartnerState('profile'), null);
    const heard = [];
    const stop = home.SubscribeToPartnerState('home', 'profile', (state) => heard.push(state.count));
    home.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard, []);
    profile = host.mount('profile');
    const again = GlobalStore.Get(profile);
    again.CreateStore('profile', counter, [], ['INC']);
    home.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard.at(-1), 1);
    stop();
    home.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard.at(-1), 1, 'nothing after unsubscribing');
  });

  test('not eager: subscribing after the partner left throws, and adds no watch', () => {
    const homeApp = host.mount('home');
    const home = GlobalStore.Get(homeApp);
    const profile = host.mount('profile');
    GlobalStore.Get(profile).CreateStore('profile', counter);
    profile.unmount();
    const watches = countsOf('home').watches;
    assert.throws(() => home.SubscribeToPartnerState('home', 'profile', () => {}, false), /doesn't exist or hasn't been loaded yet/);
    assert.equal(countsOf('home').watches, watches);
  });
});

describe('a follower of the global state that unmounted', () => {
  test('does not fail a later app\'s CreateStore, and the followers still mounted hear the new app', () => {
    // Before: its registration listener stayed page-wide and watched the new app as an unmounted
    // app, which threw app_unmounted out of the registering app's CreateStore. An app that
    // subscribes and then unmounts itself stopped every later app from creating its store.
    const mallory = host.mount('mallory');
    GlobalStore.Get(mallory).SubscribeToGlobalState('mallory', () => {});
    mallory.unmount();
    const shell = GlobalStore.Get(host.platform);
    const heard = [];
    shell.SubscribeToGlobalState('Platform', (global) => heard.push(Object.keys(global)));
    // (A name no app of this page registered before: the registry of names is page-wide.)
    const late = GlobalStore.Get(host.mount('late'));
    late.CreateStore('late', counter, [], ['INC']);
    shell.DispatchGlobalAction('Platform', { type: 'INC' });
    assert.deepEqual(heard.at(-1), ['late']);
    assert.deepEqual(late.GetPartnerState('late'), { count: 1 });
  });

  test('a follower whose own watches are full fails alone, never the registering app', () => {
    const crowded = host.mount('crowded');
    const follower = GlobalStore.Get(crowded);
    follower.SubscribeToGlobalState('crowded', () => {});
    // Fill crowded's subscriptions to its limit with its own watches.
    const stops = [];
    try {
      for (;;) stops.push(crowded.watch('nobody', `x${stops.length}`, () => {}));
    } catch (e) {
      assert.equal(e.code, 'size_limit');
    }
    const later = GlobalStore.Get(host.mount('later'));
    later.CreateStore('later', counter);
    assert.deepEqual(later.GetPartnerState('later'), { count: 0 });
    for (const stop of stops) stop();
  });
});

describe('no memory that grows with history', () => {
  test('10⁵ subscriptions made and dropped leave the app\'s counts where they were', () => {
    const home = GlobalStore.Get(host.mount('home'));
    home.CreateStore('home', counter);
    GlobalStore.Get(host.mount('profile')).CreateStore('profile', counter);
    const before = countsOf('home');
    // 65,536 subscriptions per app at most: a leak of one per round fails with size_limit here.
    for (let i = 0; i < 100_000; i++) {
      home.SubscribeToPartnerState('home', 'profile', () => {})();
      home.SubscribeToGlobalState('home', () => {})();
      home.Subscribe('home', () => {})();
    }
    assert.deepEqual(countsOf('home'), before);
  });
});

describe('apps of another host registering stores', () => {
  test('a follower of the global state watches none of them: its room and its notifications are its host\'s apps\' alone', async () => {
    // Before: the registry of names is page-wide, and every follower watched each name announced,
    // from any host. An app that made a host of its own (createHost is the package's) and mounted
    // apps there that each CreateStore'd made every follower hold a watch per name, against the
    // follower's own 65,536 subscriptions (a few seconds to fill them: its every later subscribe
    // failed), and walk every name at each change of the global state.
    const home = host.mount('home');
    const follower = GlobalStore.Get(home);
    follower.CreateStore('home', counter, [], ['INC']);
    const heard = [];
    follower.SubscribeToGlobalState('home', (global) => heard.push(Object.keys(global)));
    const watches = countsOf('home').watches;
    const own = await createHost({ clock: 'manual' });
    for (let i = 0; i < 500; i++) GlobalStore.Get(own.mount(`m${i}`)).CreateStore(`m${i}`, counter);
    assert.equal(countsOf('home').watches, watches, 'a watch per app of another host');
    // An app of its own host that registers later is still followed.
    const late = GlobalStore.Get(host.mount('late'));
    late.CreateStore('late', counter, [], ['INC']);
    follower.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard.at(-1).sort(), ['home', 'late']);
    own.dispose();
  });

  test('an app of the follower\'s host that unmounts and registers again is followed again', () => {
    const follower = GlobalStore.Get(host.mount('home'));
    follower.CreateStore('home', counter, [], ['INC']);
    let cart = host.mount('cart');
    GlobalStore.Get(cart).CreateStore('cart', counter, [], ['INC']);
    cart.unmount();
    const heard = [];
    follower.SubscribeToGlobalState('home', (global) => heard.push(Object.keys(global).sort()));
    cart = host.mount('cart');
    GlobalStore.Get(cart).CreateStore('cart', counter, [], ['INC']);
    follower.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard.at(-1), ['cart', 'home']);
  });
});

describe('the registry of names', () => {
  test('an app of another host that registers a name and unmounts does not take it from the app of the follower\'s host', async () => {
    const cart = GlobalStore.Get(host.mount('cart'));
    cart.CreateStore('cart', counter, [], ['INC']);
    const own = await createHost({ clock: 'manual' });
    const impostor = own.mount('cart');
    GlobalStore.Get(impostor).CreateStore('cart', counter);
    impostor.unmount();
    // Enough registrations (and unmounts) for the registry to forget the apps that are gone, past
    // what the earlier tests of this process registered (it sweeps when it has doubled).
    for (let i = 0; i < 3000; i++) {
      const app = own.mount(`n${i}`);
      GlobalStore.Get(app).CreateStore(`n${i}`, counter);
      app.unmount();
    }
    const follower = GlobalStore.Get(host.mount('home'));
    const heard = [];
    follower.SubscribeToGlobalState('home', (global) => heard.push(Object.keys(global)));
    assert.deepEqual(Object.keys(follower.GetGlobalState()), ['cart']);
    follower.DispatchGlobalAction('home', { type: 'INC' });
    assert.deepEqual(heard.at(-1), ['cart']);
    own.dispose();
  });
});
