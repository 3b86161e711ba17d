// query-core's dehydrate / hydrate: the cache as plain data (query-core's DehydratedState shape),
// e.g. rendered into a page by a server and read back by the browser.

import { api, callWith, fn, readValue, stageValues } from "../wasm.js";
import { coreOf, type QueryClient } from "./client.js";
import { readState, run, snapshot } from "./core.js";
import type { DehydratedState, DehydrateOptions, HydrateOptions, QueryKey } from "./types.js";

/** query-core's default for dehydrate's shouldDehydrateQuery: the successful queries. */
export function defaultShouldDehydrateQuery(query: { readonly state: { readonly status: string } }): boolean {
  return query.state.status === "success";
}

/** query-core's default for dehydrate's shouldDehydrateMutation: the paused mutations. */
export function defaultShouldDehydrateMutation(mutation: { readonly state: { readonly isPaused: boolean } }): boolean {
  return mutation.state.isPaused;
}

/**
 * The client's queries as data: by default the successful ones (as query-core);
 * `shouldDehydrateQuery` decides otherwise.
 */
export function dehydrate(client: QueryClient, options: DehydrateOptions = {}): DehydratedState {
  const core = coreOf(client);
  const should = options.shouldDehydrateQuery;
  return callWith(() => {
    const id = should
      ? fn(() => {
          const key = readValue() as QueryKey;
          const state = readState();
          stageValues(Boolean(should(snapshot(key, state))));
        })
      : 0;
    return run(core, (h) => api.mfs_client_dehydrate(h, id), () => readValue() as DehydratedState, false);
  });
}

/**
 * Adds dehydrated queries to the client: one already cached takes the dehydrated state only when
 * its data is newer. A malformed state changes nothing (invalid_argument naming the field).
 */
export function hydrate(client: QueryClient, state: unknown, options: HydrateOptions = {}): void {
  if (typeof state !== "object" || state === null) return;
  const core = coreOf(client);
  void options;
  run(core, (h) => {
    stageValues(state);
    return api.mfs_client_hydrate(h);
  });
}
