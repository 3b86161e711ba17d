// GlobalStore: redux-micro-frontend 1.3's API (GlobalStore.Get, CreateStore, RegisterStore,
// RegisterGlobalActions, Dispatch*, Subscribe*, Get*State, AddSelectors, SelectPartnerState,
// SetLogger) on an mfstate App, so a micro-frontend can leave redux-micro-frontend one store at a
// time. How each call maps, and what is refused: docs/web-migration.md.
//
// The one rule that changes: a GlobalStore acts as the app whose App handle it was given, and only
// as that app. redux-micro-frontend took the acting app's name as a string any script could pass
// (its issue #25), handed out partner state as mutable shallow copies, and let any app replace
// another's store or reducer. Here every `source`/`appName` argument must name the bound app (or
// the call is refused with an error saying what to do instead), partner and global state are
// mfstate's deeply frozen values, and other apps change an app's state only through the actions it
// registered as global (mfstate commands it accepts).
import { App, MfstateError, type Action, type Middleware, type Reducer, type Store } from '@mfstate/core';
import { AbstractLogger, ConsoleLogger, type LoggerLike } from './logger.js';

/** redux-micro-frontend's action: a Flux Standard Action, plus `logEnabled` for the action log. */
export interface IAction<Payload = unknown> {
  type: string;
  payload?: Payload;
  meta?: unknown;
  logEnabled?: boolean;
}

type AnyReducer = (state: any, action: any) => any;
type Listener = (state: any) => void;

// The export every facade store publishes its whole state under (what GetPartnerState reads), and
// the one naming the derived-state selectors it added (what SelectPartnerState checks).
const STATE_EXPORT = 'state';
const SELECTORS_EXPORT = 'redux-micro-frontend/selectors';
const selectorExport = (name: string) => `redux-micro-frontend/selector/${name}`;
// Redux calls a reducer with an undefined state and an init action to learn its initial state.
const INIT = { type: '@@redux/INIT' };
// How a store registered with RegisterStore (a Redux store the app made itself) is mirrored.
const MIRROR = 'redux-micro-frontend/mirror';

// The apps that registered a store through a GlobalStore on this page, by name, in the order the
// names first registered: for GetGlobalState and SubscribeToGlobalState. A name gives no power:
// reading needs only the name, and an app of another host (or unmounted) is skipped when its state
// cannot be read. Several apps of one name (on several hosts) are each kept: an app of another
// host that registered a name and unmounted must not take the name from the app of the follower's
// host. Apps that unmounted are forgotten once the count has doubled since the last sweep, so the
// registry does not grow with history.
const registered = new Map<string, App[]>();
let registrations = 0;
let sweepAt = 64;
// Who follows the global state (SubscribeToGlobalState), by the app following: told each app that
// registers, every time it does (an app that unmounted and registers again is followed again).
const registrationListeners = new Map<(name: string) => void, App>();

function announce(app: App): void {
  const name = app.name;
  const apps = registered.get(name);
  if (apps === undefined || !apps.includes(app)) {
    if (apps === undefined) registered.set(name, [app]);
    else apps.push(app);
    if (++registrations >= sweepAt) sweepRegistered();
  }
  forgetUnmountedFollowers();
  // A follower's failure to watch the new app (its own subscription limit) is its own: it never
  // fails the app registering.
  for (const listener of Array.from(registrationListeners.keys())) {
    try {
      listener(name);
    } catch {
      // told to the follower's logger by the listener
    }
  }
}

function sweepRegistered(): void {
  registrations = 0;
  for (const [name, apps] of Array.from(registered)) {
    const mounted = apps.filter((a) => a.mounted);
    if (mounted.length === 0) registered.delete(name);
    else registered.set(name, mounted);
    registrations += mounted.length;
  }
  sweepAt = Math.max(64, 2 * registrations);
}

// An app unmounted (or its host disposed) while following the global state: its watches went with
// it, and its listener goes now, so followers do not pile up as apps come and go.
function forgetUnmountedFollowers(): void {
  for (const [listener, app] of Array.from(registrationListeners)) {
    if (!app.mounted) registrationListeners.delete(listener);
  }
}

const facades = new WeakMap<App, GlobalStore>();
// GlobalStore.DebugMode (an accessor: the class is frozen).
let debugMode = false;

