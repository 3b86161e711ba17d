// What the query classes share (module-internal): a client's handle and driver, how options and
// filters cross into the module, how results and states come back, and the query function
// trampoline that gives a queryFn its {queryKey, signal, meta} and completes the fetch.

import { MfstateError, type ErrorCode } from "../errors.js";
import type { Driver } from "../driver.js";
import {
  api,
  beginRead,
  callWith,
  check,
  enter,
  fn,
  keyArg,
  leave,
  readErrorFields,
  readValue,
  scheduleTimer,
  append,
  asModuleHoldsIt,
  MAX_DEPTH,
  MAX_LENGTH,
  messageOf,
  ownList,
  tooLong,
  setOwn,
  Shell,
  stageValues,
  unsubscriber,
} from "../wasm.js";
import { releaseFetchRoom, takeFetchRoom } from "./room.js";
import { hashKey, sameQueryKey } from "./key_identity.js";
import { CancelledError, missingQueryFn, skipToken } from "./utils.js";
import type {
  DefaultOptions,
  FetchStatus,
  MutationKey,
  QueryFilters,
  QueryKey,
  QueryObserverOptions,
  QuerySnapshot,
  QueryState,
  QueryStatus,
  RetryDelayValue,
  RetryValue,
} from "./types.js";

/** A client's link to the module. */
export interface ClientCore {
  /** The client handle (throws when its host is gone). */
  handle(): number;
  driver: Driver;
  /** "standalone": `new QueryClient()`; "shell": the host's; "app": one app's face of it. */
  kind: "standalone" | "shell" | "app";
  /**
   * Whether what this client holds counts against the page's bound for all that is outside the
   * page's host (page_room.ts): a standalone client's, and the shared client's of another host. An
   * app's face counts against the app's bound instead (its host's apps count there too).
   */
  outsidePageHost: boolean;
  /**
   * For "app": whether its host is another than the page's (query/room.ts: what is outside the
   * page's host is one party in the page's room for ended apps' mutations).
   */
  appOutsidePageHost?: boolean;
  /** For "app": the app's handle (observers are made as the app). */
  appHandle?: () => number;
  /** What the QueryClient object is (handed to query functions as `client`). */
  client?: unknown;
  /** Mutations made through any face of this client (shared by the shell's and the apps'). */
  mutations: MutationRegistry;
  /** Keys interned for reads (shared by every face of the client). */
  keys: KeyTable;
  /** For "app": the App (its inspector counts). */
  app?: import("../app.js").App;
  /** For "shell": its host's `held` (HostLink): what the host's dispose ends. */
  held?: Set<() => void>;
  /** For "app": the shell's face, whose defaults (client-wide and per key) every app's queries take. */
  shell?: { getDefaultOptions(): DefaultOptions; getQueryDefaults(k: QueryKey): object; getMutationDefaults(k: MutationKey): object };
}

// ---- interned keys: getQueryData of an unchanged entry is one call ----

// The table's entries are records in flat lists (chunks), in the order keys were interned, not
// one object each: a read of cached data is memory-bound at 10^5 keys (the entry and the data are
// cache misses), and records laid out in order make reads that follow the write order (a list
// read in the order it was fetched) walk memory forward; the data each record holds, promoted
// by the collector in the list's order, follows. The bench's W3b (10^5 keys read in the order
// they were written, A/B in alternating processes): 366 -> 238 ns; in a random order no slower.
// Where each field of an entry is in its record (R a record); the fields a read compares first.
// An entry's hash and the next entry of its bucket are not in the record but in KeyTable's links,
// two numbers a record: walking a bucket's chain then touches the record of the key found only.
/** 0 to 4: a flat key of `n` parts in P0..P3; SHAPED: leaves laid out by the Shape in KEY; TREE: KEY is a copy. */
const N = 0;
/**
 * What the entry compares a key with, beside its leaves: nothing (a flat key), its Shape, or a
 * frozen copy of the key (any other key, compared by sameQueryKey). Never the caller's objects.
 */
const KEY = 1;
// Most keys have at most four primitive leaves: ["user", 42, "profile"], ["user", {id: 42}]. The
// entry holds those leaves itself and compares a key with them, without a copy of the key: with
// 10^5 keys each read of the copy's array and elements was a cache miss (a read of cached data
// took 1.4 us instead of ~0.2), and each copy was ~100 bytes more to allocate and collect.
const P0 = 2;
/** The table's generation, and the count of callbacks from the module, when DATA was known current. */
const GEN = 6;
const CALLS = 7;
/** The data the last read or write of the key handed out. */
const DATA = 8;
/** The key's index in the module. */
const INDEX = 9;
const R = 10;
/** Where an entry's hash (KeyTable.hash), and the next entry of its bucket (-1: none), are in the links. */
const LINK_HASH = 0;
const LINK_NEXT = 1;

/** What KeyTable.entry answers: one entry's fields (tests read them). */
export interface KeyEntryView {
  key: unknown;
  index: number;
  hash: number;
  n: number;
  p0: unknown;
  p1: unknown;
  p2: unknown;
  p3: unknown;
  data: unknown;
}

/** What KeyTable.cached answers for a key whose data is not known current: no data is this object. */
export const STALE: unknown = Object.freeze(ownList());

const MAX_LEAVES = 4;
/** `n` of an entry whose `key` is a Shape. */
const SHAPED = -2;
/** `n` of an entry whose `key` is a frozen copy. */
const TREE = -1;

/**
 * The structure of a key with its primitive leaves taken out: per element, null (a primitive) or
 * the member names of a plain object whose members are primitives, sorted (member order does not
 * matter to query keys). One Shape serves every key of that structure: ["user", {id: _}].
 */
interface Shape {
  readonly objects: ReadonlyArray<ReadonlyArray<string> | null>;
}

/**
 * Whether `key` (an array: query keys are) equals the flat key of `n` parts of the record at `at`:
 * parts by ===, which is sameQueryKey but for another spelling of a part (an undefined element for
 * null, a lone surrogate for U+FFFD): the hash keeps those apart too, and the client, missing, finds
 * the key by its snapshot in the module's spelling (keySnapshot). Never one sameQueryKey tells
 * apart. Unrolled, with `n` as the find read it: a loop over
 * `rec[at + P0 + i]` cost a find of a cache-resident key ~8 ns of ~30 (each index computed and
 * checked against the record list's bounds in turn).
 */
function flatEquals(rec: unknown[], at: number, key: unknown, n: number): boolean {
  const a = key as unknown[];
  if (a.length !== n) return false;
  if (n === 0) return true;
  if (a[0] !== rec[at + P0]) return false;
  if (n === 1) return true;
  if (a[1] !== rec[at + P0 + 1]) return false;
  if (n === 2) return true;
  if (a[2] !== rec[at + P0 + 2]) return false;
  return n === 3 || a[3] === rec[at + P0 + 3];
}

const hasOwn = Object.prototype.hasOwnProperty;
const isArray = Array.isArray;
// Taken when the package loads, as wasm.ts's: an app that later replaces it cannot reach the table.
const ArrayConstructor = Array;

/** How many own members of `o` are defined (sameQueryKey and the hash skip undefined ones). */
function definedMembers(o: object): number {
  let count = 0;
  for (const k in o) {
    // Own first: an enumerable getter an app planted on Object.prototype is never run.
    if (hasOwn.call(o, k) && (o as Record<string, unknown>)[k] !== undefined) count++;
  }
  return count;
}

/** Whether `key` equals the shaped key of the record at `at`, exactly as sameQueryKey would compare them. */
function shapedEquals(rec: unknown[], at: number, key: unknown): boolean {
  const a = key as unknown[];
  const objects = (rec[at + KEY] as Shape).objects;
  if (a.length !== objects.length) return false;
  let leaf = at + P0;
  for (let i = 0; i < objects.length; i++) {
    const names = objects[i];
    const x = a[i];
    if (names === null) {
      // A leaf is a primitive: an object is never === to it.
      if (x !== rec[leaf++]) return false;
      continue;
    }
    if (typeof x !== "object" || x === null || isArray(x)) return false;
    for (let j = 0; j < names.length; j++) {
      const name = names[j];
      // An object's leaf is never undefined: a missing member fails here; an inherited one by hasOwn.
      if (!hasOwn.call(x, name) || (x as Record<string, unknown>)[name] !== rec[leaf++]) return false;
    }
    // Counted by the hashing of this very key just before (KeyTable.hash), or counted now.
    const counted = key === hashedKey ? hashedCounts[i] : -1;
    if ((counted >= 0 ? counted : definedMembers(x)) !== names.length) return false;
  }
  return true;
}

