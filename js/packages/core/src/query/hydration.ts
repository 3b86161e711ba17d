// query-core's dehydrate / hydrate: the cache as plain data (query-core's DehydratedState shape),
// e.g. rendered into a page by a server and read back by the browser.

import { api, callWith, fn, readValue, stageValues } from "../wasm.js";
import { coreOf, refuseForApps, type QueryClient } from "./client.js";
import { optionsValue, readState, run, snapshot } from "./core.js";
import type {
  DehydratedMutation,
  DehydratedState,
  DehydrateOptions,
  HydrateOptions,
  MutationSnapshot,
  QueryKey,
} from "./types.js";

/** query-core's default for dehydrate's shouldDehydrateQuery: the successful queries. */
export function defaultShouldDehydrateQuery(query: { readonly state: { readonly status: string } }): boolean {
  return query.state.status === "success";
}

/** query-core's default for dehydrate's shouldDehydrateMutation: the paused mutations. */
export function defaultShouldDehydrateMutation(mutation: { readonly state: { readonly isPaused: boolean } }): boolean {
  return mutation.state.isPaused;
}

function dehydrateMutation(mutation: MutationSnapshot): DehydratedMutation {
  const { mutationKey, scope, meta } = mutation.options;
  return {
    mutationKey,
    state: mutation.state,
    ...(scope && { scope }),
    ...(meta && { meta }),
  };
}

type DehydratedQuery = DehydratedState["queries"][number];

/** A dehydrated query whose data went through `transform` (a new object: the input is not touched). */
function withData(query: DehydratedQuery, transform: (data: unknown) => unknown): DehydratedQuery {
  const state = query.state as { readonly data?: unknown } | null;
  if (typeof state !== "object" || state === null || state.data === undefined) return query;
  return { ...query, state: { ...state, data: transform(state.data) } };
}

/**
 * The client's queries and mutations as data: by default the successful queries and the paused
 * mutations (as query-core); the options (or the client's `defaultOptions.dehydrate`) decide
 * otherwise, and `serializeData` transforms each query's data.
 */
export function dehydrate(client: QueryClient, options: DehydrateOptions = {}): DehydratedState {
  const core = coreOf(client);
  const defaults = client.getDefaultOptions().dehydrate ?? {};
  const shouldMutation = options.shouldDehydrateMutation ?? defaults.shouldDehydrateMutation ?? defaultShouldDehydrateMutation;
  const should = options.shouldDehydrateQuery ?? defaults.shouldDehydrateQuery;
  const serialize = options.serializeData ?? defaults.serializeData;
  // Mutations live in this package, not in the module: they are listed here, as the client's
  // MutationCache shows them (an app's client, its own).
  const mutations = client
    .getMutationCache()
    .getAll()
    .flatMap((m) => (shouldMutation(m) ? [dehydrateMutation(m)] : []));
  const fromModule = callWith(() => {
    const id = should
      ? fn(() => {
          const key = readValue() as QueryKey;
          const state = readState();
          stageValues(Boolean(should(snapshot(key, state))));
        })
      : 0;
    return run(core, (h) => api.mfs_client_dehydrate(h, id), () => readValue() as DehydratedState, false);
  });
  const queries = serialize ? fromModule.queries.map((q) => withData(q, serialize)) : fromModule.queries;
  return { mutations, queries };
}

/**
 * Adds dehydrated queries to the client: one already cached takes the dehydrated state only when
 * its data is newer; one created gets `defaultOptions.queries` (over its key's defaults; the
 * client's `defaultOptions.hydrate` under the call's). `deserializeData` transforms each query's
 * data first. A malformed state or bad options change nothing (invalid_argument naming the field).
 * Mutations of the state are not restored (docs/web.md: this package pauses none to resume).
 * The shell's: an app's client is refused.
 */
export function hydrate(client: QueryClient, state: unknown, options: HydrateOptions = {}): void {
  const core = coreOf(client);
  // It writes whole query states (status, errors, update times, counts) for any key, which every
  // app's observers then show: the page's server-rendered state is the shell's to hand in (the C++
  // QueryClient::hydrate refuses an app's client too).
  refuseForApps(core, "hydrate");
  if (typeof state !== "object" || state === null) return;
  const defaults = client.getDefaultOptions().hydrate ?? {};
  const given = options.defaultOptions ?? {};
  const deserialize = given.deserializeData ?? defaults.deserializeData;
  const { queryKey: _ignored, ...queryDefaults } = { ...defaults.queries, ...given.queries } as Record<string, unknown>;
  // The module would keep the mutations in a cache of its own, which no face of the client lists.
  const { mutations: _notRestored, ...rest } = state as Record<string, unknown>;
  const queries = rest.queries;
  const staged =
    deserialize && Array.isArray(queries)
      ? { ...rest, queries: queries.map((q: unknown) => (typeof q === "object" && q !== null ? withData(q as DehydratedQuery, deserialize) : q)) }
      : rest;
  callWith(() => {
    const value = optionsValue(core, queryDefaults);
    run(core, (h) => {
      stageValues(staged, value);
      return api.mfs_client_hydrate(h);
    });
  });
}
