// Mutations with query-core v5's names: MutationObserver, MutationCache and the mutation's
// lifecycle (onMutate, the function with retries and scopes in the module, onSuccess / onError,
// onSettled, each awaited in query-core's order).

import { MfstateError } from "../errors.js";
import { api, callWith, check, enter, fn, leave, readValue, stageValues } from "../wasm.js";
import type { DeepReadonly, Unsubscribe } from "../types.js";
import { type ClientCore, readOptionalError, rememberThrown, retryFields, run, settlement } from "./core.js";
import { matchMutation } from "./match.js";
import type {
  MutateOptions,
  MutationFilters,
  MutationObserverResult,
  MutationOptions,
  MutationSnapshot,
  MutationState,
  RetryDelayValue,
  RetryValue,
} from "./types.js";
import { coreOf, type QueryClient } from "./client.js";

/** query-core's MutationCache config: callbacks for every mutation of the client. */
export interface MutationCacheConfig {
  onMutate?: (variables: unknown, mutation: MutationSnapshot) => unknown;
  onSuccess?: (data: unknown, variables: unknown, context: unknown, mutation: MutationSnapshot) => unknown;
  onError?: (error: Error, variables: unknown, context: unknown, mutation: MutationSnapshot) => unknown;
  onSettled?: (data: unknown, error: Error | null, variables: unknown, context: unknown, mutation: MutationSnapshot) => unknown;
}

export type MutationCacheEvent = { type: "added" | "removed" | "updated"; mutation: MutationSnapshot };

function idleState(): MutationState<any, any, any, any> {
  return Object.freeze({
    context: undefined,
    data: undefined,
    error: null,
    failureCount: 0,
    failureReason: null,
    isPaused: false,
    status: "idle",
    variables: undefined,
    submittedAt: 0,
  });
}

// Module-internal: a mutation's state changes, its settling promise, the app that made it, its
// observers (a MutationObserver holding it keeps it in the cache), its gc timer.
let setMutation: (m: Mutation, patch: Partial<MutationState<any, any, any, any>>) => void;
let setPromise: (m: Mutation, p: Promise<unknown>) => void;
let ownerOf: (m: Mutation) => object | undefined;
let observeMutation: (m: Mutation, delta: 1 | -1) => void;
let cancelGc: (m: Mutation) => void;

/** How long a settled, unobserved mutation stays in the cache when its options name no gcTime (query-core's). */
const DEFAULT_GC_TIME = 5 * 60 * 1000;
/** Delays from here on are "never" (the module's timers take at most 8.64e15 ms). */
const NEVER = 8.64e15;

/**
 * One mutation: its options and state (what MutationCache lists). Its state and promise change only
 * from here: they were public fields (and `set` a public method), so an app holding another's
 * mutation (through the shared cache) could forge its result for that app's MutationObserver.
 */
export class Mutation implements MutationSnapshot<any, any, any, any> {
  static {
    setMutation = (m, patch) => m.#set(patch);
    setPromise = (m, p) => {
      m.#promise = p;
    };
    ownerOf = (m) => m.#owner;
    observeMutation = (m, delta) => {
      m.#observers += delta;
      if (delta > 0) {
        m.#gc?.();
        m.#gc = undefined;
      } else if (m.#observers === 0) {
        m.#scheduleGc();
      }
    };
    cancelGc = (m) => {
      m.#gc?.();
      m.#gc = undefined;
    };
  }

  readonly mutationId: number;
  readonly options: Readonly<MutationOptions<any, any, any, any>>;
  #state: MutationState<any, any, any, any> = idleState();
  #promise: Promise<unknown> = Promise.resolve();
  readonly #registry: ClientCore["mutations"];
  readonly #owner: object | undefined;
  #observers = 0;
  /** Cancels the pending removal, if one is scheduled. */
  #gc: (() => void) | undefined;

  constructor(registry: ClientCore["mutations"], options: MutationOptions<any, any, any, any>, owner?: object) {
    this.#registry = registry;
    this.#owner = owner;
    this.mutationId = registry.nextId++;
    this.options = Object.freeze({ ...options });
  }

  get state(): MutationState<any, any, any, any> {
    return this.#state;
  }

  /** Settles with the mutation (never rejects: for resumePausedMutations). */
  get promise(): Promise<unknown> {
    return this.#promise;
  }