/** A list of four `x`s with no prototype: its elements are own, so writing them reaches no setter. */
function fourOwn<T>(x: T): T[] {
  const a = ownList<T>();
  for (let i = 0; i < MAX_LEAVES; i++) append(a, x);
  return a;
}

/** KeyTable's work lists while it lays out a key's leaves (#keepShaped): one set for the page. */
const shapeScratch = { counts: fourOwn(0), names: fourOwn(""), leaves: fourOwn<unknown>(undefined) };

/**
 * Whether `v` is a leaf the records compare by ===. Not NaN (=== never says yes): a key holding NaN
 * is kept whole and compared by sameQueryKey, which takes NaN for NaN, so flatEquals and shapedEquals
 * (a read of cached data) test nothing more.
 */
function primitive(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function" && v === v);
}

// Taken when the package loads, as ArrayConstructor: an app that later replaces them is handed no list.
const defineProperty = Object.defineProperty;
const setPrototypeOf = Object.setPrototypeOf;
/** An own element's descriptor, without a prototype: a `get` planted on Object.prototype is not read into it. */
const OWN_UNDEFINED: PropertyDescriptor = Object.freeze({ __proto__: null, value: undefined, writable: true, enumerable: true, configurable: true } as PropertyDescriptor);

/**
 * Room for `n` elements in a list with no prototype: holes, which the table fills in order and
 * never reads before. A hole written looks up no chain (there is none), so it reaches no setter
 * planted on Array.prototype; the prototype goes before any element is written. In place, not
 * grown one element at a time: a prototype-free list grown so took the runtime's slow store per
 * element (~100 ns each).
 *
 * Every such list has one hidden class (V8's map), however the runtime made it: `new Array(n)`
 * makes a list of small integers or, once its allocation site has seen such lists take objects, a
 * list of anything; without their prototype the two are different maps, and stay so once both hold
 * objects. Which one a chunk got depended on whether `add` ran optimised when it was made, so in
 * some processes one table's chunks had two maps (the first nine one, the rest the other) and the
 * reads (`#seek`, `cached`, `getQueryData`) were deoptimised ("wrong map") inside the bench's W3b
 * pass, which was bimodal between processes: ~130 or ~400 ns a read. An element defined while the
 * list still has Array.prototype (a definition, not a write: no setter is looked up) takes either
 * kind to the page's one map of holey lists of anything, and the prototype change from that map
 * gives one map. `n` is at least 1 (an empty list would be a packed one, another map).
 */
function ownRoom<T>(n: number): T[] {
  const list = new ArrayConstructor<T>(n);
  defineProperty(list, 0, OWN_UNDEFINED);
  setPrototypeOf(list, null);
  return list;
}

/**
 * The records come in chunks of 2^CHUNK_BITS records: a table that grows adds a chunk and copies
 * nothing (one list of every record, doubled as the table grew, was ~12 MB of fresh memory to make
 * for 10^5 keys). Large enough for the runtime's large-object space, which starts at 128 KB (a
 * chunk is ~160 KB with V8's compressed pointers, as in Chrome, ~320 KB in node), whose objects are
 * never moved: the data a chunk holds is then promoted in the chunk's order (chunks of 2^10, moved
 * by the collector, kept ~40% of the gain of records in order in the bench's first read). The
 * first chunk starts at FIRST_ROOM records and doubles up to the full size: a client of a few
 * keys holds a few kilobytes.
 */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
const FIRST_ROOM = 64;

/** A list twice as long as `list` (an ownRoom), holding its elements first. */
function doubled<T>(list: T[]): T[] {
  const twice = ownRoom<T>(list.length * 2);
  for (let i = 0; i < list.length; i++) twice[i] = list[i];
  return twice;
}

/**
 * A client's interned keys, by a structural hash (object members in any order), each with the
 * data its last read or write handed out. Bounded: when full it starts again (the module's side
 * too), so memory follows the keys in use, not the history. An entry is known by its id (the
 * order it was added in: its record's place in the list).
 */
export class KeyTable {
  // Buckets by the hash's low bits, each its first entry's record's place (-1: none), chained by #links: a
  // power of two at least the count, grown by doubling. Typed: one load, 4 bytes a bucket.
  static readonly #initialBuckets = 256;
  #buckets = new Int32Array(KeyTable.#initialBuckets).fill(-1);
  /**
   * Per record (by its place), its hash and the next record of its bucket: a chain is walked here,
   * where its hashes are compared, and no other key's record is read. With the two in the records
   * each step of a chain was a record of another key, somewhere in ~10 MB at 10^5 keys: a cache
   * miss (~200 ns on this machine) for about a third of the reads (the count is a half to all of
   * the buckets, 0.76 at 10^5 keys: chains are short but not single). As many as the buckets (the
   * count never passes them), grown with them: 8 bytes a record, where a record is 40 (compressed
   * pointers) to 80 bytes.
   */
  #links = new Int32Array(KeyTable.#initialBuckets * 2);
  /** The entries' records, R elements each, in id order (see R), by chunks of 2^CHUNK_BITS. */
  #chunks = ownList<unknown[]>();
  #count = 0;
  /**
   * The id of the first record: ids go on from one start of the table to the next, so an id of
   * before is known as such (#slot). Past 2^30 they are no longer small integers, still exact.
   */
  #firstId = 0;
  static readonly limit = 1 << 17;
  /**
   * The shapes met, searched by structure (apps use a handful; a list, not a Map, for the reason
   * #keepShaped gives). Bounded: past the bound, keys of a new shape are kept whole.
   */
  readonly #shapes = ownList<Shape>();
  static readonly shapeLimit = 256;
  /** The most characters of member names, in all, a Shape is made for. */
  static readonly shapeChars = 256;
  /**
   * Bumped by every operation that may change entries behind JavaScript's back (invalidation,
   * removal, hydration, observers, a run of the runtime that did something: fetches settling,
   * timers): while it is unchanged — and the module has called no JavaScript since (a callback
   * inside such an operation may read) — data an entry holds is current. setQueryData through the
   * package updates its own entry instead (unless the client is bounded: a write may evict another).
   */
  generation = 1;
  /** The client evicts entries beyond a bound (maxEntries / maxBytes): every write bumps. */
  bounded = false;

  /**
   * The bucket `key` belongs in: a caller that finds and then adds computes it once. 30 bits: a
   * small integer, which V8 keeps unboxed (a 32-bit hash was a heap number to allocate half the time).
   */
  static hash(key: unknown): number {
    // Seeded per page and finished by an avalanche: an app cannot compute keys that share another
    // app's bucket (a chain of 10^4 such keys made each of that app's reads ~1000x slower).
    let h: number;
    if (isArray(key) && key.length <= MAX_LEAVES) {
      // structuralHash's array, part by part, keeping what each part's hashing counted of its
      // members: a find that follows need not count them again (shapedEquals).
      const n = key.length;
      h = mix(hashSeed, 0x5b);
      for (let i = 0; i < n; i++) {
        memberCount = -1;
        h = structuralHash(key[i], h);
        hashedCounts[i] = memberCount;
      }
      h = mix(h, n);
      hashedKey = key;
    } else {
      h = structuralHash(key, hashSeed);
      hashedKey = undefined;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & 0x3fffffff;
  }

  /** The id of the entry of `key` (an array), or -1 when it is not interned. */
  find(key: unknown, hash: number = KeyTable.hash(key)): number {
    const slot = this.#seek(key, hash);
    return slot < 0 ? -1 : this.#firstId + slot;
  }

  /**
   * A read's one pass: the data of `key`'s entry when it is current (see current), else STALE and
   * `found` holds the entry's id (-1: not interned). Finding, checking and reading apart each
   * located the record again (~10 ns of ~75 a read of cached data at 10^3 keys).
   */
  cached(key: unknown, hash: number, calls: number): unknown {
    const slot = this.#seek(key, hash);
    if (slot >= 0) {
      const rec = this.#chunks[slot >> CHUNK_BITS];
      const at = (slot & CHUNK_MASK) * R;
      if (rec[at + GEN] === this.generation && rec[at + CALLS] === calls) return rec[at + DATA];
      this.found = this.#firstId + slot;
    } else {
      this.found = -1;
    }
    return STALE;
  }

  /** The entry the last `cached` that answered STALE found (-1: none). */
  found = -1;

  /** The place of `key`'s record (see #slot), or -1. */
  #seek(key: unknown, hash: number): number {
    const buckets = this.#buckets;
    const links = this.#links;
    let found = -1;
    for (let slot = buckets[hash & (buckets.length - 1)]; slot >= 0; slot = links[2 * slot + LINK_NEXT]) {
      if (links[2 * slot + LINK_HASH] !== hash) continue;
      const rec = this.#chunks[slot >> CHUNK_BITS];
      const at = (slot & CHUNK_MASK) * R;
      const n = rec[at + N] as number;
      if (n >= 0 ? flatEquals(rec, at, key, n) : n === SHAPED ? shapedEquals(rec, at, key) : sameQueryKey(rec[at + KEY], key)) {
        found = slot;
        break;
      }
    }
    // The counts were for this find. The key is the caller's: kept here, it (and whatever it
    // holds) stayed alive until some app's next read, after its app's unmount included.
    hashedKey = undefined;
    return found;
  }

