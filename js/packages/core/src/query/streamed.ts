// query-core's experimental_streamedQuery: a query function that reads an AsyncIterable and writes
// each chunk into the cache as it arrives, so observers see the data grow while the query stays
// fetching until the stream ends.

import { api, keyArg, readValue, stageValues } from "../wasm.js";
import { coreOf, type QueryClient } from "./client.js";
import { FetchSignal, run } from "./core.js";
import type { QueryFunction, QueryFunctionContext, QueryKey } from "./types.js";

type StreamFn<TChunk, TQueryKey extends QueryKey> = (
  context: QueryFunctionContext<TQueryKey>,
) => AsyncIterable<TChunk> | Promise<AsyncIterable<TChunk>>;

interface BaseParams<TChunk, TQueryKey extends QueryKey> {
  /** Returns the AsyncIterable whose chunks make the data. */
  streamFn: StreamFn<TChunk, TQueryKey>;
  /**
   * A refetch: "reset" (the default) drops the data and puts the query back to pending; "append"
   * adds the new chunks to the data there is; "replace" writes the new data once the stream ended.
   */
  refetchMode?: "append" | "reset" | "replace";
}

/** Params of experimental_streamedQuery: chunks gathered in an array, or by `reducer` from `initialValue`. */
export type StreamedQueryParams<TChunk, TData, TQueryKey extends QueryKey> =
  | (BaseParams<TChunk, TQueryKey> & { reducer?: never; initialValue?: never })
  | (BaseParams<TChunk, TQueryKey> & { reducer: (acc: TData, chunk: TChunk) => TData; initialValue: TData });

/** Puts the query back to its initial state, its fetch going on (the module's reset_query_state). */
function resetKeepingFetch(client: QueryClient, queryKey: QueryKey): void {
  run(coreOf(client), (h) => {
    stageValues(keyArg(queryKey));
    return api.mfs_client_reset_query_state(h);
  }, () => readValue());
}

/** `members` with a `signal` getter reading `context`'s, calling `onAbort` once it aborts (after a first read). */
function withOwnSignal<T extends object>(members: T, context: { readonly signal: AbortSignal }, onAbort: () => void): T {
  let read: AbortSignal | undefined;
  const get = (): AbortSignal => {
    if (read === undefined) {
      read = context.signal;
      if (read.aborted) onAbort();
      else read.addEventListener("abort", onAbort, { once: true });
    }
    return read;
  };
  // Prototype-free: defineProperty reads a descriptor's fields through its chain (see signalProperty).
  return Object.defineProperty(members, "signal", Object.setPrototypeOf({ enumerable: true, get }, null) as PropertyDescriptor);
}

/**
 * A query function streaming its data (query-core's `experimental_streamedQuery`): the query is
 * pending until the first chunk, then successful with the chunks so far, and fetching until the
 * stream ends. A cancel stops the writing even when `streamFn` never reads its `signal`; a stream
 * whose function never reads it goes on when the last observer leaves.
 */
export function streamedQuery<TChunk = unknown, TData = Array<TChunk>, TQueryKey extends QueryKey = QueryKey>(
  params: StreamedQueryParams<TChunk, TData, TQueryKey>,
): QueryFunction<TData, TQueryKey> {
  const { streamFn, refetchMode = "reset" } = params;
  const reducer = params.reducer ?? ((items: TData, chunk: TChunk) => [...(items as unknown as TChunk[]), chunk] as TData);
  const initialValue = (params.initialValue === undefined ? [] : params.initialValue) as TData;
  return async (context) => {
    // The fetch's own signal, read without counting as a use of it (query-core's fetchSignal).
    const signal = FetchSignal.peek(context);
    if (signal?.aborted) return initialValue;
    const client = context.client as QueryClient;
    const { queryKey } = context;
    const query = client.getQueryCache().find({ queryKey, exact: true });
    const isRefetch = query !== undefined && query.state.dataUpdateCount + query.state.errorUpdateCount > 0;
    // Only a query with a fetch under way: this function is an app's to call with a context of its
    // own, and a reset of a query nothing fetches would leave any app's query pending, its data
    // gone, with no fetch to answer it (resetQueries refetches an observed one).
    if (isRefetch && refetchMode === "reset" && query.state.fetchStatus === "fetching") resetKeepingFetch(client, queryKey);

    // What streamFn gets: reading its `signal` is the use query-core's consume-aware signal counts.
    // A context this package did not make (a caller's own call) passes its own signal on, and its
    // abort, once read, stops the writing too.
    let cancelled = false;
    const members = { client: context.client, meta: context.meta, queryKey, pageParam: context.pageParam, direction: context.direction };
    const streamContext = (signal === undefined ? withOwnSignal(members, context, () => (cancelled = true)) : FetchSignal.derive(context, members)) as QueryFunctionContext<TQueryKey>;
    const inactive = (): boolean => cancelled || signal?.aborted === true;
    const stream = await streamFn(streamContext);
    const replacing = isRefetch && refetchMode === "replace";
    let result = initialValue;
    for await (const chunk of stream) {
      if (inactive()) break;
      if (replacing) {
        // Kept aside: the cache shows the old data until the stream ends.
        result = reducer(result, chunk);
      } else {
        client.setQueryData<TData>(queryKey, (prev) => reducer((prev === undefined ? initialValue : prev) as TData, chunk) as never);
      }
    }
    if (replacing && !inactive()) client.setQueryData<TData>(queryKey, result as never);
    const data = client.getQueryData<TData>(queryKey);
    return (data === undefined ? initialValue : data) as TData;
  };
}