function refused(message: string): MfstateError {
  return new MfstateError('refused', message);
}

// redux-micro-frontend names the shell "Platform"; mfstate's shell app is "platform".
function canonical(name: string): string {
  return name === GlobalStore.Platform ? 'platform' : name;
}

// App's name getter reads a private field: it throws for anything but an App the host mounted
// (an object shaped like one, one made from App.prototype, a Proxy of one).
const nameOfApp = Object.getOwnPropertyDescriptor(App.prototype, 'name')!.get!;

function isApp(value: unknown): value is App {
  try {
    nameOfApp.call(value);
    return true;
  } catch {
    return false;
  }
}

export class GlobalStore {
  /** The shell's name in redux-micro-frontend (mfstate's "platform" app). */
  static readonly Platform = 'Platform';
  /** RegisterGlobalActions(app, ["*"]): every action type is global (acceptAll). */
  static readonly AllowAll = '*';
  static readonly InstanceName = 'GlobalStoreInstance';
  /** redux-micro-frontend's page-wide debug switch (set by Get(app, true)). */
  static get DebugMode(): boolean {
    return debugMode;
  }
  static set DebugMode(on: boolean) {
    debugMode = Boolean(on);
  }

  readonly #app: App;
  #logger: LoggerLike | null;
  #store: Store | undefined;
  // Set for a store registered with RegisterStore: commands go to this Redux store.
  #mirrored: { dispatch(action: unknown): unknown; getState(): unknown; subscribe(l: () => void): () => void } | undefined;
  #reducer: AnyReducer | undefined;
  readonly #globalActions = new Set<string>();
  #selectors: Record<string, (...args: unknown[]) => unknown> | undefined;
  readonly #globalListeners = new Set<Listener>();
  // While it follows the global state: a watch of each app it reads, by name, and the end of its
  // registration listener (told each app that registers after).
  #globalWatches: Map<string, () => void> | undefined;
  #stopFollowingRegistrations: (() => void) | undefined;
  #globalState: { versions: Map<string, unknown>; value: Readonly<Record<string, unknown>> } | undefined;

  private constructor(app: App, logger: LoggerLike | null) {
    this.#app = app;
    this.#logger = logger;
  }

  /**
   * The GlobalStore of the app whose App handle is `app` (the same object for the same app). The
   * shell passes it to each remote's mount function; the shell itself uses `host.platform`.
   * redux-micro-frontend's `Get(debugMode, logger)` without an app is refused: it handed every
   * script the one object that could act as any app.
   */
  static Get(app: App, debugMode = false, logger: LoggerLike | null = null): GlobalStore {
    if (!isApp(app)) {
      throw refused(
        'GlobalStore.Get() needs the App handle of the app that calls it: GlobalStore.Get(app), with the ' +
          'App the shell passed to your mount function (host.platform in the shell). redux-micro-frontend ' +
          'handed every script on the page one GlobalStore that could act as any app.',
      );
    }
    if (debugMode) GlobalStore.DebugMode = true;
    if (debugMode && !logger) logger = new ConsoleLogger(debugMode);
    let facade = facades.get(app);
    if (!facade) {
      facade = new GlobalStore(app, logger);
      facades.set(app, facade);
    } else if (logger) {
      facade.SetLogger(logger);
    }
    return facade;
  }

  /** The name of the app this GlobalStore acts as. */
  get AppName(): string {
    return this.#app.name;
  }

  // Every source/appName argument must name this app: identity comes from the handle.
  #self(method: string, name: unknown, instead: string): void {
    if (typeof name === 'string' && canonical(name) === this.#app.name) return;
    throw refused(
      `${method}(${JSON.stringify(name)}, …): this GlobalStore acts as app "${this.#app.name}" (the App ` +
        `handle it was made with), not ${JSON.stringify(name)}. redux-micro-frontend took the acting app's ` +
        `name from any caller; ${instead}`,
    );
  }

  // ---- stores ----

