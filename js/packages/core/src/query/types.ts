// query-core v5's option and result types, as a TanStack user writes them. Data is JSON (what the
// shared cache holds) and comes back deeply frozen.

import type { DeepReadonly } from "../types.js";
import type { SkipToken } from "./utils.js";

export type QueryKey = ReadonlyArray<unknown>;
export type MutationKey = ReadonlyArray<unknown>;
export type QueryStatus = "pending" | "error" | "success";
export type FetchStatus = "fetching" | "paused" | "idle";
export type MutationStatus = "idle" | "pending" | "success" | "error";
export type NetworkMode = "online" | "always" | "offlineFirst";
export type QueryMeta = Record<string, unknown>;
export type MutationMeta = Record<string, unknown>;
/** Errors are what the query function threw (or an MfstateError from the library). */
export type DefaultError = Error;

/** What a query function receives. `signal` aborts when the fetch is cancelled. */
export interface QueryFunctionContext<TQueryKey extends QueryKey = QueryKey, TPageParam = never> {
  readonly client: unknown;
  readonly queryKey: DeepReadonly<TQueryKey>;
  readonly signal: AbortSignal;
  readonly meta: QueryMeta | undefined;
  readonly pageParam?: TPageParam;
  readonly direction?: "forward" | "backward";
}

export type QueryFunction<T = unknown, TQueryKey extends QueryKey = QueryKey, TPageParam = never> = (
  context: QueryFunctionContext<TQueryKey, TPageParam>,
) => T | Promise<T>;

export type RetryValue<TError> = boolean | number | ((failureCount: number, error: TError) => boolean);
/** query-core's options that may be functions of the query they apply to. */
export type QueryOption<T, TData = unknown, TError = DefaultError> = T | ((query: QuerySnapshot<TData, TError>) => T);
/** Milliseconds (Infinity: never stale), or "static": never stale, and invalidation does not refetch. */
export type StaleTime = number | "static";
export type RetryDelayValue<TError> = number | ((failureCount: number, error: TError) => number);

/** Options of a query (query-core's QueryOptions). */
export interface QueryOptions<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey> {
  queryKey: TQueryKey;
  queryFn?: QueryFunction<TQueryFnData, TQueryKey> | SkipToken;
  /** Milliseconds (Infinity: never stale), "static", or a function of the query giving either. */
  staleTime?: QueryOption<StaleTime, TQueryFnData, TError>;
  /** Milliseconds an unobserved entry is kept; Infinity: forever. */
  gcTime?: number;
  retry?: RetryValue<TError>;
  retryDelay?: RetryDelayValue<TError>;
  networkMode?: NetworkMode;
  initialData?: TQueryFnData | (() => TQueryFnData | undefined);
  initialDataUpdatedAt?: number | (() => number | undefined);
  structuralSharing?: boolean;
  meta?: QueryMeta;
  /** Only for the TData type parameter's sake (select lives on observers). */
  _data?: TData;
  _error?: TError;
}

/** Options of an observer (query-core's QueryObserverOptions). */
export interface QueryObserverOptions<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey>
  extends QueryOptions<TQueryFnData, TError, TData, TQueryKey> {
  enabled?: QueryOption<boolean, TQueryFnData, TError>;
  refetchInterval?: QueryOption<number | false, TQueryFnData, TError>;
  refetchIntervalInBackground?: boolean;
  refetchOnMount?: QueryOption<boolean | "always", TQueryFnData, TError>;
  refetchOnWindowFocus?: QueryOption<boolean | "always", TQueryFnData, TError>;
  refetchOnReconnect?: QueryOption<boolean | "always", TQueryFnData, TError>;
  retryOnMount?: boolean;
  /** Shown while pending (not cached); a function receives the previous key's data. */
  placeholderData?: TData | ((previousData: DeepReadonly<TData> | undefined) => TData | undefined);
  select?: (data: DeepReadonly<TQueryFnData>) => TData;
  /** Notify only when one of these result fields changed ("all": any). */
  notifyOnChangeProps?: ReadonlyArray<keyof QueryObserverResult> | "all";
  throwOnError?: boolean | ((error: TError) => boolean);
}

