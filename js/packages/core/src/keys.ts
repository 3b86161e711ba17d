// keyFromUrl: the query key of an HTTP request, byte for byte the C++ key_from_url's.

import { MfstateError } from "./errors.js";
import { api, check, enter, leave, ready, result, stageValues } from "./wasm.js";
import type { Json } from "./types.js";

/** A request's parameters: strings, numbers, booleans, arrays of them (repeated), null (left out). */
export type UrlParams = { readonly [name: string]: string | number | boolean | null | ReadonlyArray<string | number | boolean> };

/**
 * The key of an HTTP request: `[METHOD, "scheme://host[:port]/path", {params}]`, normalised so two
 * apps spelling one request differently share one cache entry (the method upper-cased, scheme and
 * host lower-cased, default ports and dot segments dropped, escapes normalised, the query and
 * `params` merged and sorted by name). Throws invalid_url / invalid_key naming what is wrong.
 */
export function keyFromUrl(method: string, url: string, params: UrlParams = {}): readonly [string, string, { readonly [name: string]: string | readonly string[] }] {
  ready("keyFromUrl");
  if (typeof method !== "string" || typeof url !== "string") {
    throw new MfstateError("invalid_argument", "keyFromUrl(method, url, params): method and url must be strings");
  }
  enter(false);
  try {
    stageValues(method, url, params as Json);
    check(api.mfs_key_from_url());
    return result() as never;
  } finally {
    leave();
  }
}
