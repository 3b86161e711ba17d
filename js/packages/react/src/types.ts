// The parts of the query client and observers the hooks call, as structural types (they follow
// @tanstack/query-core v5's API), and @mfstate/core's Host and App.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export type Unsubscribe = () => void;

export interface QueryObserverLike {
  getOptimisticResult(options: Any): Any;
  getCurrentResult(): Any;
  subscribe(listener: (result: Any) => void): Unsubscribe;
  setOptions(options: Any): void;
  fetchOptimistic?(options: Any): Promise<Any>;
}

export interface MutationObserverLike {
  getCurrentResult(): Any;
  subscribe(listener: (result: Any) => void): Unsubscribe;
  setOptions(options: Any): void;
  mutate(variables: Any, options?: Any): Promise<Any>;
  options: { throwOnError?: boolean | ((error: Any) => boolean) };
}

export interface CacheLike {
  subscribe(listener: (event: Any) => void): Unsubscribe;
  find?(filters: Any): Any;
  findAll?(filters?: Any): Any[];
}

export interface QueryClientLike {
  defaultQueryOptions(options: Any): Any;
  getQueryCache(): CacheLike;
  getMutationCache(): CacheLike;
  isFetching(filters?: Any): number;
  isMutating(filters?: Any): number;
  ensureQueryData?(options: Any): Promise<Any>;
  getQueryState?(queryKey: Any): Any;
  prefetchQuery?(options: Any): Promise<void>;
  prefetchInfiniteQuery?(options: Any): Promise<void>;
  mount?(): void;
  unmount?(): void;
}

/** The shell's capability (@mfstate/core's Host). */
export type HostHandle = import('@mfstate/core').Host;
/** One app's capability (@mfstate/core's App). */
export type AppHandle = import('@mfstate/core').App;
