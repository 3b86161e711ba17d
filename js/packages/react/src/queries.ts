// useQuery, useSuspenseQuery, useInfiniteQuery, useSuspenseInfiniteQuery, useIsFetching: TanStack
// React Query's hooks, option names and return shapes, over mfstate's QueryObserver and query
// cache. One observer per component (created once, also under Strict Mode's double render),
// subscribed through useSyncExternalStore so a render sees one version of the cache.
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { InfiniteQueryObserver, QueryObserver } from '@mfstate/core';
import type {
  DefaultError, InfiniteData, InfiniteQueryObserverOptions, InfiniteQueryObserverResult, QueryClient, QueryFilters,
  QueryKey, QueryObserverOptions, QueryObserverResult,
} from '@mfstate/core';
import { keepErrorForBoundary, keepSuspendedFresh, throwsToBoundary } from './boundaries.js';
import { useQueryClient } from './context.js';
import { ResultTracker } from './track.js';
import type { QueryClientLike, QueryObserverLike } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
type ObserverClass = new (client: QueryClientLike, options: Any) => QueryObserverLike;

// A suspended query throws to Suspense only while it has no data; with data, errors show inline.
export const suspenseThrowOnError = (_error: unknown, query: Any) => query?.state?.data === undefined;

function useBaseQuery(options: Any, Observer: ObserverClass, queryClient?: QueryClientLike): Any {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error('useQuery takes one options object: useQuery({ queryKey, queryFn, ... })');
  }
  const client = useQueryClient(queryClient);
  const defaulted = client.defaultQueryOptions(options);
  keepSuspendedFresh(defaulted);
  keepErrorForBoundary(defaulted, client);
  const subscribed = options.subscribed !== false;

  const [observer] = useState(() => new Observer(client, defaulted));
  const [tracker] = useState(() => new ResultTracker(defaulted.notifyOnChangeProps));
  tracker.setNotifyOnChangeProps(
    typeof defaulted.notifyOnChangeProps === 'function' ? defaulted.notifyOnChangeProps() : defaulted.notifyOnChangeProps,
  );

  const result = observer.getOptimisticResult(defaulted);

  useEffect(() => {
    observer.setOptions(defaulted);
  }, [defaulted, observer]);

  useSyncExternalStore(
    useCallback(
      (onStoreChange: () => void) => {
        if (!subscribed) return () => {};
        const unsubscribe = observer.subscribe((next: Any) => {
          if (tracker.changed(next)) onStoreChange();
        });
        // The cache may have moved between this component's render and its subscription.
        if (tracker.changed(observer.getCurrentResult())) onStoreChange();
        return unsubscribe;
      },
      [observer, subscribed, tracker],
    ),
    () => tracker.snapshot(observer.getCurrentResult()),
    () => tracker.snapshot(observer.getCurrentResult()),
  );

  if (defaulted.suspense && result.isPending) {
    throw suspend(observer, client, defaulted);
  }
  if (throwsToBoundary(result, defaulted, client)) throw result.error;
  return tracker.track(result);
}

// The promise Suspense waits on: the observer's fetch (or the client's), settled either way.
function suspend(observer: QueryObserverLike, client: QueryClientLike, options: Any): Promise<unknown> {
  const fetching = observer.fetchOptimistic
    ? observer.fetchOptimistic(options)
    : (client.ensureQueryData as (o: Any) => Promise<unknown>)(options);
  return fetching.then(
    () => undefined,
    () => undefined,
  );
}

/** useQuery's options: query-core's QueryObserverOptions, plus `subscribed: false` to not listen. */
export type UseQueryOptions<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey> =
  QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey> & { subscribed?: boolean };
/** What useSuspenseQuery returns: data is always there. */
export type UseSuspenseQueryResult<TData = unknown, TError = DefaultError> = QueryObserverResult<TData, TError> & { data: TData };

