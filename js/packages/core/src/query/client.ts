// QueryClient and QueryCache with query-core v5's names and semantics, on the C++ cache.
//
// Three faces of a client: `new QueryClient()` (standalone: its own cache and clock), the shell's
// (host.queryClient: the cache every app shares, with the shell-wide switches) and an app's
// (app.queryClient: the same cache, without those switches; observers end when the app unmounts).

import { MfstateError } from "../errors.js";
import { Driver } from "../driver.js";
import { observerRoom, ownAsApp, type App, type HostLink } from "../app.js";
import { api, beginRead, callbacks, callWith, check, enter, fn, keyArg, leave, ready, readValue, result, stageValues, whenIdle, writeKeyAndTwinnedData, writeOne, writePair } from "../wasm.js";
import {
  type ClientCore,
  clientOnline,
  KeyTable,
  keySnapshot,
  errorOf,
  filtersValue,
  mutationRegistry,
  optionsValue,
  pendingState,
  readState,
  reconnectFilledIn,
  shellQueryFn,
  run,
  settlement,
  snapshot,
  STALE,
} from "./core.js";
import { MutationCache, bindMutationCache, runMutation } from "./mutation.js";
import { takeRoom } from "./room.js";
import { fetchInfinite } from "./infinite.js";
import { hashKey, partialMatchKey } from "./key_identity.js";
import { checkQueryKey, functionalUpdate, skipToken } from "./utils.js";
import type {
  DefaultOptions,
  InfiniteData,
  InfiniteQueryObserverOptions,
  InvalidateOptions,
  InvalidateQueryFilters,
  MutationFilters,
  MutationKey,
  MutationOptions,
  QueryCacheNotifyEvent,
  QueryFilters,
  QueryKey,
  QueryObserverOptions,
  QueryOptions,
  QuerySnapshot,
  QueryState,
  RefetchOptions,
  ResetOptions,
  CancelOptions,
  SetDataOptions,
} from "./types.js";
import type { DeepReadonly, Unsubscribe } from "../types.js";

/** `new QueryClient(config)`: query-core's config, plus mfstate's bounds and clock. */
export interface QueryClientConfig {
  defaultOptions?: DefaultOptions;
  queryCache?: QueryCache;
  mutationCache?: MutationCache;
  /** Evict unobserved entries beyond this many (least recently used first). */
  maxEntries?: number;
  /** Evict unobserved entries beyond about this many bytes of data. */
  maxBytes?: number;
  /** "manual": time moves only by advanceTime(ms) (tests). */
  clock?: "system" | "manual";
  /** The manual clock's start (milliseconds). */
  now?: number;
}

const cores = new WeakMap<object, ClientCore>();
let constructing: ClientCore | undefined;

// A standalone client nothing references any more is destroyed in the module: query-core has no
// destroy, and a page or a server that made a client per request (the SSR pattern) kept every one,
// its cache and its runtime, for good. While the module holds a function of the client (an
// observer, a fetch in flight, a cached query's function, a cache subscription) that function's
// closure holds the client, so it is collected only once the module no longer needs it.
let toRelease: number[] = [];
const abandoned = new FinalizationRegistry<{ handle: number; driver: Driver }>(({ handle, driver }) => {
  driver.stop();
  // Collected clients come in batches (one collection finds many): released together, with one
  // sweep of the twin table after the last rather than one per client.
  if (toRelease.push(handle) === 1) queueMicrotask(() => whenIdle(releaseAbandoned));
});

function releaseAbandoned(): void {
  const handles = toRelease;
  toRelease = [];
  enter();
  try {
    for (let i = 0; i < handles.length; i++) api.mfs_client_release(handles[i], i === handles.length - 1 ? 1 : 0);
  } finally {
    leave();
  }
}

/** The core behind a client (module-internal). */
export function coreOf(client: unknown): ClientCore {
  const core = typeof client === "object" && client !== null ? cores.get(client) : undefined;
  if (!core) throw new MfstateError("invalid_argument", "expected a QueryClient from @mfstate/core");
  return core;
}

/** query-core's QueryCache config: callbacks for every query of the client. */
export interface QueryCacheConfig {
  onError?: (error: Error, query: QuerySnapshot) => void;
  onSuccess?: (data: unknown, query: QuerySnapshot) => void;
  onSettled?: (data: unknown, error: Error | null, query: QuerySnapshot) => void;
}

const cacheBindings = new WeakMap<QueryCache, { core: ClientCore; client: QueryClient }>();

/** query-core's QueryCache: the entries of a client, found by filters, and its events. */
export class QueryCache {
  /** The callbacks it was made with (query-core's `config`). */
  readonly config: QueryCacheConfig;

  /** A cache for `new QueryClient({queryCache})`; a client's own comes from getQueryCache(). */
  constructor(config: QueryCacheConfig = {}) {
    this.config = config;
  }

