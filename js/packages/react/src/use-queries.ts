// useQueries and useSuspenseQueries: TanStack React Query's hooks for a list of queries whose length
// or keys change between renders, with `combine` to read them as one value. Over @mfstate/core's QueriesObserver, as
// TanStack's over query-core's: one observer per component (created once, also under Strict Mode's
// double render), the render reads the optimistic results, the effect hands the observer the
// queries the render used.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { QueriesObserver, QueryObserver } from '@mfstate/core';
import type { DefaultError, QueryClient, QueryKey, QueryObserverResult } from '@mfstate/core';
import { useQueryClient } from './context.js';
import { keepErrorForBoundary, keepSuspendedFresh, throwsToBoundary } from './boundaries.js';
import { suspenseThrowOnError, type UseQueryOptions } from './queries.js';
import type { QueryClientLike } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** useQueries's options: the queries (useQuery's options each), `combine`, `subscribed: false` to not listen. */
export interface UseQueriesOptions<TCombinedResult = QueryObserverResult[]> {
  queries: ReadonlyArray<UseQueryOptions<Any, Any, Any, QueryKey>>;
  combine?: (results: QueryObserverResult<Any, DefaultError>[]) => TCombinedResult;
  subscribed?: boolean;
}

/**
 * TanStack's useQueries: subscribes to every query in `queries` (observers kept by query hash when
 * the list changes) and returns their results in order, or what `combine` makes of them
 * (structurally shared: the same object while its content is the same).
 */
export function useQueries<TCombinedResult = QueryObserverResult[]>(
  options: UseQueriesOptions<TCombinedResult>, queryClient?: QueryClient,
): TCombinedResult;
export function useQueries(options: Any, queryClient?: QueryClientLike): Any {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.queries)) {
    throw new Error('useQueries takes one options object with a queries array: useQueries({ queries: [{ queryKey, queryFn }, ...], combine })');
  }
  const { queries, ...observerOptions } = options;
  const client = useQueryClient(queryClient);
  // Once per list (a staleTime function is wrapped once, not once per render).
  const defaultedQueries = useMemo(
    () => queries.map((query: Any) => {
      const defaulted = client.defaultQueryOptions(query);
      keepSuspendedFresh(defaulted);
      return defaulted;
    }),
    [queries, client],
  );
  const subscribed = observerOptions.subscribed !== false;
  for (const query of defaultedQueries) keepErrorForBoundary(query, client);

  const [observer] = useState(() => new QueriesObserver(client as QueryClient, defaultedQueries, observerOptions));
  const [results, combine, track] = observer.getOptimisticResult(defaultedQueries, observerOptions.combine);

  useSyncExternalStore(
    useCallback(
      (onStoreChange: () => void) => (subscribed ? observer.subscribe(() => onStoreChange()) : () => {}),
      [observer, subscribed],
    ),
    () => observer.getCurrentResult(),
    () => observer.getCurrentResult(),
  );

  useEffect(() => {
    observer.setQueries(defaultedQueries, observerOptions);
  }, [defaultedQueries, observerOptions, observer]);

  // As TanStack: while a suspending query has no result yet, suspend on the fetches of every
  // query that would (each through its own observer, settled either way).
  const suspends = (result: QueryObserverResult<Any, Any>, index: number) => defaultedQueries[index]?.suspense === true && result.isPending;
  if (results.some(suspends)) {
    throw Promise.all(
      results.flatMap((result, index) => {
        if (!suspends(result, index)) return [];
        const query = defaultedQueries[index];
        return [new QueryObserver(client as QueryClient, query).fetchOptimistic(query).then(() => undefined, () => undefined)];
      }),
    );
  }
  // As TanStack: the first query whose error should be thrown, in the order given.
  const thrown = results.find((result, index) => throwsToBoundary(result, defaultedQueries[index], client));
  if (thrown?.error) throw thrown.error;
  return combine(track());
}

/** useQueries whose queries all suspend until they have data, and throw their errors to an error boundary. */
export function useSuspenseQueries<TCombinedResult = QueryObserverResult[]>(
  options: UseQueriesOptions<TCombinedResult>, queryClient?: QueryClient,
): TCombinedResult;
export function useSuspenseQueries(options: Any, queryClient?: QueryClientLike): Any {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.queries)) {
    throw new Error('useSuspenseQueries takes one options object with a queries array: useSuspenseQueries({ queries: [{ queryKey, queryFn }, ...] })');
  }
  const queries = options.queries.map((query: Any) => ({
    ...query,
    suspense: true,
    throwOnError: suspenseThrowOnError,
    enabled: true,
    placeholderData: undefined,
  }));
  return useQueries({ ...options, queries }, queryClient as QueryClient);
}
