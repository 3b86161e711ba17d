// Infinite queries (query-core's infiniteQueryBehavior and InfiniteQueryObserver): the entry's data
// is {pages, pageParams}; its query function fetches the first page, the next or previous one, or
// every page again in order on a refetch. The module caches and schedules the entry like any other.

import type { Unsubscribe } from "../types.js";
import { coreOf, type QueryClient } from "./client.js";
import { QueryObserver } from "./observer.js";
import { FetchSignal } from "./core.js";
import { keyIdentity } from "./key_identity.js";
import { missingQueryFn } from "./utils.js";
import type {
  InfiniteData,
  InfiniteQueryObserverOptions,
  InfiniteQueryObserverResult,
  QueryFunctionContext,
  QueryKey,
  QueryObserverOptions,
  QueryObserverResult,
} from "./types.js";

type Direction = "forward" | "backward";
type PageOptions = Pick<
  InfiniteQueryObserverOptions<unknown, Error, unknown, QueryKey, unknown>,
  "queryFn" | "initialPageParam" | "getNextPageParam" | "getPreviousPageParam" | "maxPages"
> & { pages?: number };

// A fetch asked for by fetchNextPage / fetchPreviousPage, per cache and query (by its key's
// identity: `["k", NaN]`'s next page is not `["k", null]`'s), read by the next fetch of that query.
// Each request its own object: the fetchPage that made it takes back only its own (see #fetchPage).
// Per cache (its key table: a host's shared client and every app's face of it have one, each
// standalone client its own): one page-wide map let a fetchNextPage on any client turn the next
// refetch of that key in another cache (an app's query on the shell's) into a fetch of one page
// more, leaving the pages it should have refetched as they were (test/infinite-requests-per-cache).
const requests = new WeakMap<object, Map<string, { readonly direction: Direction }>>();

function requestsOf(client: QueryClient): Map<string, { readonly direction: Direction }> {
  const cache = coreOf(client).keys;
  let map = requests.get(cache);
  if (map === undefined) {
    map = new Map();
    requests.set(cache, map);
  }
  return map;
}

function nextParam(o: PageOptions, data: InfiniteData<unknown>): unknown {
  const last = data.pages.length - 1;
  if (last < 0) return o.initialPageParam;
  return o.getNextPageParam(data.pages[last] as never, data.pages as never, data.pageParams[last], data.pageParams);
}

function previousParam(o: PageOptions, data: InfiniteData<unknown>): unknown {
  if (!o.getPreviousPageParam || data.pages.length === 0) return undefined;
  return o.getPreviousPageParam(data.pages[0] as never, data.pages as never, data.pageParams[0], data.pageParams);
}

/** The query function of an infinite query: it reads the cached pages and extends or refetches them. */
function pagesFn(client: QueryClient, options: () => PageOptions) {
  return async (ctx: QueryFunctionContext): Promise<InfiniteData<unknown>> => {
    const o = options();
    const key = ctx.queryKey as QueryKey;
    const id = keyIdentity(key);
    const requested = requestsOf(client);
    const direction = requested.get(id)?.direction;
    requested.delete(id);
    const old = client.getQueryData<InfiniteData<unknown>>(key) as InfiniteData<unknown> | undefined;
    const fetchPage = async (data: InfiniteData<unknown>, param: unknown, previous: boolean): Promise<InfiniteData<unknown>> => {
      if (param === undefined || param === null) return data;
      // Not a spread: it would read `signal`, and a fetch whose signal was read is cancelled when its
      // last observer leaves (query-core counts only the page function's own read).
      const pageContext = FetchSignal.derive(ctx, { client: ctx.client, queryKey: ctx.queryKey, pageParam: param, direction: previous ? "backward" : "forward", meta: ctx.meta });
      // As query-core's: no page function (or skipToken) fails the fetch, after its retries.
      if (typeof o.queryFn !== "function") throw missingQueryFn(key);
      const page = await o.queryFn(pageContext as never);
      const max = o.maxPages ?? Infinity;
      const pages = previous ? [page, ...data.pages] : [...data.pages, page];
      const params = previous ? [param, ...data.pageParams] : [...data.pageParams, param];
      const over = pages.length - max;
      if (over > 0) return previous ? { pages: pages.slice(0, max), pageParams: params.slice(0, max) } : { pages: pages.slice(over), pageParams: params.slice(over) };
      return { pages, pageParams: params };
    };
    const empty: InfiniteData<unknown> = { pages: [], pageParams: [] };
    if (direction && old && old.pages.length > 0) {
      const base = { pages: [...old.pages], pageParams: [...old.pageParams] };
      return direction === "forward" ? fetchPage(base, nextParam(o, base), false) : fetchPage(base, previousParam(o, base), true);
    }
    // A first fetch, or a refetch of every page in order from the first param.
    const count = Math.max(1, o.pages ?? (old ? old.pages.length : 1));
    let data = await fetchPage(empty, old && old.pageParams.length > 0 ? old.pageParams[0] : o.initialPageParam, false);
    for (let i = 1; i < count; i++) {
      const param = nextParam(o, data);
      if (param === undefined || param === null) break;
      data = await fetchPage(data, param, false);
    }
    return data;
  };
}