  /**
   * Entry `id`'s place among the records, or -1 when the table started again since `id` was handed
   * out: a caller holds an id across a call into the module, whose listeners may intern keys past
   * the bound; a record written through an id of before would be another key's.
   */
  #slot(id: number): number {
    const slot = id - this.#firstId;
    return slot >= 0 && slot < this.#count ? slot : -1;
  }

  /** Whether the data entry `id` holds is current: nothing that could change it has run since. */
  current(id: number, calls: number): boolean {
    const slot = this.#slot(id);
    if (slot < 0) return false;
    const rec = this.#chunks[slot >> CHUNK_BITS];
    const at = (slot & CHUNK_MASK) * R;
    return rec[at + GEN] === this.generation && rec[at + CALLS] === calls;
  }

  /** The data entry `id` holds (see current); undefined once the table started again. */
  data(id: number): unknown {
    const slot = this.#slot(id);
    return slot < 0 ? undefined : this.#chunks[slot >> CHUNK_BITS][(slot & CHUNK_MASK) * R + DATA];
  }

  /** Entry `id`'s key's index in the module (the id is one find or add just answered). */
  index(id: number): number {
    const slot = this.#slot(id);
    return this.#chunks[slot >> CHUNK_BITS][(slot & CHUNK_MASK) * R + INDEX] as number;
  }

  /** Records `data` as entry `id`'s, current as of now and of `calls` callbacks (-1: never current). */
  keep(id: number, data: unknown, calls: number): void {
    const slot = this.#slot(id);
    if (slot < 0) return;
    const rec = this.#chunks[slot >> CHUNK_BITS];
    const at = (slot & CHUNK_MASK) * R;
    rec[at + DATA] = data;
    rec[at + GEN] = this.generation;
    rec[at + CALLS] = calls;
  }

  /** What entry `id` holds (tests read it). */
  entry(id: number): KeyEntryView | undefined {
    const slot = this.#slot(id);
    if (slot < 0) return undefined;
    const rec = this.#chunks[slot >> CHUNK_BITS];
    const at = (slot & CHUNK_MASK) * R;
    return { key: rec[at + KEY], index: rec[at + INDEX] as number, hash: this.#links[2 * slot + LINK_HASH], n: rec[at + N] as number, p0: rec[at + P0], p1: rec[at + P0 + 1], p2: rec[at + P0 + 2], p3: rec[at + P0 + 3], data: rec[at + DATA] };
  }

  /** Records `key` under `index`, keeping its leaves (or a frozen copy: the caller's may change); its id. */
  add(key: unknown, index: number, hash: number = KeyTable.hash(key)): number {
    if (this.#count >= this.#buckets.length) this.#grow();
    const slot = this.#count;
    const chunks = this.#chunks;
    const chunk = slot >> CHUNK_BITS;
    if (chunk === chunks.length) append(chunks, ownRoom<unknown>((chunk === 0 ? FIRST_ROOM : CHUNK_MASK + 1) * R));
    else if (slot * R === chunks[chunk].length) chunks[chunk] = doubled(chunks[chunk]);
    const rec = chunks[chunk];
    const at = (slot & CHUNK_MASK) * R;
    const buckets = this.#buckets;
    const bucket = hash & (buckets.length - 1);
    const links = this.#links;
    links[2 * slot + LINK_HASH] = hash;
    links[2 * slot + LINK_NEXT] = buckets[bucket];
    rec[at + KEY] = undefined;
    for (let i = 0; i < MAX_LEAVES; i++) rec[at + P0 + i] = undefined;
    rec[at + GEN] = 0;
    rec[at + CALLS] = -1;
    rec[at + DATA] = undefined;
    rec[at + INDEX] = index;
    const parts = key as unknown[];
    if (!isArray(parts) || !this.#keepLeaves(rec, at, parts)) {
      rec[at + N] = TREE;
      rec[at + KEY] = frozenCopy(key);
    }
    buckets[bucket] = slot;
    this.#count++;
    return this.#firstId + slot;
  }

  /** Twice the buckets, each entry chained again by its hash (a chain's order within a bucket is free). */
  #grow(): void {
    const buckets = new Int32Array(this.#buckets.length * 2).fill(-1);
    const mask = buckets.length - 1;
    const links = new Int32Array(buckets.length * 2);
    links.set(this.#links);
    for (let slot = 0; slot < this.#count; slot++) {
      const bucket = links[2 * slot + LINK_HASH] & mask;
      links[2 * slot + LINK_NEXT] = buckets[bucket];
      buckets[bucket] = slot;
    }
    this.#buckets = buckets;
    this.#links = links;
  }

  /** Lays `parts`' leaves into the record at `at` (flat, or by a Shape); false when the key has no such form. */
  #keepLeaves(rec: unknown[], at: number, parts: unknown[]): boolean {
    const length = parts.length;
    if (length <= MAX_LEAVES) {
      // Each part read once: a getter answering a primitive to the check and an object to the
      // store would leave the caller's object in the entry.
      const p0 = length > 0 ? parts[0] : undefined;
      const p1 = length > 1 ? parts[1] : undefined;
      const p2 = length > 2 ? parts[2] : undefined;
      const p3 = length > 3 ? parts[3] : undefined;
      if (primitive(p0) && primitive(p1) && primitive(p2) && primitive(p3)) {
        rec[at + N] = length;
        rec[at + P0] = p0;
        rec[at + P0 + 1] = p1;
        rec[at + P0 + 2] = p2;
        rec[at + P0 + 3] = p3;
        return true;
      }
      return this.#keepShaped(rec, at, length, p0, p1, p2, p3);
    }
    return false;
  }

  /**
   * Lays the leaves of the key whose `length` parts are p0..p3 by their Shape: found among the
   * shapes met by comparing structures, made only for a structure not met before. Nothing is
   * allocated for a key of a known shape: the work lists are the table's (`shapeScratch`), their four
   * elements in place, so an index written is an own element and never reaches a setter an app
   * planted on Array.prototype (the key table serves every app; docs/web.md, "the page has one
   * Object.prototype"). A new Shape's lists have no prototype at all (ownList). The parts are
   * snapshots (keySnapshot: plain data members, no getter), so no code of an app's runs in here
   * and the shared lists cannot be reentered.
   */
  #keepShaped(rec: unknown[], at: number, length: number, p0: unknown, p1: unknown, p2: unknown, p3: unknown): boolean {
    // Per part: -1 (a primitive) or how many member names its object has; the leaves in the Shape's
    // order (an object's sorted by name), and beside each leaf of an object its member name. At
    // most four leaves.
    const { counts, names, leaves } = shapeScratch;
    let leafCount = 0;
    for (let i = 0; i < length; i++) {
      // The parts as #keepLeaves read them, once each: never read again from the key.
      const x = i === 0 ? p0 : i === 1 ? p1 : i === 2 ? p2 : p3;
      if (primitive(x)) {
        if (leafCount >= MAX_LEAVES) return false;
        counts[i] = -1;
        leaves[leafCount++] = x;
        continue;
      }
      if (typeof x !== "object" || isArray(x)) return false;
      // Its members, sorted by name as they are read (insertion: at most four).
      const first = leafCount;
      for (const k in x) {
        if (!hasOwn.call(x, k)) continue;
        const v = (x as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (!primitive(v) || leafCount >= MAX_LEAVES) return false;
        let at = leafCount;
        for (; at > first && names[at - 1] > k; at--) {
          names[at] = names[at - 1];
          leaves[at] = leaves[at - 1];
        }
        names[at] = k;
        leaves[at] = v;
        leafCount++;
      }
      counts[i] = leafCount - first;
    }
    // Names past the leaves are left from an earlier key: #newShape counts only those in use.
    for (let i = leafCount; i < MAX_LEAVES; i++) names[i] = "";
    const shape = this.#shapeOf(length, counts, names) ?? this.#newShape(length, counts, names);
    if (shape === undefined) return false;
    rec[at + KEY] = shape;
    rec[at + N] = SHAPED;
    for (let i = 0; i < leafCount; i++) {
      rec[at + P0 + i] = leaves[i];
      // Not kept alive by the table's work list until the next key.
      leaves[i] = undefined;
    }
    return true;
  }

  /** The Shape met before of this structure (see #keepShaped), if any. */
  #shapeOf(length: number, counts: number[], names: string[]): Shape | undefined {
    const shapes = this.#shapes;
    search: for (let s = 0; s < shapes.length; s++) {
      const objects = shapes[s].objects;
      if (objects.length !== length) continue;
      let leaf = 0;
      for (let i = 0; i < length; i++) {
        const members = objects[i];
        const count = counts[i];
        if (members === null) {
          if (count !== -1) continue search;
          leaf++;
          continue;
        }
        if (members.length !== count) continue search;
        for (let j = 0; j < count; j++) if (members[j] !== names[leaf++]) continue search;
      }
      return shapes[s];
    }
    return undefined;
  }

  /**
   * A Shape for a structure not met before, kept for good (the table's restart keeps them); none
   * past the bound, or for member names of more than shapeChars characters in all: such a key is
   * kept whole instead (else 256 shapes of an app's megabyte names stayed after its unmount).
   */
  #newShape(length: number, counts: number[], names: string[]): Shape | undefined {
    const shapes = this.#shapes;
    if (shapes.length >= KeyTable.shapeLimit) return undefined;
    let chars = 0;
    for (let i = 0; i < MAX_LEAVES; i++) chars += names[i].length;
    if (chars > KeyTable.shapeChars) return undefined;
    const objects = ownList<ReadonlyArray<string> | null>();
    let leaf = 0;
    for (let i = 0; i < length; i++) {
      const count = counts[i];
      if (count === -1) {
        append(objects, null);
        leaf++;
        continue;
      }
      const members = ownList<string>();
      for (let j = 0; j < count; j++) append(members, names[leaf++]);
      append(objects, Object.freeze(members));
    }
    const shape: Shape = Object.freeze({ objects: Object.freeze(objects) });
    append(shapes, shape);
    return shape;
  }

  full(): boolean {
    return this.#count >= KeyTable.limit;
  }

  clear(): void {
    this.#buckets = new Int32Array(KeyTable.#initialBuckets).fill(-1);
    this.#links = new Int32Array(KeyTable.#initialBuckets * 2);
    this.#chunks = ownList<unknown[]>();
    this.#firstId += this.#count;
    this.#count = 0;
  }
}

