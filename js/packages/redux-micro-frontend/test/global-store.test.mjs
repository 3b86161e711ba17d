// @mfstate/redux-micro-frontend against redux-micro-frontend 1.3's documented behaviour (its README,
// its doc comments and test/global.store.tests.ts), adapted to one rule: a GlobalStore acts as the
// app whose App handle it was given. Then each unsafe use its API allowed, refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHost } from '@mfstate/core';
import { AbstractLogger, ConsoleLogger, GlobalStore } from '@mfstate/redux-micro-frontend';

// A reducer as redux-micro-frontend's tests write them (with a default state).
const textReducer = (state = 'Default', action) => {
  switch (action.type) {
    case 'Local': return 'Local';
    case 'Global': return 'Global';
    default: return state;
  }
};
const counterReducer = (state = { count: 0, user: { name: 'John Doe' } }, action) => {
  switch (action.type) {
    case 'INCREMENT_GLOBAL':
    case 'INCREMENT_LOCAL': return { ...state, count: state.count + 1 };
    case 'RENAME': return { ...state, user: { ...state.user, name: action.payload } };
    default: return state;
  }
};

class RecordingLogger extends AbstractLogger {
  constructor(id = 'recording') {
    super(id);
    this.events = [];
    this.exceptions = [];
  }
  processEvent(source, eventName, properties) { this.events.push({ source, eventName, properties }); }
  processException(source, error) { this.exceptions.push({ source, error }); }
}

async function page(...names) {
  const host = await createHost();
  const apps = Object.fromEntries(names.map((n) => [n, host.mount(n)]));
  const stores = Object.fromEntries(names.map((n) => [n, GlobalStore.Get(apps[n])]));
  return { host, apps, stores };
}

const expectRefused = (fn, pattern) => assert.throws(fn, (e) => e.code === 'refused' && pattern.test(e.message));

describe('GlobalStore.Get', () => {
  test('returns one GlobalStore per app, the same on every call', async () => {
    const { apps, stores } = await page('App1', 'App2');
    assert.equal(GlobalStore.Get(apps.App1), stores.App1);
    assert.notEqual(stores.App1, stores.App2);
    assert.equal(stores.App1.AppName, 'App1');
  });
  test('logs through a logger given with debug mode, or a ConsoleLogger', async () => {
    const host = await createHost();
    const logger = new RecordingLogger();
    const gs = GlobalStore.Get(host.mount('App1'), true, logger);
    gs.CreateStore('App1', textReducer);
    assert.deepEqual(logger.events.map((e) => e.eventName), ['StoreRegistered']);
    assert.deepEqual(logger.events[0].properties, { AppName: 'App1', IsReplaced: 'false' });
    GlobalStore.DebugMode = false;
  });
});