/** client.fetchInfiniteQuery. */
export function fetchInfinite(client: QueryClient, options: InfiniteQueryObserverOptions<unknown, Error, unknown, QueryKey, unknown> & { pages?: number }): Promise<unknown> {
  const o = options;
  return client.fetchQuery({ ...o, queryFn: pagesFn(client, () => o) } as never);
}

/** query-core's InfiniteQueryObserver. */
export class InfiniteQueryObserver<TQueryFnData = unknown, TError = Error, TData = InfiniteData<TQueryFnData>, TQueryKey extends QueryKey = QueryKey, TPageParam = unknown> {
  readonly #client: QueryClient;
  readonly #inner: QueryObserver<InfiniteData<TQueryFnData, TPageParam>, TError, TData, TQueryKey>;
  #options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>;
  #direction: Direction | undefined;
  #result: InfiniteQueryObserverResult<TData, TError> | undefined;
  #base: QueryObserverResult<TData, TError> | undefined;

  constructor(client: QueryClient, options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>) {
    this.#client = client;
    this.#options = options;
    this.#inner = new QueryObserver(client, this.#innerOptions(options));
  }

  #innerOptions(options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>): QueryObserverOptions<InfiniteData<TQueryFnData, TPageParam>, TError, TData, TQueryKey> {
    return { ...(options as object), queryFn: pagesFn(this.#client, () => this.#options as never) } as never;
  }

  setOptions(options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>): void {
    this.#options = options;
    this.#inner.setOptions(this.#innerOptions(options));
  }

  subscribe(listener: (result: InfiniteQueryObserverResult<TData, TError>) => void): Unsubscribe {
    return this.#inner.subscribe(() => listener(this.getCurrentResult()));
  }

  hasListeners(): boolean {
    return this.#inner.hasListeners();
  }

  destroy(): void {
    this.#inner.destroy();
  }

  getCurrentResult(): InfiniteQueryObserverResult<TData, TError> {
    return this.#extend(this.#inner.getCurrentResult());
  }

  getOptimisticResult(options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>): InfiniteQueryObserverResult<TData, TError> {
    return this.#extend(this.#inner.getOptimisticResult(this.#innerOptions(options)));
  }

  refetch(): Promise<InfiniteQueryObserverResult<TData, TError>> {
    return this.#inner.refetch().then(() => this.getCurrentResult());
  }

  fetchNextPage(options: { cancelRefetch?: boolean } = {}): Promise<InfiniteQueryObserverResult<TData, TError>> {
    return this.#fetchPage("forward", options.cancelRefetch ?? true);
  }

  fetchPreviousPage(options: { cancelRefetch?: boolean } = {}): Promise<InfiniteQueryObserverResult<TData, TError>> {
    return this.#fetchPage("backward", options.cancelRefetch ?? true);
  }

  async #fetchPage(direction: Direction, cancelRefetch: boolean): Promise<InfiniteQueryObserverResult<TData, TError>> {
    const id = keyIdentity(this.#options.queryKey);
    const request = { direction };
    const requested = requestsOf(this.#client);
    requested.set(id, request);
    this.#direction = direction;
    try {
      await this.#client.refetchQueries({ queryKey: this.#options.queryKey, exact: true }, { cancelRefetch });
    } finally {
      this.#direction = undefined;
      // Not taken: the fetch under way was kept (cancelRefetch: false) and no page was fetched, as
      // in query-core; left here, the request was taken by the query's next refetch, which then
      // fetched a page more instead of refetching.
      if (requested.get(id) === request) requested.delete(id);
    }
    return this.getCurrentResult();
  }

  #raw(): InfiniteData<unknown> | undefined {
    return this.#client.getQueryData<InfiniteData<unknown>>(this.#options.queryKey) as InfiniteData<unknown> | undefined;
  }

  #extend(base: QueryObserverResult<TData, TError>): InfiniteQueryObserverResult<TData, TError> {
    if (this.#result && this.#base === base && this.#result.isFetchingNextPage === (base.isFetching && this.#direction === "forward")) return this.#result;
    const raw = this.#raw();
    const o = this.#options as unknown as PageOptions;
    const hasNextPage = raw !== undefined && raw.pages.length > 0 && nextParam(o, raw) != null;
    const hasPreviousPage = raw !== undefined && raw.pages.length > 0 && previousParam(o, raw) != null;
    const fetchingNext = base.isFetching && this.#direction === "forward";
    const fetchingPrevious = base.isFetching && this.#direction === "backward";
    this.#base = base;
    this.#result = Object.freeze({
      ...base,
      hasNextPage,
      hasPreviousPage,
      isFetchingNextPage: fetchingNext,
      isFetchingPreviousPage: fetchingPrevious,
      isFetchNextPageError: base.isError && this.#direction === "forward",
      isFetchPreviousPageError: base.isError && this.#direction === "backward",
      isRefetching: base.isRefetching && !fetchingNext && !fetchingPrevious,
      fetchNextPage: this.#nextBound,
      fetchPreviousPage: this.#previousBound,
    });
    return this.#result;
  }

  readonly #nextBound = (options?: { cancelRefetch?: boolean }): Promise<InfiniteQueryObserverResult<TData, TError>> => this.fetchNextPage(options);
  readonly #previousBound = (options?: { cancelRefetch?: boolean }): Promise<InfiniteQueryObserverResult<TData, TError>> => this.fetchPreviousPage(options);
}

