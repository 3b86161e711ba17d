// query-core's filter matching, as functions user code imports (`matchQuery(filters, query)` in a
// MutationCache's onSuccess, say): the same rules the caches apply when they find by filters. They
// take this package's query snapshots and mutations, and query-core's Query objects as well (the
// fields read are the ones both have).

import { partialMatchKey, sameQueryKey } from "./key_identity.js";
import type { MutationFilters, MutationKey, MutationStatus, QueryFilters, QueryKey, QueryState } from "./types.js";

/** What matchQuery reads of a query (a QuerySnapshot, or query-core's Query). */
export interface MatchableQuery {
  readonly queryKey: QueryKey;
  readonly queryHash: string;
  readonly state: Pick<QueryState, "fetchStatus">;
  isActive(): boolean;
  isStale(): boolean;
}

/** What matchMutation reads of a mutation. */
export interface MatchableMutation {
  readonly options: { readonly mutationKey?: MutationKey };
  readonly state: { readonly status: MutationStatus };
}

/** Whether `query` passes `filters` (query-core's matchQuery). */
export function matchQuery(filters: QueryFilters, query: MatchableQuery): boolean {
  const { type = "all", exact, fetchStatus, predicate, queryKey, stale } = filters;
  if (queryKey) {
    if (exact) {
      if (!sameQueryKey(query.queryKey, queryKey)) return false;
    } else if (!partialMatchKey(query.queryKey, queryKey)) {
      return false;
    }
  }
  if (type !== "all") {
    const active = query.isActive();
    if (type === "active" && !active) return false;
    if (type === "inactive" && active) return false;
  }
  if (typeof stale === "boolean" && query.isStale() !== stale) return false;
  if (fetchStatus && fetchStatus !== query.state.fetchStatus) return false;
  if (predicate && !predicate(query as never)) return false;
  return true;
}

/** Whether `mutation` passes `filters` (query-core's matchMutation). */
export function matchMutation(filters: MutationFilters, mutation: MatchableMutation): boolean {
  const { exact, status, predicate, mutationKey } = filters;
  if (mutationKey) {
    const own = mutation.options.mutationKey;
    if (!own) return false;
    if (exact) {
      if (!sameQueryKey(own, mutationKey)) return false;
    } else if (!partialMatchKey(own, mutationKey)) {
      return false;
    }
  }
  if (status && mutation.state.status !== status) return false;
  if (predicate && !predicate(mutation as never)) return false;
  return true;
}