describe('CreateStore', () => {
  test('creates the app store from a Redux reducer with its initial state', async () => {
    const { stores } = await page('App1');
    const store = stores.App1.CreateStore('App1', counterReducer, []);
    assert.deepEqual(store.getState(), { count: 0, user: { name: 'John Doe' } });
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    assert.equal(store.getState().count, 1);
  });
  test('runs the middleware given', async () => {
    const { stores } = await page('App1');
    const seen = [];
    const middleware = () => (next) => (action) => { seen.push(action.type); return next(action); };
    const store = stores.App1.CreateStore('App1', counterReducer, [middleware]);
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    assert.deepEqual(seen, ['INCREMENT_LOCAL']);
  });
  test('a second call returns the existing store and logs nothing', async () => {
    const { stores } = await page('App1');
    const logger = new RecordingLogger();
    stores.App1.SetLogger(logger);
    const first = stores.App1.CreateStore('App1', counterReducer);
    first.dispatch({ type: 'INCREMENT_LOCAL' });
    const second = stores.App1.CreateStore('App1', textReducer, [], null, false);
    assert.equal(second, first);
    assert.equal(second.getState().count, 1);
    assert.equal(logger.events.length, 1);
  });
  test('shouldReplaceStore starts over from the new reducer and logs a replacement', async () => {
    const { stores } = await page('App1');
    const logger = new RecordingLogger();
    stores.App1.SetLogger(logger);
    stores.App1.CreateStore('App1', counterReducer).dispatch({ type: 'INCREMENT_LOCAL' });
    const store = stores.App1.CreateStore('App1', textReducer, [], null, true);
    assert.equal(store.getState(), 'Default');
    assert.deepEqual(logger.events.map((e) => e.properties.IsReplaced), ['false', 'true']);
  });
  test('shouldReplaceReducer keeps the state and uses the new reducer', async () => {
    const { stores } = await page('App1');
    const store = stores.App1.CreateStore('App1', counterReducer);
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    const twice = (state, action) => (action.type === 'INCREMENT_LOCAL' ? { ...state, count: state.count + 2 } : state);
    stores.App1.CreateStore('App1', twice, [], null, false, true);
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    assert.equal(store.getState().count, 3);
  });
  test('registers the global actions passed with it', async () => {
    const { stores } = await page('App1', 'App2');
    stores.App1.CreateStore('App1', counterReducer, [], ['INCREMENT_GLOBAL']);
    stores.App2.DispatchGlobalAction('App2', { type: 'INCREMENT_GLOBAL' });
    assert.equal(stores.App2.GetPartnerState('App1').count, 1);
  });
});

describe('RegisterStore', () => {
  test('registers a Redux store the app made itself: partners read it, global actions reach it', async () => {
    const { stores } = await page('App1', 'App2');
    let state = { count: 0 };
    const listeners = new Set();
    const reduxStore = {
      getState: () => state,
      dispatch(action) {
        if (action.type === 'INCREMENT_GLOBAL') state = { count: state.count + 1 };
        for (const l of listeners) l();
        return action;
      },
      subscribe(l) { listeners.add(l); return () => listeners.delete(l); },
    };
    stores.App1.RegisterStore('App1', reduxStore, ['INCREMENT_GLOBAL']);
    assert.deepEqual(stores.App2.GetPartnerState('App1'), { count: 0 });
    stores.App2.DispatchGlobalAction('App2', { type: 'INCREMENT_GLOBAL' });
    assert.equal(state.count, 1);
    assert.deepEqual(stores.App2.GetPartnerState('App1'), { count: 1 });
  });
});

describe('RegisterGlobalActions', () => {
  test('registers each action once, whatever the duplicates', async () => {
    const { stores } = await page('App1');
    stores.App1.RegisterGlobalActions('App1', ['ga-1', 'ga-2', 'ga-2', 'ga-2']);
    stores.App1.RegisterGlobalActions('App1', ['ga-2', 'ga-3']);
    assert.deepEqual(stores.App1.GetGlobalActions(), ['ga-1', 'ga-2', 'ga-3']);
  });
  test('null or empty registers nothing', async () => {
    const { stores } = await page('App1');
    stores.App1.RegisterGlobalActions('App1', null);
    stores.App1.RegisterGlobalActions('App1', []);
    assert.deepEqual(stores.App1.GetGlobalActions(), []);
  });
  test('"*" (AllowAll) lets partners dispatch any action type', async () => {
    const { stores } = await page('App1', 'App2');
    stores.App1.CreateStore('App1', (state = null, action) => action.payload ?? state, [], [GlobalStore.AllowAll]);
    stores.App2.DispatchGlobalAction('App2', { type: 'Sample', payload: 'ACTION!!!' });
    assert.equal(stores.App2.GetPartnerState('App1'), 'ACTION!!!');
  });
});

