// useQueries: TanStack React Query's hook for a list of queries whose length or keys change between
// renders, with `combine` to read them as one value. Over @mfstate/core's QueriesObserver, as
// TanStack's over query-core's: one observer per component (created once, also under Strict Mode's
// double render), the render reads the optimistic results, the effect hands the observer the
// queries the render used.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { QueriesObserver, shouldThrowError } from '@mfstate/core';
import type { DefaultError, QueryClient, QueryKey, QueryObserverResult } from '@mfstate/core';
import { useQueryClient } from './context.js';
import type { UseQueryOptions } from './queries.js';
import type { QueryClientLike } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** useQueries's options: the queries (useQuery's options each), `combine`, `subscribed: false` to not listen. */
export interface UseQueriesOptions<TCombinedResult = QueryObserverResult[]> {
  queries: ReadonlyArray<UseQueryOptions<Any, Any, Any, QueryKey>>;
  combine?: (results: QueryObserverResult<Any, DefaultError>[]) => TCombinedResult;
  subscribed?: boolean;
}

/** TanStack's getHasError for one query: an error shown by throwing (throwOnError), not while refetching. */
function throws(result: QueryObserverResult<Any, Any>, options: Any, client: QueryClientLike): boolean {
  if (!result.isError || result.isFetching) return false;
  const query = client.getQueryCache().find?.({ queryKey: options.queryKey, exact: true });
  if (!query) return false;
  return (options.suspense === true && result.data === undefined) || shouldThrowError(options.throwOnError, [result.error, query]);
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
  const defaultedQueries = useMemo(() => queries.map((query: Any) => client.defaultQueryOptions(query)), [queries, client]);
  const subscribed = observerOptions.subscribed !== false;

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

  // As TanStack: the first query whose error should be thrown, in the order given.
  const thrown = results.find((result, index) => throws(result, defaultedQueries[index], client));
  if (thrown?.error) throw thrown.error;
  return combine(track());
}