  #bound(): { core: ClientCore; client: QueryClient } {
    const b = cacheBindings.get(this);
    if (!b) throw new MfstateError("invalid_argument", "this QueryCache is not attached to a QueryClient yet");
    return b;
  }

  /** The first entry the filters match (exact by default, as query-core). */
  find<TData = unknown>(filters: QueryFilters): QuerySnapshot<TData> | undefined {
    return this.findAll({ exact: true, ...filters })[0] as QuerySnapshot<TData> | undefined;
  }

  /** Every entry the filters match. Costs what the key filter matches, not what is cached. */
  findAll(filters: QueryFilters = {}): QuerySnapshot[] {
    const { core } = this.#bound();
    return callWith(() => {
      const f = filtersValue(filters);
      return run(
        core,
        (h) => {
          stageValues(f);
          return api.mfs_client_find_all(h);
        },
        () => {
          const n = readValue() as number;
          const out: QuerySnapshot[] = [];
          for (let i = 0; i < n; i++) {
            const key = readValue() as QueryKey;
            const state = readState();
            const observers = readValue() as number;
            out.push(snapshot(key, state, observers, readValue() as boolean));
          }
          return out;
        },
        false,
      );
    });
  }

  /** Every entry. */
  getAll(): QuerySnapshot[] {
    return this.findAll();
  }

  /** Calls `listener` for each cache event (added, removed, updated, observerAdded, ...). */
  subscribe(listener: (event: QueryCacheNotifyEvent) => void): Unsubscribe {
    const { core, client } = this.#bound();
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "a cache listener must be a function");
    // Counted (query/room.ts): an app's as its subscriptions, ended when it unmounts; a standalone
    // client's against the page's bound.
    const app = core.kind === "app" ? core.app : undefined;
    observerRoom(app);
    const release = app ? undefined : takeRoom(core);
    let sub = 0;
    try {
      callWith(() => {
        const id = fn(() => {
          const type = readValue() as QueryCacheNotifyEvent["type"];
          const key = readValue() as QueryKey;
          const action = readValue() as string;
          const state = type === "removed" ? undefined : client.getQueryState(key);
          listener(
            Object.freeze({
              type,
              query: snapshot(key, state ?? pendingState),
              action: action ? Object.freeze({ type: action }) : undefined,
            }),
          );
        });
        sub = run(core, (h) => api.mfs_client_subscribe(h, id), () => readValue() as number, false);
      });
    } catch (e) {
      release?.();
      throw e;
    }
    if (app) return ownAsApp(app, sub);
    let done = false;
    const end = (): void => {
      if (done) return;
      run(core, () => api.mfs_unsubscribe(sub), undefined, false);
      done = true;
      core.held?.delete(end);
      release?.();
    };
    core.held?.add(end);
    return end;
  }

  /** Removes every entry (the shell's, or a standalone client's, power). */
  clear(): void {
    this.#bound().client.clear();
  }
}

/** query-core's QueryClient. */
/**
 * setQueryData's `updatedAt`, or null (now): a time in milliseconds, a number JavaScript holds
 * exactly. Anything else was taken as now (a string, an object) or as a time past any other (1e300:
 * never stale for every app reading the key); it is refused before anything runs. Own members only:
 * an `updatedAt` an app planted on Object.prototype was every other app's write time.
 */
function updatedAtOf(options: SetDataOptions | undefined): number | null {
  if (options === undefined || options === null) return null;
  const at = Object.hasOwn(options, "updatedAt") ? options.updatedAt : undefined;
  if (at === undefined || at === null) return null;
  if (typeof at !== "number" || !(Math.abs(at) <= Number.MAX_SAFE_INTEGER)) {
    throw new MfstateError("invalid_argument", `option updatedAt must be a time in milliseconds within JavaScript's safe integers, got ${typeof at === "number" ? String(at) : typeof at}`);
  }
  return at;
}

/**
 * The `calls` stamp for an entry whose data a write just returned: current, unless the module
 * called JavaScript during the write (a listener may have written the key again: then the next
 * read asks the module).
 */
function stampAfter(before: number): number {
  return callbacks === before ? callbacks : -1;
}

/**
 * The shell's defaults as its client keeps them: a copy whose plain objects and arrays are the
 * package's own and frozen (functions and other objects stay the shell's). Every app's face reads
 * them (getDefaultOptions, getQueryDefaults, defaultQueryOptions, the `meta` a query function is
 * handed) and every app's options are merged over them: had those been the shell's own objects, an
 * app could plant a `mutations.onMutate` there that saw every other app's mutation variables, or a
 * `queries.select` that rewrote their results (test/attack-shell-defaults.test.mjs). Members are
 * defined, never assigned, so a setter planted on Object.prototype sees none of them.
 */
