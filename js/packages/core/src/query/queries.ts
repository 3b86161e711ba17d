// query-core's QueriesObserver on this package's QueryObserver: one QueryObserver per query, their
// results as one array (or one value made by `combine`). What differs from query-core comes from the
// notification model: the QueryObservers call their listeners synchronously, so while this observer
// rearranges them (setQueries, the first subscribe) it ignores what they say and reads their results
// once at the end, then notifies once.

import { MfstateError } from "../errors.js";
import type { Unsubscribe } from "../types.js";
import type { QueryClient } from "./client.js";
import { QueryObserver } from "./observer.js";
import { keyIdentity } from "./key_identity.js";
import { replaceEqualDeep, shallowEqualObjects, tellListeners } from "./utils.js";
import type { QueryObserverOptions, QueryObserverResult } from "./types.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptions = QueryObserverOptions<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyResult = QueryObserverResult<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyObserver = QueryObserver<any, any, any, any>;
type QuerySnapshot = ReturnType<ReturnType<QueryClient["getQueryCache"]>["find"]>;

/** query-core's QueriesObserverOptions: `combine` turns the results into the value a component reads. */
export interface QueriesObserverOptions<TCombinedResult = AnyResult[]> {
  combine?: (results: AnyResult[]) => TCombinedResult;
}

type Listener = (results: AnyResult[]) => void;

/** A query's options with the client's defaults under them, and the observer that serves them. */
interface Match {
  options: AnyOptions;
  /** The key's identity (keyIdentity): what tells one query from another here. */
  hash: string;
  observer: AnyObserver;
}

/** The items of `a` not in `b`. */
function difference<T>(a: readonly T[], b: readonly T[]): T[] {
  const exclude = new Set(b);
  return a.filter((x) => !exclude.has(x));
}

export class QueriesObserver<TCombinedResult = AnyResult[]> {
  readonly #client: QueryClient;
  #options: QueriesObserverOptions<TCombinedResult> | undefined;
  #observers: AnyObserver[] = [];
  #result: AnyResult[] = Object.freeze([] as AnyResult[]) as AnyResult[];
  readonly #listeners = new Set<Listener>();
  // Depth of the operations that rearrange the observers: their listeners are ignored meanwhile.
  #rearranging = 0;
  // combine's memo: recomputed only when the results, the queries (key identities) or the function change.
  #combined: TCombinedResult | undefined;
  #lastCombine: unknown;
  #lastResult: AnyResult[] | undefined;
  #lastHashes: string[] | undefined;

  constructor(client: QueryClient, queries: AnyOptions[], options?: QueriesObserverOptions<TCombinedResult>) {
    this.#client = client;
    // As query-core, whose constructor calls setQueries(queries) and so drops these options until
    // the next setQueries (useQueries passes them in its effect): until then every change is heard.
    this.#options = options;
    this.setQueries(queries);
  }

