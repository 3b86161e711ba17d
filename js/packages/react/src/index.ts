// @mfstate/react: React hooks for mfstate. TanStack React Query's hooks (a component written for
// @tanstack/react-query changes its import and keeps working) over mfstate's shared query cache,
// and hooks for an app's own store, other apps' exports, commands and topics.
export { AppProvider, HostProvider, QueryClientProvider, useApp, useHost, useQueryClient } from './context.js';
export type { AppProviderProps, HostProviderProps, QueryClientProviderProps } from './context.js';
export { useInfiniteQuery, useIsFetching, usePrefetchInfiniteQuery, usePrefetchQuery, useQuery, useSuspenseInfiniteQuery, useSuspenseQuery } from './queries.js';
export type { UseQueryOptions, UseSuspenseQueryResult } from './queries.js';
export { useQueries, useSuspenseQueries } from './use-queries.js';
export type { UseQueriesOptions } from './use-queries.js';
export { useIsMutating, useMutation, useMutationState } from './mutations.js';
export type { MutationStateOptions, UseMutationResult } from './mutations.js';
export { infiniteQueryOptions, mutationOptions, queryOptions } from './options.js';
export { useAppState, useDispatch, useExport, useSend, useTopic } from './app.js';
export type { AppHandle, HostHandle, QueryClientLike } from './types.js';
// Everything of @mfstate/core too (QueryClient, keepPreviousData, skipToken, createHost, …), as
// @tanstack/react-query re-exports query-core: one import for a component.
export * from '@mfstate/core';