describe('reading state', () => {
  test('GetPartnerState returns the partner state, and null for an unregistered partner', async () => {
    const { stores } = await page('App1', 'App2');
    stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    assert.equal(stores.App2.GetPartnerState('App1'), 'Default');
    assert.equal(stores.App2.GetPartnerState('SamplePartner-11'), null);
  });
  test('GetPlatformState returns the shell state ("Platform" is the host\'s platform app)', async () => {
    const host = await createHost();
    const shell = GlobalStore.Get(host.platform);
    shell.CreateStore(GlobalStore.Platform, (state = { theme: 'dark' }) => state);
    const app = GlobalStore.Get(host.mount('App1'));
    assert.deepEqual(app.GetPlatformState(), { theme: 'dark' });
  });
  test('GetPlatformState is null while the shell has no store', async () => {
    const { stores } = await page('App1');
    assert.equal(stores.App1.GetPlatformState(), null);
  });
  test('GetGlobalState holds every registered app\'s state under its name', async () => {
    const { stores } = await page('App1', 'App2');
    stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    stores.App2.CreateStore('App2', counterReducer);
    stores.App2.DispatchGlobalAction('App2', { type: 'Global' });
    const global = stores.App2.GetGlobalState();
    assert.equal(global.App1, 'Global');
    assert.equal(global.App2.count, 0);
    assert.equal(stores.App2.GetGlobalState(), global, 'the same object while nothing changed');
  });
});

describe('dispatching', () => {
  test('DispatchGlobalAction reaches partners that registered the type, and only those', async () => {
    const { stores } = await page('App1', 'App2', 'App3');
    stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    stores.App2.CreateStore('App2', textReducer, [], ['Other']);
    stores.App3.DispatchGlobalAction('App3', { type: 'Global' });
    assert.equal(stores.App3.GetPartnerState('App1'), 'Global');
    assert.equal(stores.App3.GetPartnerState('App2'), 'Default');
    stores.App3.DispatchGlobalAction('App3', { type: 'Local' });
    assert.equal(stores.App3.GetPartnerState('App1'), 'Global', 'Local is not global for App1');
  });
  test('DispatchAction reaches the own store and partners that registered the type', async () => {
    const { stores } = await page('Counter', 'Todo');
    stores.Counter.CreateStore('Counter', counterReducer, [], ['INCREMENT_GLOBAL']);
    stores.Todo.CreateStore('Todo', counterReducer, [], ['INCREMENT_GLOBAL']);
    stores.Counter.DispatchAction('Counter', { type: 'INCREMENT_GLOBAL' });
    stores.Counter.DispatchAction('Counter', { type: 'INCREMENT_LOCAL' });
    assert.equal(stores.Counter.GetPartnerState('Counter').count, 2, 'global once (not twice) + local');
    assert.equal(stores.Counter.GetPartnerState('Todo').count, 1, 'INCREMENT_LOCAL is not global');
  });
  test('DispatchLocalAction without a store throws and logs the exception', async () => {
    const { stores } = await page('App1');
    const logger = new RecordingLogger();
    stores.App1.SetLogger(logger);
    assert.throws(() => stores.App1.DispatchLocalAction('App1', { type: 'X' }), /Store is not registered/);
    assert.equal(logger.exceptions.length, 1);
  });
  test('an action with logEnabled is logged as DISPATCHED and COMPLETED, or FAILED', async () => {
    const { stores } = await page('App1');
    const logger = new RecordingLogger();
    stores.App1.SetLogger(logger);
    stores.App1.CreateStore('App1', (state = 0, action) => {
      if (action.type === 'Fault') throw new Error('Dummy Error');
      return action.type === 'Add' ? state + action.payload : state;
    });
    stores.App1.DispatchLocalAction('App1', { type: 'Add', payload: 2, logEnabled: true });
    stores.App1.DispatchLocalAction('App1', { type: 'Add', payload: 1 });
    assert.throws(() => stores.App1.DispatchLocalAction('App1', { type: 'Fault', logEnabled: true }));
    assert.deepEqual(logger.events.slice(1).map((e) => e.eventName),
      ['Add :: DISPATCHED', 'Add :: COMPLETED', 'Fault :: DISPATCHED', 'Fault :: FAILED']);
    assert.equal(logger.events[2].properties.NewState, '2');
    assert.equal(logger.exceptions.length, 1);
    assert.equal(stores.App1.GetPartnerState('App1'), 3, 'the failed action changed nothing');
  });
  test('a logger that throws does not break the dispatch', async () => {
    const { stores } = await page('App1');
    const logger = new (class extends AbstractLogger {
      processEvent() { throw new Error('log down'); }
      processException() {}
    })('throwing');
    stores.App1.SetLogger(logger);
    stores.App1.CreateStore('App1', counterReducer);
    stores.App1.DispatchLocalAction('App1', { type: 'INCREMENT_LOCAL', logEnabled: true });
    assert.equal(stores.App1.GetPartnerState('App1').count, 1);
  });
});

