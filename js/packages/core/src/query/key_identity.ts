// A query key's two faces in the package: its text, query-core's `hashKey` (what users log and
// compare), and its identity, the module's: which keys are one query. The two differ where JSON
// cannot say what the module holds (docs/web.md, "One key identity: the module's"): the text writes
// NaN, ±Infinity and null alike, escapes a lone surrogate the module holds as U+FFFD, and leaves out
// an own "__proto__" member the module keeps. Wherever the package asks whether two keys are one
// query (the key table's whole keys, exact filters, an observer's change of key, maps by query) it
// asks sameQueryKey or keyIdentity, never the text. Plain JavaScript: nothing here crosses into
// the module.

import { MAX_DEPTH, setOwn } from "../wasm.js";
import type { QueryKey } from "./types.js";

/** query-core's isPlainObject: an object whose prototype is Object.prototype or null. */
export function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (Object.prototype.toString.call(o) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(o);
  return proto === null || proto === Object.prototype;
}

// ---- the text: query-core's hashKey ----

/**
 * The canonical text of a query key: JSON.stringify with object members sorted, byte for byte
 * query-core's `hashKey` (and the C++ `key_string`). Not the key's identity: see keyIdentity.
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

/**
 * Cleared by keyText when the text it writes does not tell the key apart as the module does: a
 * number JSON writes as null (NaN, ±Infinity), a string with a lone surrogate (escaped in the text,
 * U+FFFD in the module). Set by keyIdentity before its walk (and given back after); a walk for
 * hashKey alone may clear it, which is only ever safe (the key is then spelled out).
 */
let textIsIdentity = true;

/** The key's text as sortedJson would write it, or undefined where the direct path would not be sure. */
function keyText(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case "string":
      return quoted(v);
    case "number":
      // JSON writes a finite number as Number#toString does (-0 as "0") and the rest as null.
      if (Number.isFinite(v)) return String(v);
      textIsIdentity = false;
      return "null";
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
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      if (textIsIdentity && LONE_SURROGATE.test(s)) textIsIdentity = false;
      return JSON.stringify(s);
    }
  }
  return '"' + s + '"';
}

// ---- the identity: the module's ----

// A surrogate code unit that is not half of a pair. The module takes strings as UTF-8 (TextEncoder:
// a lone surrogate becomes U+FFFD), so "\uD800" and "\uFFFD" are one string to it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` as the module holds it: every lone surrogate U+FFFD. */
function asModuleString(s: string): string {
  return illFormed(s) ? s.replace(LONE_SURROGATES, "\uFFFD") : s;
}

/**
 * Whether `s` holds a lone surrogate. A scan for any surrogate first: names and strings in keys
 * are short and rarely hold one, and the scan costs a fraction of the expression's test.
 */
function illFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if ((s.charCodeAt(i) & 0xf800) === 0xd800) return LONE_SURROGATE.test(s);
  }
  return false;
}

/**
 * A text of `key` that two keys share exactly when sameQueryKey says they are one query key: what
 * a map of keys (useQueries' observers, an infinite query's requested page, an observer's key)
 * is keyed by. For a key whose hashKey text already tells it apart — no NaN or ±Infinity, no
 * string with a lone surrogate, no member named "__proto__" or an array-index name, no undefined
 * element — it is that text, computed by the same walk at the same cost; for the others, the
 * module's value spelled out (moduleSpelling).
 */
export function keyIdentity(key: unknown): string {
  // Saved and given back: a getter in a key being walked may ask for another key's identity, and
  // must not set the flag the outer walk cleared (its NaN would read as null's).
  const outer = textIsIdentity;
  textIsIdentity = true;
  const text = keyText(key, 0);
  const exact = textIsIdentity;
  textIsIdentity = outer;
  return text !== undefined && exact ? text : moduleSpelling(key, 0);
}

/**
 * The key as the codec hands it to the module, spelled canonically: JSON's text of that value for
 * what JSON can write, in the same order as keyText (so equal to keyText's text where it is
 * sure), with NaN, Infinity and -Infinity spelled so (no JSON text holds them bare). The codec
 * writes an array's undefined element (a hole too) as null and leaves an undefined member out;
 * the module holds -0 as 0, a lone surrogate (in a string or a member name) as U+FFFD, and, of
 * member names made equal so, the value of the last written (for-in order).
 *
 * What the module refuses in a key (a Date or any object not plain, a function, a symbol, a
 * BigInt) is spelled "?" and query-core's text of it: equal to nothing the module can hold.
 */
function moduleSpelling(v: unknown, depth: number): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(asModuleString(v));
    case "number":
      return String(v); // -0 as "0"; NaN, Infinity and -Infinity as themselves
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "null"; // an element: a member that is undefined never gets here
    case "object":
      break;
    default:
      return refusedSpelling(v);
  }
  if (v === null) return "null";
  // The codec refuses a key nested this deep; query-core's text (or its error for a cycle).
  if (depth >= MAX_DEPTH) return refusedSpelling(v);
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i === 0 ? "" : ",") + moduleSpelling(v[i], depth + 1);
    return out + "]";
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return refusedSpelling(v);
  // As the codec walks it: own enumerable names in for-in order, undefined members left out.
  const members = new Map<string, unknown>();
  for (const k in v) {
    if (!hasOwn.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    const name = asModuleString(k);
    members.delete(name); // the last written wins
    members.set(name, x);
  }
  const names = Array.from(members.keys()).sort();
  let out = "{";
  for (let i = 0; i < names.length; i++) {
    out += (i === 0 ? "" : ",") + JSON.stringify(names[i]) + ":" + moduleSpelling(members.get(names[i]), depth + 1);
  }
  return out + "}";
}

