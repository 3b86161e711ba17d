// query-core's QueryObserver on the module's observers: the module decides what to fetch and when
// (staleness, refetch on mount / focus / reconnect, intervals, retries, gc) and says what the entry
// is; this class shapes it as query-core's result: select (memoised on the data's identity and the
// function), placeholder data, the derived flags, notifyOnChangeProps, and one frozen object per
// change (what useSyncExternalStore needs).

import { MfstateError } from "../errors.js";
import { api, callWith, fn, IN_DOUBT, plainCopy, readValue, stageValues } from "../wasm.js";
import type { DeepReadonly, Unsubscribe } from "../types.js";
import { type ClientCore, type RawResult, optionsValue, pendingState, readRawResult, resolveQueryOption, run, shellQueryFn } from "./core.js";
import { coreOf, type QueryClient } from "./client.js";
import { observerRoom, trackObserver } from "../app.js";
import { takeRoom } from "./room.js";
import { keyIdentity } from "./key_identity.js";
import { checkQueryKey, replaceEqualDeep, tellListeners } from "./utils.js";
import type { QueryKey, QueryObserverOptions, QueryObserverResult, QueryState, RefetchOptions } from "./types.js";
import { settleShape } from "../shape.js";

// What the settling observers are made with (../shape.ts): their fields are defined by the class's
// initializers, and the constructor stops there (nothing in the cache, nothing counted).
const SETTLING = Symbol("mfstate.QueryObserver settling");
let shapeSettled = false;

type Listener<TData, TError> = (result: QueryObserverResult<TData, TError>) => void;

/** What an observer's initialData gave for a key, as query-core's built query holds it. */
interface InitialMemo {
  /** The key's identity (keyIdentity): a memo of `["k", NaN]`'s is not `["k", null]`'s. */
  key: string;
  source: unknown;
  data: unknown;
  updatedAt: number;
}

// The options that decide what the module does with the entry: a change of any of them restarts
// the module's observer (a restart is a new mount: it fetches when the query is stale). Functions
// are called through trampolines that read the latest options, so a new function does not restart
// it. An enabled that is a function of the query counts by what it gives for the query now, as
// query-core's setOptions compares it: turning true fetches a stale query. (What a staleTime or
// refetchInterval function gives is read by the module whenever it recomputes; query-core does not
// fetch when only those move.)
function moduleSignature(o: QueryObserverOptions<any, any, any, any>, state: () => QueryState | undefined): string {
  const f = (v: unknown): unknown => (typeof v === "function" ? "fn" : v === Infinity ? "inf" : v);
  const enabled = typeof o.enabled === "function" ? ["fn", resolveQueryOption(o.enabled, o.queryKey, state()) !== false] : o.enabled;
  return JSON.stringify([
    // The key's identity, not its queryHash (query-core's text, which spells NaN as null).
    keyIdentity(o.queryKey),
    enabled,
    f(o.staleTime),
    f(o.gcTime),
    f(o.retry),
    f(o.retryDelay),
    o.networkMode,
    f(o.refetchInterval),
    o.refetchIntervalInBackground,
    f(o.refetchOnMount),
    f(o.refetchOnWindowFocus),
    f(o.refetchOnReconnect),
    o.retryOnMount,
    o.structuralSharing,
    o.meta,
    typeof o.queryFn === "symbol",
    shellQueryFn.has(o),
  ]);
}

/**
 * query-core's shallowEqualObjects for two results #shape made (every result is: they have the same
 * members, in the same order), written out member by member: the general compare made two lists
 * of the 25 names (Object.keys) and loaded each member by name, on every notification.
 */
export function sameResult(a: QueryObserverResult<any, any>, b: QueryObserverResult<any, any>): boolean {
  return (
    a.data === b.data &&
    a.dataUpdatedAt === b.dataUpdatedAt &&
    a.error === b.error &&
    a.errorUpdatedAt === b.errorUpdatedAt &&
    a.errorUpdateCount === b.errorUpdateCount &&
    a.failureCount === b.failureCount &&
    a.failureReason === b.failureReason &&
    a.status === b.status &&
    a.fetchStatus === b.fetchStatus &&
    a.isPending === b.isPending &&
    a.isSuccess === b.isSuccess &&
    a.isError === b.isError &&
    a.isLoading === b.isLoading &&
    a.isInitialLoading === b.isInitialLoading &&
    a.isFetching === b.isFetching &&
    a.isRefetching === b.isRefetching &&
    a.isPaused === b.isPaused &&
    a.isStale === b.isStale &&
    a.isPlaceholderData === b.isPlaceholderData &&
    a.isFetched === b.isFetched &&
    a.isFetchedAfterMount === b.isFetchedAfterMount &&
    a.isLoadingError === b.isLoadingError &&
    a.isRefetchError === b.isRefetchError &&
    a.isEnabled === b.isEnabled &&
    a.refetch === b.refetch
  );
}

