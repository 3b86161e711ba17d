// TanStack's option helpers: they return their argument, typed, so options can be declared once
// and shared by useQuery, prefetchQuery, invalidateQueries' keys, …
import type { DefaultError, InfiniteQueryObserverOptions, MutationOptions, QueryKey, QueryObserverOptions } from '@mfstate/core';

/** `options`, unchanged and typed: declare a query once, use it in hooks and on the client. */
export function queryOptions<TQueryFnData = unknown, TError = DefaultError, TData = TQueryFnData, TQueryKey extends QueryKey = QueryKey>(
  options: QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey>,
): QueryObserverOptions<TQueryFnData, TError, TData, TQueryKey> {
  return options;
}

/** `options` of an infinite query, unchanged and typed. */
export function infiniteQueryOptions<TQueryFnData = unknown, TError = DefaultError, TData = unknown, TQueryKey extends QueryKey = QueryKey, TPageParam = unknown>(
  options: InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam>,
): InfiniteQueryObserverOptions<TQueryFnData, TError, TData, TQueryKey, TPageParam> {
  return options;
}

/** `options` of a mutation, unchanged and typed. */
export function mutationOptions<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown>(
  options: MutationOptions<TData, TError, TVariables, TContext>,
): MutationOptions<TData, TError, TVariables, TContext> {
  return options;
}
