// App: the capability to act as one mounted app. Its powers (the handle into the module) live in
// private fields; nothing reachable from an App leads to the shell's powers or to another app's.

import { MfstateError } from "./errors.js";
import type { Driver } from "./driver.js";
import {
  api,
  begin,
  callWith,
  check,
  enter,
  epoch,
  fn,
  leave,
  readValue,
  result,
  stage,
  stageTwinned,
  stageValues,
  writeValue,
} from "./wasm.js";
import type {
  Action,
  DeepReadonly,
  ExportEvent,
  Expectations,
  Middleware,
  MiddlewareAPI,
  Reducer,
  Schema,
  Store,
  Unsubscribe,
} from "./types.js";
import { appQueryClient, type QueryClient } from "./query/client.js";
import type { QueryObserverOptions, QueryObserverResult } from "./query/types.js";
import { QueryObserver } from "./query/observer.js";

/** What an App shares with its Host (module-internal; never handed to user code). */
export interface HostLink {
  /** The host's handle, or 0 once it is disposed. */
  handle: number;
  driver: Driver;
  apps: Set<App>;
  /** The shell's face of the host's shared client. */
  shellClient(): QueryClient;
}

const CONSTRUCT = Symbol("mfstate.App");

/** Options of App.expose. */
export interface ExposeOptions {
  /** Every exported value must satisfy it (checked when the host validates). */
  schema?: Schema;
}

/** Options of App.accept. */
export interface AcceptOptions {
  /** The payload must satisfy it (checked when the host validates). */
  schema?: Schema;
  /**
   * Runs instead of the reducer: `(action, from)`, where `from` is the sending app's name as the
   * host knows it from the sender's handle (it can be trusted).
   */
  handler?: (action: Action, from: string) => void;
}

/** Options of App.watch. */
export interface WatchOptions {
  /** What this app reads from the export; a producer schema that breaks them is a contract error. */
  expectations?: Expectations;
}

/** A listener of bus messages. */
export type TopicListener<T = unknown> = (payload: DeepReadonly<T>, topic: string) => void;

const actionKeys = new Set(["type", "payload", "meta"]);

/** Checks an action's shape; returns it. */
export function checkAction(action: unknown): Action {
  if (typeof action !== "object" || action === null || Array.isArray(action)) {
    throw new MfstateError("invalid_argument", `an action must be a plain object with a string "type", got ${typeof action}`);
  }
  const a = action as Action;
  if (typeof a.type !== "string") {
    throw new MfstateError("invalid_argument", `an action must have a string "type", got ${typeof a.type}`);
  }
  for (const k in a) {
    if (!actionKeys.has(k)) {
      throw new MfstateError(
        "invalid_argument",
        `action "${a.type}" has a field "${k}": mfstate actions are Flux Standard Actions ({type, payload, meta}); put "${k}" under payload`,
      );
    }
  }
  return a;
}

/** Writes type, payload and meta and stages them. */
function stageAction(a: Action, before?: string): void {
  if (before === undefined) stageValues(a.type, a.payload, a.meta);
  else stageValues(before, a.type, a.payload, a.meta);
}

/** Reads (type, payload, meta) into a frozen action; null payload and meta are left out. */
export function readAction(): Action {
  const type = readValue() as string;
  const payload = readValue();
  const meta = readValue();
  const a: { type: string; payload?: unknown; meta?: unknown } = { type };
  if (payload !== null) a.payload = payload;
  if (meta !== null) a.meta = meta;
  return Object.freeze(a);
}

function plain(value: unknown, what: string): void {
  if (typeof value !== "function") throw new MfstateError("invalid_argument", `${what} must be a function, got ${typeof value}`);
}

export class App {
  readonly #h: number;
  readonly #host: HostLink;
  readonly #name: string;
  readonly #version: string;
  #released = false;
  // The store's listeners, fanned out here from one subscription in the module.
  readonly #listeners = new Set<() => void>();
  #storeSub = 0;
  #stateEpoch = 0;
  #state: unknown;
  #store: Store | undefined;
  #client: QueryClient | undefined;

  /** Not for users: apps come from Host.mount. */
  constructor(token: symbol, handle: number, host: HostLink, name: string, version: string) {
    if (token !== CONSTRUCT) throw new MfstateError("refused", "an App comes from host.mount(); it cannot be constructed");
    this.#h = handle;
    this.#host = host;
    this.#name = name;
    this.#version = version;
  }

  /** The app's name. */
  get name(): string {
    return this.#name;
  }