function frozenOptions<T>(value: T, seen = new Map<object, unknown>()): T {
  if (typeof value !== "object" || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known as T;
  const copy: object = isArray ? [] : {};
  seen.set(value, copy);
  for (const name of Object.keys(value)) {
    const member = frozenOptions((value as Record<string, unknown>)[name], seen);
    Object.defineProperty(copy, name, { value: member, enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(copy) as T;
}

/** Before a key is interned: a full table starts again, in the module too (KeyTable.limit). */
function makeRoom(h: number, keys: KeyTable): void {
  if (!keys.full()) return;
  check(api.mfs_client_clear_keys(h));
  keys.clear();
}

export class QueryClient {
  readonly #core: ClientCore;
  readonly #queryCache: QueryCache;
  readonly #mutationCache: MutationCache;
  #defaults: DefaultOptions;
  readonly #queryDefaults: Array<{ queryKey: QueryKey; defaultOptions: Partial<QueryObserverOptions> }> = [];
  readonly #mutationDefaults: Array<{ mutationKey: MutationKey; defaultOptions: MutationOptions<any, any, any, any> }> = [];
  #mounted = 0;
  #sentDefaults = false;
  #unlisten: (() => void) | undefined;
  // setQueryData calls under way: the "success" they dispatch is not a fetch's (query-core's manual
  // success), so the QueryCache's onSuccess / onSettled are not called for it.
  #manualWrites = 0;

  /**
   * A standalone client with its own cache (the module must be loaded: await loadMfstate() or
   * createHost() first). In a micro-frontend, use the shared one: host.queryClient for the shell,
   * app.queryClient for an app.
   */
  constructor(config: QueryClientConfig = {}) {
    let core = constructing;
    constructing = undefined;
    if (!core) {
      ready("new QueryClient()");
      const handle = run(
        { handle: () => 0, driver: undefined as never, kind: "standalone", outsidePageHost: false, mutations: undefined as never, keys: undefined as never },
        () => {
          stageValues({
            defaultOptions: undefined,
            maxEntries: config.maxEntries,
            maxBytes: config.maxBytes,
            manualClock: config.clock === "manual",
            now: config.now,
          });
          return api.mfs_client_create();
        },
        () => readValue() as number,
        false,
      );
      let live = true;
      const clientHandle = (): number => {
        if (!live) throw new MfstateError("invalid_argument", "this QueryClient was destroyed");
        return handle;
      };
      const driver = new Driver("mfs_client", () => handle, config.clock === "manual", config.now ?? 0);
      core = {
        handle: clientHandle,
        driver,
        kind: "standalone",
        outsidePageHost: true,
        mutations: mutationRegistry(clientHandle, driver),
        keys: new KeyTable(),
      };
      core.keys.bounded = Boolean(config.maxEntries || config.maxBytes);
      const keys = core.keys;
      core.driver.afterRun = () => keys.generation++;
      void live;
    }
    core.client = this;
    this.#core = core;
    cores.set(this, core);
    if (core.kind === "standalone") abandoned.register(this, { handle: core.handle(), driver: core.driver });
    // Own members only, and caches only for a standalone client: a queryCache or mutationCache an app
    // defined on Object.prototype became the cache of every face made after (an app's view of
    // another app's mutations, bypassing MutationCache's filter).
    const own = <K extends keyof QueryClientConfig>(k: K): QueryClientConfig[K] | undefined =>
      Object.hasOwn(config, k) ? config[k] : undefined;
    this.#defaults = this.#kept(own("defaultOptions") ?? {});
    this.#sendDefaults();
    this.#queryCache = (core.kind === "standalone" ? own("queryCache") : undefined) ?? new QueryCache();
    if (cacheBindings.has(this.#queryCache)) throw new MfstateError("invalid_argument", "this QueryCache belongs to another QueryClient");
    cacheBindings.set(this.#queryCache, { core, client: this });
    this.#mutationCache = (core.kind === "standalone" ? own("mutationCache") : undefined) ?? new MutationCache();
    bindMutationCache(this.#mutationCache, core);
    this.#cacheCallbacks();
  }

  // query-core's QueryCache callbacks, from the cache's events.
  #cacheCallbacks(): void {
    const { onError, onSuccess, onSettled } = this.#queryCache.config;
    if (!onError && !onSuccess && !onSettled) return;
    this.#queryCache.subscribe((event) => {
      if (event.type !== "updated" || !event.action || this.#manualWrites !== 0) return;
      const { state } = event.query;
      if (event.action.type === "error" && state.error) {
        onError?.(state.error, event.query);
        onSettled?.(undefined, state.error, event.query);
      } else if (event.action.type === "success") {
        onSuccess?.(state.data, event.query);
        onSettled?.(state.data, null, event.query);
      }
    });
  }

  // ---- lifecycle ----

  /**
   * Starts listening to the page's focus and connectivity (standalone clients only: a host's
   * client hears them from the shell). Counts mounts, as query-core.
   */
  mount(): void {
    this.#mounted++;
    if (this.#mounted !== 1 || this.#core.kind !== "standalone") return;
    this.#unlisten = listenToPage(
      (focused) => this.setFocused(focused),
      (online) => this.setOnline(online),
    );
  }

  unmount(): void {
    if (this.#mounted === 0) return;
    this.#mounted--;
    if (this.#mounted === 0) {
      this.#unlisten?.();
      this.#unlisten = undefined;
    }
  }

  // ---- data ----

  /** The cached data of the query whose key equals `queryKey`, or undefined. */
  getQueryData<TData = unknown>(queryKey: QueryKey): DeepReadonly<TData> | undefined {
    checkQueryKey(queryKey);
    const h = this.#core.handle();
    // Keys are interned in the module (by setQueryData, or the first read): a read of an unchanged
    // entry is then one call that answers "the same data as last time".
    const keys = this.#core.keys;
    // Nothing that could change it has run since its data was known: no call at all.
    const cached = keys.cached(queryKey, KeyTable.hash(queryKey), callbacks);
    if (cached !== STALE) return cached as DeepReadonly<TData> | undefined;
    let entry = keys.found;
    enter(false);
    try {
      if (entry < 0) entry = this.#intern(h, keys, keySnapshot(queryKey));
      const status = api.mfs_client_get_interned(h, keys.index(entry));
      check(status);
      const data = status === 0 ? result() : keys.data(entry);
      keys.keep(entry, data, callbacks);
      return data as DeepReadonly<TData> | undefined;
    } finally {
      leave();
    }
  }

  /**
   * Sets the data of `queryKey` as a successful fetch would (structural sharing: equal parts keep
   * their identity; equal data notifies nobody). An updater function receives the old data; one
   * returning undefined changes nothing. Returns the data now cached.
   */
  setQueryData<TData = unknown>(
    queryKey: QueryKey,
    updater: TData | undefined | ((old: DeepReadonly<TData> | undefined) => TData | DeepReadonly<TData> | undefined),
    options: SetDataOptions = {},
  ): DeepReadonly<TData> | undefined {
    checkQueryKey(queryKey);
    const updatedAt = updatedAtOf(options);
    const data = functionalUpdate(updater as never, typeof updater === "function" ? this.getQueryData<TData>(queryKey) : undefined) as unknown;
    if (data === undefined) return undefined;
    const h = this.#core.handle();
    const keys = this.#core.keys;
    // A write changes its own entry only, which it updates (unless the client evicts: then others too).
    if (keys.bounded) keys.generation++;
    // The runtime's activity the write of a new key answers with (-1: none, kick as always).
    let activity = -1;
    enter();
    this.#manualWrites++;
    try {
      let entry = keys.find(queryKey, KeyTable.hash(queryKey));
      let key: unknown = queryKey;
      let hash = 0;
      if (entry < 0) {
        // A key not found as written: from here on its snapshot (see #intern), which may be
        // another spelling of a key the table knows.
        key = keySnapshot(queryKey);
        hash = KeyTable.hash(key);
        entry = keys.find(key, hash);
      }
      const before = callbacks;
      if (entry >= 0) {
        writePair(data, updatedAt);
        check(api.mfs_client_set_interned(h, keys.index(entry)));
        const cached = result();
        keys.keep(entry, cached, stampAfter(before));
        return cached as DeepReadonly<TData>;
      }
      makeRoom(h, keys);
      writeKeyAndTwinnedData(key, data, updatedAt);
      check(api.mfs_client_set_new_key(h));
      // The whole answer is read before the table records the key (no code of the caller's runs
      // in between: the snapshot is the package's own).
      beginRead();
      const index = readValue() as number;
      const cached = readValue();
      activity = readValue() as number;
      const added = keys.add(key, index, hash);
      keys.keep(added, cached, stampAfter(before));
      return cached as DeepReadonly<TData>;
    } finally {
      this.#manualWrites--;
      leave();
      this.#core.driver.kickUnlessSeen(activity);
    }
  }

  /**
   * Interns `key` (a keySnapshot: each part read once, in the module's spelling) in the module and
   * the key table, unless the table knows it already (another spelling of a key found). The table's
   * entry of a key is then the module's: a getter or Proxy answering each read differently cannot
   * tie one key's entry to another key's index.
   */
  #intern(h: number, keys: KeyTable, key: unknown): number {
    const hash = KeyTable.hash(key);
    const known = keys.find(key, hash);
    if (known >= 0) return known;
    makeRoom(h, keys);
    writeOne(keyArg(key));
    check(api.mfs_client_intern_key(h));
    return keys.add(key, result() as number, hash);
  }

  /** The state of the query whose key equals `queryKey`, or undefined. */
  getQueryState<TData = unknown, TError = Error>(queryKey: QueryKey): QueryState<TData, TError> | undefined {
    checkQueryKey(queryKey);
    return run(
      this.#core,
      (h) => {
        stageValues(keyArg(queryKey));
        return api.mfs_client_get_query_state(h);
      },
      () => ((readValue() as boolean) ? (readState() as QueryState<TData, TError>) : undefined),
      false,
    );
  }

  /** [key, data] of every matched query. */
  getQueriesData<TData = unknown>(filters: QueryFilters): Array<[QueryKey, DeepReadonly<TData> | undefined]> {
    return this.#queryCache.findAll(filters).map((q) => [q.queryKey, q.state.data as DeepReadonly<TData> | undefined]);
  }

  /** setQueryData on every matched query. Returns [key, data] of each. */
  setQueriesData<TData = unknown>(
    filters: QueryFilters,
    updater: TData | undefined | ((old: DeepReadonly<TData> | undefined) => TData | DeepReadonly<TData> | undefined),
    options?: SetDataOptions,
  ): Array<[QueryKey, DeepReadonly<TData> | undefined]> {
    return this.#queryCache.findAll(filters).map((q) => [q.queryKey, this.setQueryData<TData>(q.queryKey, updater as never, options)]);
  }

  // ---- fetching ----

  #fetch<T>(kind: number, options: QueryOptions<any, any, any, any>): Promise<T> {
    const merged = this.defaultQueryOptions(options);
    checkQueryKey(merged.queryKey);
    return callWith(() => {
      const value = optionsValue(this.#core, merged);
      const { id, promise } = settlement<T>(this.#core);
      const appHandle = this.#core.appHandle;
      run(this.#core, (h) => {
        stageValues(value);
        // An app's fetch is the app's (its functions end with it: the module calls none after its unmount).
        return appHandle ? api.mfs_app_fetch(appHandle(), kind, id) : api.mfs_client_fetch(h, kind, id);
      });
      return promise;
    });
  }

  /** Fetches unless the data is fresh (by staleTime), sharing a fetch in flight. Retries default to 0. */
  fetchQuery<TData = unknown>(options: QueryOptions<any, any, TData, any>): Promise<DeepReadonly<TData>> {
    return this.#fetch(0, { retry: false, ...options });
  }

  /** fetchQuery whose promise never rejects. */
  prefetchQuery(options: QueryOptions<any, any, any, any>): Promise<void> {
    return this.#fetch<unknown>(1, { retry: false, ...options }).then(() => undefined);
  }

  /** The cached data when there is some (refetching in the background when stale and asked to), else fetchQuery. */
  ensureQueryData<TData = unknown>(options: QueryOptions<any, any, TData, any> & { revalidateIfStale?: boolean }): Promise<DeepReadonly<TData>> {
    const { revalidateIfStale, ...rest } = options;
    return this.#fetch(revalidateIfStale ? 3 : 2, { retry: false, ...rest });
  }

  /** fetchQuery for an infinite query: the first page (or every page already there, refetched in order). */
  fetchInfiniteQuery<TQueryFnData = unknown, TPageParam = unknown>(
    options: Omit<InfiniteQueryObserverOptions<TQueryFnData, Error, InfiniteData<TQueryFnData, TPageParam>, QueryKey, TPageParam>, "getNextPageParam"> &
      Partial<Pick<InfiniteQueryObserverOptions<TQueryFnData, Error, InfiniteData<TQueryFnData, TPageParam>, QueryKey, TPageParam>, "getNextPageParam">> & { pages?: number },
  ): Promise<DeepReadonly<InfiniteData<TQueryFnData, TPageParam>>> {
    return fetchInfinite(this, options as never) as never;
  }

  prefetchInfiniteQuery(options: Parameters<QueryClient["fetchInfiniteQuery"]>[0]): Promise<void> {
    return this.fetchInfiniteQuery(options).then(
      () => undefined,
      () => undefined,
    );
  }

  // ---- by filter ----

  /** Marks matched queries invalidated and refetches the active ones (refetchType). */
  invalidateQueries(filters: InvalidateQueryFilters = {}, options: InvalidateOptions = {}): Promise<void> {
    return this.#settled(
      (id) => (h) => {
        stageValues(filtersValue(filters), { refetchType: filters.refetchType, cancelRefetch: options.cancelRefetch, throwOnError: options.throwOnError });
        return api.mfs_client_invalidate(h, id);
      },
      options.throwOnError,
      true, // marks and refetches: data changes only when a fetch settles
    );
  }

  /** Refetches matched queries that are not disabled. */
  refetchQueries(filters: QueryFilters = {}, options: RefetchOptions = {}): Promise<void> {
    return this.#settled(
      (id) => (h) => {
        stageValues(filtersValue(filters), { cancelRefetch: options.cancelRefetch, throwOnError: options.throwOnError });
        return api.mfs_client_refetch(h, id);
      },
      options.throwOnError,
      true,
    );
  }

  /**
   * Resets matched queries to their initial state and refetches the active ones. Through an app's
   * face, as cancelQueries and removeQueries: only under a non-empty key prefix (the module's app
   * client refuses the rest), since an empty filter or a bare predicate reaches every app's queries.
   */
  resetQueries(filters: QueryFilters = {}, options: ResetOptions = {}): Promise<void> {
    const appHandle = this.#core.appHandle;
    return this.#settled(
      (id) => (h) => {
        stageValues(filtersValue(filters), { cancelRefetch: options.cancelRefetch, throwOnError: options.throwOnError });
        return appHandle ? api.mfs_app_reset(appHandle(), id) : api.mfs_client_reset(h, id);
      },
      options.throwOnError,
    );
  }

  #settled(call: (id: number) => (h: number) => number, throwOnError?: boolean, keepsData = false): Promise<void> {
    return callWith(() => {
      const { id, promise } = settlement<unknown>(this.#core);
      run(this.#core, call(id), undefined, true, keepsData);
      return promise.then(
        () => undefined,
        (e: unknown) => {
          if (throwOnError) throw e;
        },
      );
    });
  }

  /** Cancels matched fetches in flight (their signals abort; state reverts by default). */
  cancelQueries(filters: QueryFilters = {}, options: CancelOptions = {}): Promise<void> {
    const appHandle = this.#core.appHandle;
    callWith(() =>
      run(this.#core, (h) => {
        stageValues(filtersValue(filters), { revert: options.revert, silent: options.silent });
        return appHandle ? api.mfs_app_cancel(appHandle()) : api.mfs_client_cancel(h);
      }),
    );
    return Promise.resolve();
  }

  /** Removes matched queries from the cache. */
  removeQueries(filters: QueryFilters = {}): void {
    const appHandle = this.#core.appHandle;
    callWith(() =>
      run(this.#core, (h) => {
        stageValues(filtersValue(filters));
        return appHandle ? api.mfs_app_remove(appHandle()) : api.mfs_client_remove(h);
      }),
    );
  }

  /** How many matched queries are fetching. */
  isFetching(filters: QueryFilters = {}): number {
    return callWith(() =>
      run(
        this.#core,
        (h) => {
          stageValues({ ...filtersValue(filters), fetchStatus: "fetching" });
          return api.mfs_client_is_fetching(h);
        },
        () => readValue() as number,
        false,
      ),
    );
  }

  /** How many matched mutations are pending. */
  isMutating(filters: MutationFilters = {}): number {
    return this.#mutationCache.findAll({ ...filters, status: "pending" }).length;
  }

  // ---- defaults ----

  getDefaultOptions(): DefaultOptions {
    // An app's face reads the shell's defaults as they are now (the shell may change them later).
    return this.#core.shell ? this.#core.shell.getDefaultOptions() : this.#defaults;
  }

  /** Replaces the client's defaults (the shell's, or a standalone client's, power). */
  setDefaultOptions(options: DefaultOptions): void {
    this.#shellOnly("setDefaultOptions");
    this.#defaults = this.#kept(options);
    this.#sendDefaults();
  }

  // The module holds the queries' defaults too (their query function is then the shell's there,
  // see shellQueryFn); an app's face reads its shell's.
  #sendDefaults(): void {
    const queries = this.#defaults.queries;
    if (this.#core.kind === "app" || (queries === undefined && !this.#sentDefaults)) return;
    this.#sentDefaults = true;
    callWith(() => {
      const value = optionsValue(this.#core, queries ?? {});
      run(this.#core, (h) => {
        stageValues(value);
        return api.mfs_client_set_default_options(h);
      });
    });
  }

  /** Defaults for queries whose key `queryKey` partially matches (the shell's power on a shared cache). */
  setQueryDefaults(queryKey: QueryKey, options: Omit<Partial<QueryObserverOptions<any, any, any, any>>, "queryKey">): void {
    this.#shellOnly("setQueryDefaults");
    checkQueryKey(queryKey);
    options = this.#kept(options);
    const i = this.#queryDefaults.findIndex((d) => partialMatchKey(d.queryKey, queryKey) && partialMatchKey(queryKey, d.queryKey));
    if (i >= 0) this.#queryDefaults[i] = { queryKey, defaultOptions: options };
    else this.#queryDefaults.push({ queryKey, defaultOptions: options });
    callWith(() => {
      const value = optionsValue(this.#core, options);
      run(this.#core, (h) => {
        stageValues(keyArg(queryKey), value);
        return api.mfs_client_set_query_defaults(h);
      });
    });
  }

  /** The defaults registered for keys that `queryKey` partially matches, merged in order. */
  getQueryDefaults(queryKey: QueryKey): Omit<Partial<QueryObserverOptions<any, any, any, any>>, "queryKey"> {
    if (this.#core.shell) return this.#core.shell.getQueryDefaults(queryKey);
    const out: Record<string, unknown> = {};
    for (const d of this.#queryDefaults) if (partialMatchKey(queryKey, d.queryKey)) Object.assign(out, d.defaultOptions);
    return out;
  }

  /** Defaults for mutations whose mutation key partially matches. */
  setMutationDefaults(mutationKey: MutationKey, options: MutationOptions<any, any, any, any>): void {
    this.#shellOnly("setMutationDefaults");
    options = this.#kept(options);
    const i = this.#mutationDefaults.findIndex((d) => partialMatchKey(d.mutationKey, mutationKey) && partialMatchKey(mutationKey, d.mutationKey));
    if (i >= 0) this.#mutationDefaults[i] = { mutationKey, defaultOptions: options };
    else this.#mutationDefaults.push({ mutationKey, defaultOptions: options });
  }

  getMutationDefaults(mutationKey: MutationKey): MutationOptions<any, any, any, any> {
    if (this.#core.shell) return this.#core.shell.getMutationDefaults(mutationKey);
    const out: Record<string, unknown> = {};
    for (const d of this.#mutationDefaults) if (partialMatchKey(mutationKey, d.mutationKey)) Object.assign(out, d.defaultOptions);
    return out;
  }

  /** `options` with the client's and the key's defaults under it (query-core's defaultQueryOptions). */
  // The merged options have no prototype: an option left out reads undefined, not what an app
  // defined on Object.prototype (a `select` there rewrote every other app's observer results).
  // As query-core's, marked `_defaulted`, with the key's `queryHash` (always the key's own: this
  // package has no custom hash, so one carried over from other options must not name another key),
  // `refetchOnReconnect` (not with networkMode "always") and `throwOnError` (with suspense) filled
  // in, and a skipToken query disabled.
  defaultQueryOptions<T extends Partial<QueryObserverOptions<any, any, any, any>>>(options: T): T {
    const key = Object.hasOwn(options, "queryKey") ? options.queryKey : undefined;
    const base = this.getDefaultOptions().queries;
    const forKey: Partial<QueryObserverOptions> = key ? this.getQueryDefaults(key) : {};
    const o = Object.assign(Object.create(null), base, forKey, options);
    // An app's query function that is the shell's default (given by neither the app nor anything
    // but the shell): the shell's, which the app's end leaves running (see shellQueryFn).
    if (this.#core.kind === "app" && typeof o.queryFn === "function" && o.queryFn === (Object.hasOwn(forKey, "queryFn") ? forKey.queryFn : base?.queryFn)) {
      shellQueryFn.add(o);
    }
    o._defaulted = true;
    if (Array.isArray(key)) o.queryHash = hashKey(key);
    if (o.refetchOnReconnect === undefined) {
      o.refetchOnReconnect = o.networkMode !== "always";
      reconnectFilledIn.add(o);
    }
    if (o.throwOnError === undefined) o.throwOnError = Boolean(o.suspense);
    if (o.queryFn === skipToken) o.enabled = false;
    return o as T;
  }

  defaultMutationOptions<T extends MutationOptions<any, any, any, any>>(options: T): T {
    const key = Object.hasOwn(options, "mutationKey") ? options.mutationKey : undefined;
    return Object.assign(Object.create(null), this.getDefaultOptions().mutations, key ? this.getMutationDefaults(key) : {}, options) as T;
  }

  // ---- caches ----

  getQueryCache(): QueryCache {
    return this.#queryCache;
  }

  getMutationCache(): MutationCache {
    return this.#mutationCache;
  }

  /** Paused mutations resume by themselves when the connection returns; this resolves when none is pending. */
  resumePausedMutations(): Promise<unknown> {
    return Promise.all(this.#mutationCache.getAll().map((m) => m.promise));
  }

  /** Removes every query and mutation (the shell's, or a standalone client's, power). */
  clear(): void {
    this.#shellOnly("clear");
    run(this.#core, (h) => api.mfs_client_clear(h));
    this.#mutationCache.clear();
  }

  // ---- signals (standalone clients: a host's come from the shell) ----

  /** A standalone client's focus (host clients: host.setFocused). */
  setFocused(focused: boolean): void {
    run(this.#core, (h) => api.mfs_client_set_focused(h, focused ? 1 : 0));
  }

  /** A standalone client's connectivity (host clients: host.setOnline). */
  setOnline(online: boolean): void {
    run(this.#core, (h) => api.mfs_client_set_online(h, online ? 1 : 0));
  }

  /** Manual clock only (`{clock: "manual"}`): moves time by `ms`, running every timer due on the way. */
  advanceTime(ms: number): void {
    if (this.#core.kind !== "standalone") this.#shellOnly("advanceTime");
    this.#core.driver.advance(ms);
  }

  /** Counters: entries, trie nodes, observers, fetches in flight. */
  stats(): { entries: number; trieNodes: number; observers: number; fetching: number } {
    return run(
      this.#core,
      (h) => api.mfs_client_stats(h),
      () => ({
        entries: readValue() as number,
        trieNodes: readValue() as number,
        observers: readValue() as number,
        fetching: readValue() as number,
      }),
      false,
    );
  }

  /** Whether the client's queries may fetch now (module-internal: optimistic results). */
  _isOnline(): boolean {
    return clientOnline(this.#core);
  }

  /** Runs a mutation (the engine of MutationObserver). */
  _mutate(options: MutationOptions<any, any, any, any>, variables: unknown): Promise<unknown> {
    return runMutation(this.#core, this.defaultMutationOptions(options), variables);
  }

  /** Defaults as this client keeps them: the shell's client, whose defaults every app reads, a frozen copy (frozenOptions). */
  #kept<T>(options: T): T {
    return this.#core.kind === "shell" ? frozenOptions(options) : options;
  }

  #shellOnly(what: string): void {
    refuseForApps(this.#core, what);
  }
}

/** Refuses `what` on an app's face of the client: it acts on every app's queries. */
export function refuseForApps(core: ClientCore, what: string): void {
  if (core.kind === "app") {
    throw new MfstateError("refused", `${what} acts on every app's queries: it is the shell's power (host.queryClient), not an app's`);
  }
}

/** Listens to the page's visibility and connectivity; returns the function that stops. */
export function listenToPage(onFocus: (focused: boolean) => void, onOnline: (online: boolean) => void): () => void {
  const g = globalThis as {
    document?: { visibilityState?: string; addEventListener: (t: string, f: () => void) => void; removeEventListener: (t: string, f: () => void) => void };
    addEventListener?: (t: string, f: () => void) => void;
    removeEventListener?: (t: string, f: () => void) => void;
    navigator?: { onLine?: boolean };
  };
  if (!g.document || typeof g.addEventListener !== "function") return () => {};
  const doc = g.document;
  const visibility = (): void => onFocus(doc.visibilityState !== "hidden");
  const online = (): void => onOnline(true);
  const offline = (): void => onOnline(false);
  doc.addEventListener("visibilitychange", visibility);
  g.addEventListener("online", online);
  g.addEventListener("offline", offline);
  return () => {
    doc.removeEventListener("visibilitychange", visibility);
    g.removeEventListener?.("online", online);
    g.removeEventListener?.("offline", offline);
  };
}

/** The shell's client of a host (module-internal). */
export function shellQueryClient(host: HostLink, defaults: DefaultOptions | undefined, bounded: boolean): QueryClient {
  const handle = run(
    { handle: () => host.handle, driver: host.driver, kind: "shell", outsidePageHost: false, mutations: undefined as never, keys: undefined as never },
    (h) => api.mfs_host_queries(h),
    () => readValue() as number,
    false,
  );
  const shellHandle = (): number => {
    if (host.handle === 0) throw new MfstateError("invalid_argument", "the host of this QueryClient was disposed");
    return handle;
  };
  constructing = {
    handle: shellHandle,
    driver: host.driver,
    kind: "shell",
    outsidePageHost: host.outsidePageHost,
    held: host.held,
    mutations: mutationRegistry(shellHandle, host.driver),
    keys: new KeyTable(),
  };
  const keys = constructing.keys;
  keys.bounded = bounded;
  host.driver.afterRun = () => keys.generation++;
  return new QueryClient({ defaultOptions: defaults });
}

/** An app's face of its host's shared client (module-internal). */
export function appQueryClient(host: HostLink, appHandle: () => number, app: App): QueryClient {
  const shell = host.shellClient();
  const shellCore = coreOf(shell);
  constructing = {
    handle: () => {
      appHandle();
      return shellCore.handle();
    },
    driver: host.driver,
    kind: "app",
    outsidePageHost: false, // an app's holdings count as the app's (app.ts), its host's bound included
    appOutsidePageHost: host.outsidePageHost,
    appHandle,
    app,
    mutations: shellCore.mutations,
    keys: shellCore.keys,
    shell,
  };
  return new QueryClient({ defaultOptions: shell.getDefaultOptions() });
}

export { errorOf };
