// What the query classes share (module-internal): a client's handle and driver, how options and
// filters cross into the module, how results and states come back, and the query function
// trampoline that gives a queryFn its {queryKey, signal, meta} and completes the fetch.

import { MfstateError, type ErrorCode } from "../errors.js";
import type { Driver } from "../driver.js";
import {
  api,
  beginRead,
  check,
  enter,
  fn,
  leave,
  readErrorFields,
  readValue,
  stageValues,
} from "../wasm.js";
import { CancelledError, hashKey, skipToken } from "./utils.js";
import type {
  FetchStatus,
  QueryFilters,
  QueryKey,
  QueryObserverOptions,
  QuerySnapshot,
  QueryState,
  QueryStatus,
  RetryDelayValue,
  RetryValue,
} from "./types.js";

/** A client's link to the module. */
export interface ClientCore {
  /** The client handle (throws when its host is gone). */
  handle(): number;
  driver: Driver;
  /** "standalone": `new QueryClient()`; "shell": the host's; "app": one app's face of it. */
  kind: "standalone" | "shell" | "app";
  /** For "app": the app's handle (observers are made as the app). */
  appHandle?: () => number;
  /** What the QueryClient object is (handed to query functions as `client`). */
  client?: unknown;
  /** Mutations made through any face of this client (shared by the shell's and the apps'). */
  mutations: MutationRegistry;
}

/** The mutations of one client in the module, as MutationCache lists them. */
export interface MutationRegistry {
  list: Array<import("./mutation.js").Mutation>;
  listeners: Set<(event: { type: string; mutation: unknown }) => void>;
  nextId: number;
}

const registries = new Map<string, MutationRegistry>();

/** The registry of mutations for the client in the module named by `key` (one per client). */
export function mutationRegistry(key: string): MutationRegistry {
  let r = registries.get(key);
  if (!r) {
    r = { list: [], listeners: new Set(), nextId: 1 };
    registries.set(key, r);
  }
  return r;
}

/** Runs an export on this client: enter, call, check, leave; returns what `read` reads. */
export function run<T>(core: ClientCore, call: (handle: number) => number, read?: () => T, mutates = true): T {
  const h = core.handle();
  enter(mutates);
  try {
    check(call(h));
    if (read) {
      beginRead();
      return read();
    }
    return undefined as T;
  } finally {
    leave();
    if (mutates) core.driver.kick();
  }
}

// ---- errors a fetch or mutation carried ----

const thrown = new Map<number, unknown>();
let nextThrown = 1;
const keepThrown = 4096;

/** Keeps what a query or mutation function threw, so the result can hand back that very object. */
export function rememberThrown(e: unknown): number {
  const id = nextThrown++;
  thrown.set(id, e);
  if (thrown.size > keepThrown) thrown.delete(thrown.keys().next().value as number);
  return id;
}

/** The error a result carries: what the function threw, or a library error. */
export function errorOf(code: ErrorCode, message: string, detail: unknown): Error {
  if (detail && typeof detail === "object" && "jsError" in detail) {
    const e = thrown.get((detail as { jsError: number }).jsError);
    if (e !== undefined) return e as Error;
  }
  if (code === "query_error" && (detail === null || detail === undefined)) {
    // A failure reason carries no detail: the latest thrown error with its message is the one.
    let found: unknown;
    for (const e of thrown.values()) if ((e instanceof Error ? e.message : String(e)) === message) found = e;
    if (found !== undefined) return found as Error;
  }
  if (code === "cancelled") return new CancelledError({ message });
  const e = new MfstateError(code, message);
  if (detail !== null && detail !== undefined) (e as { detail?: unknown }).detail = detail;
  return e;
}

/** Reads an optional error: null, or (true, code, message, detail). */
export function readOptionalError(): Error | null {
  const present = readValue();
  if (present === null) return null;
  const { code, message, detail } = readErrorFields();
  return errorOf(code, message, detail);
}

// ---- options crossing into the module ----

/** A retry option as the module takes it: `retry` (boolean/number) or `retryFn` (function id). */
function retryFields(out: Record<string, unknown>, retry: RetryValue<Error> | undefined, delay: RetryDelayValue<Error> | undefined): void {
  if (typeof retry === "function") {
    out.retryFn = fn(() => {
      const failureCount = readValue() as number;
      const { code, message, detail } = readErrorFields();
      stageValues(Boolean(retry(failureCount, errorOf(code, message, detail))));
    });
  } else if (retry !== undefined) {
    out.retry = retry;
  }
  if (typeof delay === "function") {
    out.retryDelayFn = fn(() => {
      const failureCount = readValue() as number;
      const { code, message, detail } = readErrorFields();
      stageValues(Number(delay(failureCount, errorOf(code, message, detail))) || 0);
    });
  } else if (delay !== undefined) {
    out.retryDelay = delay;
  }
}

function thenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/**
 * The function the module calls to fetch: it calls the query function the options hold *now*
 * (`current()`), with {client, queryKey, signal, meta}, and completes the fetch with what it
 * returns or throws. Returns the id of a function aborting the request (0: done already).
 */
export function fetcherFn(core: ClientCore, current: () => ((ctx: never) => unknown) | undefined, extra?: () => Record<string, unknown>): number {
  return fn(() => {
    const queryKey = readValue();
    const meta = readValue();
    const completion = readValue() as number;
    const queryFn = current();
    const controller = new AbortController();
    let settled = false;
    const resolve = (data: unknown): void => {
      if (settled) return;
      settled = true;
      enter();
      try {
        stageValues(data);
        check(api.mfs_complete_resolve(completion));
      } catch (e) {
        // Data that cannot cross (not JSON) fails the fetch instead.
        settled = false;
        reject(e);
        return;
      } finally {
        leave();
        core.driver.kick();
      }
    };
    const reject = (error: unknown): void => {
      if (settled) return;
      settled = true;
      const message = error instanceof Error ? error.message : String(error);
      enter();
      try {
        stageValues(message, { jsError: rememberThrown(error) });
        check(api.mfs_complete_reject(completion));
      } finally {
        leave();
        core.driver.kick();
      }
    };
    // As query-core, what the query function returns or throws at once is awaited too: the fetch
    // completes after the current operation, never inside it (a refetch asked for meanwhile shares it).
    let promise: PromiseLike<unknown>;
    try {
      if (typeof queryFn !== "function") {
        throw new MfstateError("invalid_argument", `Missing queryFn for ${hashKey(queryKey as QueryKey)}`);
      }
      const out = queryFn({
        client: core.client,
        queryKey,
        signal: controller.signal,
        meta: meta ?? undefined,
        ...(extra ? extra() : {}),
      } as never);
      promise = thenable(out) ? out : Promise.resolve(out);
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise.then(
      (data) =>
        data === undefined
          ? reject(new MfstateError("invalid_argument", `Query data cannot be undefined: the queryFn of ${hashKey(queryKey as QueryKey)} resolved with undefined`))
          : resolve(data),
      reject,
    );
    stageValues(
      fn(() => {
        controller.abort(new CancelledError());
      }),
    );
  });
}

/** Milliseconds for the module: Infinity crosses as a huge number. */
function ms(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return v === Infinity ? Number.MAX_SAFE_INTEGER : v;
}

/**
 * The options object the module takes, from query-core's names. Functions become ids (call it
 * inside callWith). `queryFnOf` gives the query function at fetch time.
 */
export function optionsValue(
  core: ClientCore,
  o: Partial<QueryObserverOptions<any, any, any, any>>,
  queryFnOf?: () => ((ctx: never) => unknown) | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.queryKey !== undefined) out.queryKey = o.queryKey;
  const skip = o.queryFn === skipToken;
  if (o.queryFn !== undefined || queryFnOf) {
    out.queryFn = fetcherFn(core, queryFnOf ?? (() => (skip ? undefined : (o.queryFn as never))));
  }
  if (o.staleTime !== undefined) out.staleTime = ms(o.staleTime);
  if (o.gcTime !== undefined) out.gcTime = ms(o.gcTime);
  retryFields(out, o.retry as RetryValue<Error>, o.retryDelay as RetryDelayValue<Error>);
  if (o.networkMode !== undefined) out.networkMode = o.networkMode;
  if (o.initialData !== undefined) {
    const data = typeof o.initialData === "function" ? (o.initialData as () => unknown)() : o.initialData;
    if (data !== undefined) out.initialData = data;
  }
  if (o.initialDataUpdatedAt !== undefined) {
    const at = typeof o.initialDataUpdatedAt === "function" ? (o.initialDataUpdatedAt as () => number | undefined)() : o.initialDataUpdatedAt;
    if (at !== undefined) out.initialDataUpdatedAt = at;
  }
  if (typeof o.structuralSharing === "boolean") out.structuralSharing = o.structuralSharing;
  if (o.meta !== undefined) out.meta = o.meta;
  if (o.enabled !== undefined || skip) out.enabled = skip ? false : o.enabled;
  if (typeof o.refetchInterval === "number") out.refetchInterval = o.refetchInterval;
  if (o.refetchIntervalInBackground !== undefined) out.refetchIntervalInBackground = o.refetchIntervalInBackground;
  if (o.refetchOnMount !== undefined) out.refetchOnMount = o.refetchOnMount;
  if (o.refetchOnWindowFocus !== undefined) out.refetchOnWindowFocus = o.refetchOnWindowFocus;
  if (o.refetchOnReconnect !== undefined) out.refetchOnReconnect = o.refetchOnReconnect;
  if (o.retryOnMount !== undefined) out.retryOnMount = o.retryOnMount;
  return out;
}