  /** The version it was mounted with ("" when none). */
  get version(): string {
    return this.#version;
  }

  /** False once unmounted (or once its host is disposed). */
  get mounted(): boolean {
    if (this.#released || this.#host.handle === 0) return false;
    enter(false);
    try {
      check(api.mfs_app_mounted(this.#h));
      return result() as boolean;
    } finally {
      leave();
    }
  }

  /**
   * Releases everything the app held: its store and subscriptions, its exports (their watchers
   * are told they are gone), accepted commands, watches, bus subscriptions and queries it
   * observes. Mounting the name again afterwards works. Harmless when already unmounted.
   */
  unmount(): void {
    if (this.#released) return;
    this.#released = true;
    this.#host.apps.delete(this);
    this.#listeners.clear();
    if (this.#host.handle === 0) return;
    enter();
    try {
      check(api.mfs_app_release(this.#h));
    } finally {
      leave();
    }
  }

  #handle(): number {
    if (this.#released || this.#host.handle === 0) {
      throw new MfstateError("app_unmounted", `app "${this.#name}" is unmounted: its handle can no longer act`);
    }
    return this.#h;
  }

  // ---- own state ----

  /**
   * Creates the app's store (once). The reducer is Redux's `(state, action) => state`; middleware
   * are Redux middleware. Returns a Redux-shaped store bound to this app. The initial state is
   * copied: the object passed is not frozen or kept.
   */
  createStore<S>(initial: S, reducer: Reducer<S>, middleware: ReadonlyArray<Middleware<S>> = []): Store<S> {
    const h = this.#handle();
    plain(reducer, "a reducer");
    if (this.#store) throw new MfstateError("invalid_argument", `app "${this.#name}" already has a store`);
    const name = this.#name;
    enter();
    try {
      callWith(() => {
        const reducerId = reducerFn(name, reducer as Reducer);
        stageTwinned(initial);
        const ids = middleware.map((m) => {
          plain(m, "a middleware");
          return middlewareFn(m as Middleware);
        });
        begin();
        for (const id of ids) writeValue(id);
        stage(ids.length);
        check(api.mfs_app_create_store(h, reducerId, ids.length));
      });
    } finally {
      leave();
    }
    const store: Store<S> = Object.freeze({
      getState: (): DeepReadonly<S> => this.getState<S>(),
      dispatch: <A extends Action>(action: A): A => this.dispatch(action),
      subscribe: (listener: () => void): Unsubscribe => this.subscribe(listener),
      replaceReducer: (next: Reducer<S>): void => this.replaceReducer(next),
    });
    this.#store = store;
    return store;
  }

  /** The app's store (throws no_store before createStore). */
  get store(): Store {
    if (!this.#store) throw new MfstateError("no_store", `app "${this.#name}" has no store: call createStore first`);
    return this.#store;
  }

  /** The app's state: deeply frozen, the same object until it changes. */
  getState<S = unknown>(): DeepReadonly<S> {
    if (this.#stateEpoch === epoch) return this.#state as DeepReadonly<S>;
    const h = this.#handle();
    enter(false);
    try {
      check(api.mfs_app_state(h));
      this.#state = result();
    } finally {
      leave();
    }
    this.#stateEpoch = epoch;
    return this.#state as DeepReadonly<S>;
  }

  /**
   * Dispatches to the app's own store (middleware, then the reducer). A dispatch made while the
   * store is busy is queued, never recursive. A reducer that throws leaves the state unchanged:
   * MfstateError reducer_error, with what it threw as the cause. Returns the action.
   */
  dispatch<A extends Action>(action: A): A {
    const h = this.#handle();
    const a = checkAction(action);
    enter();
    try {
      stageAction(a);
      check(api.mfs_app_dispatch(h));
    } finally {
      leave();
    }
    return action;
  }

  /**
   * Calls `listener` after each change of the app's state (once per outermost operation, after it
   * ends). Unsubscribing during a notification is safe: an unsubscribed listener is not called.
   */
  subscribe(listener: () => void): Unsubscribe {
    plain(listener, "a listener");
    const h = this.#handle();
    if (this.#storeSub === 0) {
      enter(false);
      try {
        callWith(() => {
          const id = fn(() => this.#notify());
          check(api.mfs_app_subscribe(h, id));
          this.#storeSub = result() as number;
        });
      } finally {
        leave();
      }
    }
    // A function may subscribe twice (Redux allows it): each subscription is its own entry.
    const entry = (): void => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    let errors: unknown[] | undefined;
    for (const l of Array.from(this.#listeners)) {
      if (!this.#listeners.has(l)) continue;
      try {
        l();
      } catch (e) {
        (errors ??= []).push(e);
      }
    }
    if (errors) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} listeners of app "${this.#name}" threw`);
  }

  /** Swaps the reducer (hot reload) and dispatches {type: "mfstate/replace"}. */
  replaceReducer<S>(reducer: Reducer<S>): void {
    const h = this.#handle();
    plain(reducer, "a reducer");
    const name = this.#name;
    enter();
    try {
      callWith(() => check(api.mfs_app_replace_reducer(h, reducerFn(name, reducer as Reducer))));
    } finally {
      leave();
    }
  }

  // ---- exports ----

  /**
   * Publishes a named view of this app's state: `selector(state)` (memoised on the state's
   * identity). Others read it with read/watch; nobody reads the store itself.
   */
  expose<S = any, T = unknown>(name: string, selector: (state: DeepReadonly<S>) => T, options: ExposeOptions = {}): void {
    const h = this.#handle();
    plain(selector, "an export selector");
    enter();
    try {
      callWith(() => {
        const id = fn(() => {
          const state = readValue();
          const v = selector(state as DeepReadonly<S>);
          stageValues(v);
        });
        stageValues(name, options.schema ?? null);
        check(api.mfs_app_expose(h, id));
      });
    } finally {
      leave();
    }
  }

  /** Withdraws an export (its watchers are told it is gone). */
  unexpose(name: string): void {
    const h = this.#handle();
    enter();
    try {
      stageValues(name);
      check(api.mfs_app_unexpose(h));
    } finally {
      leave();
    }
  }

  /**
   * The current value of `app`'s export `name`: deeply frozen, the same object while it is
   * unchanged. Throws unknown_app, not_exported, schema_violation.
   */
  read<T = unknown>(app: string, name: string): DeepReadonly<T> {
    const h = this.#handle();
    enter(false);
    try {
      stageValues(app, name);
      check(api.mfs_app_read(h));
      return result() as DeepReadonly<T>;
    } finally {
      leave();
    }
  }

  /**
   * Calls `callback` with the export's value now (if it exists), once per change of the value, and
   * with kind "removed" when it goes. Works before `app` mounts. Ends at unmount at the latest.
   */
  watch<T = unknown>(app: string, name: string, callback: (event: ExportEvent<T>) => void, options: WatchOptions = {}): Unsubscribe {
    const h = this.#handle();
    plain(callback, "a watch callback");
    let sub = 0;
    enter();
    try {
      callWith(() => {
        const id = fn(() => {
          const producer = readValue() as string;
          const exportName = readValue() as string;
          const kind = readValue() as "value" | "removed";
          const value = readValue();
          callback(Object.freeze({ app: producer, name: exportName, kind, value: kind === "removed" ? undefined : value }) as ExportEvent<T>);
        });
        stageValues(app, name, options.expectations ?? null);
        check(api.mfs_app_watch(h, id));
        sub = result() as number;
      });
    } finally {
      leave();
    }
    return unsubscriber(sub);
  }

  // ---- commands ----

  /**
   * Accepts command `type` from other apps (optionally with a payload schema and a handler;
   * without a handler the command enters the reducer). Re-accepting replaces.
   */
  accept(type: string, options: AcceptOptions = {}): void {
    const h = this.#handle();
    const handler = options.handler;
    if (handler !== undefined) plain(handler, "a command handler");
    enter();
    try {
      callWith(() => {
        const id = handler
          ? fn(() => {
              const action = readAction();
              const from = readValue() as string;
              handler(action, from);
            })
          : 0;
        stageValues(type, options.schema ?? null);
        check(api.mfs_app_accept(h, id));
      });
    } finally {
      leave();
    }
  }

  /**
   * Accepts every command type into the reducer. A last resort for migrating an app written for a
   * shared store: it gives up the app's say over what others may ask of it.
   */
  acceptAll(): void {
    const h = this.#handle();
    enter();
    try {
      check(api.mfs_app_accept_all(h));
    } finally {
      leave();
    }
  }

  /**
   * Sends `action` to `app` as this app. Throws unknown_app, command_not_accepted, schema_violation
   * (the target is unchanged), no_store, reducer_error.
   */
  send(app: string, action: Action): void {
    const h = this.#handle();
    const a = checkAction(action);
    enter();
    try {
      stageAction(a, app);
      check(api.mfs_app_send(h));
    } finally {
      leave();
    }
  }

  /**
   * Sends `action` to every mounted app that accepts its type (this one included), all or nothing.
   * Returns how many received it.
   */
  broadcast(action: Action): number {
    const h = this.#handle();
    const a = checkAction(action);
    enter();
    try {
      stageAction(a);
      check(api.mfs_app_broadcast(h));
      return result() as number;
    } finally {
      leave();
    }
  }

  // ---- bus ----

  /**
   * Subscribes to a topic or pattern ("cart/*": one segment, "cart/**": one or more). A listener
   * that throws does not stop the others (its error goes to the shell's error handler).
   */
  on<T = unknown>(pattern: string, listener: TopicListener<T>): Unsubscribe {
    const h = this.#handle();
    plain(listener, "a topic listener");
    let sub = 0;
    enter();
    try {
      callWith(() => {
        const id = fn(() => {
          const topic = readValue() as string;
          const payload = readValue();
          listener(payload as DeepReadonly<T>, topic);
        });
        stageValues(pattern);
        check(api.mfs_app_on(h, id));
        sub = result() as number;
      });
    } finally {
      leave();
    }
    return unsubscriber(sub);
  }

  /** Publishes `payload` on `topic` as this app (validated against the topic's schema). */
  emit(topic: string, payload: unknown): void {
    const h = this.#handle();
    enter();
    try {
      stageValues(topic, payload);
      check(api.mfs_app_emit(h));
    } finally {
      leave();
    }
  }

  // ---- the shared query cache ----

  /**
   * This app's face of the shared query cache: every query-core operation on the data, none of the
   * shell's switches (clear, focus, connectivity). Observers made through it end at unmount.
   */
  get queryClient(): QueryClient {
    this.#handle();
    this.#client ??= appQueryClient(this.#host, () => this.#handle());
    return this.#client;
  }

  /**
   * The short form of a QueryObserver: observes `options.queryKey` as this app and calls `listener`
   * with the result now and whenever it changes. Ends at unmount at the latest.
   */
  observe<T = unknown>(options: QueryObserverOptions<T>, listener: (result: QueryObserverResult<T>) => void): Unsubscribe {
    this.#handle();
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "an observe listener must be a function");
    const observer = new QueryObserver(this.queryClient, options as never);
    let told = false;
    const unsubscribe = observer.subscribe((r) => {
      told = true;
      listener(r as never);
    });
    // The short form tells the current result at once (a QueryObserver's listeners hear changes only).
    if (!told) listener(observer.getCurrentResult() as never);
    return unsubscribe;
  }
}

/** Makes the App object for a mounted handle (module-internal: Host.mount). */
export function makeApp(handle: number, host: HostLink, name: string, version: string): App {
  return new App(CONSTRUCT, handle, host, name, version);
}

/** An idempotent function ending subscription `sub` in the module. */
export function unsubscriber(sub: number): Unsubscribe {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    enter();
    try {
      check(api.mfs_unsubscribe(sub));
    } finally {
      leave();
    }
  };
}

// ---- JavaScript functions the module calls for a store ----

function reducerFn(app: string, reducer: Reducer): number {
  return fn(() => {
    const state = readValue();
    const action = readAction();
    const next = reducer(state as never, action);
    if (next === undefined) {
      throw new MfstateError(
        "invalid_argument",
        `the reducer of app "${app}" returned undefined for "${action.type}": return the state unchanged for actions it does not handle`,
      );
    }
    stageTwinned(next);
  });
}

/** A stale handle (the store is gone) makes these calls no-ops, as Redux's would after unmount. */
function middlewareFn(middleware: Middleware): number {
  let chain: ((action: Action) => void) | undefined;
  return fn(() => {
    const ref = readValue() as number;
    const next = readValue() as number;
    const action = readAction();
    if (!chain) {
      const api_: MiddlewareAPI = Object.freeze({
        getState: () => {
          enter(false);
          try {
            check(api.mfs_store_state(ref));
            return result() as never;
          } finally {
            leave();
          }
        },
        dispatch: (a: Action) => {
          const checked = checkAction(a);
          enter();
          try {
            stageAction(checked);
            check(api.mfs_store_dispatch(ref));
          } finally {
            leave();
          }
          return a;
        },
      });
      const nextFn = (a: Action): void => {
        const checked = checkAction(a);
        enter();
        try {
          stageAction(checked);
          check(api.mfs_next(next));
        } finally {
          leave();
        }
      };
      chain = middleware(api_)(nextFn);
    }
    chain(action);
  });
}