  #set(patch: Partial<MutationState<any, any, any, any>>): void {
    this.#state = Object.freeze({ ...this.#state, ...patch });
    for (const l of Array.from(this.#registry.listeners)) l({ type: "updated", mutation: this });
    if (patch.status === "success" || patch.status === "error") this.#scheduleGc();
  }

  // query-core's garbage collection: a settled mutation no MutationObserver holds leaves the cache
  // gcTime after it settled or its last observer left, whichever is later (every mutation was kept
  // until MutationCache.clear(): a page's memory grew with every mutate it ever ran).
  #scheduleGc(): void {
    this.#gc?.();
    this.#gc = undefined;
    const status = this.#state.status;
    if (this.#observers !== 0 || status === "pending" || status === "idle") return;
    const gcTime = this.options.gcTime ?? DEFAULT_GC_TIME;
    if (!(gcTime < NEVER)) return; // Infinity (or not a number): kept until cleared
    this.#gc = this.#registry.after(Math.max(0, gcTime), () => {
      this.#gc = undefined;
      const list = this.#registry.list;
      const at = list.indexOf(this);
      if (at < 0) return;
      list.splice(at, 1);
      for (const l of Array.from(this.#registry.listeners)) l({ type: "removed", mutation: this });
    });
  }
}

/**
 * Whether a face of the client sees mutation `m`: the shell and standalone clients see every one;
 * an app only those it made (another app's hold its variables and its functions: mutationFn,
 * onSuccess, ... which would run with that app's closures).
 */
function visible(core: ClientCore, m: Mutation): boolean {
  return core.kind !== "app" || ownerOf(m) === core.app;
}

const cacheCores = new WeakMap<MutationCache, ClientCore>();

/** Ties a MutationCache to a client (module-internal). */
export function bindMutationCache(cache: MutationCache, core: ClientCore): void {
  if (cacheCores.has(cache)) throw new MfstateError("invalid_argument", "this MutationCache belongs to another QueryClient");
  cacheCores.set(cache, core);
}

/** query-core's MutationCache: the mutations of a client, found by filters, and their events. */
export class MutationCache {
  readonly config: MutationCacheConfig;

  /** A cache for `new QueryClient({mutationCache})`; a client's own comes from getMutationCache(). */
  constructor(config: MutationCacheConfig = {}) {
    this.config = config;
  }

  #core(): ClientCore {
    const c = cacheCores.get(this);
    if (!c) throw new MfstateError("invalid_argument", "this MutationCache is not attached to a QueryClient yet");
    return c;
  }

  /** Every mutation (a settled one stays for its gcTime unless an observer holds it, or until cleared). */
  getAll(): Mutation[] {
    const core = this.#core();
    return core.mutations.list.filter((m) => visible(core, m));
  }

  find(filters: MutationFilters): Mutation | undefined {
    const core = this.#core();
    return core.mutations.list.find((m) => visible(core, m) && matchMutation({ exact: true, ...filters }, m));
  }

  findAll(filters: MutationFilters = {}): Mutation[] {
    const core = this.#core();
    return core.mutations.list.filter((m) => visible(core, m) && matchMutation(filters, m));
  }