/** The filters object the module takes. */
export function filtersValue(f: QueryFilters | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!f) return out;
  if (f.queryKey !== undefined) out.queryKey = f.queryKey;
  if (f.exact !== undefined) out.exact = f.exact;
  if (f.type !== undefined) out.type = f.type;
  if (f.stale !== undefined) out.stale = f.stale;
  if (f.fetchStatus !== undefined) out.fetchStatus = f.fetchStatus;
  if (f.predicate) {
    const predicate = f.predicate;
    out.predicate = fn(() => {
      const key = readValue() as QueryKey;
      const state = readState();
      stageValues(Boolean(predicate(snapshot(key, state))));
    });
  }
  return out;
}

// ---- states and snapshots coming back ----

/** Reads the state fields the module writes (see write_state in wasm/query_abi.cpp). */
export function readState(): QueryState {
  readValue(); // whether there is data: the data itself is undefined when not
  const data = readValue();
  const status = readValue() as QueryStatus;
  const fetchStatus = readValue() as FetchStatus;
  const error = readOptionalError();
  const dataUpdatedAt = readValue() as number;
  const errorUpdatedAt = readValue() as number;
  const fetchFailureCount = readValue() as number;
  const fetchFailureReason = readOptionalError();
  const isInvalidated = readValue() as boolean;
  const dataUpdateCount = readValue() as number;
  const errorUpdateCount = readValue() as number;
  return Object.freeze({
    data: data as never,
    dataUpdateCount,
    dataUpdatedAt,
    error,
    errorUpdateCount,
    errorUpdatedAt,
    fetchFailureCount,
    fetchFailureReason,
    fetchMeta: null,
    isInvalidated,
    status,
    fetchStatus,
  });
}

/** A read-only view of a cache entry for filters, predicates and QueryCache.find. */
export function snapshot(queryKey: QueryKey, state: QueryState, observers = 0, staleTime = 0): QuerySnapshot {
  return Object.freeze({
    queryKey,
    queryHash: hashKey(queryKey),
    state,
    isStale: () => state.isInvalidated || state.dataUpdatedAt === 0 || Date.now() - state.dataUpdatedAt >= staleTime,
    isActive: () => observers > 0,
    isDisabled: () => observers === 0 && state.dataUpdatedAt === 0,
    getObserversCount: () => observers,
  });
}

/** The raw result an observer is told (see write_result in wasm/query_abi.cpp). */
export interface RawResult {
  hasData: boolean;
  data: unknown;
  status: QueryStatus;
  fetchStatus: FetchStatus;
  error: Error | null;
  dataUpdatedAt: number;
  errorUpdatedAt: number;
  failureCount: number;
  failureReason: Error | null;
  isStale: boolean;
  isPlaceholderData: boolean;
  isFetched: boolean;
  isFetchedAfterMount: boolean;
  isInvalidated: boolean;
  isEnabled: boolean;
}

export function readRawResult(): RawResult {
  const hasData = readValue() as boolean;
  const data = readValue();
  const status = readValue() as QueryStatus;
  const fetchStatus = readValue() as FetchStatus;
  const error = readOptionalError();
  const dataUpdatedAt = readValue() as number;
  const errorUpdatedAt = readValue() as number;
  const failureCount = readValue() as number;
  const failureReason = readOptionalError();
  const isStale = readValue() as boolean;
  const isPlaceholderData = readValue() as boolean;
  const isFetched = readValue() as boolean;
  const isFetchedAfterMount = readValue() as boolean;
  const isInvalidated = readValue() as boolean;
  const isEnabled = readValue() as boolean;
  return {
    hasData,
    data,
    status,
    fetchStatus,
    error,
    dataUpdatedAt,
    errorUpdatedAt,
    failureCount,
    failureReason,
    isStale,
    isPlaceholderData,
    isFetched,
    isFetchedAfterMount,
    isInvalidated,
    isEnabled,
  };
}

/** A promise settled by the module's future: `settle` is the function id it calls. */
export function settlement<T>(core: ClientCore): { id: number; promise: Promise<T> } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const id = fn(() => {
    const ok = readValue() as boolean;
    if (ok) {
      resolve(readValue() as T);
    } else {
      const { code, message, detail } = readErrorFields();
      reject(errorOf(code, message, detail));
    }
  });
  void core;
  return { id, promise };
}