/** What an observer sees (query-core's QueryObserverResult). Frozen; one object per change. */
export interface QueryObserverResult<TData = unknown, TError = DefaultError> {
  readonly data: DeepReadonly<TData> | undefined;
  readonly dataUpdatedAt: number;
  readonly error: TError | null;
  readonly errorUpdatedAt: number;
  readonly errorUpdateCount: number;
  readonly failureCount: number;
  readonly failureReason: TError | null;
  readonly status: QueryStatus;
  readonly fetchStatus: FetchStatus;
  readonly isPending: boolean;
  readonly isSuccess: boolean;
  readonly isError: boolean;
  readonly isLoading: boolean;
  readonly isInitialLoading: boolean;
  readonly isFetching: boolean;
  readonly isRefetching: boolean;
  readonly isPaused: boolean;
  readonly isStale: boolean;
  readonly isPlaceholderData: boolean;
  readonly isFetched: boolean;
  readonly isFetchedAfterMount: boolean;
  readonly isLoadingError: boolean;
  readonly isRefetchError: boolean;
  readonly isEnabled: boolean;
  readonly refetch: (options?: RefetchOptions) => Promise<QueryObserverResult<TData, TError>>;
}

/** One cache entry's state (query-core's QueryState). */
export interface QueryState<TData = unknown, TError = DefaultError> {
  readonly data: DeepReadonly<TData> | undefined;
  readonly dataUpdateCount: number;
  readonly dataUpdatedAt: number;
  readonly error: TError | null;
  readonly errorUpdateCount: number;
  readonly errorUpdatedAt: number;
  readonly fetchFailureCount: number;
  readonly fetchFailureReason: TError | null;
  readonly fetchMeta: null;
  readonly isInvalidated: boolean;
  readonly status: QueryStatus;
  readonly fetchStatus: FetchStatus;
}

export type QueryTypeFilter = "all" | "active" | "inactive";

/** Which queries a filter-taking call acts on (query-core's QueryFilters). */
export interface QueryFilters<TQueryKey extends QueryKey = QueryKey> {
  queryKey?: TQueryKey;
  exact?: boolean;
  type?: QueryTypeFilter;
  stale?: boolean;
  fetchStatus?: FetchStatus;
  predicate?: (query: QuerySnapshot) => boolean;
}

/** Which mutations a filter-taking call acts on (query-core's MutationFilters). */
export interface MutationFilters {
  mutationKey?: MutationKey;
  exact?: boolean;
  status?: MutationStatus;
  predicate?: (mutation: MutationSnapshot) => boolean;
}

export interface InvalidateQueryFilters<TQueryKey extends QueryKey = QueryKey> extends QueryFilters<TQueryKey> {
  refetchType?: QueryTypeFilter | "none";
}

export interface RefetchOptions {
  cancelRefetch?: boolean;
  throwOnError?: boolean;
}

export interface InvalidateOptions extends RefetchOptions {}

export interface CancelOptions {
  revert?: boolean;
  silent?: boolean;
}

export interface ResetOptions extends RefetchOptions {}

export interface SetDataOptions {
  updatedAt?: number;
}

/** A cache entry as filters, predicates and QueryCache.find see it (a read-only snapshot). */
export interface QuerySnapshot<TData = unknown, TError = DefaultError> {
  readonly queryKey: QueryKey;
  readonly queryHash: string;
  readonly state: QueryState<TData, TError>;
  isStale(): boolean;
  isActive(): boolean;
  isDisabled(): boolean;
  getObserversCount(): number;
}

/**
 * What a mutation's function and callbacks get last (query-core's MutationFunctionContext): the
 * client that runs it, its meta and key; the mutation function gets its AbortSignal too.
 */