// The copy of a key kept whole, made by index and for-in as the package's own lists are (see
// #keepLeaves): an Array.prototype.map an app replaced handed it the copy to keep.
function frozenCopy(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (isArray(v)) {
    const a = ownList<unknown>();
    for (let i = 0; i < v.length; i++) a[i] = frozenCopy(v[i]);
    return Object.freeze(a);
  }
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (!hasOwn.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) setOwn(out, k, frozenCopy(x));
  }
  return Object.freeze(out);
}

const seeds = new Int32Array(3);
globalThis.crypto?.getRandomValues?.(seeds);
const hashSeed = seeds[0] ^ 0x811c9dc5;
const memberSeed = seeds[1] ^ 0x7b;
// Seeded too: strings whose hashes collide whatever the seed would share a bucket on any page.
const stringSeed = seeds[2] ^ 0x73;

/**
 * A plain copy of query key `key` (an array), each part read once: what the table, the hash and
 * the module then all see, so a getter or Proxy answering each read differently cannot make the
 * table's entry of one key hold the module's index of another. Spelled as the module holds it
 * (undefined as null, a lone surrogate as U+FFFD): two spellings of one key are one entry, or a
 * write through one left the other's data stale. Not frozen: it is the package's alone (the table
 * keeps a frozen copy of a key it keeps whole). Bounded in depth and length as writes are.
 */
export function keySnapshot(key: unknown, level = 0): unknown {
  if (typeof key === "string") return asModuleHoldsIt(key);
  if (key === undefined && level > 0) return null;
  if (typeof key !== "object" || key === null) return key;
  if (level >= MAX_DEPTH) throw new MfstateError("depth_limit", `a query key nested deeper than ${MAX_DEPTH} levels (or a cycle)`);
  if (isArray(key)) {
    const n = key.length;
    if (!(n >= 0 && n <= MAX_LENGTH && Number.isInteger(n))) tooLong("an array of length", n);
    // Most keys have two or three parts: an array literal makes its elements own (no index written
    // later can reach a setter planted on Array.prototype), without ownList's prototype change
    // (35-60 ns, 2% of a write of a new key).
    if (n === 2) return [keySnapshot(key[0], level + 1), keySnapshot(key[1], level + 1)];
    if (n === 3) return [keySnapshot(key[0], level + 1), keySnapshot(key[1], level + 1), keySnapshot(key[2], level + 1)];
    const a = ownList<unknown>();
    for (let i = 0; i < n; i++) a[i] = keySnapshot(key[i], level + 1);
    return a;
  }
  const proto = Object.getPrototypeOf(key);
  if (proto !== Object.prototype && proto !== null) return key; // the write refuses it, naming it
  const out: Record<string, unknown> = {};
  for (const k in key) {
    if (!hasOwn.call(key, k)) continue;
    const x = (key as Record<string, unknown>)[k];
    if (x !== undefined) setOwn(out, asModuleHoldsIt(k), keySnapshot(x, level + 1));
  }
  return out;
}

function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193);
}

const hashWords = new Float64Array(1);
const hashInts = new Int32Array(hashWords.buffer);

// What KeyTable.hash counted of the last key it hashed (an array of at most four parts): per part,
// the defined members of the plain object it is, or -1. A key read again may answer differently
// (a getter): what a find then takes for equal is still a key the caller could have asked for.
let hashedKey: unknown;
const hashedCounts = new Int32Array(MAX_LEAVES);
// The defined members of the object structuralHash hashed last (-1: no object since reset).
let memberCount = -1;

// A string's own hash, kept for the last two string leaves and the last member name met: keys
// mostly repeat the same ones ("user", "id"), compared by === (a string literal is one string: a
// pointer compare). A read of ["user", {id}] at 10^5 keys: ~8 ns of ~200. Two leaves, because a
// key of the form ["user", i, "profile"] has two: with one kept, both were hashed character by
// character on every read (the hash of that key 39 -> ~20 ns).
let leafString = "";
let leafHash = stringHash("");
// The leaf kept before leafString (the older of the two: a new leaf takes its place).
let olderLeaf = "";
let olderLeafHash = leafHash;
let nameString = "";
let nameHash = stringHash("");

