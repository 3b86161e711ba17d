// useMutation, useIsMutating and useMutationState: TanStack React Query's, over mfstate's
// MutationObserver and MutationCache.
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { MutationObserver, replaceEqualDeep } from '@mfstate/core';
import type {
  DefaultError, MutateOptions, Mutation, MutationFilters, MutationObserverResult, MutationOptions, MutationState, QueryClient,
} from '@mfstate/core';
import { useQueryClient } from './context.js';
import type { MutationObserverLike, QueryClientLike } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
type MutationObserverClass = new (client: QueryClientLike, options: Any) => MutationObserverLike;

const ignore = () => {};

/**
 * TanStack's useMutation: {mutate, mutateAsync, data, error, status, isPending, variables, reset, …}.
 * `mutate` never rejects (errors land in `error` and the callbacks); `mutateAsync` does.
 */
export type UseMutationResult<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown> =
  Omit<MutationObserverResult<TData, TError, TVariables, TContext>, 'mutate'> & {
    mutate: (variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>) => void;
    mutateAsync: (variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>) => Promise<TData>;
  };
export function useMutation<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown>(
  options: MutationOptions<TData, TError, TVariables, TContext>, queryClient?: QueryClient,
): UseMutationResult<TData, TError, TVariables, TContext>;
export function useMutation(options: Any, queryClient?: QueryClientLike): Any {
  const client = useQueryClient(queryClient);
  const [observer] = useState(
    () => new (MutationObserver as unknown as MutationObserverClass)(client, options),
  );
  useEffect(() => {
    observer.setOptions(options);
  }, [observer, options]);

  const result = useSyncExternalStore(
    useCallback((onStoreChange: () => void) => observer.subscribe(() => onStoreChange()), [observer]),
    () => observer.getCurrentResult(),
    () => observer.getCurrentResult(),
  );
  const mutate = useCallback(
    (variables: unknown, mutateOptions?: unknown) => {
      observer.mutate(variables, mutateOptions).catch(ignore);
    },
    [observer],
  );
  const throwOnError = observer.options.throwOnError;
  if (result.error && (typeof throwOnError === 'function' ? throwOnError(result.error) : throwOnError)) {
    throw result.error;
  }
  return { ...result, mutate, mutateAsync: result.mutate };
}

/** How many mutations matching `filters` are pending now; re-renders only when that number changes. */
export function useIsMutating(filters?: MutationFilters, queryClient?: QueryClient): number;
export function useIsMutating(filters?: Any, queryClient?: QueryClientLike): number {
  const client = useQueryClient(queryClient);
  const cache = client.getMutationCache();
  return useSyncExternalStore(
    useCallback((onStoreChange: () => void) => cache.subscribe(() => onStoreChange()), [cache]),
    () => client.isMutating(filters),
    () => client.isMutating(filters),
  );
}

/** useMutationState's options: which mutations (`filters`), and what of each (`select`; default its state). */
export interface MutationStateOptions<TResult = MutationState> {
  filters?: MutationFilters;
  select?: (mutation: Mutation) => TResult;
}

/**
 * TanStack's useMutationState: what `select` reads of every mutation matching `filters` (their
 * states by default), in the cache's order, across components (another component's useMutation
 * included). The array is structurally shared: the same object while its content is the same, so
 * a component re-renders only when what it reads changed.
 */
export function useMutationState<TResult = MutationState>(options?: MutationStateOptions<TResult>, queryClient?: QueryClient): TResult[];
export function useMutationState(options: Any = {}, queryClient?: QueryClientLike): Any[] {
  const cache = useQueryClient(queryClient).getMutationCache();
  const [memo] = useState(() => ({ inputs: [] as unknown[], snapshot: undefined as Any[] | undefined }));
  // Recomputed when the matching mutations or their states changed (states are replaced, never
  // changed in place), as TanStack's snapshot factory.
  const snapshot = (): Any[] => {
    const mutations = cache.findAll?.(options.filters) ?? [];
    const inputs = mutations.flatMap((m: Any) => [m, m.state]);
    if (memo.snapshot === undefined || inputs.length !== memo.inputs.length || inputs.some((x: unknown, i: number) => !Object.is(x, memo.inputs[i]))) {
      memo.inputs = inputs;
      memo.snapshot = replaceEqualDeep(memo.snapshot, mutations.map((m: Any) => (options.select ? options.select(m) : m.state)));
    }
    return memo.snapshot as Any[];
  };
  return useSyncExternalStore(
    useCallback((onStoreChange: () => void) => cache.subscribe(() => onStoreChange()), [cache]),
    snapshot,
    snapshot,
  );
}