describe('subscribing', () => {
  test('Subscribe calls back with the own state after each change', async () => {
    const { stores } = await page('App1');
    const store = stores.App1.CreateStore('App1', counterReducer);
    const seen = [];
    stores.App1.Subscribe('App1', (state) => seen.push(state.count));
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    store.dispatch({ type: 'INCREMENT_LOCAL' });
    assert.deepEqual(seen, [1, 2]);
  });
  test('SubscribeToPartnerState calls back when the partner state changes, until unsubscribed', async () => {
    const { stores } = await page('App1', 'App2');
    stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    const seen = [];
    const stop = stores.App2.SubscribeToPartnerState('App2', 'App1', (state) => seen.push(state));
    stores.App2.DispatchGlobalAction('App2', { type: 'Global' });
    stop();
    stores.App1.DispatchLocalAction('App1', { type: 'Local' });
    assert.deepEqual(seen, ['Global']);
  });
  test('eager: subscribing to a partner that has not registered works, and the partner\'s changes arrive', async () => {
    const { stores } = await page('App1', 'App2', 'App3');
    const seen1 = [];
    const seen2 = [];
    stores.App3.SubscribeToPartnerState('App3', 'App1', (s) => seen1.push(s), true);
    stores.App3.SubscribeToPartnerState('App3', 'App2', (s) => seen2.push(s));
    stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    stores.App2.CreateStore('App2', textReducer, [], ['Global']);
    stores.App3.DispatchGlobalAction('App3', { type: 'Global' });
    assert.deepEqual(seen1, ['Default', 'Global']);
    assert.deepEqual(seen2, ['Default', 'Global']);
  });
  test('not eager: subscribing to a partner that has not registered throws', async () => {
    const { stores } = await page('App1');
    assert.throws(() => stores.App1.SubscribeToPartnerState('App1', 'SamplePartner-101', () => {}, false),
      /App1 is trying to subscribe to partner SamplePartner-101/);
  });
  test('SubscribeToGlobalState calls back with the global state on any app\'s change', async () => {
    const { stores } = await page('App1', 'App2');
    const store = stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    const seen = [];
    const stop = stores.App2.SubscribeToGlobalState('App2', (global) => seen.push(global.App1));
    store.dispatch({ type: 'Global' });
    stores.App2.DispatchGlobalAction('App2', { type: 'Local' });
    stop();
    store.dispatch({ type: 'Local' });
    assert.deepEqual(seen, ['Global']);
  });
  test('SubscribeToGlobalState follows apps that register after it', async () => {
    const { stores } = await page('App1', 'Late');
    const seen = [];
    stores.App1.SubscribeToGlobalState('App1', (global) => seen.push(global.Late?.count));
    const late = stores.Late.CreateStore('Late', counterReducer);
    late.dispatch({ type: 'INCREMENT_LOCAL' });
    assert.deepEqual(seen, [1]);
  });
  test('SubscribeToPlatformState follows the shell', async () => {
    const host = await createHost();
    const shell = GlobalStore.Get(host.platform);
    const store = shell.CreateStore('Platform', (state = { n: 0 }, action) => (action.type === 'N' ? { n: state.n + 1 } : state));
    const app = GlobalStore.Get(host.mount('App1'));
    const seen = [];
    app.SubscribeToPlatformState('App1', (s) => seen.push(s.n));
    store.dispatch({ type: 'N' });
    assert.deepEqual(seen, [1]);
  });
});