export class QueryObserver<TQueryFnData = unknown, TError = Error, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey> {
  // Assigned by the constructor for every observer but the settling ones (SETTLING), which are
  // never used: hence "!" on these four.
  readonly #client!: QueryClient;
  readonly #core!: ClientCore;
  #options!: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>;
  #signature = "";
  readonly #listeners = new Set<Listener<TData, TError>>();
  #sub = 0;
  #raw: RawResult | undefined;
  #result!: QueryObserverResult<TData, TError>;
  // select, memoised on (data, select)
  #selectIn: unknown;
  #selectFn: unknown;
  #selectOut: unknown;
  #selectError: Error | null = null;
  // The last query this observer showed with data (query-core's lastQueryWithDefinedData), and that
  // data: what a placeholderData function gets (keepPreviousData).
  #lastKeyWithData: QueryKey | undefined;
  #lastData: unknown;
  // The placeholderData option that gave the placeholder the current result shows.
  #placeholderShown: unknown;
  // The error the last module result showed (its object and time), and the query's count then.
  #errorSeen: { error: unknown; at: number } | undefined;
  #errorCount = 0;
  // getOptimisticResult is shaping a result for other options: nothing of it is remembered.
  #predicting = false;
  // The last result getOptimisticResult gave (what a render showed). query-core makes it the
  // current result: the module's next result, when equal, is that object and notifies nobody (the
  // fetch a subscription starts was rendered already).
  #predicted: QueryObserverResult<TData, TError> | undefined;
  // The identity (keyIdentity) of the key this observer was started with: getOptimisticResult
  // tells a change of key by it without walking the started key again.
  #startedKey = "";
  // A standalone client's observer: the release of its room in the page's bound (query/room.ts).
  #room: (() => void) | undefined;
  // The initial data shown before the cache had an entry for the key (query-core builds the entry,
  // with initialData, when the observer is made): the same data, called once, goes to the module.
  #initialMemo: InitialMemo | undefined;

  /** Gives back this observer's room; `untrack`: its app stops tracking it too. */
  #uncount(untrack = true): void {
    if (untrack) trackObserver(this.#core.app, this.#tracker, false);
    this.#core.held?.delete(this.#endAtDispose);
    this.#room?.();
    this.#room = undefined;
  }

  // An observer of a host's own client: the host's dispose ends its observation in the module.
  readonly #endAtDispose = (): void => this.#stop();

  // What the app this observer belongs to holds: unmounting ends the observation in the module
  // (the app forgets its observers itself).
  readonly #tracker = {
    detach: (): void => {
      if (this.#sub === 0) return;
      this.#sub = 0;
      this.#uncount(false);
    },
  };

  constructor(client: QueryClient, options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>) {
    if ((client as unknown) === SETTLING) return;
    if (!shapeSettled) {
      // ~30 private fields (../shape.ts).
      shapeSettled = true;
      settleShape(() => new QueryObserver(SETTLING as unknown as QueryClient, options));
    }
    this.#client = client;
    this.#core = coreOf(client);
    this.#options = this.#defaulted(options);
    this.#signature = moduleSignature(this.#options, this.#queryState);
    this.#result = this.#optimistic();
  }

