// @mfstate/core: the mfstate runtime (C++, compiled to WebAssembly) with its TypeScript face.
//
// The shell creates the host and mounts each remote, handing it its App; an app acts only through
// its App. Queries have @tanstack/query-core v5's names and semantics on one shared cache.

import { App } from "./app.js";
import { Host } from "./host.js";
import { CancelledError } from "./query/utils.js";
export { hashKey, partialMatchKey } from "./query/key_identity.js";
import { FetchSignal } from "./query/core.js";
import { QueryCache, QueryClient } from "./query/client.js";
import { InfiniteQueryObserver } from "./query/infinite.js";
import { Mutation, MutationCache, MutationObserver } from "./query/mutation.js";
import { QueryObserver } from "./query/observer.js";
import { QueriesObserver } from "./query/queries.js";
import { MfstateError } from "./errors.js";
import { sealClasses } from "./sealed.js";
import { loadedFrom, registerInstance } from "./singleton.js";
import { load, type WasmSource } from "./wasm.js";

registerInstance(loadedFrom(import.meta.url));
sealClasses(Host, App, QueryClient, QueryCache, QueryObserver, QueriesObserver, InfiniteQueryObserver, MutationObserver,
  MutationCache, Mutation, FetchSignal, MfstateError, CancelledError);

export { VERSION } from "./version.js";
export { registeredInstance, type InstanceRecord } from "./singleton.js";
export { MfstateError, isMfstateError, type ErrorCode } from "./errors.js";
export { createHost, Host, PLATFORM, type HostOptions, type HostSnapshot } from "./host.js";
export { App, type AcceptOptions, type AppSnapshot, type ExposeOptions, type TopicListener, type TopicOptions, type WatchOptions } from "./app.js";
export type {
  Action,
  DeepReadonly,
  ExportEvent,
  Expectations,
  InspectorEvent,
  Json,
  Manifest,
  Middleware,
  MiddlewareAPI,
  Reducer,
  Schema,
  Store,
  Unsubscribe,
} from "./types.js";
export { keyFromUrl, type UrlParams } from "./keys.js";
export type { WasmSource } from "./wasm.js";

// ---- queries (query-core v5's names) ----
export { QueryClient, QueryCache, type QueryClientConfig, type QueryCacheConfig } from "./query/client.js";
export { QueryObserver } from "./query/observer.js";
export { QueriesObserver, type QueriesObserverOptions } from "./query/queries.js";
export { InfiniteQueryObserver } from "./query/infinite.js";
export { MutationObserver, MutationCache, Mutation, type MutationCacheConfig } from "./query/mutation.js";
export { dehydrate, hydrate, defaultShouldDehydrateQuery, defaultShouldDehydrateMutation } from "./query/hydration.js";
export { matchQuery, matchMutation, type MatchableQuery, type MatchableMutation } from "./query/match.js";
export { streamedQuery as experimental_streamedQuery, type StreamedQueryParams } from "./query/streamed.js";
export {
  replaceEqualDeep,
  keepPreviousData,
  skipToken,
  CancelledError,
  isCancelledError,
  isServer,
  noop,
  shouldThrowError,
  type SkipToken,
} from "./query/utils.js";
export type * from "./query/types.js";

/**
 * Instantiates the WebAssembly module (what createHost does first), for standalone use of
 * `new QueryClient()` and keyFromUrl. Later calls share the first instantiation.
 */
export function loadMfstate(options: { wasm?: WasmSource } = {}): Promise<void> {
  return load(options.wasm);
}