export interface MutationFunctionContext {
  readonly client: unknown;
  readonly meta: MutationMeta | undefined;
  readonly mutationKey: MutationKey | undefined;
}

/** Options of a mutation (query-core's MutationOptions). */
export interface MutationOptions<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown> {
  mutationFn?: (variables: DeepReadonly<TVariables>, context: MutationFunctionContext & { readonly signal: AbortSignal }) => TData | Promise<TData>;
  mutationKey?: MutationKey;
  onMutate?: (variables: DeepReadonly<TVariables>, context: MutationFunctionContext) => TContext | Promise<TContext> | undefined;
  onSuccess?: (data: DeepReadonly<TData>, variables: DeepReadonly<TVariables>, onMutateResult: DeepReadonly<TContext> | undefined, context: MutationFunctionContext) => unknown;
  onError?: (error: TError, variables: DeepReadonly<TVariables>, onMutateResult: DeepReadonly<TContext> | undefined, context: MutationFunctionContext) => unknown;
  onSettled?: (
    data: DeepReadonly<TData> | undefined,
    error: TError | null,
    variables: DeepReadonly<TVariables>,
    onMutateResult: DeepReadonly<TContext> | undefined,
    context: MutationFunctionContext,
  ) => unknown;
  retry?: RetryValue<TError>;
  retryDelay?: RetryDelayValue<TError>;
  networkMode?: NetworkMode;
  gcTime?: number;
  meta?: MutationMeta;
  scope?: { id: string };
}

export interface MutateOptions<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown> {
  onSuccess?: MutationOptions<TData, TError, TVariables, TContext>["onSuccess"];
  onError?: MutationOptions<TData, TError, TVariables, TContext>["onError"];
  onSettled?: MutationOptions<TData, TError, TVariables, TContext>["onSettled"];
}

/** A mutation's state (query-core's MutationState). */
export interface MutationState<TData = unknown, TError = DefaultError, TVariables = unknown, TContext = unknown> {
  readonly context: DeepReadonly<TContext> | undefined;
  readonly data: DeepReadonly<TData> | undefined;
  readonly error: TError | null;
  readonly failureCount: number;
  readonly failureReason: TError | null;
  readonly isPaused: boolean;
  readonly status: MutationStatus;
  readonly variables: DeepReadonly<TVariables> | undefined;
  readonly submittedAt: number;
}

/** A mutation as MutationCache.find sees it. */
export interface MutationSnapshot<TData = unknown, TError = DefaultError, TVariables = unknown, TContext = unknown> {
  readonly mutationId: number;
  readonly options: Readonly<MutationOptions<TData, TError, TVariables, TContext>>;
  readonly state: MutationState<TData, TError, TVariables, TContext>;
}

/** What a MutationObserver sees (query-core's MutationObserverResult). */
export interface MutationObserverResult<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown>
  extends MutationState<TData, TError, TVariables, TContext> {
  readonly isIdle: boolean;
  readonly isPending: boolean;
  readonly isSuccess: boolean;
  readonly isError: boolean;
  readonly mutate: (variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>) => Promise<DeepReadonly<TData>>;
  readonly reset: () => void;
}

/** Defaults for every query and mutation of a client. */
export interface DefaultOptions<TError = DefaultError> {
  queries?: Omit<QueryObserverOptions<unknown, TError>, "queryKey">;
  mutations?: MutationOptions<unknown, TError, unknown, unknown>;
  /** Defaults of hydrate()'s `defaultOptions` (query-core's `defaultOptions.hydrate`). */
  hydrate?: NonNullable<HydrateOptions["defaultOptions"]>;
  /** Defaults of dehydrate()'s options. */
  dehydrate?: DehydrateOptions;
}

/** Infinite queries: pages and the params that fetched them. */
export interface InfiniteData<TPage, TPageParam = unknown> {
  readonly pages: ReadonlyArray<TPage>;
  readonly pageParams: ReadonlyArray<TPageParam>;
}