  #defaulted(options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>): QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey> {
    if (typeof options !== "object" || options === null) throw new MfstateError("invalid_argument", "QueryObserver options must be an object");
    const o = this.#client.defaultQueryOptions(options);
    checkQueryKey(o.queryKey);
    return o;
  }

  get options(): QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey> {
    return this.#options;
  }

  /**
   * Calls `listener` whenever the result changes. The first listener starts observing (fetching when
   * enabled and stale, as query-core's refetchOnMount); the last one leaving stops.
   */
  subscribe(listener: Listener<TData, TError>): Unsubscribe {
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "a QueryObserver listener must be a function");
    this.#listeners.add(listener);
    if (this.#sub === 0) {
      try {
        this.#start();
      } catch (e) {
        this.#listeners.delete(listener);
        throw e;
      }
    }
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  /** Stops observing and forgets every listener. */
  destroy(): void {
    this.#listeners.clear();
    this.#stop();
  }

  /**
   * New options: a change of key or of what decides fetching restarts the observation (fetching if
   * needed, as query-core's setOptions); new functions (queryFn, select) are used from now on.
   */
  setOptions(options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>): void {
    const prev = this.#options;
    this.#options = this.#defaulted(options);
    const signature = moduleSignature(this.#options, this.#queryState);
    const restart = signature !== this.#signature;
    this.#signature = signature;
    if (restart && this.#sub !== 0) {
      const old = this.#sub;
      this.#uncount();
      this.#sub = 0;
      this.#raw = undefined;
      this.#start();
      run(this.#core, () => api.mfs_unsubscribe(old), undefined, false);
      return;
    }
    if (restart || prev.select !== this.#options.select || prev.placeholderData !== this.#options.placeholderData) {
      this.#update(this.#raw);
    }
  }

  /** The current result (subscribed or not: then from the cache as it stands). */
  getCurrentResult(): QueryObserverResult<TData, TError> {
    if (this.#sub === 0) this.#result = this.#optimistic();
    return this.#result;
  }

  /** What the result would be with `options`, without subscribing. */
  getOptimisticResult(options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>): QueryObserverResult<TData, TError> {
    const saved = this.#options;
    this.#options = this.#defaulted(options);
    // query-core predicts the fetch its subscription would start: on mount when nobody listens
    // yet; when listened to, only if these options move to another query or switch enabled.
    // (useQuery calls this on every render: a started observer's key is hashed already.)
    let predict: "mount" | "change" | undefined;
    if (this.#listeners.size === 0) predict = "mount";
    else {
      const savedKey = this.#sub !== 0 ? this.#startedKey : keyIdentity(saved.queryKey);
      if (keyIdentity(this.#options.queryKey) !== savedKey || this.#enabled(this.#options) !== this.#enabled(saved)) {
        predict = "change";
      }
    }
    this.#predicting = true;
    try {
      const result = this.#optimistic(predict);
      this.#predicted = result;
      return result;
    } finally {
      this.#predicting = false;
      this.#options = saved;
    }
  }

  /** query-core's trackResult: every field is tracked here (notifyOnChangeProps narrows). */
  trackResult(result: QueryObserverResult<TData, TError>): QueryObserverResult<TData, TError> {
    return result;
  }

  /**
   * Fetches this query now (even when disabled, as query-core's refetch), sharing a fetch in
   * flight; resolves with the result after. Rejects only with `throwOnError`.
   */
  refetch(options: RefetchOptions = {}): Promise<QueryObserverResult<TData, TError>> {
    const o = this.#options;
    const queryFn = typeof o.queryFn === "function" ? o.queryFn : undefined;
    return this.#client
      .fetchQuery({ ...(o as object), queryKey: o.queryKey, queryFn, staleTime: 0, retry: o.retry ?? 3 } as never)
      .then(
        () => this.getCurrentResult(),
        (e: unknown) => {
          if (options.throwOnError) throw e;
          return this.getCurrentResult();
        },
      );
  }

  /** Fetches with `options` (as fetchQuery), then resolves with the optimistic result. */
  fetchOptimistic(options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>): Promise<QueryObserverResult<TData, TError>> {
    const o = this.#defaulted(options);
    return this.#client.fetchQuery(o as never).then(() => this.getOptimisticResult(o));
  }

  readonly #refetchBound = (options?: RefetchOptions): Promise<QueryObserverResult<TData, TError>> => this.refetch(options);

  // ---- the module's observer ----

  /** Takes this observer's room and notes the key it starts with (getOptimisticResult's). */
  #count(): void {
    // First: a refusal leaves nothing counted.
    const room = this.#core.outsidePageHost ? takeRoom(this.#core) : undefined;
    this.#startedKey = keyIdentity(this.#options.queryKey);
    trackObserver(this.#core.app, this.#tracker, true);
    this.#core.held?.add(this.#endAtDispose);
    this.#room = room;
  }

  #start(): void {
    // An app's observers count against its subscriptions (they take module handles alike).
    observerRoom(this.#core.app);
    this.#count();
    try {
      callWith(() => {
        const value = optionsValue(
          this.#core,
          this.#withInitialShown() as never,
          () => {
            const q = this.#options.queryFn;
            return typeof q === "function" ? (q as never) : undefined;
          },
          () => this.#options as never,
        );
        const listener = fn(() => this.#update(readRawResult()));
        const appHandle = this.#core.appHandle;
        this.#sub = run(
          this.#core,
          (h) => {
            stageValues(value);
            return appHandle ? api.mfs_app_observe(appHandle(), listener) : api.mfs_client_observe(h, listener);
          },
          () => readValue() as number,
        );
      });
    } catch (e) {
      // Not subscribed: not counted either (nor holding its app's or the page's room).
      if (this.#sub === 0) this.#uncount();
      throw e;
    }
  }

  /**
   * The options, with the initial data this observer already showed (and its time) in place of
   * initialData / initialDataUpdatedAt: the entry the module makes holds what was rendered, and the
   * function is not called again (query-core calls it once, when it builds the query).
   */
  #withInitialShown(): QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey> {
    const m = this.#initialMemo;
    const o = this.#options;
    if (m === undefined || m.data === undefined || m.source !== o.initialData || m.key !== keyIdentity(o.queryKey)) return o;
    return Object.assign(Object.create(null), o, { initialData: m.data, initialDataUpdatedAt: m.updatedAt });
  }

  /**
   * query-core's state of a query not yet in the cache (getDefaultState): its initialData, if any,
   * as success data updated at initialDataUpdatedAt (or now). Memoised per key and initialData.
   */
  #initialState(): QueryState | undefined {
    const o = this.#options;
    const source = o.initialData;
    if (source === undefined) return undefined;
    const key = keyIdentity(o.queryKey);
    let m = this.#initialMemo;
    if (m === undefined || m.key !== key || m.source !== source) {
      const given = typeof source === "function" ? (source as () => unknown)() : source;
      // As the module would hold it (plainCopy); what it would refuse shows nothing here, and the
      // module says why at subscribe.
      const data = given === undefined ? undefined : plainCopy(given);
      let updatedAt = 0;
      if (data !== undefined && data !== IN_DOUBT) {
        const at = typeof o.initialDataUpdatedAt === "function" ? (o.initialDataUpdatedAt as () => number | undefined)() : o.initialDataUpdatedAt;
        updatedAt = at ?? this.#core.driver.now();
      }
      m = this.#initialMemo = { key, source, data: data === IN_DOUBT ? undefined : data, updatedAt };
    }
    if (m.data === undefined) return undefined;
    return { ...pendingState, data: m.data, dataUpdatedAt: m.updatedAt, status: "success" } as QueryState;
  }

  #stop(): void {
    if (this.#sub === 0) return;
    this.#uncount();
    const sub = this.#sub;
    this.#sub = 0;
    run(this.#core, () => api.mfs_unsubscribe(sub), undefined, false);
  }

  // ---- results ----

  /** The state of this observer's query as the cache holds it now (undefined: no entry yet). */
  readonly #queryState = (): QueryState | undefined => this.#client.getQueryState(this.#options.queryKey) as QueryState | undefined;

  /** Whether `options` enable the query as the cache holds it now (enabled may be a function of it). */
  #enabled(options: QueryObserverOptions<any, any, any, any>): boolean {
    if (options.enabled === undefined) return true;
    const state = typeof options.enabled === "function" ? this.#client.getQueryState(options.queryKey) : undefined;
    return resolveQueryOption(options.enabled, options.queryKey, state as QueryState | undefined) !== false;
  }

  #optimistic(predict?: "mount" | "change"): QueryObserverResult<TData, TError> {
    const state = this.#client.getQueryState(this.#options.queryKey) ?? this.#initialState();
    const enabled = this.#enabled(this.#options) && typeof this.#options.queryFn !== "symbol";
    const raw: RawResult = state
      ? {
          hasData: state.data !== undefined,
          data: state.data,
          status: state.status,
          fetchStatus: state.fetchStatus,
          error: state.error as Error | null,
          dataUpdatedAt: state.dataUpdatedAt,
          errorUpdatedAt: state.errorUpdatedAt,
          failureCount: state.fetchFailureCount,
          failureReason: state.fetchFailureReason as Error | null,
          isStale: true,
          isPlaceholderData: false,
          isFetched: state.dataUpdateCount + state.errorUpdateCount > 0,
          isFetchedAfterMount: false,
          isInvalidated: state.isInvalidated,
          isEnabled: enabled,
        }
      : {
          hasData: false,
          data: undefined,
          status: "pending",
          fetchStatus: "idle",
          error: null,
          dataUpdatedAt: 0,
          errorUpdatedAt: 0,
          failureCount: 0,
          failureReason: null,
          isStale: true,
          isPlaceholderData: false,
          isFetched: false,
          isFetchedAfterMount: false,
          isInvalidated: false,
          isEnabled: enabled,
        };
    if (state) {
      const staleTime = resolveQueryOption(this.#options.staleTime ?? 0, this.#options.queryKey, state as QueryState);
      const never = staleTime === Infinity || staleTime === "static";
      const ms = typeof staleTime === "number" ? staleTime : 0;
      raw.isStale = (state.isInvalidated && staleTime !== "static") || !raw.hasData || (!never && this.#core.driver.now() - state.dataUpdatedAt >= ms);
    }
    // query-core's isStale: a disabled observer's query is never stale to it.
    if (!enabled) raw.isStale = false;
    // query-core's optimistic result: when the subscription would fetch (on mount, or for a new
    // query while mounted), the render already says so (fetching, or paused when offline in
    // networkMode "online").
    const fetches = predict === "mount" ? this.#fetchesOnMount(raw, state?.status) : predict === "change" && raw.isStale;
    if (fetches && raw.fetchStatus === "idle" && enabled) {
      const mode = this.#options.networkMode ?? "online";
      raw.fetchStatus = mode !== "online" || this.#client._isOnline() ? "fetching" : "paused";
    }
    return this.#shape(raw, state?.errorUpdateCount ?? 0);
  }

  /** query-core's shouldFetchOnMount for the options now (the observer is not subscribed yet). */
  #fetchesOnMount(raw: RawResult, status: string | undefined): boolean {
    if (!raw.hasData) return !(status === "error" && this.#options.retryOnMount === false);
    let on: unknown = this.#options.refetchOnMount;
    if (typeof on === "function") on = resolveQueryOption(on, this.#options.queryKey, this.#queryState());
    if (on === false) return false;
    if (on === "always") return true;
    return raw.isStale;
  }

  #select(data: unknown): unknown {
    const select = this.#options.select;
    if (!select) return data;
    if (data === this.#selectIn && select === this.#selectFn && this.#selectError === null) return this.#selectOut;
    try {
      const out = select(data as never);
      this.#selectOut = this.#selectFn === select || this.#selectIn !== undefined ? replaceEqualDeep(this.#selectOut, out) : out;
      this.#selectIn = data;
      this.#selectFn = select;
      this.#selectError = null;
    } catch (e) {
      this.#selectError = e as Error;
    }
    return this.#selectOut;
  }

  /** `errorUpdateCount`: the query's (the module's results do not carry it; see #errorCountOf). */
  #shape(raw: RawResult, errorUpdateCount: number): QueryObserverResult<TData, TError> {
    const prev = this.#result as QueryObserverResult<TData, TError> | undefined;
    let data: unknown = raw.hasData ? raw.data : undefined;
    let status = raw.status;
    let error = raw.error;
    let errorUpdatedAt = raw.errorUpdatedAt;
    let isPlaceholderData = false;
    // query-core's createResult: placeholder data stands for the query's data, through select; the
    // same placeholderData option as the placeholder shown keeps what is shown (no call, no select).
    let skipSelect = false;
    const placeholder = this.#options.placeholderData;
    if (data === undefined && status === "pending" && placeholder !== undefined) {
      let p: unknown;
      if (prev?.isPlaceholderData && placeholder === this.#placeholderShown) {
        p = prev.data;
        skipSelect = true;
      } else if (typeof placeholder === "function") {
        const last = this.#lastKeyWithData === undefined ? undefined : this.#client.getQueryCache().find({ queryKey: this.#lastKeyWithData, exact: true });
        p = (placeholder as (previousData: unknown, previousQuery: unknown) => unknown)(last ? last.state.data : this.#lastData, last);
      } else {
        p = placeholder;
      }
      if (p !== undefined) {
        data = p;
        status = "success";
        isPlaceholderData = true;
      }
    }
    if (data !== undefined && !skipSelect) data = this.#select(data);
    else if (data === undefined) this.#selectError = null;
    if (this.#selectError) {
      status = "error";
      error = this.#selectError;
      // As query-core: the time select first failed with this error.
      errorUpdatedAt = prev?.error === error ? prev.errorUpdatedAt : this.#core.driver.now();
      isPlaceholderData = false;
    }
    const isFetching = raw.fetchStatus === "fetching";
    const isPending = status === "pending";
    const isError = status === "error";
    const next: QueryObserverResult<TData, TError> = {
      data: data as DeepReadonly<TData> | undefined,
      dataUpdatedAt: raw.dataUpdatedAt,
      error: error as TError | null,
      errorUpdatedAt,
      errorUpdateCount,
      failureCount: raw.failureCount,
      failureReason: raw.failureReason as TError | null,
      status,
      fetchStatus: raw.fetchStatus,
      isPending,
      isSuccess: status === "success",
      isError,
      isLoading: isPending && isFetching,
      isInitialLoading: isPending && isFetching,
      isFetching,
      isRefetching: isFetching && !isPending,
      isPaused: raw.fetchStatus === "paused",
      isStale: raw.isStale,
      isPlaceholderData,
      isFetched: raw.isFetched,
      isFetchedAfterMount: raw.isFetchedAfterMount,
      isLoadingError: isError && data === undefined,
      isRefetchError: isError && data !== undefined,
      isEnabled: raw.isEnabled,
      refetch: this.#refetchBound,
    };
    if (!this.#predicting) {
      if (raw.hasData) {
        this.#lastKeyWithData = this.#options.queryKey;
        this.#lastData = raw.data;
      }
      this.#placeholderShown = isPlaceholderData ? placeholder : undefined;
    }
    if (prev && sameResult(prev, next)) return prev;
    return Object.freeze(next);
  }

  /**
   * The query's errorUpdateCount for a module result: asked of the cache only when the error or its
   * time moved (a new error), so a result without a new error costs no call.
   */
  #errorCountOf(raw: RawResult): number {
    if (raw.errorUpdatedAt === 0) {
      this.#errorSeen = undefined;
      return (this.#errorCount = 0);
    }
    if (this.#errorSeen === undefined || this.#errorSeen.error !== raw.error || this.#errorSeen.at !== raw.errorUpdatedAt) {
      this.#errorSeen = { error: raw.error, at: raw.errorUpdatedAt };
      this.#errorCount = this.#client.getQueryState(this.#options.queryKey)?.errorUpdateCount ?? 1;
    }
    return this.#errorCount;
  }

  #update(raw: RawResult | undefined): void {
    // The module's first result for an entry made from the initial data shown: the same data, kept
    // as the object already rendered (no notification for a copy of it).
    const m = this.#initialMemo;
    if (raw && this.#raw === undefined && m !== undefined && m.data !== undefined && raw.hasData && raw.data !== m.data && replaceEqualDeep(m.data, raw.data) === m.data) {
      raw = { ...raw, data: m.data };
    }
    if (raw) this.#raw = raw;
    const base = this.#raw;
    if (!base) return;
    const prev = this.#result;
    const next = this.#shape(base, this.#errorCountOf(base));
    const predicted = this.#predicted;
    this.#predicted = undefined;
    if (next === prev) return;
    if (predicted !== undefined && sameResult(predicted, next)) {
      this.#result = predicted;
      return;
    }
    this.#result = next;
    const props = this.#options.notifyOnChangeProps;
    if (props && props !== "all" && prev) {
      const keys = typeof props === "function" ? (props as () => ReadonlyArray<string>)() : props;
      if (!keys.some((k) => (prev as never)[k] !== (next as never)[k])) return;
    }
    tellListeners(this.#listeners, next, "QueryObserver");
  }
}
