// query-core's key and data utilities, with its names and semantics, in plain JavaScript (they run
// on values the caller holds; nothing crosses into the module).

import { MfstateError } from "../errors.js";
import { setOwn, setOwnIndex } from "../wasm.js";
import type { QueryKey } from "./types.js";

function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (Object.prototype.toString.call(o) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(o);
  return proto === null || proto === Object.prototype;
}

/**
 * The canonical text of a query key: JSON.stringify with object members sorted, byte for byte
 * query-core's `hashKey` (and the C++ `key_string`).
 *
 * Written out directly for the keys people write (strings, finite numbers, booleans, null, arrays,
 * plain objects): query-core's way, a replacer that copies every object with its members sorted,
 * costs 2–3 µs a key, and every observer, query and prefetch hashes its key. Anything the direct
 * path is not sure to spell the same way (undefined or functions in arrays, `toJSON`, class
 * instances, array-index member names, `__proto__`, cycles, BigInt) goes through query-core's
 * algorithm itself, so the text, or the error, is the same in every case.
 */
export function hashKey(queryKey: QueryKey): string {
  const text = keyText(queryKey, 0);
  return text !== undefined ? text : sortedJson(queryKey);
}

function sortedJson(queryKey: unknown): string {
  return JSON.stringify(queryKey, (_, val: unknown) =>
    isPlainObject(val)
      ? Object.keys(val)
          .sort()
          .reduce<Record<string, unknown>>((result, key) => {
            // query-core assigns: a "__proto__" member sets the prototype and is not written. The same
            // here, without an assignment a setter on Object.prototype could intercept.
            if (key !== "__proto__") setOwn(result, key, val[key]);
            return result;
          }, {})
      : val,
  );
}

// Nesting the direct path follows; deeper keys (or a cycle) take sortedJson, which says what JSON says.
const KEY_TEXT_DEPTH = 32;

/** The key's text as sortedJson would write it, or undefined where the direct path would not be sure. */
function keyText(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case "string":
      return quoted(v);
    case "number":
      // JSON writes a finite number as Number#toString does (-0 as "0") and the rest as null.
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "object":
      break;
    default:
      return undefined;
  }
  if (v === null) return "null";
  if (depth >= KEY_TEXT_DEPTH || (v as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) {
      const item = keyText(v[i], depth + 1);
      if (item === undefined) return undefined;
      out += i === 0 ? item : "," + item;
    }
    return out + "]";
  }
  // The replacer sorts only what isPlainObject accepts; anything else keeps its own order.
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== undefined) return undefined;
  const names = sortedNames(Object.keys(v));
  let out = "{";
  let first = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    // The sorted copy puts array-index names first in numeric order, and assigning "__proto__"
    // sets its prototype instead of a member: both spell differently from the sorted names.
    const c = name.charCodeAt(0);
    if ((c >= 0x30 && c <= 0x39) || name === "__proto__") return undefined;
    const member = (v as Record<string, unknown>)[name];
    if (member === undefined) continue; // JSON leaves an undefined member out
    const text = keyText(member, depth + 1);
    if (text === undefined) return undefined;
    out += (first ? "" : ",") + quoted(name) + ":" + text;
    first = false;
  }
  return out + "}";
}

/**
 * `names` in Array#sort's order (UTF-16 code units, which `<` compares too). Keys have a handful of
 * members, often already in order: a check and an insertion sort cost a fraction of Array#sort.
 */
function sortedNames(names: string[]): string[] {
  const n = names.length;
  if (n > 16) return names.sort();
  for (let i = 1; i < n; i++) {
    const name = names[i];
    if (names[i - 1] <= name) continue;
    let j = i - 1;
    while (j >= 0 && names[j] > name) {
      names[j + 1] = names[j];
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}

/** A string as JSON writes it; JSON.stringify itself for anything that needs an escape. */
function quoted(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/**
 * query-core's partial match: `b` (the filter) matches `a` when every element of an array filter
 * matches the element at the same place, and every member of an object filter the member of the
 * same name, recursively; anything else by === (and NaN matches NaN: one key part, as the module
 * holds keys; query-core's === says no).
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
  return a !== a && b !== b; // both NaN (asked only where === already said no)
}

/**
 * Whether keys `a` and `b`, whose hashKey texts are both `text`, are one query key. hashKey is
 * query-core's text, JSON, which writes NaN and ±Infinity as null: `["k", NaN]`, `["k", null]` and
 * `["k", Infinity]` share a text, but not a query (the module holds each apart, every NaN as one
 * NaN: docs/web.md). Only a text holding `null` can hide them, so other keys cost a search of the
 * text and no walk.
 */
export function sameKeyOfText(text: string, a: unknown, b: unknown): boolean {
  return text.indexOf("null") < 0 || nullSpellings(a) === nullSpellings(b);
}

/**
 * What each `null` of `key`'s hashKey text stands for, in the text's order: `n` for null (or what
 * JSON writes as null in an array: undefined, a function), else `NaN`, `Infinity` or `-Infinity`.
 * With the text, it tells every key the module holds apart (see sameKeyOfText).
 */
export function nullSpellings(key: unknown): string {
  const out: string[] = [];
  spellNulls(key, out, 0);
  return out.join(",");
}

function spellNulls(v: unknown, out: string[], depth: number): void {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) out.push(String(v));
    return;
  }
  if (v === null || typeof v === "undefined" || typeof v === "function" || typeof v === "symbol") {
    out.push("n"); // reached only as an array element or the root: JSON leaves such members out
    return;
  }
  if (typeof v !== "object" || depth >= KEY_TEXT_DEPTH * 4) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) spellNulls(v[i], out, depth + 1);
    return;
  }
  // In the order hashKey's sorted copy lists the members (an object made in Array#sort's order:
  // array-index names first, in numeric order), without those JSON leaves out.
  const order: Record<string, number> = Object.create(null);
  for (const name of Object.keys(v).sort()) order[name] = 0;
  for (const name of Object.keys(order)) {
    const x = (v as Record<string, unknown>)[name];
    if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
    spellNulls(x, out, depth + 1);
  }
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