describe('AddSelectors and SelectPartnerState', () => {
  const setUp = async () => {
    const { stores } = await page('App1', 'App2');
    const store = stores.App1.CreateStore('App1', textReducer, [], ['Global']);
    return { stores, store };
  };
  test('a partner selects derived state by name, and sees it change', async () => {
    const { stores, store } = await setUp();
    stores.App1.AddSelectors('App1', {
      selectStateUpperCased: () => store.getState().toUpperCase(),
      selectStateLowerCased: () => store.getState().toLowerCase(),
    });
    assert.equal(stores.App2.SelectPartnerState('App1', 'selectStateUpperCased'), 'DEFAULT');
    assert.equal(stores.App2.SelectPartnerState('App1', 'selectStateLowerCased'), 'default');
    stores.App2.DispatchGlobalAction('App2', { type: 'Global' });
    assert.equal(stores.App2.SelectPartnerState('App1', 'selectStateUpperCased'), 'GLOBAL');
  });
  test('merging adds selectors; without merging the first set stays', async () => {
    const { stores, store } = await setUp();
    stores.App1.AddSelectors('App1', { upper: () => store.getState().toUpperCase() });
    stores.App1.AddSelectors('App1', { lower: () => store.getState().toLowerCase() });
    assert.equal(stores.App2.SelectPartnerState('App1', 'lower', 'none'), 'none');
    stores.App1.AddSelectors('App1', { lower: () => store.getState().toLowerCase() }, true);
    assert.equal(stores.App2.SelectPartnerState('App1', 'lower'), 'default');
    assert.equal(stores.App2.SelectPartnerState('App1', 'upper'), 'DEFAULT');
  });
  test('an unknown selector gives undefined, or the default value', async () => {
    const { stores, store } = await setUp();
    stores.App1.AddSelectors('App1', { upper: () => store.getState().toUpperCase() });
    assert.equal(stores.App2.SelectPartnerState('App1', 'lower'), undefined);
    assert.equal(stores.App2.SelectPartnerState('App1', 'lower', 'I am a default value'), 'I am a default value');
  });
  test('a partner that published no selectors throws', async () => {
    const { stores } = await setUp();
    assert.throws(() => stores.App2.SelectPartnerState('App1', 'lower'), /App1 not exposed any selectors/);
  });
});

describe('loggers', () => {
  test('SetNextLogger chains loggers and ignores a loop', () => {
    const a = new RecordingLogger('a');
    const b = new RecordingLogger('b');
    a.SetNextLogger(b);
    a.SetNextLogger(a);
    a.LogEvent('src', 'E', {});
    assert.equal(a.events.length, 1);
    assert.equal(b.events.length, 1);
  });
  test('ConsoleLogger is quiet unless in debug mode', () => {
    const printed = [];
    const original = console.log;
    console.log = (...args) => printed.push(args.join(' '));
    try {
      new ConsoleLogger(false).LogEvent('src', 'Quiet', {});
      new ConsoleLogger(true).LogEvent('src', 'Loud', {});
    } finally {
      console.log = original;
    }
    assert.deepEqual(printed, ['EVENT : Loud. (src)']);
  });
});

// ---- what redux-micro-frontend allowed and mfstate refuses ----