  subscribe(listener: (event: MutationCacheEvent) => void): Unsubscribe {
    const core = this.#core();
    const set = core.mutations.listeners;
    const l =
      core.kind === "app"
        ? (event: { type: string; mutation: unknown }): void => {
            if (visible(core, event.mutation as Mutation)) (listener as (e: unknown) => void)(event);
          }
        : (listener as (event: { type: string; mutation: unknown }) => void);
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  /** Forgets settled mutations (pending ones run on). */
  clear(): void {
    const core = this.#core();
    const r = core.mutations;
    // An app forgets only its own settled mutations.
    const kept = r.list.filter((m) => m.state.status === "pending" || !visible(core, m));
    const removed = r.list.filter((m) => m.state.status !== "pending" && visible(core, m));
    r.list = kept;
    for (const m of removed) {
      cancelGc(m);
      for (const l of Array.from(r.listeners)) l({ type: "removed", mutation: m });
    }
  }
}

function mutationFnId(core: ClientCore, options: MutationOptions<any, any, any, any>): number {
  const mutationFn = options.mutationFn;
  return fn(() => {
    const variables = readValue();
    const completion = readValue() as number;
    const controller = new AbortController();
    // Straight to the completion, as a query function's answer (core.ts fetcherFn), not through
    // the client's handle: an app's handle throws once the app unmounted, and the mutation (the
    // shared client's) must still settle; that throw, from the promise callback below, was an
    // unhandled rejection.
    let settled = false;
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
    const resolve = (data: unknown): void => {
      if (settled) return;
      settled = true;
      enter();
      try {
        stageValues(data === undefined ? null : data);
        check(api.mfs_complete_resolve(completion));
      } catch (e) {
        // Data that cannot cross (not JSON) fails the mutation instead.
        settled = false;
        reject(e);
      } finally {
        leave();
        core.driver.kick();
      }
    };
    const done = (ok: boolean, value: unknown): void => (ok ? resolve(value) : reject(value));
    try {
      if (typeof mutationFn !== "function") throw new MfstateError("invalid_argument", "No mutationFn found");
      const out = mutationFn(variables as never, { signal: controller.signal, meta: options.meta });
      if (out && typeof (out as PromiseLike<unknown>).then === "function") {
        (out as PromiseLike<unknown>).then(
          (v) => done(true, v),
          (e) => done(false, e),
        );
        stageValues(fn(() => controller.abort()));
        return;
      }
      done(true, out);
    } catch (e) {
      done(false, e);
    }
    stageValues(0);
  });
}

/**
 * Runs a mutation: onMutate (cache's, then the options'), the function in the module (retries,
 * scope, network mode), then onSuccess or onError and onSettled (cache's first), each awaited.
 */
export async function runMutation(
  core: ClientCore,
  options: MutationOptions<any, any, any, any>,
  variables: unknown,
  cacheConfig: MutationCacheConfig = {},
  perCall?: MutateOptions<any, any, any, any>,
  onState?: (m: Mutation) => void,
): Promise<unknown> {
  const registry = core.mutations;
  const m = new Mutation(registry, options, core.kind === "app" ? core.app : undefined);
  registry.list.push(m);
  for (const l of Array.from(registry.listeners)) l({ type: "added", mutation: m });
  onState?.(m);
  const frozenVars = variables;
  let context: unknown;
  const settle = (async () => {
    setMutation(m, { status: "pending", variables: frozenVars, submittedAt: Date.now(), failureCount: 0, failureReason: null, error: null, data: undefined });
    onState?.(m);
    try {
      await cacheConfig.onMutate?.(frozenVars, m);
      context = await options.onMutate?.(frozenVars as never);
      setMutation(m, { context: context as never });
      const data = await callWith(() => {
        const value: Record<string, unknown> = {
          mutationFn: mutationFnId(core, options),
          mutationKey: options.mutationKey,
          scope: options.scope,
          networkMode: options.networkMode,
          meta: options.meta,
        };
        // Functions get what the mutation function threw, as query-core's (a `retry` reading the
        // error's status got a new Error with its message only, and a `retryDelay` function was
        // dropped).
        retryFields(value, options.retry as RetryValue<Error>, options.retryDelay as RetryDelayValue<Error>);
        const { id, promise } = settlement<unknown>(core);
        // A failed attempt before its retry, and a wait for the network, show in the state while
        // the mutation is pending, as query-core's "failed" / "pause" / "continue".
        const progress = fn(() => {
          const failureCount = readValue() as number;
          const failureReason = readOptionalError();
          const isPaused = readValue() as boolean;
          if (m.state.status !== "pending") return;
          setMutation(m, { failureCount, failureReason: failureReason as never, isPaused });
          onState?.(m);
        });
        const watch = run(
          core,
          (h) => {
            stageValues(value, variables);
            return api.mfs_client_mutate(h, id, progress);
          },
          () => readValue() as number,
        );
        // Straight to the table (harmless twice, and after the client is gone: run() would throw
        // from this promise callback then, an unhandled rejection).
        const endWatch = (): void => void api.mfs_unsubscribe(watch);
        promise.then(endWatch, endWatch);
        return promise;
      });
      await cacheConfig.onSuccess?.(data, frozenVars, context, m);
      await options.onSuccess?.(data as never, frozenVars as never, context as never);
      await cacheConfig.onSettled?.(data, null, frozenVars, context, m);
      await options.onSettled?.(data as never, null, frozenVars as never, context as never);
      setMutation(m, { status: "success", data: data as never, failureCount: 0, failureReason: null, isPaused: false });
      onState?.(m);
      perCall?.onSuccess?.(data as never, frozenVars as never, context as never);
      perCall?.onSettled?.(data as never, null, frozenVars as never, context as never);
      return data;
    } catch (error) {
      try {
        await cacheConfig.onError?.(error as Error, frozenVars, context, m);
        await options.onError?.(error as never, frozenVars as never, context as never);
        await cacheConfig.onSettled?.(undefined, error as Error, frozenVars, context, m);
        await options.onSettled?.(undefined, error as never, frozenVars as never, context as never);
      } finally {
        setMutation(m, { status: "error", error: error as never, failureCount: m.state.failureCount + 1, failureReason: error as never, isPaused: false });
        onState?.(m);
      }
      perCall?.onError?.(error as never, frozenVars as never, context as never);
      perCall?.onSettled?.(undefined, error as never, frozenVars as never, context as never);
      throw error;
    }
  })();
  setPromise(
    m,
    settle.then(
      () => undefined,
      () => undefined,
    ),
  );
  return settle;
}

/** query-core's MutationObserver: one mutation at a time, its state as a result. */
export class MutationObserver<TData = unknown, TError = Error, TVariables = void, TContext = unknown> {
  readonly #client: QueryClient;
  readonly #core: ClientCore;
  #options: MutationOptions<TData, TError, TVariables, TContext>;
  #current: Mutation | undefined;
  /** The mutation this observer keeps in the cache (query-core's addObserver): its current one while it has listeners or mutates. */
  #observing: Mutation | undefined;
  #result: MutationObserverResult<TData, TError, TVariables, TContext>;
  readonly #listeners = new Set<(result: MutationObserverResult<TData, TError, TVariables, TContext>) => void>();

