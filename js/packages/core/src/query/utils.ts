// query-core's key and data utilities, with its names and semantics, in plain JavaScript (they run
// on values the caller holds; nothing crosses into the module).

import { MfstateError } from "../errors.js";
import { setOwn, setOwnIndex } from "../wasm.js";
import { hashKey, isPlainObject } from "./key_identity.js";
import type { QueryKey } from "./types.js";

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
      if (array) setOwnIndex(copy, key as number, aItem);
      else setOwn(copy, key as string, aItem);
      if (array ? i < aSize : Object.prototype.hasOwnProperty.call(a, key)) equalItems++;
      continue;
    }
    if (aItem === null || bItem === null || typeof aItem !== "object" || typeof bItem !== "object") {
      if (array) setOwnIndex(copy, key as number, bItem);
      else setOwn(copy, key as string, bItem);
      continue;
    }
    const v = replaceEqualDeep(aItem, bItem);
    if (array) setOwnIndex(copy, key as number, v);
    else setOwn(copy, key as string, v);
    if (v === aItem) equalItems++;
  }
  return aSize === bSize && equalItems === aSize ? a : copy;
}

/**
 * Calls each of `listeners` with `value`, from a snapshot (one removed meanwhile is skipped). One
 * that throws does not stop the others; what they threw is rethrown after: one error, or an
 * AggregateError naming `who`.
 */
export function tellListeners<T>(listeners: Set<(value: T) => void>, value: T, who: string): void {
  // One listener (an observer's one component, W4): the same as the copy below, without copying.
  // Nothing runs between reading it and calling it, and what it throws goes out as the loop's one error.
  if (listeners.size === 1) {
    for (const l of listeners) return l(value);
  }
  let errors: unknown[] | undefined;
  for (const l of Array.from(listeners)) {
    if (!listeners.has(l)) continue;
    try {
      l(value);
    } catch (e) {
      (errors ??= []).push(e);
    }
  }
  if (errors) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${who} listeners threw`);
}

/** query-core's isServer: no window (a server render), or Deno. */
export const isServer: boolean = typeof window === "undefined" || "Deno" in globalThis;

/** query-core's noop. */
export function noop(): void {}

/** query-core's shouldThrowError: `throwOnError` as a boolean, or called with `params`. */
export function shouldThrowError<T extends (...args: any[]) => boolean>(throwOnError: boolean | T | undefined, params: Parameters<T>): boolean {
  if (typeof throwOnError === "function") return throwOnError(...params);
  return !!throwOnError;
}

/** For `placeholderData`: keeps the previous data while the next key loads (query-core's). */
export function keepPreviousData<T>(previousData: T | undefined): T | undefined {
  return previousData;
}

/** Passed as `queryFn` (or with `enabled: false`'s meaning): the query must not run. */
export const skipToken: unique symbol = Symbol("mfstate.skipToken") as never;
export type SkipToken = typeof skipToken;

/**
 * query-core's error for a fetch of a query with no query function (or `skipToken`'s): a plain
 * `Error`, as query-core's, so code that shows or compares its `name` or `String(error)` (an error
 * boundary, a log) sees what it saw there. It fails the query as what a query function threw.
 */
export function missingQueryFn(queryKey: QueryKey): Error {
  return new Error(`Missing queryFn: '${hashKey(queryKey)}'`);
}

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
