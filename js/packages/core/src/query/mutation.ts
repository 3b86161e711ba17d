// Mutations with query-core v5's names: MutationObserver, MutationCache and the mutation's
// lifecycle (onMutate, the function with retries and scopes in the module, onSuccess / onError,
// onSettled, each awaited in query-core's order).

import { MfstateError } from "../errors.js";
import { api, callWith, check, enter, fn, keyArg, leave, readValue, stageValues } from "../wasm.js";
import type { DeepReadonly, Unsubscribe } from "../types.js";
import { answerTo, clientOnline, type ClientCore, readOptionalError, retryFields, run, settlement } from "./core.js";
import { matchMutation } from "./match.js";
import type {
  MutateOptions,
  MutationFilters,
  MutationFunctionContext,
  MutationObserverResult,
  MutationOptions,
  MutationSnapshot,
  MutationState,
  RetryDelayValue,
  RetryValue,
} from "./types.js";
import { coreOf, type QueryClient } from "./client.js";
import { takeMutationRoom } from "./room.js";
import { sameQueryKey } from "./key_identity.js";
import { shallowEqualObjects } from "./utils.js";

/** query-core's MutationCache config: callbacks for every mutation of the client. */
export interface MutationCacheConfig {
  onMutate?: (variables: unknown, mutation: MutationSnapshot, context: MutationFunctionContext) => unknown;
  onSuccess?: (data: unknown, variables: unknown, onMutateResult: unknown, mutation: MutationSnapshot, context: MutationFunctionContext) => unknown;
  onError?: (error: Error, variables: unknown, onMutateResult: unknown, mutation: MutationSnapshot, context: MutationFunctionContext) => unknown;
  onSettled?: (data: unknown, error: Error | null, variables: unknown, onMutateResult: unknown, mutation: MutationSnapshot, context: MutationFunctionContext) => unknown;
}

/** What an "updated" event says changed (query-core's mutation action types). */
export type MutationActionType = "pending" | "success" | "error" | "failed" | "pause" | "continue";

/** query-core's MutationCacheNotifyEvent. */
export type MutationCacheEvent =
  | { type: "added" | "removed"; mutation: MutationSnapshot }
  | { type: "updated"; mutation: MutationSnapshot; action: { type: MutationActionType } }
  | { type: "observerAdded" | "observerRemoved"; mutation: MutationSnapshot; observer: MutationObserver<any, any, any, any> }
  | { type: "observerOptionsUpdated"; mutation: MutationSnapshot | undefined; observer: MutationObserver<any, any, any, any> };

type RegistryEvent = { type: string; mutation?: unknown; observer?: unknown; action?: unknown };

/** Tells the mutation listeners of a registry (each face's filter is in its subscribe). */
function emit(registry: ClientCore["mutations"], event: RegistryEvent): void {
  for (const l of Array.from(registry.listeners)) l(event as never);
}

/** The app whose face made a MutationObserver (undefined: the shell's or a standalone client's). */
const observerOwners = new WeakMap<object, object | undefined>();

/**
 * A callback's throw, as query-core reports it: an unhandled rejection, while the mutation goes on
 * (a throwing onError no longer replaced the mutation's error, nor skipped the callbacks after it).
 */
