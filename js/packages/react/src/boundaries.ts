// What TanStack React Query does around a query that suspends or throws to an error boundary
// (its suspense.ts and errorBoundaryUtils.ts), shared by useQuery, useSuspenseQuery and useQueries:
// when a result is thrown, and the two option adjustments that make a thrown error reach the
// boundary instead of being refetched on the next mount.
import { shouldThrowError } from '@mfstate/core';
import type { QueryObserverResult } from '@mfstate/core';
import type { QueryClientLike } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** TanStack's getHasError for one query: an error shown by throwing (throwOnError), not while refetching. */
export function throwsToBoundary(result: QueryObserverResult<Any, Any>, options: Any, client: QueryClientLike): boolean {
  if (!result.isError || result.isFetching) return false;
  const query = client.getQueryCache().find?.({ queryKey: options.queryKey, exact: true });
  if (!query) return false;
  return (options.suspense === true && result.data === undefined) || shouldThrowError(options.throwOnError, [result.error, query]);
}

// TanStack's ensureSuspenseTimers: a suspending query's data stays fresh at least a second, so the
// subscription after the suspended render does not refetch what the suspension just fetched.
export function keepSuspendedFresh(options: Any): void {
  if (options.suspense !== true) return;
  const clamp = (v: unknown) => (v === 'static' ? v : Math.max((v as number | undefined) ?? 1000, 1000));
  const staleTime = options.staleTime;
  options.staleTime = typeof staleTime === 'function' ? (...args: unknown[]) => clamp(staleTime(...args)) : clamp(staleTime);
  if (typeof options.gcTime === 'number') options.gcTime = Math.max(options.gcTime, 1000);
}

// TanStack's ensurePreventErrorBoundaryRetry: a query that throws its error (suspense, throwOnError)
// is not refetched on mount, or the boundary would never see the error. (No QueryErrorResetBoundary
// here: a boundary's reset plus queryClient.resetQueries starts over.)
export function keepErrorForBoundary(options: Any, client: QueryClientLike): void {
  const query = client.getQueryCache().find?.({ queryKey: options.queryKey, exact: true });
  const throwOnError = query?.state?.status === 'error' && typeof options.throwOnError === 'function'
    ? shouldThrowError(options.throwOnError, [query.state.error, query])
    : options.throwOnError;
  if (options.suspense === true || throwOnError) options.retryOnMount = false;
}