  constructor(client: QueryClient, options: MutationOptions<TData, TError, TVariables, TContext>) {
    this.#client = client;
    this.#core = coreOf(client);
    this.#options = client.defaultMutationOptions(options as never) as never;
    this.#result = this.#build();
  }

  setOptions(options: MutationOptions<TData, TError, TVariables, TContext>): void {
    this.#options = this.#client.defaultMutationOptions(options as never) as never;
  }

  get options(): MutationOptions<TData, TError, TVariables, TContext> {
    return this.#options;
  }

  getCurrentResult(): MutationObserverResult<TData, TError, TVariables, TContext> {
    return this.#result;
  }

  subscribe(listener: (result: MutationObserverResult<TData, TError, TVariables, TContext>) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => {
      // As query-core: an observer left without listeners lets its mutation go.
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#observe(undefined);
    };
  }

  hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  /** Runs the mutation with `variables`; the per-call callbacks run for the latest call only. */
  mutate(variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>): Promise<DeepReadonly<TData>> {
    let mine: Mutation | undefined;
    const perCall: MutateOptions<any, any, any, any> | undefined = options
      ? {
          onSuccess: (...a) => (this.#current === mine ? options.onSuccess?.(...(a as [never, never, never])) : undefined),
          onError: (...a) => (this.#current === mine ? options.onError?.(...(a as [never, never, never])) : undefined),
          onSettled: (...a) => (this.#current === mine ? options.onSettled?.(...(a as [never, never, never, never])) : undefined),
        }
      : undefined;
    const cacheConfig = this.#client.getMutationCache().config;
    return runMutation(this.#core, this.#options as never, variables, cacheConfig, perCall, (m) => {
      mine = m;
      if (this.#current !== m && m.state.status === "idle") {
        // Adopted while idle, told from "pending" on (which follows in the same call): query-core's
        // observer hears nothing of a new mutation before it dispatches "pending".
        this.#current = m;
        this.#observe(m);
        return;
      }
      if (this.#current === m) this.#update();
    }) as Promise<DeepReadonly<TData>>;
  }

  /** Back to idle (the mutation in flight, if any, runs on unobserved). */
  reset(): void {
    this.#current = undefined;
    this.#observe(undefined);
    this.#update();
  }

  #observe(m: Mutation | undefined): void {
    if (this.#observing === m) return;
    if (this.#observing) observeMutation(this.#observing, -1);
    this.#observing = m;
    if (m) observeMutation(m, 1);
  }

  #update(): void {
    this.#result = this.#build();
    for (const l of Array.from(this.#listeners)) l(this.#result);
  }

  #build(): MutationObserverResult<TData, TError, TVariables, TContext> {
    const state = (this.#current?.state ?? idleState()) as MutationState<TData, TError, TVariables, TContext>;
    return Object.freeze({
      ...state,
      isIdle: state.status === "idle",
      isPending: state.status === "pending",
      isSuccess: state.status === "success",
      isError: state.status === "error",
      mutate: this.#mutateBound,
      reset: this.#resetBound,
    });
  }

  readonly #mutateBound = (variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>): Promise<DeepReadonly<TData>> =>
    this.mutate(variables, options);
  readonly #resetBound = (): void => this.reset();
}
