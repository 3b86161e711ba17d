// The parts of @mfstate/core's objects the hooks use, as structural types: a QueryClient and its
// observers follow @tanstack/query-core v5's API, an App handle the mfstate App's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export type QueryKey = ReadonlyArray<unknown>;
export type Unsubscribe = () => void;

export interface QueryResultLike {
  data: unknown;
  error: unknown;
  status: 'pending' | 'error' | 'success';
  fetchStatus: 'fetching' | 'paused' | 'idle';
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  [key: string]: unknown;
}

export interface QueryObserverLike {
  getOptimisticResult(options: Any): Any;
  getCurrentResult(): Any;
  subscribe(listener: (result: Any) => void): Unsubscribe;
  setOptions(options: Any): void;
  fetchOptimistic?(options: Any): Promise<Any>;
  updateResult?(): void;
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
}

export interface QueryClientLike {
  defaultQueryOptions(options: Any): Any;
  getQueryCache(): CacheLike;
  getMutationCache(): CacheLike;
  isFetching(filters?: Any): number;
  isMutating(filters?: Any): number;
  ensureQueryData?(options: Any): Promise<Any>;
  mount?(): void;
  unmount?(): void;
}

export interface HostHandle {
  readonly queryClient: QueryClientLike;
}

export interface AppHandle {
  readonly name: string;
  readonly queryClient: QueryClientLike;
  getState(): unknown;
  subscribe(listener: () => void): Unsubscribe;
  dispatch(action: Any): Any;
  read(app: string, exportName: string): unknown;
  watch(app: string, exportName: string, listener: (event: { kind: 'value' | 'removed'; value?: Any }) => void): Unsubscribe;
  send(app: string, command: Any): Any;
  on(pattern: string, listener: (payload: Any, topic: string) => void): Unsubscribe;
}