function reportThrown(e: unknown): void {
  void Promise.reject(e);
}

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
let setMutation: (m: Mutation, patch: Partial<MutationState<any, any, any, any>>, action: MutationActionType) => void;
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
    setMutation = (m, patch, action) => m.#set(patch, action);
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
    // The shell's MutationCache lists this very object: an own `state` the app defined on it would
    // be what the shell reads (a failed mutation shown as a success).
    Object.freeze(this);
  }

  get state(): MutationState<any, any, any, any> {
    return this.#state;
  }

  /** Settles with the mutation (never rejects: for resumePausedMutations). */
  get promise(): Promise<unknown> {
    return this.#promise;
  }

  #set(patch: Partial<MutationState<any, any, any, any>>, action: MutationActionType): void {
    this.#state = Object.freeze({ ...this.#state, ...patch });
    emit(this.#registry, { type: "updated", mutation: this, action: Object.freeze({ type: action }) });
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
      emit(this.#registry, { type: "removed", mutation: this });
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
    // An app hears of its own mutations and observers only (another app's observer would let it
    // run that app's mutationFn).
    const l =
      core.kind === "app"
        ? (event: RegistryEvent): void => {
            const mine = event.observer !== undefined ? observerOwners.get(event.observer as object) === core.app : visible(core, event.mutation as Mutation);
            if (mine) (listener as (e: unknown) => void)(event);
          }
        : (listener as (event: RegistryEvent) => void);
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
      emit(r, { type: "removed", mutation: m });
    }
  }
}