describe('refused: acting as another app by passing its name (redux-micro-frontend issue #25)', () => {
  test('dispatching into another app\'s store by naming it', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer);
    expectRefused(() => stores.Home.DispatchLocalAction('Profile', { type: 'RENAME', payload: 'Mallory' }),
      /acts as app "Home".*registered as global/s);
    expectRefused(() => stores.Home.DispatchAction('Profile', { type: 'RENAME', payload: 'Mallory' }), /acts as app "Home"/);
    expectRefused(() => stores.Home.DispatchGlobalAction('Profile', { type: 'RENAME', payload: 'Mallory' }), /acts as app "Home"/);
    assert.equal(stores.Home.GetPartnerState('Profile').user.name, 'John Doe');
  });
  test('a global action reaches an app only if it registered that type', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer, [], ['INCREMENT_GLOBAL']);
    stores.Home.DispatchGlobalAction('Home', { type: 'RENAME', payload: 'Mallory' });
    assert.equal(stores.Home.GetPartnerState('Profile').user.name, 'John Doe');
  });
  test('registering global actions, subscribing or selecting as another app', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer);
    expectRefused(() => stores.Home.RegisterGlobalActions('Profile', ['RENAME']), /decides which of its own actions/);
    expectRefused(() => stores.Home.Subscribe('Profile', () => {}), /SubscribeToPartnerState/);
    expectRefused(() => stores.Home.AddSelectors('Profile', { x: () => 1 }), /only its own selectors/);
    stores.Home.DispatchGlobalAction('Home', { type: 'RENAME', payload: 'Mallory' });
    assert.equal(stores.Home.GetPartnerState('Profile').user.name, 'John Doe');
  });
  test('GlobalStore.Get() without the app\'s handle', () => {
    expectRefused(() => GlobalStore.Get(), /needs the App handle/);
    expectRefused(() => GlobalStore.Get(true), /needs the App handle/);
    expectRefused(() => GlobalStore.Get({ name: 'Profile' }), /needs the App handle/);
  });
});

describe('refused: writing partner state through what GetPartnerState and GetGlobalState hand out', () => {
  test('the partner state is deeply frozen: a write throws and changes nothing', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer);
    const state = stores.Home.GetPartnerState('Profile');
    assert.throws(() => { state.user.name = 'Mallory'; }, TypeError);
    assert.throws(() => { state.count = 99; }, TypeError);
    const global = stores.Home.GetGlobalState();
    assert.throws(() => { global.Profile.user.name = 'Mallory'; }, TypeError);
    assert.throws(() => { global.Profile = {}; }, TypeError);
    assert.deepEqual(stores.Profile.GetPartnerState('Profile'), { count: 0, user: { name: 'John Doe' } });
  });
  test('what a subscriber is handed is frozen too', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer, [], ['INCREMENT_GLOBAL']);
    let attempt;
    stores.Home.SubscribeToPartnerState('Home', 'Profile', (state) => {
      attempt = () => { state.user.name = 'Mallory'; };
    });
    stores.Home.DispatchGlobalAction('Home', { type: 'INCREMENT_GLOBAL' });
    assert.throws(attempt, TypeError);
    assert.equal(stores.Home.GetPartnerState('Profile').user.name, 'John Doe');
  });
});

describe('refused: replacing another app\'s store or reducer', () => {
  test('CreateStore with another app\'s name, with or without the replace flags', async () => {
    const { stores } = await page('Profile', 'Home');
    stores.Profile.CreateStore('Profile', counterReducer);
    const hostile = () => ({ user: { name: 'Mallory' } });
    expectRefused(() => stores.Home.CreateStore('Profile', hostile, [], null, false, true), /creates and replaces only its own store/);
    expectRefused(() => stores.Home.CreateStore('Profile', hostile, [], null, true), /creates and replaces only its own store/);
    expectRefused(() => stores.Home.RegisterStore('Profile', { getState: hostile, dispatch() {}, subscribe() { return () => {}; } }, null, true),
      /registers only its own store/);
    stores.Profile.DispatchLocalAction('Profile', { type: 'INCREMENT_LOCAL' });
    assert.deepEqual(stores.Home.GetPartnerState('Profile'), { count: 1, user: { name: 'John Doe' } });
  });
});