function refusedSpelling(v: unknown): string {
  if (typeof v === "bigint") return "?" + String(v) + "n";
  const text = sortedJson(v);
  return "?" + (text === undefined ? typeof v : text);
}

const hasOwn = Object.prototype.hasOwnProperty;
const isArray = Array.isArray;

/**
 * Whether `a` and `b` are one query key (or one part of a key) to the module, exactly: what it
 * finds an entry by, and so what the package's key table, exact filters and observers go by.
 * JSON's value of the key as the codec sends it (member order aside, an array's undefined or
 * hole as null, an undefined member absent, -0 as 0, a lone surrogate as U+FFFD), and every NaN
 * one NaN, Infinity and -Infinity their own. query-core compares its hashKey text instead, which
 * takes NaN, ±Infinity and null for one another (docs/web.md).
 *
 * Agrees with keyIdentity: sameQueryKey(a, b) === (keyIdentity(a) === keyIdentity(b)). The usual
 * parts are compared in place; anything unusual is settled by the two spellings.
 */
export function sameQueryKey(a: unknown, b: unknown): boolean {
  return samePart(a, b, 0);
}

function samePart(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return samePrimitive(a, b);
  if (depth >= KEY_TEXT_DEPTH) return moduleSpelling(a, depth) === moduleSpelling(b, depth);
  if (isArray(a)) {
    if (!isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePart(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (isArray(b)) return false;
  const protoA = Object.getPrototypeOf(a);
  const protoB = Object.getPrototypeOf(b);
  if ((protoA !== Object.prototype && protoA !== null) || (protoB !== Object.prototype && protoB !== null)) {
    return moduleSpelling(a, depth) === moduleSpelling(b, depth);
  }
  let count = 0;
  for (const k in a) {
    if (!hasOwn.call(a, k)) continue;
    const x = (a as Record<string, unknown>)[k];
    if (x === undefined) continue;
    // A name with a lone surrogate may be another name to the module (U+FFFD), or overwritten.
    if (illFormed(k)) return moduleSpelling(a, depth) === moduleSpelling(b, depth);
    count++;
    // An undefined member is absent (the codec leaves it out): not the null an element's would be.
    const y = hasOwn.call(b, k) ? (b as Record<string, unknown>)[k] : undefined;
    if (y === undefined || !samePart(x, y, depth + 1)) return sameSpelledObjects(a, b, depth);
  }
  for (const k in b) {
    if (hasOwn.call(b, k) && (b as Record<string, unknown>)[k] !== undefined) count--;
  }
  return count === 0 || sameSpelledObjects(a, b, depth);
}

/**
 * Two plain objects that differ name by name: one to the module only when a name with a lone
 * surrogate is another's (U+FFFD), or overwrites one. Rare, so settled by the spellings.
 */
function sameSpelledObjects(a: object, b: object, depth: number): boolean {
  return (hasIllFormedName(a) || hasIllFormedName(b)) && moduleSpelling(a, depth) === moduleSpelling(b, depth);
}

/** Two parts, not both objects, that === called different. */
function samePrimitive(a: unknown, b: unknown): boolean {
  const type = typeof a;
  if (type !== typeof b) return a == null && b == null; // undefined and null: one null to the codec
  switch (type) {
    case "number":
      return a !== a && b !== b; // both NaN
    case "string":
      return sameStrings(a as string, b as string);
    case "boolean":
    case "object": // null and an object
      return false;
    default:
      // What the module refuses (functions, symbols, BigInts): as their spellings say.
      return refusedSpelling(a) === refusedSpelling(b);
  }
}

/** Two strings === called different: one to the module when a lone surrogate in one is U+FFFD in the other. */
function sameStrings(s: string, t: string): boolean {
  // A lone surrogate and U+FFFD are one code unit each: strings of other lengths differ.
  return s.length === t.length && (illFormed(s) || illFormed(t)) && asModuleString(s) === asModuleString(t);
}

function hasIllFormedName(o: object): boolean {
  for (const k in o) if (hasOwn.call(o, k) && illFormed(k)) return true;
  return false;
}

// ---- query-core's partial match ----

/**
 * query-core's partial match: `b` (the filter) matches `a` when every element of an array filter
 * matches the element at the same place, and every member of an object filter the member of the
 * same name, recursively; anything else as ===, except that two parts the module holds as one
 * (NaN and NaN, a lone surrogate and U+FFFD: sameQueryKey) match, where query-core's === says no.
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
  // Leaves only: query-core's === otherwise (its null is not undefined, nor one function another).
  if (typeof a === "number") return a !== a && b !== b;
  return typeof a === "string" && sameStrings(a, b as string);
}