function stringHash(s: string): number {
  let h = stringSeed;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

// Only short strings are kept: a long one gains nothing (=== compares its characters) and would
// stay alive here, an app's, after its unmount.
const memoChars = 64;

function leafStringHash(s: string): number {
  if (s.length > memoChars) return stringHash(s);
  if (s === leafString) return leafHash;
  if (s === olderLeaf) return olderLeafHash;
  olderLeaf = leafString;
  olderLeafHash = leafHash;
  leafHash = stringHash(s);
  leafString = s;
  return leafHash;
}

function memberNameHash(s: string): number {
  if (s.length > memoChars) return stringHash(s);
  if (s !== nameString) {
    nameHash = stringHash(s);
    nameString = s;
  }
  return nameHash;
}

/** A hash of a key equal for keys equal as query keys (member order ignored, as hashKey). */
export function structuralHash(v: unknown, h: number): number {
  switch (typeof v) {
    case "string":
      return mix(h, leafStringHash(v));
    case "number":
      if ((v | 0) === v) return mix(mix(h, 0x6e), v);
      // Every NaN one NaN, whatever its bits (a Float64Array may keep them): sameQueryKey says so.
      if (v !== v) return mix(mix(h, 0x64), 0x7ff80000);
      hashWords[0] = v;
      return mix(mix(mix(h, 0x64), hashInts[0]), hashInts[1]);
    case "boolean":
      return mix(h, v ? 0x74 : 0x66);
    case "object": {
      if (v === null) return mix(h, 0x6c);
      if (Array.isArray(v)) {
        h = mix(h, 0x5b);
        for (let i = 0; i < v.length; i++) h = structuralHash(v[i], h);
        return mix(h, v.length);
      }
      // Members combine by a sum: the order they were written in does not matter.
      let sum = 0;
      let count = 0;
      for (const k in v) {
        if (!hasOwn.call(v, k)) continue;
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) {
          sum = (sum + structuralHash(x, mix(memberSeed, memberNameHash(k)))) | 0;
          count++;
        }
      }
      memberCount = count;
      return mix(mix(h, 0x7b), sum);
    }
    default:
      return mix(h, 0x75);
  }
}

/**
 * The mutations of one client, as MutationCache lists them: one registry per client, shared by the
 * shell's face and every app's. A settled mutation nobody observes leaves it after its gcTime.
 */
export interface MutationRegistry {
  list: Array<import("./mutation.js").Mutation>;
  listeners: Set<(event: { type: string; mutation: unknown }) => void>;
  nextId: number;
  /**
   * Calls `callback` once after `ms` milliseconds on the client's clock (a manual clock moves it);
   * the returned function cancels it. Does nothing once the client is gone.
   */
  after(ms: number, callback: () => void): () => void;
  /** Cancels every timer still pending (the host is being disposed). */
  dispose(): void;
}

/** Settled mutations waiting for their gcTime, at most, per client (beyond, the longest waiting leaves). */
export const MAX_GC_TIMERS = 4096;

/**
 * A registry for the client behind `handle`: the shell's client or a standalone one, never an app's
 * face (an app's unmount must not stop the clock of the mutations it left in the shared cache).
 * Made with its client and dropped with it: a map of registries by client handle kept every
 * client's mutations for good.
 */
export function mutationRegistry(handle: () => number, driver: Driver): MutationRegistry {
  // Each waiting timer: how to cancel it, and what it runs.
  const pending = new Map<() => void, () => void>();
  let disposed = false;
  return {
    list: [],
    listeners: new Set(),
    nextId: 1,
    after(ms, callback) {
      if (disposed) return () => {};
      if (pending.size >= MAX_GC_TIMERS) {
        // The longest waiting goes now: whatever an app runs, the mutations kept and the module's
        // timers (one handle each, in a table every app shares) stay bounded.
        const [cancel, run] = pending.entries().next().value as [() => void, () => void];
        cancel();
        run();
      }
      let end: (() => void) | undefined;
      const sub = scheduleTimer((id) => api.mfs_client_schedule_after(handle(), ms, id), callback, () => end);
      const ends = unsubscriber(sub);
      end = () => {
        pending.delete(end!);
        ends();
      };
      pending.set(end, callback);
      driver.kick();
      return end;
    },
    dispose() {
      disposed = true;
      for (const end of Array.from(pending.keys())) end();
    },
  };
}

/** Whether the client's queries and mutations may use the network now (the module's online state). */
export function clientOnline(core: ClientCore): boolean {
  return run(
    core,
    (h) => api.mfs_client_signals(h),
    () => {
      readValue();
      return readValue() as boolean;
    },
    false,
  );
}

/**
 * Runs an export on this client: enter, call, check, leave; returns what `read` reads. `keepsData`:
 * the operation changes no query's data by itself (invalidating, refetching: new data arrives with
 * a fetch settling, a call into JavaScript, which each interned key's `calls` stamp already counts),
 * so the data interned keys hold stays current.
 */
export function run<T>(core: ClientCore, call: (handle: number) => number, read?: () => T, mutates = true, keepsData = false): T {
  const h = core.handle();
  const bumps = mutates && !keepsData && core.keys !== undefined;
  if (bumps) core.keys.generation++;
  enter(mutates);
  try {
    check(call(h));
    if (read) {
      beginRead();
      return read();
    }
    return undefined as T;
  } finally {
    leave();
    // Again after: what the operation changed after a callback read it.
    if (bumps) core.keys.generation++;
    if (mutates) core.driver.kick();
  }
}

// ---- errors a fetch or mutation carried ----

// Errors are shared as data is: every observer, of every app, is handed the same object (as
// query-core's `state.error`), so each is frozen when it enters the cache, lest one app change what
// another sees. Frozen in place, not copied: `instanceof`, a class's private fields and identity
// with what the function threw must hold. Shallow: what an error holds (a response, a request) is
// not walked, and freezing those could break the code that made them.
function frozenError<E>(e: E): E {
  try {
    Object.freeze(e);
  } catch {
    // a Proxy refusing: it is its thrower's object, whose handler decides what any reader sees
  }
  return e;
}

// By the id the module carries in the failure's detail ({jsError: id}), never by message: another
// app could throw a value with the same message, and be handed to this one's observers.
const thrown = new Map<number, unknown>();
let nextThrown = 1;
const keepThrown = 4096;

/** Sets `id` in `kept`, forgetting the oldest past keepThrown: memory follows the latest failures, not the history. */
function keepLatest<V>(kept: Map<number, V>, id: number, value: V): void {
  kept.set(id, value);
  if (kept.size > keepThrown) kept.delete(kept.keys().next().value as number);
}

/** Keeps what a query or mutation function threw, so the result can hand back that very object. */
export function rememberThrown(e: unknown): number {
  const id = nextThrown++;
  keepLatest(thrown, id, frozenError(e));
  return id;
}

// The errors the module makes for a fetch (a cancellation, a missing queryFn), by the failure's
// serial (their detail's): one object per failure, the one the fetch rejected with and its state
// holds, as query-core's. Bounded as `thrown` is: past it, an old failure's error is made anew.
const made = new Map<number, Error>();

function madeError(code: ErrorCode, message: string, detail: { serial: number; revert?: unknown; silent?: unknown; missingQueryFn?: unknown }): Error {
  let e = made.get(detail.serial);
  if (e !== undefined) return e;
  e = frozenError(
    detail.missingQueryFn === true
      ? new Error(message) // query-core's words and type: a plain Error (missingQueryFn in utils)
      : code === "cancelled"
        ? // query-core's CancelledError(options): `revert` undefined for the cache's own cancels
          new CancelledError({ revert: typeof detail.revert === "boolean" ? detail.revert : undefined, silent: detail.silent === true || undefined })
        : new MfstateError(code, message),
  );
  keepLatest(made, detail.serial, e);
  return e;
}

/**
 * The error a result carries (its error or failure reason, a retry function's argument), found by
 * its detail: what the function threw, or a library error.
 */
export function errorOf(code: ErrorCode, message: string, detail: unknown): Error {
  if (detail && typeof detail === "object") {
    if ("jsError" in detail) {
      // has, not get: what was thrown may be undefined itself
      const id = (detail as { jsError: number }).jsError;
      if (thrown.has(id)) return thrown.get(id) as Error;
    } else if (typeof (detail as { serial?: unknown }).serial === "number") {
      return madeError(code, message, detail as { serial: number });
    }
  }
  // Others (a client destroyed, an app unmounted, a hydrated error, a value thrown past the kept
  // ones) keep the module's words.
  if (code === "cancelled") return new CancelledError({ message });
  const e = new MfstateError(code, message);
  if (detail !== null && detail !== undefined) (e as { detail?: unknown }).detail = detail;
  return e;
}