  /**
   * Creates this app's store from a Redux reducer and middleware, registers `globalActions` and
   * publishes the state for partners (read-only). A second call returns the same store, unless
   * `shouldReplaceStore` (fresh state from the new reducer) or `shouldReplaceReducer`.
   */
  CreateStore(appName: string, appReducer: AnyReducer, middlewares: Middleware[] = [], globalActions?: string[] | null,
    shouldReplaceStore = false, shouldReplaceReducer = false): Store {
    this.#self('CreateStore', appName,
      'an app creates and replaces only its own store. To change another app, dispatch an action it ' +
        'registered as global (DispatchGlobalAction).');
    if (typeof appReducer !== 'function') {
      throw new MfstateError('invalid_argument', `CreateStore("${appName}"): the reducer must be a function, got ${typeof appReducer}`);
    }
    if (this.#store && !shouldReplaceStore && !shouldReplaceReducer) return this.#store;
    if (this.#store && this.#mirrored) {
      throw refused(`CreateStore("${appName}"): this app registered its own Redux store (RegisterStore); keep using it`);
    }
    if (!this.#store) {
      const initial = appReducer(undefined, INIT);
      if (initial === undefined) {
        throw new MfstateError('invalid_argument',
          `CreateStore("${appName}"): the reducer returned undefined for its initial state; give its state ` +
            'parameter a default (state = {...}) and return the state unchanged for actions it does not handle');
      }
      this.#reducer = appReducer;
      const core = this.#app.createStore(initial, (state: unknown, action: Action) => this.#reducer!(state, action),
        middlewares as never);
      this.#store = this.#wrapStore(core);
      this.#publish();
      this.RegisterGlobalActions(appName, globalActions);
      this.#logRegistration(false);
      return this.#store;
    }
    if (shouldReplaceStore && middlewares.length > 0) {
      throw refused(`CreateStore("${appName}", …, shouldReplaceStore): an mfstate store keeps the middleware ` +
        'it was created with; replace the reducer (shouldReplaceReducer) and keep the middleware');
    }
    if (shouldReplaceReducer && !shouldReplaceStore) console.warn(`The reducer for ${appName} is getting replaced`);
    const fresh = shouldReplaceStore ? appReducer(undefined, INIT) : undefined;
    // mfstate's replaceReducer dispatches {type: "mfstate/replace"}: a replaced store starts over
    // from the new reducer's initial state; a replaced reducer keeps the state.
    this.#reducer = shouldReplaceStore
      ? (state, action) => (action.type === 'mfstate/replace' ? fresh : appReducer(state, action))
      : appReducer;
    this.#app.replaceReducer((state: unknown, action: Action) => this.#reducer!(state, action));
    this.#reducer = appReducer;
    this.RegisterGlobalActions(appName, globalActions);
    this.#logRegistration(true);
    return this.#store;
  }

  /**
   * Registers a Redux store this app made itself (redux's createStore): its state is mirrored into
   * mfstate for partners to read, and the actions registered as global are dispatched to it.
   */
  RegisterStore(appName: string, store: { dispatch(action: unknown): unknown; getState(): unknown; subscribe(l: () => void): () => void },
    globalActions?: string[] | null, shouldReplaceExistingStore = false): void {
    this.#self('RegisterStore', appName,
      'an app registers only its own store. To change another app, dispatch an action it registered ' +
        'as global (DispatchGlobalAction).');
    if (this.#store && !shouldReplaceExistingStore) return;
    if (this.#store) {
      throw refused(`RegisterStore("${appName}", …, true): an mfstate app has one store for its life; ` +
        'replace its reducer (CreateStore with shouldReplaceReducer) instead');
    }
    this.#mirrored = store;
    const core = this.#app.createStore(store.getState(), (state: unknown, action: Action) =>
      action.type === MIRROR ? action.payload : state);
    store.subscribe(() => core.dispatch({ type: MIRROR, payload: store.getState() }));
    this.#store = this.#wrapStore(core);
    this.#publish();
    this.RegisterGlobalActions(appName, globalActions);
    this.#logRegistration(false);
  }

  // The state for GetPartnerState and friends, and the metadata of the selectors.
  #publish(): void {
    this.#app.expose(STATE_EXPORT, (state: unknown) => state);
    announce(this.#app);
  }

  // A Redux-shaped store whose dispatch logs actions with logEnabled, as the facade's dispatches.
  #wrapStore(core: Store): Store {
    return Object.freeze({
      getState: () => core.getState(),
      dispatch: (action: IAction) => {
        this.#logged(action, (a) => (this.#mirrored ? this.#mirrored.dispatch(a) : core.dispatch(a)));
        return action;
      },
      subscribe: (listener: () => void) => core.subscribe(listener),
      replaceReducer: (reducer: Reducer) => {
        this.#reducer = reducer as AnyReducer;
        core.replaceReducer(reducer);
      },
    }) as Store;
  }

  /**
   * Makes action types global: other apps may dispatch them to this app (DispatchGlobalAction).
   * ["*"] makes every type global. Registering a type again does nothing.
   */
  RegisterGlobalActions(appName: string, actions?: string[] | null): void {
    this.#self('RegisterGlobalActions', appName,
      'an app decides which of its own actions are global; another app cannot open them for it.');
    if (!actions || actions.length === 0) return;
    for (const type of new Set(actions)) {
      if (this.#globalActions.has(type)) continue;
      if (type === GlobalStore.AllowAll) {
        if (this.#mirrored) {
          throw refused('RegisterGlobalActions(…, ["*"]) on a store registered with RegisterStore: name the ' +
            'action types to forward to it');
        }
        this.#app.acceptAll();
      } else if (this.#mirrored) {
        const target = this.#mirrored;
        this.#app.accept(type, { handler: (action) => void target.dispatch({ ...action }) });
      } else {
        this.#app.accept(type);
      }
      this.#globalActions.add(type);
    }
  }

  /** The action types this app registered as global, in registration order. */
  GetGlobalActions(): readonly string[] {
    return Object.freeze(Array.from(this.#globalActions));
  }

  // ---- reading state ----

  /** The shell's state (deeply frozen), or null when it has no store. */
  GetPlatformState(): unknown {
    return this.GetPartnerState(GlobalStore.Platform);
  }

  /**
   * `partnerName`'s state: deeply frozen (a write throws in strict-mode code), the same object
   * until it changes. Null when the partner has not registered a store.
   */
  GetPartnerState(partnerName: string): unknown {
    try {
      return this.#app.read(canonical(partnerName), STATE_EXPORT);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /**
   * {Platform: state, App1: state, …} of every app that registered a store: deeply frozen, the
   * same object until one of them changes.
   */
  GetGlobalState(): Readonly<Record<string, unknown>> {
    const versions = new Map<string, unknown>();
    // A follower reads the apps it follows (its own host's), not every name of the page.
    for (const name of this.#globalWatches?.keys() ?? registered.keys()) {
      const state = this.GetPartnerState(name);
      if (state !== null) versions.set(name === 'platform' ? GlobalStore.Platform : name, state);
    }
    const last = this.#globalState;
    if (last && last.versions.size === versions.size &&
      Array.from(versions).every(([name, state]) => last.versions.get(name) === state)) {
      return last.value;
    }
    const value = Object.freeze(Object.fromEntries(versions));
    this.#globalState = { versions, value };
    return value;
  }

  // ---- dispatching ----

  /**
   * Dispatches `action` to every app that registered its type as global (this one included).
   * Returns nothing, as redux-micro-frontend's.
   */
  DispatchGlobalAction(source: string, action: IAction): void {
    this.#self('DispatchGlobalAction', source,
      'dispatch as your own app: DispatchGlobalAction(yourAppName, action) reaches every app that ' +
        'registered action.type as global.');
    this.#logged(action, (a) => this.#app.broadcast(a));
  }

  /** Dispatches `action` to this app's store only. Throws when it has no store. */
  DispatchLocalAction(source: string, action: IAction): void {
    this.#self('DispatchLocalAction', source,
      'an app dispatches only to its own store. To change another app, dispatch an action it ' +
        'registered as global (DispatchGlobalAction).');
    if (!this.#store) {
      const error = new Error(`Store is not registered: app "${this.#app.name}" has not called CreateStore or RegisterStore`);
      this.#logger?.LogException(this.#app.name, error, {});
      throw error;
    }
    this.#store.dispatch(action);
  }

  /** DispatchGlobalAction, then this app's own store too unless it registered the type as global. */
  DispatchAction(source: string, action: IAction): void {
    this.#self('DispatchAction', source,
      'dispatch as your own app: DispatchAction(yourAppName, action) reaches your store and every app ' +
        'that registered action.type as global.');
    this.DispatchGlobalAction(source, action);
    if (!this.#globalActions.has(action.type) && !this.#globalActions.has(GlobalStore.AllowAll)) {
      this.DispatchLocalAction(source, action);
    }
  }

  // Runs `dispatch` with the action as mfstate takes it ({type, payload, meta}); with logEnabled,
  // logs DISPATCHED and COMPLETED or FAILED (redux-micro-frontend's action logger).
  #logged(action: IAction, dispatch: (action: Action) => unknown): void {
    if (typeof action !== 'object' || action === null) {
      throw new MfstateError('invalid_argument', `an action must be an object with a string "type", got ${action === null ? 'null' : typeof action}`);
    }
    const { logEnabled, ...rest } = action;
    const log = logEnabled === true && this.#logger ? this.#logger : null;
    if (!log) {
      dispatch(rest as Action);
      return;
    }
    const start = Date.now();
    log.LogEvent('Fxp.Store.ActionLogger', `${action.type} :: DISPATCHED`, {
      OldState: stringify(this.#store?.getState()), ActionName: action.type, DispatchStatus: 'Dispatched',
      DispatchedOn: new Date(start).toISOString(), Payload: stringify(action.payload),
    });
    try {
      dispatch(rest as Action);
    } catch (error) {
      const properties = {
        ActionName: action.type, DispatchStatus: 'Failed', DispatchedOn: new Date().toISOString(),
        Payload: stringify(action.payload), TimeTaken: String(Date.now() - start),
      };
      log.LogEvent('Fxp.Store.ActionLogger', `${action.type} :: FAILED`, properties);
      log.LogException('Fxp.Store.ActionLogger', error as Error, properties);
      throw error;
    }
    log.LogEvent('Fxp.Store.ActionLogger', `${action.type} :: COMPLETED`, {
      NewState: stringify(this.#store?.getState()), ActionName: action.type, DispatchStatus: 'Completed',
      DispatchedOn: new Date().toISOString(), Payload: stringify(action.payload), TimeTaken: String(Date.now() - start),
    });
  }

  // ---- subscribing ----

  /** Calls `callback(state)` after each change of this app's state. */
  Subscribe(source: string, callback: Listener): () => void {
    this.#self('Subscribe', source,
      'Subscribe is for your own store; follow another app with SubscribeToPartnerState(yourAppName, partner, callback).');
    if (!this.#store) throw new Error(`ERROR: Store for ${source} hasn't been registered`);
    const store = this.#store;
    return store.subscribe(() => callback(store.getState()));
  }

  /** Calls `callback(state)` after each change of the shell's state. */
  SubscribeToPlatformState(source: string, callback: Listener): () => void {
    return this.SubscribeToPartnerState(source, GlobalStore.Platform, callback);
  }

  /**
   * Calls `callback(state)` after each change of `partner`'s state (deeply frozen). With `eager`
   * (the default) this works before the partner registers: the callback then also gets its first
   * state. Without it, an unregistered partner throws.
   */
  SubscribeToPartnerState(source: string, partner: string, callback: Listener, eager = true): () => void {
    this.#self('SubscribeToPartnerState', source, 'subscribe as your own app: SubscribeToPartnerState(yourAppName, partner, callback).');
    const name = canonical(partner);
    if (!eager && this.GetPartnerState(partner) === null) {
      throw new Error(`ERROR: ${source} is trying to subscribe to partner ${partner}. Either ${partner} doesn't exist or hasn't been loaded yet`);
    }
    let registering = true;
    // watch tells the current value at once; redux-micro-frontend's callbacks wait for a change.
    const stop = this.#app.watch(name, STATE_EXPORT, (event) => {
      if (!registering && event.kind === 'value') callback(event.value);
    });
    registering = false;
    return stop;
  }

  /**
   * Calls `callback(globalState)` after each change of any registered app's state (apps that
   * register later included), with GetGlobalState()'s object.
   */
  SubscribeToGlobalState(source: string, callback: Listener): () => void {
    this.#self('SubscribeToGlobalState', source, 'subscribe as your own app: SubscribeToGlobalState(yourAppName, callback).');
    this.#globalListeners.add(callback);
    this.#watchEveryApp();
    return () => {
      this.#globalListeners.delete(callback);
      if (this.#globalListeners.size === 0) this.#stopWatchingApps();
    };
  }

  #watchEveryApp(): void {
    if (this.#globalWatches) return;
    const watches = new Map<string, () => void>();
    this.#globalWatches = watches;
    const notify = () => {
      const state = this.GetGlobalState();
      for (const listener of Array.from(this.#globalListeners)) listener(state);
    };
    const watchApp = (name: string) => {
      if (watches.has(name)) return;
      // Only an app this app can read: one of its own host, whose state is exposed. Each name the
      // page announced, from any host, took a watch of this app's 65,536 (an app mounting apps on
      // a host of its own filled them) and a read at each change of the global state.
      if (this.GetPartnerState(name) === null) return;
      let registering = true;
      watches.set(name, this.#app.watch(name, STATE_EXPORT, () => {
        if (!registering) notify();
      }));
      registering = false;
    };
    forgetUnmountedFollowers();
    for (const name of Array.from(registered.keys())) watchApp(name);
    const onRegistered = (name: string) => {
      try {
        watchApp(name);
      } catch (error) {
        this.#logger?.LogException(this.#app.name, error as Error, { Partner: name });
        throw error;
      }
    };
    registrationListeners.set(onRegistered, this.#app);
    this.#stopFollowingRegistrations = () => registrationListeners.delete(onRegistered);
  }

  #stopWatchingApps(): void {
    this.#stopFollowingRegistrations?.();
    this.#stopFollowingRegistrations = undefined;
    for (const stop of this.#globalWatches?.values() ?? []) stop();
    this.#globalWatches = undefined;
  }

  // ---- derived state ----

  /**
   * Publishes derived-state selectors (zero-argument functions of this app's state) that partners
   * call by name with SelectPartnerState. Replaces the set unless `mergeSelectors` (then adds);
   * a second call without merging keeps the first set, as redux-micro-frontend does.
   */
  AddSelectors(source: string, selectors: Record<string, (...args: unknown[]) => unknown>, mergeSelectors = false): void {
    this.#self('AddSelectors', source, 'an app publishes only its own selectors.');
    if (this.#selectors !== undefined && !mergeSelectors) return;
    const next = { ...(this.#selectors ?? {}), ...selectors };
    for (const [name, selector] of Object.entries(selectors)) {
      if (typeof selector !== 'function') {
        throw new MfstateError('invalid_argument', `AddSelectors: selector "${name}" must be a function, got ${typeof selector}`);
      }
      this.#app.expose(selectorExport(name), () => selector());
    }
    this.#selectors = next;
    const names = Object.keys(next);
    this.#app.expose(SELECTORS_EXPORT, () => names);
  }

  /**
   * The value of `partner`'s selector `selector` (deeply frozen). `defaultReturn` (with a warning)
   * when the partner has no selector of that name; throws when it published none.
   */
  SelectPartnerState(partner: string, selector: string, defaultReturn?: unknown): unknown {
    const name = canonical(partner);
    let names: readonly string[];
    try {
      names = this.#app.read(name, SELECTORS_EXPORT) as readonly string[];
    } catch (e) {
      if (isMissing(e)) throw new Error(`ERROR: ${partner} not exposed any selectors.`);
      throw e;
    }
    if (!names.includes(selector)) {
      console.warn(`${partner} has not exposed a selector with the name: ${selector}`);
      return defaultReturn;
    }
    return this.#app.read(name, selectorExport(selector));
  }

  // ---- logging ----

  /** Adds `logger` to this app's logger chain (or makes it the first). */
  SetLogger(logger: LoggerLike): void {
    if (!this.#logger) this.#logger = logger;
    else if (this.#logger.SetNextLogger) this.#logger.SetNextLogger(logger);
    else this.#logger = logger;
  }

  #logRegistration(isReplaced: boolean): void {
    try {
      this.#logger?.LogEvent('Store.GlobalStore', 'StoreRegistered', { AppName: this.#app.name, IsReplaced: String(isReplaced) });
    } catch (error) {
      console.error(`ERROR: There was an error while logging registration for ${this.#app.name}`);
      console.error(error);
    }
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === 'unknown_app' || code === 'not_exported' || code === 'app_unmounted';
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return String(value);
  }
}

// Every app of the page shares this class: a replaced Get would be handed each later app's App
// handle, and a replaced method would run with `this` = another app's GlobalStore (whose other
// methods act as that app). Frozen, with its prototype.
Object.freeze(GlobalStore.prototype);
Object.freeze(GlobalStore);

export { AbstractLogger, ConsoleLogger };
export type { LoggerLike };