/** TanStack's useQuery: subscribes to one query; returns {data, error, status, fetchStatus, …}. */
export function useQuery<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey>(
  options: UseQueryOptions<TQueryFnData, TError, TData, TQueryKey>, queryClient?: QueryClient,
): QueryObserverResult<TData, TError>;
export function useQuery(options: Any, queryClient?: QueryClientLike): Any {
  return useBaseQuery(options, QueryObserver as unknown as ObserverClass, queryClient);
}

/** useQuery that suspends until the query has data, and throws its error to an error boundary. */
export function useSuspenseQuery<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey>(
  options: Omit<UseQueryOptions<TQueryFnData, TError, TData, TQueryKey>, 'enabled' | 'placeholderData' | 'throwOnError'>,
  queryClient?: QueryClient,
): UseSuspenseQueryResult<TData, TError>;
export function useSuspenseQuery(options: Any, queryClient?: QueryClientLike): Any {
  return useBaseQuery(
    { ...options, enabled: true, suspense: true, throwOnError: suspenseThrowOnError, placeholderData: undefined },
    QueryObserver as unknown as ObserverClass,
    queryClient,
  );
}

/** TanStack's useInfiniteQuery: pages, fetchNextPage, hasNextPage, … */
export function useInfiniteQuery<TQueryFnData = unknown, TError = DefaultError, TData = InfiniteData<TQueryFnData>,
  TQueryKey extends QueryKey = QueryKey, TPageParam = unknown>(
  options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam> & { subscribed?: boolean },
  queryClient?: QueryClient,
): InfiniteQueryObserverResult<TData, TError>;
export function useInfiniteQuery(options: Any, queryClient?: QueryClientLike): Any {
  return useBaseQuery(options, InfiniteQueryObserver as unknown as ObserverClass, queryClient);
}

/** useInfiniteQuery that suspends until the first page is there. */
export function useSuspenseInfiniteQuery<TQueryFnData = unknown, TError = DefaultError, TData = InfiniteData<TQueryFnData>,
  TQueryKey extends QueryKey = QueryKey, TPageParam = unknown>(
  options: Omit<InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>, 'enabled' | 'throwOnError'>,
  queryClient?: QueryClient,
): InfiniteQueryObserverResult<TData, TError> & { data: TData };
export function useSuspenseInfiniteQuery(options: Any, queryClient?: QueryClientLike): Any {
  return useBaseQuery(
    { ...options, enabled: true, suspense: true, throwOnError: suspenseThrowOnError },
    InfiniteQueryObserver as unknown as ObserverClass,
    queryClient,
  );
}

/** How many queries matching `filters` are fetching now; re-renders only when that number changes. */
export function useIsFetching(filters?: QueryFilters, queryClient?: QueryClient): number;
export function useIsFetching(filters?: Any, queryClient?: QueryClientLike): number {
  const client = useQueryClient(queryClient);
  const cache = client.getQueryCache();
  return useSyncExternalStore(
    useCallback((onStoreChange: () => void) => cache.subscribe(() => onStoreChange()), [cache]),
    () => client.isFetching(filters),
    () => client.isFetching(filters),
  );
}

/**
 * TanStack's usePrefetchQuery / usePrefetchInfiniteQuery: during render, starts fetching a query
 * the cache does not hold yet (a child that suspends on it later finds it on its way), and
 * renders nothing of it. Failures are left to whoever reads the query.
 */
export function usePrefetchQuery(options: QueryObserverOptions<Any, Any, Any, Any>, queryClient?: QueryClient): void;
export function usePrefetchQuery(options: Any, queryClient?: QueryClientLike): void {
  const client = useQueryClient(queryClient);
  if (!client.getQueryState?.(options.queryKey)) client.prefetchQuery?.(options).catch(() => {});
}

export function usePrefetchInfiniteQuery(options: InfiniteQueryObserverOptions<Any, Any, Any, Any, Any>, queryClient?: QueryClient): void;
export function usePrefetchInfiniteQuery(options: Any, queryClient?: QueryClientLike): void {
  const client = useQueryClient(queryClient);
  if (!client.getQueryState?.(options.queryKey)) client.prefetchInfiniteQuery?.(options).catch(() => {});
}