/** Reads an optional error: null, or (true, code, message, detail). */
export function readOptionalError(): Error | null {
  const present = readValue();
  if (present === null) return null;
  const { code, message, detail } = readErrorFields();
  return errorOf(code, message, detail);
}

// ---- options crossing into the module ----

/**
 * retry / retryDelay as the module takes them: numbers as query-core reads them, functions by id
 * (called with the error the function threw). A function that throws, or gives what cannot cross,
 * must not leave the fetch half-answered in the module (it waited for ever, fetching, as
 * query-core's retryer does): its throw is reported as an uncaught error after the call and the
 * fetch goes on as if it said no retry / the default delay.
 */
export function retryFields(out: Record<string, unknown>, retry: RetryValue<Error> | undefined, delay: RetryDelayValue<Error> | undefined): void {
  if (typeof retry === "function") {
    out.retryFn = fn(() => {
      const failureCount = readValue() as number;
      const { code, message, detail } = readErrorFields();
      let again = false;
      try {
        again = Boolean(retry(failureCount, errorOf(code, message, detail)));
      } catch (e) {
        reportUncaught(e);
      }
      stageValues(again);
    });
  } else if (typeof retry === "number") {
    out.retry = retryCount(retry);
  } else if (retry !== undefined) {
    out.retry = retry;
  }
  if (typeof delay === "function") {
    out.retryDelayFn = fn(() => {
      const failureCount = readValue() as number;
      const { code, message, detail } = readErrorFields();
      let wait = 0;
      try {
        wait = retryWait(Number(delay(failureCount, errorOf(code, message, detail))));
      } catch (e) {
        reportUncaught(e);
        wait = defaultRetryDelay(failureCount);
      }
      stageValues(wait);
    });
  } else if (typeof delay === "number") {
    out.retryDelay = retryWait(delay);
  } else if (delay !== undefined) {
    out.retryDelay = delay;
  }
}

/**
 * A number of retries as the module takes it, read as query-core's `failureCount < retry`: none
 * for zero, a negative number or NaN (the module's -1 means for ever), for ever past what an int
 * holds (Infinity), and a fraction rounded up.
 */
function retryCount(n: number): number | boolean {
  if (!(n > 0)) return 0;
  return n >= 0x7fffffff ? true : Math.ceil(n);
}

/** A retry delay as the module takes it: NaN and negatives are no wait (as a timer reads them), Infinity never (ms). */
function retryWait(v: number): number {
  return v > 0 ? ms(v)! : 0;
}

/** query-core's default retry delay (and the module's): 1 s doubling per failure, at most 30 s. */
function defaultRetryDelay(failureCount: number): number {
  return Math.min(1000 * 2 ** failureCount, 30_000);
}