export interface InfiniteQueryObserverOptions<TQueryFnData = unknown, TError = DefaultError, TData = InfiniteData<TQueryFnData>, TQueryKey extends QueryKey = QueryKey, TPageParam = unknown>
  extends Omit<QueryObserverOptions<InfiniteData<TQueryFnData, TPageParam>, TError, TData, TQueryKey>, "queryFn" | "select"> {
  queryFn: QueryFunction<TQueryFnData, TQueryKey, TPageParam>;
  initialPageParam: TPageParam;
  getNextPageParam: (lastPage: DeepReadonly<TQueryFnData>, allPages: ReadonlyArray<DeepReadonly<TQueryFnData>>, lastPageParam: TPageParam, allPageParams: ReadonlyArray<TPageParam>) => TPageParam | undefined | null;
  getPreviousPageParam?: (firstPage: DeepReadonly<TQueryFnData>, allPages: ReadonlyArray<DeepReadonly<TQueryFnData>>, firstPageParam: TPageParam, allPageParams: ReadonlyArray<TPageParam>) => TPageParam | undefined | null;
  maxPages?: number;
  select?: (data: DeepReadonly<InfiniteData<TQueryFnData, TPageParam>>) => TData;
}

export interface InfiniteQueryObserverResult<TData = unknown, TError = DefaultError> extends QueryObserverResult<TData, TError> {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly isFetchingNextPage: boolean;
  readonly isFetchingPreviousPage: boolean;
  readonly isFetchNextPageError: boolean;
  readonly isFetchPreviousPageError: boolean;
  readonly fetchNextPage: (options?: { cancelRefetch?: boolean }) => Promise<InfiniteQueryObserverResult<TData, TError>>;
  readonly fetchPreviousPage: (options?: { cancelRefetch?: boolean }) => Promise<InfiniteQueryObserverResult<TData, TError>>;
}

/** query-core's cache events (QueryCache.subscribe). */
export interface QueryCacheNotifyEvent {
  readonly type: "added" | "removed" | "updated" | "observerAdded" | "observerRemoved";
  readonly query: QuerySnapshot;
  readonly action?: { readonly type: string };
}

/** dehydrate's options (query-core's); each falls back to the client's `defaultOptions.dehydrate`. */
export interface DehydrateOptions {
  /** Which queries: by default the successful ones. */
  shouldDehydrateQuery?: (query: QuerySnapshot) => boolean;
  /** Which mutations: by default the paused ones (this package pauses none: see docs/web.md). */
  shouldDehydrateMutation?: (mutation: MutationSnapshot) => boolean;
  /** A query's data on the way out (e.g. to a transport format). */
  serializeData?: (data: unknown) => unknown;
  /**
   * query-core redacts the error of a pending query's dehydrated promise; this package dehydrates
   * no promise (the state is JSON), so it is accepted and never called.
   */
  shouldRedactErrors?: (error: unknown) => boolean;
}

/** hydrate's options (query-core's); each falls back to the client's `defaultOptions.hydrate`. */
export interface HydrateOptions {
  defaultOptions?: {
    /** Options of the queries hydrate creates (gcTime, retry, queryFn...), over their key's defaults. */
    queries?: Omit<QueryOptions, "queryKey">;
    /** A query's data on the way in, reversing serializeData (the result must be JSON, as all data here). */
    deserializeData?: (data: unknown) => unknown;
  };
}

/** A dehydrated mutation (query-core's shape). */
export interface DehydratedMutation {
  readonly mutationKey?: MutationKey;
  readonly state: MutationState<unknown, unknown, unknown, unknown>;
  readonly meta?: MutationMeta;
  readonly scope?: { readonly id: string };
}

/** What dehydrate returns (query-core's DehydratedState). */
export interface DehydratedState {
  readonly mutations: ReadonlyArray<DehydratedMutation>;
  readonly queries: ReadonlyArray<{ readonly queryKey: QueryKey; readonly queryHash: string; readonly state: unknown }>;
}