function mutationFnId(core: ClientCore, options: MutationOptions<any, any, any, any>, context: MutationFunctionContext): number {
  const mutationFn = options.mutationFn;
  return fn(() => {
    const variables = readValue();
    const completion = readValue() as number;
    // Straight to the completion (answerTo): the mutation settles after its app unmounted too.
    const { resolve, reject } = answerTo(core, completion, true);
    const done = (ok: boolean, value: unknown): void => (ok ? resolve(value) : reject(value));
    // An attempt the module starts after the app unmounted (a retry its retry number allows, one
    // that waited in its scope) runs none of the app's code: the app is gone (its answer to an
    // attempt under way still settles). It fails after this call, not inside it: thousands of an
    // ended app's mutations waiting in one scope each started the next from inside the last one's
    // failure, until the stack ran out and the module stopped for the page.
    if (!appLive(core)) {
      queueMicrotask(() => reject(new MfstateError("app_unmounted", "the mutation's app unmounted: its mutationFn is not called again")));
      stageValues(0);
      return;
    }
    const controller = new AbortController();
    try {
      if (typeof mutationFn !== "function") throw new MfstateError("invalid_argument", "No mutationFn found");
      const out = mutationFn(variables as never, Object.freeze({ ...context, signal: controller.signal }));
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

/** Whether the app a client face is (if any) is still mounted: an unmounted app's code runs no more. */
function appLive(core: ClientCore): boolean {
  return core.app === undefined || core.app.mounted;
}

/**
 * An app's retry or retryDelay function as it crosses: once the app unmounted, `gone` (no retry, no
 * wait) and none of its code called.
 */
function whileLive<T>(live: () => boolean, option: T, gone: unknown): T {
  if (typeof option !== "function") return option;
  const given = option as (failureCount: number, error: unknown) => unknown;
  return ((failureCount: number, error: unknown) => (live() ? given(failureCount, error) : gone)) as T;
}

/**
 * A number or `true` retry as a function reading it as query-core does (`true`, or `failureCount <
 * retry`): the module then asks before each retry, and an app that unmounted is told no, rather
 * than attempts started that the app is no longer there for. Anything else stays as it is.
 */
function retryAsFunction<T>(retry: T): T {
  if (retry !== true && typeof retry !== "number") return retry;
  return ((failureCount: number) => retry === true || failureCount < (retry as number)) as T;
}

// The module's mutation scopes are its client's, and every app's mutations run on the shell's
// client there; an app's scopes are its own, as the C++ AppQueryClient's: the id the module sees
// is tagged with the app that started the mutation (a number per App, never reused), so an app
// naming another's scope neither waits for it nor makes it wait (a hostile app's mutation that
// never answers would hold back every app's of that scope). The tag ends at its NUL: no id an
// app chooses can reach into another's tag.
const appTags = new WeakMap<object, number>();
let nextAppTag = 1;

/** A scope's id when it names one (query-core's `scope: {id}`), else undefined. */
function scopeId(scope: unknown): string | undefined {
  const id = scope !== null && typeof scope === "object" ? (scope as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

function moduleScope(core: ClientCore, scope: unknown): unknown {
  const id = scopeId(scope);
  if (core.kind !== "app" || core.app === undefined || id === undefined) return scope;
  let tag = appTags.get(core.app);
  if (tag === undefined) appTags.set(core.app, (tag = nextAppTag++));
  return { id: `\u0000app${tag}\u0000${id}` };
}

/**
 * Whether `m` could start now (query-core's retryer.canStart): the network, unless its mode does
 * not wait for it, and its scope, which no earlier mutation of its app holds (the first pending
 * one of a scope runs; see moduleScope: an app's scopes are its own).
 */
function canStartNow(core: ClientCore, m: Mutation): boolean {
  if ((m.options.networkMode ?? "online") === "online" && !clientOnline(core)) return false;
  const id = scopeId(m.options.scope);
  if (id === undefined) return true;
  const owner = ownerOf(m);
  for (const other of core.mutations.list) {
    if (other === m) return true;
    if (other.state.status === "pending" && ownerOf(other) === owner && scopeId(other.options.scope) === id) return false;
  }
  return true;
}

/**
 * Runs a mutation: onMutate (cache's, then the options'), the function in the module (retries,
 * scope, network mode), then onSuccess or onError and onSettled (cache's first), each awaited, as
 * query-core's Mutation.execute. `onState` hears each state change: the observer's listeners, and
 * before them, on success or error, `outcome` (the per-call callbacks of MutationObserver.mutate).
 */
export async function runMutation(
  core: ClientCore,
  options: MutationOptions<any, any, any, any>,
  variables: unknown,
  cacheConfig: MutationCacheConfig = {},
  onState?: (m: Mutation, outcome?: { data?: unknown; error?: unknown }) => void,
): Promise<unknown> {
  const registry = core.mutations;
  const m = new Mutation(registry, options, core.kind === "app" ? core.app : undefined);
  registry.list.push(m);
  emit(registry, { type: "added", mutation: m });
  onState?.(m);
  const frozenVars = variables;
  // The options' callbacks are the app's: once it unmounted none runs (the cache's, the shell's, do).
  const live = (): boolean => appLive(core);
  // What the function and every callback get last (query-core's mutationFnContext).
  const fnContext: MutationFunctionContext = Object.freeze({ client: core.client, meta: options.meta, mutationKey: options.mutationKey });
  const settle = (async () => {
    // Paused from its first "pending" when it could not start now (query-core's retryer.canStart):
    // the module decides it again when it takes the mutation, after onMutate.
    const isPaused = !canStartNow(core, m);
    setMutation(m, { status: "pending", variables: frozenVars, submittedAt: Date.now(), failureCount: 0, failureReason: null, error: null, data: undefined, isPaused }, "pending");
    onState?.(m);
    try {
      await cacheConfig.onMutate?.(frozenVars, m, fnContext);
      const context = live() ? await options.onMutate?.(frozenVars as never, fnContext) : undefined;
      // As query-core: a context onMutate gave is a second "pending", heard by the observer.
      if (context !== m.state.context) {
        setMutation(m, { context: context as never }, "pending");
        onState?.(m);
      }
      // As query-core: one that became able to start while onMutate ran continues.
      if (m.state.isPaused && canStartNow(core, m)) {
        setMutation(m, { isPaused: false }, "continue");
        onState?.(m);
      }
      const data = await callWith(() => {
        const value: Record<string, unknown> = {
          mutationFn: mutationFnId(core, options, fnContext),
          mutationKey: options.mutationKey === undefined ? undefined : keyArg(options.mutationKey),
          scope: moduleScope(core, options.scope),
          networkMode: options.networkMode,
          meta: options.meta,
        };
        // Functions get what the mutation function threw, as query-core's (a `retry` reading the
        // error's status got a new Error with its message only, and a `retryDelay` function was
        // dropped).
        // An app's functions run only while it is mounted (a plain shell or standalone mutation is as given).
        const retry = core.app === undefined ? options.retry : whileLive(live, retryAsFunction(options.retry), false);
        const delay = core.app === undefined ? options.retryDelay : whileLive(live, options.retryDelay, 0);
        retryFields(value, retry as RetryValue<Error>, delay as RetryDelayValue<Error>);
        // The module's watch of it holds a handle until it settles: counted (query/room.ts), and
        // abandoned there if its app unmounts with it pending and the page's room for ended apps'
        // mutations has no place for it (or later gives its place to another party's).
        let watch = 0;
        let ended = false;
        const release = takeMutationRoom(core, () => {
          if (ended) return;
          enter();
          try {
            check(api.mfs_mutation_abandon(watch));
          } finally {
            leave();
            core.driver.kick();
          }
        });
        let promise: Promise<unknown>;
        try {
          const settled = settlement<unknown>(core);
          promise = settled.promise;
          // A failed attempt before its retry, and a wait for the network, show in the state while
          // the mutation is pending, as query-core's "failed" / "pause" / "continue".
          const progress = fn(() => {
            const failureCount = readValue() as number;
            const failureReason = readOptionalError();
            const isPaused = readValue() as boolean;
            if (m.state.status !== "pending") return;
            const action = failureCount !== m.state.failureCount ? "failed" : isPaused ? "pause" : "continue";
            setMutation(m, { failureCount, failureReason: failureReason as never, isPaused }, action);
            onState?.(m);
          });
          watch = run(
            core,
            (h) => {
              stageValues(value, variables);
              return api.mfs_client_mutate(h, settled.id, progress);
            },
            () => readValue() as number,
          );
        } catch (e) {
          release();
          throw e;
        }
        // Straight to the table (harmless twice, and after the client is gone: run() would throw
        // from this promise callback then, an unhandled rejection).
        const endWatch = (): void => {
          ended = true;
          api.mfs_mutation_unwatch(watch);
          release();
        };
        promise.then(endWatch, endWatch);
        return promise;
      });
      const ctx = m.state.context;
      await cacheConfig.onSuccess?.(data, frozenVars, ctx, m, fnContext);
      if (live()) await options.onSuccess?.(data as never, frozenVars as never, ctx as never, fnContext);
      await cacheConfig.onSettled?.(data, null, frozenVars, ctx, m, fnContext);
      if (live()) await options.onSettled?.(data as never, null, frozenVars as never, ctx as never, fnContext);
      setMutation(m, { status: "success", data: data as never, failureCount: 0, failureReason: null, isPaused: false }, "success");
      onState?.(m, { data });
      return data;
    } catch (error) {
      const ctx = m.state.context;
      // Each callback on its own, as query-core: one that throws is reported, the others still
      // run, and the mutation fails with its own error.
      const calls = [
        () => cacheConfig.onError?.(error as Error, frozenVars, ctx, m, fnContext),
        () => live() && options.onError?.(error as never, frozenVars as never, ctx as never, fnContext),
        () => cacheConfig.onSettled?.(undefined, error as Error, frozenVars, ctx, m, fnContext),
        () => live() && options.onSettled?.(undefined, error as never, frozenVars as never, ctx as never, fnContext),
      ];
      for (const call of calls) {
        try {
          await call();
        } catch (e) {
          reportThrown(e);
        }
      }
      setMutation(m, { status: "error", error: error as never, failureCount: m.state.failureCount + 1, failureReason: error as never, isPaused: false }, "error");
      onState?.(m, { error });
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

/**
 * How many mutations the module holds for `client`'s cache, and in how many scope lines
 * (module-internal; the tests read it). Only those under way: a settled one leaves the module when
 * the package ends its watch (wasm/query_abi.cpp, mfs_client_mutate), whatever its gcTime here.
 * Not in an app's stats(): the count is every app's.
 */
export function moduleMutationCount(client: QueryClient): { mutations: number; scopes: number } {
  return run(
    coreOf(client),
    (h) => api.mfs_client_stats(h),
    () => {
      for (let i = 0; i < 4; i++) readValue(); // entries, trie nodes, observers, fetching
      return { mutations: readValue() as number, scopes: readValue() as number };
    },
    false,
  );
}

/** query-core's MutationObserver: one mutation at a time, its state as a result. */
export class MutationObserver<TData = unknown, TError = Error, TVariables = void, TContext = unknown> {
  readonly #client: QueryClient;
  readonly #core: ClientCore;
  #options!: MutationOptions<TData, TError, TVariables, TContext>;
  #current: Mutation | undefined;
  /** The mutation this observer keeps in the cache (query-core's addObserver): its current one while it has listeners or mutates. */
  #observing: Mutation | undefined;
  #result: MutationObserverResult<TData, TError, TVariables, TContext>;
  readonly #listeners = new Set<(result: MutationObserverResult<TData, TError, TVariables, TContext>) => void>();

  constructor(client: QueryClient, options: MutationOptions<TData, TError, TVariables, TContext>) {
    this.#client = client;
    this.#core = coreOf(client);
    observerOwners.set(this, this.#core.kind === "app" ? this.#core.app : undefined);
    this.#result = this.#build();
    this.setOptions(options);
  }

  /**
   * New options for the next mutate (as query-core: "observerOptionsUpdated" when they differ; a
   * new mutationKey resets the observer).
   */
  setOptions(options: MutationOptions<TData, TError, TVariables, TContext>): void {
    const prev = this.#options as MutationOptions<TData, TError, TVariables, TContext> | undefined;
    this.#options = this.#client.defaultMutationOptions(options as never) as never;
    if (!shallowEqualObjects(this.#options as never, prev as never)) {
      emit(this.#core.mutations, { type: "observerOptionsUpdated", mutation: this.#current, observer: this });
    }
    if (prev?.mutationKey && this.#options.mutationKey) {
      if (!sameQueryKey(prev.mutationKey, this.#options.mutationKey)) this.reset();
    }
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

  /**
   * Runs the mutation with `variables`. The per-call callbacks run for the latest call only, and
   * only while the observer has listeners (query-core's), before the listeners hear the outcome.
   */
  mutate(variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>): Promise<DeepReadonly<TData>> {
    const cacheConfig = this.#client.getMutationCache().config;
    const mutationOptions = this.#options;
    return runMutation(this.#core, mutationOptions as never, variables, cacheConfig, (m, outcome) => {
      if (this.#current !== m && m.state.status === "idle") {
        // Adopted while idle, told from "pending" on (which follows in the same call): query-core's
        // observer hears nothing of a new mutation before it dispatches "pending".
        this.#current = m;
        this.#observe(m);
        return;
      }
      if (this.#current !== m) return;
      this.#result = this.#build();
      if (outcome && options && this.hasListeners()) {
        const { variables: v, context } = m.state;
        const fnContext: MutationFunctionContext = Object.freeze({ client: this.#client, meta: mutationOptions.meta, mutationKey: mutationOptions.mutationKey });
        const ok = !("error" in outcome);
        const calls = ok
          ? [() => options.onSuccess?.(outcome.data as never, v as never, context as never, fnContext), () => options.onSettled?.(outcome.data as never, null, v as never, context as never, fnContext)]
          : [() => options.onError?.(outcome.error as never, v as never, context as never, fnContext), () => options.onSettled?.(undefined, outcome.error as never, v as never, context as never, fnContext)];
        for (const call of calls) {
          try {
            call();
          } catch (e) {
            reportThrown(e);
          }
        }
      }
      // A per-call callback may have mutated again: the listeners hear the observer's result now.
      this.#tell();
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
    const was = this.#observing;
    if (was) observeMutation(was, -1);
    this.#observing = m;
    if (m) observeMutation(m, 1);
    if (was) emit(this.#core.mutations, { type: "observerRemoved", mutation: was, observer: this });
    if (m) emit(this.#core.mutations, { type: "observerAdded", mutation: m, observer: this });
  }

  #update(): void {
    this.#result = this.#build();
    this.#tell();
  }

  #tell(): void {
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