/** Reports `e`, thrown by an app's option function, as an uncaught error after the current call: the throw cannot unwind through the module's bookkeeping. */
function reportUncaught(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

function thenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/**
 * The two ends of a module completion a JavaScript function answers (answerTo), and whether an
 * answer was given. A class, its `settled` a getter on the prototype: an object literal with a
 * getter is built by the runtime each time (~400 ns, a few percent of a fetch in W4).
 */
export class Answer {
  #settled = false;
  /** Completes with `data` (only the first answer counts). */
  readonly resolve: (data: unknown) => void;
  /** `final`: not retried (an answer that is not data; query-core checks it after its retryer). */
  readonly reject: (error: unknown, final?: boolean) => void;

  constructor(core: ClientCore, completion: number, undefinedAsNull: boolean, counted: boolean) {
    this.reject = (error: unknown, final = false): void => {
      if (this.#settled) return;
      this.#settled = true;
      // Read once, here, whatever was thrown (a revoked Proxy, a throwing getter): the fetch settles.
      const message = messageOf(error);
      // Before entering the module: freezing a Proxy runs its handler, the thrower's code.
      const jsError = rememberThrown(error);
      enter();
      try {
        stageValues(message, { jsError }, final);
        // 1: the module had dropped it (its fetch ended), and gave its room back then.
        const status = api.mfs_complete_reject(completion);
        check(status);
        if (counted && status === 0) releaseFetchRoom(core);
      } finally {
        leave();
        core.driver.kick();
      }
    };
    this.resolve = (data: unknown): void => {
      if (this.#settled) return;
      this.#settled = true;
      enter();
      try {
        stageValues(undefinedAsNull && data === undefined ? null : data);
        const status = api.mfs_complete_resolve(completion);
        check(status);
        if (counted && status === 0) releaseFetchRoom(core);
      } catch (e) {
        this.#settled = false;
        this.reject(e);
      } finally {
        leave();
        core.driver.kick();
      }
    };
  }

  /** Whether an answer was given (only the first counts). */
  get settled(): boolean {
    return this.#settled;
  }
}

/**
 * Answers `completion` (a query or mutation function's fetch or run) straight to the module, not
 * through the client's handle: an app's handle throws once the app unmounted, while the fetch or
 * mutation (the shared client's) must still settle, and such a throw from a promise callback is
 * an unhandled rejection. Data that cannot cross (not JSON) rejects instead; `undefinedAsNull`
 * sends undefined as null (a mutation's result may be undefined, a query's data may not).
 * `counted`: a fetch holding room (takeFetchRoom), given back when the answer takes the completion.
 */
export function answerTo(core: ClientCore, completion: number, undefinedAsNull = false, counted = false): Answer {
  return new Answer(core, completion, undefinedAsNull, counted);
}

// The fetches refused room (fetcherFn), until their refusal is answered: one the module drops
// meanwhile gives back no room.
const refusedFetches = new Set<number>();

/**
 * Fails fetch `completion`, refused room, with `error` (size_limit), not retried: the query's error
 * its app sees. As an answer after the current operation, as any: thrown here, it would unwind
 * through the module's fetch.
 */
function refuseFetch(core: ClientCore, completion: number, error: unknown): void {
  const { reject } = answerTo(core, completion);
  refusedFetches.add(completion);
  void Promise.resolve().then(() => {
    refusedFetches.delete(completion);
    reject(error, true);
  });
}

/**
 * The function the module calls to fetch: it calls the query function the options hold *now*
 * (`current()`), with {client, queryKey, signal, meta}, and completes the fetch with what it
 * returns or throws (mfs_complete_resolve / mfs_complete_reject); an abort reaches it only once the
 * query function has read `signal` (watchAbort). Returns the function's id.
 */
export function fetcherFn(core: ClientCore, current: () => ((ctx: never) => unknown) | undefined): number {
  return fn(() => {
    const queryKey = readValue();
    const meta = readValue();
    const completion = readValue() as number;
    if (completion < 0) {
      // The module dropped fetch -completion unanswered (it was aborted): its room goes back (a
      // refused one held none).
      if (refusedFetches.size === 0 || !refusedFetches.delete(-completion)) releaseFetchRoom(core);
      return;
    }
    // Room for it first (query/room.ts).
    try {
      takeFetchRoom(core);
    } catch (e) {
      refuseFetch(core, completion, e);
      return;
    }
    const queryFn = current();
    // The AbortSignal is made when the query function first reads it, and only then does the
    // module watch the fetch's abort for it (an abort before the read leaves the signal aborted when
    // it is read). So a fetch whose signal is never read is one that losing its last observer does
    // not cancel: it completes and is cached, as query-core's (abortSignalConsumed); and most fetches
    // make no AbortController (one of the costliest objects node makes) and register no function
    // with the module (W4: one per fetch, held until it settled, was a quarter of the time).
    let controller: AbortController | undefined;
    // How far the module watches this fetch's abort for the signal: not yet, for the package's own
    // code only (a streamed query's stop, which leaves the fetch as it is), or because the query
    // function read it (the fetch then counts as one that uses its signal).
    let watched: 0 | 1 | 2 = 0;
    const signal = (use: boolean): AbortSignal => {
      if (controller === undefined) controller = new AbortController();
      const made = controller;
      const level = use ? 2 : 1;
      // Settled, the fetch is over: nothing aborts it any more. The getter never throws (as
      // query-core's): a watch the module refuses now (a read from inside a fast reducer, at the
      // edge of the stack) is asked again once the current task's code has run.
      if (watched < level && !answer.settled) {
        watched = level;
        // No reason given, as query-core: the signal's reason is the platform's AbortError, what
        // fetch(url, {signal}) rejects with and code checking `e.name === "AbortError"` expects.
        // (Watched twice, without use then with, it aborts once: abort() again does nothing.)
        const abort = (): void => made.abort();
        try {
          watchAbort(completion, abort, use);
        } catch {
          queueMicrotask(() => {
            try {
              if (!answer.settled) watchAbort(completion, abort, use);
            } catch {
              // refused twice: this fetch's request is not aborted by a cancel
            }
          });
        }
      }
      return made.signal;
    };
    const answer = answerTo(core, completion, false, true);
    const { resolve, reject } = answer;
    // As query-core, what the query function returns or throws at once is awaited too: the fetch
    // completes after the current operation, never inside it (a refetch asked for meanwhile shares it).
    let promise: PromiseLike<unknown>;
    try {
      if (typeof queryFn !== "function") {
        // query-core's words: the query fails (after its retries) instead of waiting for ever.
        throw missingQueryFn(queryKey as QueryKey);
      }
      const out = queryFn(FetchSignal.context({ client: core.client, queryKey, meta: meta ?? undefined }, signal) as never);
      promise = thenable(out) ? out : Promise.resolve(out);
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise.then(
      // query-core's error, raised after its retryer: another attempt is not made.
      (data) => (data === undefined ? undefinedData(queryKey as QueryKey, reject) : resolve(data)),
      (e) => reject(e),
    );
  });
}

/**
 * A query function resolved `undefined`: query-core's log and error (raised after its retryer:
 * another attempt is not made). query-core logs in development builds only; this package has one
 * build, and the log names a bug in the app, so it always logs.
 */
function undefinedData(queryKey: QueryKey, reject: Answer["reject"]): void {
  const hash = hashKey(queryKey);
  console.error(`Query data cannot be undefined. Please make sure to return a value other than undefined from your query function. Affected query key: ${hash}`);
  reject(new Error(`${hash} data is undefined`), true);
}

// The context a query function receives, as query-core's: client, queryKey, meta (own data
// members, made by a literal: an assignment would run a setter an app planted on Object.prototype),
// then an own enumerable `signal` getter. The getter is one function for every context, finding
// its fetch in a class-private field added to the plain object: an object literal's own
// `get signal()` made a getter per fetch (~600 ns, a fifth of a fetch's JavaScript) and left the
// context in dictionary mode for the query function's reads.
export class FetchSignal extends Shell {
  readonly #signal: (use: boolean) => AbortSignal;
  private constructor(context: object, signal: (use: boolean) => AbortSignal) {
    super(context);
    this.#signal = signal;
  }
  /** Gives `members` (an object literal the caller made) the `signal` getter of fetch `signal`. */
  static context<T extends object>(members: T, signal: (use: boolean) => AbortSignal): T {
    Object.defineProperty(members, "signal", signalProperty);
    new FetchSignal(members, signal);
    return members;
  }
  /** `members` with the signal getter of `context`'s fetch, not reading it (an infinite query's page context). */
  static derive<T extends object>(context: object, members: T): T {
    return FetchSignal.context(members, FetchSignal.#of(context).#signal);
  }
  /** The signal of the fetch `context` belongs to: its own, or its prototype chain's (Object.create(ctx)). */
  static read(context: object): AbortSignal {
    return FetchSignal.#of(context).#signal(true);
  }
  /**
   * The same signal, without counting as the query function's use of it (query-core's
   * fetchSignal): the package's own code stops on a cancel, and losing the last observer still
   * leaves a fetch whose function never read its signal to complete. Undefined for a context this
   * package did not make.
   */
  static peek(context: object): AbortSignal | undefined {
    const found = FetchSignal.#find(context);
    return found === undefined ? undefined : found.#signal(false);
  }
  static #of(context: object): FetchSignal {
    const found = FetchSignal.#find(context);
    if (found === undefined) throw new TypeError("signal: not a query function's context");
    return found;
  }
  static #find(context: object): FetchSignal | undefined {
    for (let o: object | null = context; o !== null; o = Object.getPrototypeOf(o)) {
      if (#signal in o) return o as FetchSignal;
    }
    return undefined;
  }
}

// With no prototype: defineProperty reads a descriptor's fields through its prototype chain, and a
// `value` or `set` an app planted on Object.prototype would fail every fetch or hijack the setter.
const signalProperty: PropertyDescriptor = Object.setPrototypeOf(
  {
    enumerable: true,
    get(this: object): AbortSignal {
      return FetchSignal.read(this);
    },
  },
  null,
);

/**
 * Has the module call `abort` when fetch `completion` is aborted (at once if it was already);
 * `use`: the query function read its signal (the fetch becomes one that uses it).
 */
function watchAbort(completion: number, abort: () => void, use: boolean): void {
  callWith(() => {
    enter(false);
    try {
      check(api.mfs_complete_watch_abort(completion, fn(abort), use ? 1 : 0));
    } finally {
      leave();
    }
  });
}

/** Milliseconds for the module: Infinity crosses as Number.MAX_SAFE_INTEGER, which it takes as "never" (wasm/query_abi.cpp, millis). */
function ms(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return v === Infinity ? Number.MAX_SAFE_INTEGER : v;
}

type FunctionOption = "staleTime" | "enabled" | "refetchInterval" | "refetchOnMount" | "refetchOnWindowFocus" | "refetchOnReconnect";

// What each option that may be a function of the query crosses as, from what the function (or the
// option itself) gives, with query-core's reading of odd values: a staleTime that is not a number
// or "static" is 0; only false disables; refetchInterval is a positive number or no polling; a
// refetchOn* other than false or "always" refetches when stale.
const crossing: Record<FunctionOption, (v: unknown) => unknown> = {
  staleTime: (v) => (typeof v === "number" ? ms(v) : v === "static" ? v : 0),
  enabled: (v) => v !== false,
  refetchInterval: (v) => (typeof v === "number" && v > 0 ? ms(v) : false),
  refetchOnMount: refetchOnCrossing,
  refetchOnWindowFocus: refetchOnCrossing,
  refetchOnReconnect: refetchOnCrossing,
};

function refetchOnCrossing(v: unknown): unknown {
  return v === "always" ? v : v !== false;
}

/**
 * Puts option `name` into `out`: a value as it crosses, or a function of the query as the id of a
 * trampoline under `<name>Fn`. The module calls it with the query's key, state and observer count;
 * it calls the function the options hold *now* (`latest`: a new inline function each render is the
 * one called). What the function throws is reported after the call (as an uncaught error) and
 * the option's default is used: a throw cannot cross back into the module's bookkeeping.
 */
function queryOption(
  out: Record<string, unknown>,
  o: Partial<QueryObserverOptions<any, any, any, any>>,
  latest: (() => Partial<QueryObserverOptions<any, any, any, any>>) | undefined,
  name: FunctionOption,
): void {
  const given = o[name] as unknown;
  if (given === undefined) return;
  const cross = crossing[name];
  if (typeof given !== "function") {
    // A value is checked by the module (a wrong one is a clear error there), except Infinity,
    // which JSON cannot carry.
    out[name] = typeof given === "number" ? ms(given) : given;
    return;
  }
  out[`${name}Fn`] = fn(() => {
    const queryKey = readValue() as QueryKey;
    const state = readState();
    const observers = readValue() as number;
    let value: unknown;
    try {
      value = resolveQueryOption(latest ? latest()[name] : given, queryKey, state, observers);
    } catch (e) {
      value = undefined;
      reportUncaught(e);
    }
    stageValues(cross(value));
  });
}

/**
 * The options object the module takes, from query-core's names. Functions become ids (call it
 * inside callWith). `queryFnOf` gives the query function at fetch time; `latest`, the options an
 * observer holds now (its option functions are called from there).
 */
/** Options whose refetchOnReconnect defaultQueryOptions filled in with the default (see optionsValue). */
export const reconnectFilledIn = new WeakSet<object>();

/**
 * An app's options (defaultQueryOptions' merge) whose query function is the shell's default for
 * their key: the module takes that function from the shell's defaults (set_query_defaults,
 * mfs_client_set_default_options), so it is not the app's and the app's end does not stop a
 * fetch running it.
 */
export const shellQueryFn = new WeakSet<object>();

export function optionsValue(
  core: ClientCore,
  o: Partial<QueryObserverOptions<any, any, any, any>>,
  queryFnOf?: () => ((ctx: never) => unknown) | undefined,
  latest?: () => Partial<QueryObserverOptions<any, any, any, any>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.queryKey !== undefined) out.queryKey = keyArg(o.queryKey);
  const skip = o.queryFn === skipToken;
  if (core.kind === "app" && shellQueryFn.has(latest ? latest() : o)) {
    // not sent: the module's defaults for the key give the shell's own
  } else if (o.queryFn !== undefined || queryFnOf) {
    out.queryFn = fetcherFn(core, queryFnOf ?? (() => (skip ? undefined : (o.queryFn as never))));
  }
  queryOption(out, o, latest, "staleTime");
  if (o.gcTime !== undefined) out.gcTime = ms(o.gcTime);
  retryFields(out, o.retry as RetryValue<Error>, o.retryDelay as RetryDelayValue<Error>);
  if (o.networkMode !== undefined) out.networkMode = o.networkMode;
  if (o.initialData !== undefined) {
    const data = typeof o.initialData === "function" ? (o.initialData as () => unknown)() : o.initialData;
    if (data !== undefined) out.initialData = data;
  }
  if (o.initialDataUpdatedAt !== undefined) {
    const at = typeof o.initialDataUpdatedAt === "function" ? (o.initialDataUpdatedAt as () => number | undefined)() : o.initialDataUpdatedAt;
    if (at !== undefined) out.initialDataUpdatedAt = at;
  }
  if (typeof o.structuralSharing === "boolean") out.structuralSharing = o.structuralSharing;
  if (o.meta !== undefined) out.meta = o.meta;
  if (skip) out.enabled = false;
  else queryOption(out, o, latest, "enabled");
  queryOption(out, o, latest, "refetchInterval");
  if (o.refetchIntervalInBackground !== undefined) out.refetchIntervalInBackground = o.refetchIntervalInBackground;
  queryOption(out, o, latest, "refetchOnMount");
  queryOption(out, o, latest, "refetchOnWindowFocus");
  // One defaultQueryOptions filled in (query-core's default, nothing set for the key anywhere) is
  // the module's own default: not sent.
  if (!reconnectFilledIn.has(o)) queryOption(out, o, latest, "refetchOnReconnect");
  if (o.retryOnMount !== undefined) out.retryOnMount = o.retryOnMount;
  return out;
}

/** The filters object the module takes. */
export function filtersValue(f: QueryFilters | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!f) return out;
  if (f.queryKey !== undefined) out.queryKey = keyArg(f.queryKey);
  if (f.exact !== undefined) out.exact = f.exact;
  if (f.type !== undefined) out.type = f.type;
  if (f.stale !== undefined) out.stale = f.stale;
  if (f.fetchStatus !== undefined) out.fetchStatus = f.fetchStatus;
  if (f.predicate) {
    const predicate = f.predicate;
    out.predicate = fn(() => {
      const key = readValue() as QueryKey;
      const state = readState();
      stageValues(Boolean(predicate(snapshot(key, state))));
    });
  }
  return out;
}

// ---- states and snapshots coming back ----

/** What a state and a result share (write_common in wasm/query_abi.cpp), in its order. */
interface Common {
  hasData: boolean;
  data: unknown;
  status: QueryStatus;
  fetchStatus: FetchStatus;
  error: Error | null;
  dataUpdatedAt: number;
  errorUpdatedAt: number;
  failureCount: number;
  failureReason: Error | null;
}

function readCommon(): Common {
  return {
    hasData: readValue() as boolean,
    data: readValue(),
    status: readValue() as QueryStatus,
    fetchStatus: readValue() as FetchStatus,
    error: readOptionalError(),
    dataUpdatedAt: readValue() as number,
    errorUpdatedAt: readValue() as number,
    failureCount: readValue() as number,
    failureReason: readOptionalError(),
  };
}

/** Reads the state fields the module writes (see write_state in wasm/query_abi.cpp). */
export function readState(): QueryState {
  const c = readCommon();
  const isInvalidated = readValue() as boolean;
  const dataUpdateCount = readValue() as number;
  const errorUpdateCount = readValue() as number;
  return Object.freeze({
    data: c.data as never,
    dataUpdateCount,
    dataUpdatedAt: c.dataUpdatedAt,
    error: c.error,
    errorUpdateCount,
    errorUpdatedAt: c.errorUpdatedAt,
    fetchFailureCount: c.failureCount,
    fetchFailureReason: c.failureReason,
    fetchMeta: null,
    isInvalidated,
    status: c.status,
    fetchStatus: c.fetchStatus,
  });
}

/** The state of a query the cache does not hold yet (what an option function or a cache event sees). */
export const pendingState: QueryState = Object.freeze({
  data: undefined,
  dataUpdateCount: 0,
  dataUpdatedAt: 0,
  error: null,
  errorUpdateCount: 0,
  errorUpdatedAt: 0,
  fetchFailureCount: 0,
  fetchFailureReason: null,
  fetchMeta: null,
  isInvalidated: false,
  status: "pending",
  fetchStatus: "idle",
});

/**
 * An option that may be a function of the query (staleTime, enabled, refetchOn*), resolved
 * against the query of `queryKey` as the cache holds it now (query-core's resolveStaleTime and
 * resolveEnabled); `state` undefined: the cache has no entry yet.
 */
export function resolveQueryOption(value: unknown, queryKey: QueryKey, state: QueryState | undefined, observers = 0): unknown {
  return typeof value === "function" ? value(snapshot(queryKey, state ?? pendingState, observers)) : value;
}

/** A read-only view of a cache entry for filters, predicates and QueryCache.find. */
/**
 * A frozen snapshot of one query. `stale`: the cache's judgement (by its observers' stale times);
 * without it, query-core's rule for a query nobody observes: stale when it has no data or is invalidated.
 */
export function snapshot(queryKey: QueryKey, state: QueryState, observers = 0, stale?: boolean): QuerySnapshot {
  const isStale = stale ?? (state.isInvalidated || state.data === undefined);
  return Object.freeze({
    queryKey,
    queryHash: hashKey(queryKey),
    state,
    isStale: () => isStale,
    isActive: () => observers > 0,
    isDisabled: () => observers === 0 && state.dataUpdatedAt === 0,
    getObserversCount: () => observers,
  });
}

/** The raw result an observer is told (see write_result in wasm/query_abi.cpp). */
export interface RawResult extends Common {
  isStale: boolean;
  isPlaceholderData: boolean;
  isFetched: boolean;
  isFetchedAfterMount: boolean;
  isInvalidated: boolean;
  isEnabled: boolean;
}

// Built as one literal naming every field, never as `{...common, more}`: V8 clones the spread's
// shape and then adds six fields, which on these objects (fields that change representation, null
// vs an Error, small integers vs timestamps) fell off its fast paths — up to ~30 µs a call in W4.
export function readRawResult(): RawResult {
  // readCommon's reads written out (in write_common's order: an object literal's members are
  // evaluated in order): through readCommon, each result made a second object only to copy it
  // (W4 reads two results an observer).
  return {
    hasData: readValue() as boolean,
    data: readValue(),
    status: readValue() as QueryStatus,
    fetchStatus: readValue() as FetchStatus,
    error: readOptionalError(),
    dataUpdatedAt: readValue() as number,
    errorUpdatedAt: readValue() as number,
    failureCount: readValue() as number,
    failureReason: readOptionalError(),
    isStale: readValue() as boolean,
    isPlaceholderData: readValue() as boolean,
    isFetched: readValue() as boolean,
    isFetchedAfterMount: readValue() as boolean,
    isInvalidated: readValue() as boolean,
    isEnabled: readValue() as boolean,
  };
}

/** A promise settled by the module's future: `settle` is the function id it calls. */
export function settlement<T>(core: ClientCore): { id: number; promise: Promise<T> } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const id = fn(() => {
    const ok = readValue() as boolean;
    if (ok) {
      resolve(readValue() as T);
    } else {
      const { code, message, detail } = readErrorFields();
      reject(errorOf(code, message, detail));
    }
  });
  void core;
  return { id, promise };
}
