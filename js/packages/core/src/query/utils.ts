// query-core's key and data utilities, with its names and semantics, in plain JavaScript (they run
// on values the caller holds; nothing crosses into the module).

import { MfstateError } from "../errors.js";
import type { QueryKey } from "./types.js";

function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (Object.prototype.toString.call(o) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(o);
  return proto === null || proto === Object.prototype;
}

/**
 * The canonical text of a query key: JSON.stringify with object members sorted, byte for byte
 * query-core's `hashKey` (and the C++ `key_string`).
 */
export function hashKey(queryKey: QueryKey): string {
  return JSON.stringify(queryKey, (_, val: unknown) =>
    isPlainObject(val)
      ? Object.keys(val)
          .sort()
          .reduce<Record<string, unknown>>((result, key) => {
            result[key] = val[key];
            return result;
          }, {})
      : val,
  );
}

/**
 * query-core's partial match: `b` (the filter) matches `a` when every element of an array filter
 * matches the element at the same place, and every member of an object filter the member of the
 * same name, recursively; anything else by ===.
 */
export function partialMatchKey(a: QueryKey, b: QueryKey): boolean {
  return matchPart(a, b);
}

function matchPart(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (a && b && typeof a === "object" && typeof b === "object") {
    return Object.keys(b).every((key) => matchPart((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return false;
}

/**
 * `b` with every part deeply equal to the same part of `a` replaced by `a`'s (query-core's
 * structural sharing): unchanged parts keep their identity.
 */
export function replaceEqualDeep<T>(a: unknown, b: T): T;
export function replaceEqualDeep(a: any, b: any): any {
  if (a === b) return a;
  const array = Array.isArray(a) && Array.isArray(b);
  if (!(array || (isPlainObject(a) && isPlainObject(b)))) return b;
  const aItems = array ? a : Object.keys(a);
  const aSize = aItems.length;
  const bItems = array ? b : Object.keys(b);
  const bSize = bItems.length;
  const copy: any = array ? new Array(bSize) : {};
  const aAny: any = a;
  const bAny: any = b;
  let equalItems = 0;
  for (let i = 0; i < bSize; i++) {
    const key = array ? i : bItems[i];
    const aItem = aAny[key];
    const bItem = bAny[key];
    if (aItem === bItem) {
      copy[key] = aItem;
      if (array ? i < aSize : Object.prototype.hasOwnProperty.call(a, key)) equalItems++;
      continue;
    }
    if (aItem === null || bItem === null || typeof aItem !== "object" || typeof bItem !== "object") {
      copy[key] = bItem;
      continue;
    }
    const v = replaceEqualDeep(aItem, bItem);
    copy[key] = v;
    if (v === aItem) equalItems++;
  }
  return aSize === bSize && equalItems === aSize ? a : copy;
}

/** For `placeholderData`: keeps the previous data while the next key loads (query-core's). */
export function keepPreviousData<T>(previousData: T | undefined): T | undefined {
  return previousData;
}

/** Passed as `queryFn` (or with `enabled: false`'s meaning): the query must not run. */
export const skipToken: unique symbol = Symbol("mfstate.skipToken") as never;
export type SkipToken = typeof skipToken;

/** A fetch that was cancelled (query-core's CancelledError). */
export class CancelledError extends MfstateError {
  readonly revert?: boolean;
  readonly silent?: boolean;
  constructor(options?: { revert?: boolean; silent?: boolean; message?: string }) {
    super("cancelled", options?.message ?? "CancelledError");
    this.name = "CancelledError";
    this.revert = options?.revert;
    this.silent = options?.silent;
  }
}

/** True for the error of a cancelled fetch. */
export function isCancelledError(value: unknown): value is CancelledError {
  return value instanceof CancelledError;
}

/** Whether a `queryKey` is an array (what every key must be). */
export function checkQueryKey(key: unknown, what = "queryKey"): asserts key is QueryKey {
  if (!Array.isArray(key)) {
    throw new MfstateError("invalid_key", `${what} must be an array, got ${key === null ? "null" : typeof key}`);
  }
}

/** Shallow equality of two results (query-core's shallowEqualObjects). */
export function shallowEqualObjects(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (!a || !b || Object.keys(a).length !== Object.keys(b).length) return false;
  for (const key in a) if (a[key] !== b[key]) return false;
  return true;
}

/** `value` itself, or `value(...args)` when it is a function (query-core's functionalUpdate). */
export function functionalUpdate<I, O>(updater: O | ((input: I) => O), input: I): O {
  return typeof updater === "function" ? (updater as (input: I) => O)(input) : updater;
}