  /**
   * Calls `listener` with the results array whenever one of them changes (with `combine`: only when
   * the combined value changes). The first listener subscribes every query's observer; the last one
   * leaving destroys them.
   */
  subscribe(listener: Listener): Unsubscribe {
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "a QueriesObserver listener must be a function");
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      const changed = this.#rearrange(() => this.#observers.forEach((o) => this.#listen(o)));
      if (changed) this.#notify();
    }
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) this.destroy();
    };
  }

  hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  /** Forgets every listener and destroys every query's observer (it can be subscribed again). */
  destroy(): void {
    this.#listeners.clear();
    this.#observers.forEach((o) => o.destroy());
  }

  /**
   * Observes `queries` from now on, and `options` replaces the observer's options (as query-core:
   * no options, no combine). An observer whose query (key identity) is still asked for is kept (and takes the
   * new options); the others are destroyed, and new ones are subscribed while this one is listened
   * to. Listeners hear of it only when the queries moved or a result changed (shallowly).
   */
  setQueries(queries: AnyOptions[], options?: QueriesObserverOptions<TCombinedResult>): void {
    if (!Array.isArray(queries)) throw new MfstateError("invalid_argument", "QueriesObserver takes an array of query options");
    this.#options = options;
    const changed = this.#rearrange(() => {
      const previous = this.#observers;
      const matches = this.#match(queries);
      const hashes = matches.map((m) => m.hash);
      if (new Set(hashes).size !== hashes.length) console.warn("[QueriesObserver]: Duplicate Queries found. This might result in unexpected behavior.");
      matches.forEach((m) => m.observer.setOptions(m.options));
      const next = matches.map((m) => m.observer);
      const moved = previous.length !== next.length || next.some((o, i) => o !== previous[i]);
      if (!moved) return false;
      this.#observers = next;
      if (this.hasListeners()) {
        difference(previous, next).forEach((o) => this.#forget(o));
        difference(next, previous).forEach((o) => this.#listen(o));
      }
      return true;
    });
    if (changed) this.#notify();
  }

  /** The results, one per query in the order given; the same array while none changed. */
  getCurrentResult(): AnyResult[] {
    return this.#result;
  }

  /** The cache's snapshot of each query (undefined for a query not in the cache yet; query-core makes it). */
  getQueries(): QuerySnapshot[] {
    const cache = this.#client.getQueryCache();
    return this.#observers.map((o) => cache.find({ queryKey: o.options.queryKey, exact: true }));
  }

  getObservers(): AnyObserver[] {
    return this.#observers;
  }

  /**
   * What the results would be for `queries` now, without subscribing (useQueries renders with it):
   * query-core's tuple [results, combineResult(results?), trackResult()].
   */
  getOptimisticResult(
    queries: AnyOptions[],
    combine: ((results: AnyResult[]) => TCombinedResult) | undefined,
  ): [AnyResult[], (results?: AnyResult[]) => TCombinedResult, () => AnyResult[]] {
    const matches = this.#match(queries);
    const result = Object.freeze(matches.map((m) => m.observer.getOptimisticResult(m.options))) as AnyResult[];
    const hashes = matches.map((m) => m.hash);
    return [
      result,
      (results?: AnyResult[]) => this.#combineResult(results ?? result, combine, hashes),
      // Every field is tracked here (QueryObserver.trackResult), so the results are what they are.
      () => result,
    ];
  }

  // ---- the observers ----

  /**
   * For each query, the observer serving its key now (each used once), or a new one. By the key's
   * identity (keyIdentity), not query-core's queryHash: `["k", NaN]` and `["k", null]` are two
   * queries, each with its observer.
   */
  #match(queries: AnyOptions[]): Match[] {
    const byHash = new Map<string, AnyObserver[]>();
    for (const o of this.#observers) {
      const hash = keyIdentity(o.options.queryKey);
      const list = byHash.get(hash);
      if (list) list.push(o);
      else byHash.set(hash, [o]);
    }
    return queries.map((query) => {
      const options = this.#client.defaultQueryOptions(query);
      const hash = keyIdentity(options.queryKey);
      const observer = byHash.get(hash)?.shift() ?? new QueryObserver(this.#client, options);
      return { options, hash, observer };
    });
  }

  // An observer's destroy() drops this listener too: no unsubscribe to keep.
  #listen(observer: AnyObserver): void {
    observer.subscribe((result) => this.#onUpdate(observer, result));
  }

  #forget(observer: AnyObserver): void {
    observer.destroy();
  }

  /**
   * Runs `work` with the observers' listeners ignored, then takes their results: true when `work`
   * says the observers moved or a result changed shallowly (the results array is then a new one).
   */
  #rearrange(work: () => boolean | void): boolean {
    this.#rearranging++;
    let moved: boolean | void;
    try {
      moved = work();
    } finally {
      this.#rearranging--;
    }
    const next = this.#observers.map((o) => o.getCurrentResult());
    const changed = moved === true || next.length !== this.#result.length || next.some((r, i) => !shallowEqualObjects(r as never, this.#result[i] as never));
    if (changed) this.#result = Object.freeze(next) as AnyResult[];
    return changed;
  }

  #onUpdate(observer: AnyObserver, result: AnyResult): void {
    if (this.#rearranging > 0) return;
    const index = this.#observers.indexOf(observer);
    if (index === -1) return;
    const next = this.#result.slice();
    next[index] = result;
    this.#result = Object.freeze(next) as AnyResult[];
    this.#notify();
  }

  // ---- combine and notification ----

  #combineResult(input: AnyResult[], combine: ((results: AnyResult[]) => TCombinedResult) | undefined, hashes?: string[]): TCombinedResult {
    if (!combine) return input as TCombinedResult;
    const last = this.#lastHashes;
    const hashesChanged = hashes !== undefined && last !== undefined && (last.length !== hashes.length || hashes.some((h, i) => h !== last[i]));
    if (this.#result !== this.#lastResult || hashesChanged || combine !== this.#lastCombine) {
      this.#lastCombine = combine;
      this.#lastResult = this.#result;
      if (hashes !== undefined) this.#lastHashes = hashes;
      this.#combined = replaceEqualDeep(this.#combined, combine(input));
    }
    return this.#combined as TCombinedResult;
  }

  // As query-core: no combine, or a suspending query without data yet, and every change is heard.
  #skipsCombine(): boolean {
    const combine = this.#options?.combine;
    return !combine || this.#observers.some((o, i) => (o.options as { suspense?: boolean }).suspense === true && this.#result[i]?.data === undefined);
  }

  #notify(): void {
    if (!this.hasListeners()) return;
    const skip = this.#skipsCombine();
    const previous = this.#combined;
    if (!skip && this.#combineResult(this.#result, this.#options?.combine) === previous) return;
    tellListeners(this.#listeners, this.#result, "QueriesObserver");
  }
}
