// The bridge to the WebAssembly module: instantiation, the exchange buffer, values in and out,
// JavaScript functions the module calls, and errors. Nothing here is exported from the package:
// whoever could reach the module's exports could act as any app.
//
// Values cross as 32-bit words (wasm/bridge.hpp describes the format). Arrays and objects the module
// hands out become deeply frozen "twins" tied to their node by a slot, so an unchanged value keeps
// its identity, and a twin passed back in (a reducer's `{...state, count: 1}`) crosses as a slot
// reference: only what is new is converted.

import { MfstateError, type ErrorCode } from "./errors.js";

/** Where the module's bytes come from (createHost's `wasm` option). */
export type WasmSource =
  | string
  | URL
  | ArrayBuffer
  | ArrayBufferView
  | Response
  | WebAssembly.Module
  | Promise<Response>;

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  mfs_control(): number;
  mfs_reserve(words: number): number;
  mfs_stage(count: number, twin: number): number;
  mfs_unstage(keep: number): void;
  mfs_staged_count(): number;
  mfs_twins_dropped(): void;
  mfs_twins_live(): number;
  [name: string]: unknown;
}

/** The module's exports that take handles and return a status (0 or -1). */
export type Api = { [name: string]: (...args: number[]) => number };

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_INT = 3;
const TAG_DOUBLE = 4;
const TAG_STRING = 5;
const TAG_ARRAY = 6;
const TAG_OBJECT = 7;
const TAG_REF = 8;
const TAG_UNDEFINED = 9;

/** Deepest nesting a value crossing into the module may have (deeper is a depth_limit error). */
export const MAX_DEPTH = 512;

let exports: Exports | undefined;
export let api: Api = {} as Api;
let memory: WebAssembly.Memory;
let u32 = new Uint32Array(0);
let i32 = new Int32Array(0);
let u8 = new Uint8Array(0);
let grown = false;
/** How many times the module's memory has grown (diagnostics: growth must stay geometric). */
let growths = 0;
let controlWord = 0;
const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

// ---- the package's own lists ----

// Lists of the package's bookkeeping hold other apps' values and capabilities (every value handed
// out, actions being dispatched, App objects waiting to tell their subscribers). Writing an index
// an array does not have yet walks its prototypes, where any app can plant a setter on the page's
// one Array.prototype or Object.prototype (a setter on "0" received the first twin made). These
// lists have no prototype, and are changed by index only (append, takeFirst), never by methods a
// page could replace.
const arrayShift = Array.prototype.shift;

/** A list with no prototype (for the package's bookkeeping: see above). */
export function ownList<T>(): T[] {
  const a: T[] = [];
  Object.setPrototypeOf(a, null);
  return a;
}

/** Appends `x` to an ownList. */
export function append<T>(a: T[], x: T): void {
  a[a.length] = x;
}

/** Removes and returns the first element of an ownList. */
export function takeFirst<T>(a: T[]): T | undefined {
  return arrayShift.call(a) as T | undefined;
}

/** Removes and returns the last element of an ownList. */
export function takeLast<T>(a: T[]): T | undefined {
  const n = a.length;
  if (n === 0) return undefined;
  const x = a[n - 1];
  a.length = n - 1;
  return x;
}

/**
 * A reusable ownList with a count of its own, for the hot paths' short lists (the twins a write
 * makes, the parts a check finds): no allocation, no length changes (each costs more than what
 * it holds). clear() drops the references, so the list keeps no value alive.
 */
class Scratch<T> {
  readonly items: T[] = ownList();
  count = 0;
  add(x: T): void {
    this.items[this.count++] = x;
  }
  clear(): void {
    for (let i = 0; i < this.count; i++) this.items[i] = undefined as T;
    this.count = 0;
  }
}

// ---- twins ----
const twins: unknown[] = ownList();

// Each twin carries its slot in a class-private field (added to the object by the base-class
// return trick): invisible to reflection, unforgeable outside this module, and an order of
// magnitude cheaper than a WeakMap (whose entries would also wait for the collector). The same
// field marks a value the fast path checked (CHECKED, see TwinStamp.checked): one lookup tells a twin,
// a checked value and neither apart. Looking up a field an object lacks costs about three times a
// found one (10 ns against 3.5), and with a field per kind a store's state member was asked twice
// (W1, a three-member state: 321 -> 285 ns a dispatch with the one field).
//
// Under the TC39 proposal "nonextensible applies to private" (Stage 3,
// https://tc39.es/proposal-nonextensible-applies-to-private) adding a private field to a
// non-extensible object throws. So what the package makes and brands takes the field before it is
// frozen: a twin-to-be PENDING when it is made, its slot once the module tells it (assigning a field
// the object has stays allowed). What the fast path checks is the app's own object, maybe frozen by
// the app already (Immer, Redux Toolkit): where the engine follows the proposal (fieldsNeedExtensible)
// the field goes only to an extensible object, before the fast path freezes it, and one the app made
// non-extensible goes to checkedSealed. Elsewhere the fast path keeps its order, freezing first: the
// extensibility check is a runtime call in V8 and branding before freezing cost as much again (W1,
// both: 254 -> 272 ns a dispatch).
/** A base class whose constructor returns the object it is given: a subclass adds its private fields to that object. */
export class Shell {
  constructor(o: object) {
    return o;
  }
}
/** The stamp of a value the fast path checked (never a slot). */
const CHECKED = -2;
/** The stamp of a copy that becomes a twin once the module tells its slot (never a slot). */
const PENDING = -3;
/**
 * Values the fast path checked that the app had made non-extensible itself, where the engine refuses
 * them the field. Asked only for an object without the field. Its methods are its own, taken as the
 * package loads: an app that later replaces WeakSet.prototype.has cannot pass its values off as checked.
 */
const checkedSealed = new WeakSet<object>();
for (const method of ["has", "add", "delete"] as const) {
  Object.defineProperty(checkedSealed, method, { value: WeakSet.prototype[method] });
}

/** Adds a private field to what it is given (the proposal's probe). */
class FieldProbe extends Shell {
  #probe = 0;
  static had(o: object): boolean {
    return #probe in o;
  }
}
const frozenStrings = (strings: TemplateStringsArray): object => strings;
/**
 * Whether this engine refuses a private field to a non-extensible object: probed as the package
 * loads, on a template literal's strings (frozen by the language itself: no function a page could
 * have replaced takes part).
 */
let fieldsNeedExtensible = ((): boolean => {
  try {
    return !FieldProbe.had(new FieldProbe(frozenStrings``));
  } catch {
    return true;
  }
})();

/** For tests: the fast path as where the engine follows the proposal (true), or as it probed. */
export function assumeFieldsNeedExtensible(on: boolean): void {
  fieldsNeedExtensible = on || probedFieldsNeedExtensible;
}
const probedFieldsNeedExtensible = fieldsNeedExtensible;

class TwinStamp extends Shell {
  #slot: number;
  private constructor(o: object, slot: number) {
    super(o);
    this.#slot = slot;
  }
  /** The slot of a twin (current or not), CHECKED, PENDING, or -1 for an object with no stamp. */
  static get(o: object): number {
    return #slot in o ? (o as TwinStamp).#slot : -1;
  }
  /** Stamps a copy the package just made (extensible, without the field) that is to become a twin. */
  static pending(copy: object): void {
    new TwinStamp(copy, PENDING);
  }
  /** Gives a stamped object its slot, or stamps an object the package made and has not frozen yet. */
  static set(o: object, slot: number): void {
    if (#slot in o) (o as TwinStamp).#slot = slot;
    else new TwinStamp(o, slot);
  }
  /** A current twin or a checked value: deeply frozen JSON, not to be walked again. */
  static known(o: object): boolean {
    if (!(#slot in o)) return fieldsNeedExtensible && checkedSealed.has(o);
    const slot = (o as TwinStamp).#slot;
    return slot === CHECKED || twins[slot] === o;
  }
  /**
   * Stamps `o` checked, unless it is a current twin (which stays one) or checked already: after the
   * fast path froze it, where the engine lets a frozen object take the field (see checkedExtensible).
   */
  static checked(o: object): void {
    if (!(#slot in o)) new TwinStamp(o, CHECKED);
    // A twin no longer current (checkState walked it, or shallowState passed it): only what the
    // package makes becomes a twin, never an object it handed out, so it cannot become current again.
    else {
      const slot = (o as TwinStamp).#slot;
      if (slot !== CHECKED && twins[slot] !== o) (o as TwinStamp).#slot = CHECKED;
    }
  }
  /**
   * checked() where fieldsNeedExtensible, before the fast path freezes `o`: an object the app made
   * non-extensible itself goes to checkedSealed. A function of its own: with the branch in checked(),
   * V8 inlined the fast path's calls otherwise and W1 measured 6% slower.
   */
  static checkedExtensible(o: object): void {
    if (#slot in o) TwinStamp.checked(o);
    else if (Object.isExtensible(o)) new TwinStamp(o, CHECKED);
    else checkedSealed.add(o);
  }
  /** Takes back checked() from `o` when freezing it failed: it is not checked. */
  static unchecked(o: object): void {
    if (#slot in o) {
      if ((o as TwinStamp).#slot === CHECKED) (o as TwinStamp).#slot = PENDING;
    } else checkedSealed.delete(o);
  }
}

// A twin is current while twins[its slot] is still it: a released or reused slot makes the old
// twin a plain frozen object again.
function setTwin(slot: number, twin: object): void {
  twins[slot] = twin;
  TwinStamp.set(twin, slot);
}

function slotOf(x: object): number {
  const slot = TwinStamp.get(x);
  return slot >= 0 && twins[slot] === x ? slot : -1;
}

/** True for an object the module handed out (deeply frozen, tied to a live node). */
export function isTwin(value: unknown): boolean {
  return typeof value === "object" && value !== null && slotOf(value) >= 0;
}

// ---- the call protocol ----

/** Nesting of calls into the module (callbacks call back in). */
let depth = 0;
/** Bumped whenever the module may have changed state: caches of reads compare it. */
export let epoch = 1;
/**
 * A transaction frame the module rolled back has closed (tx_frames.ts sets it, by assignment: a
 * call there could fail at the edge of the stack) and the epoch has not moved since: a state or an
 * export read inside the frame may be what the rollback undid. The leave of the call the frame ran
 * in moves the epoch (or, when that leave could not run, the next entry or the turn's end: no other
 * app's code runs before one of those). Before, an app's getState read inside a transaction that
 * then threw kept answering the undone state, and its next fast dispatch wrote that state back into
 * the module (test/attack-rollback-reads.test.mjs).
 */
export const rolledBack = { pending: false };
/** Bumped by each call from the module into JavaScript (the query key table compares it). */
export let callbacks = 0;
const afterOutermost: Array<() => void> = [];
let draining = false;
/** Something was staged (mfs_stage) since the outermost leave last checked for leftovers. */
let stagedSince = false;

function refresh(): void {
  const buf = memory.buffer;
  u32 = new Uint32Array(buf);
  i32 = new Int32Array(buf);
  u8 = new Uint8Array(buf);
  grown = false;
}

function views(): void {
  if (grown || u32.length === 0) refresh();
}

/** Work to run once the outermost call into the module has returned (timers, releases). */
export function whenIdle(fn: () => void): void {
  if (depth === 0) fn();
  else afterOutermost.push(fn);
}

// Values being written into the exchange buffer now. Writing a value runs user code (getters, Proxy
// traps); a call into the module from there would write its own arguments or results over the
// half-written value and move `pos`, desynchronising the words the module then decodes. A hostile
// app used that to make its own string bytes decode as a tag_ref to another app's private state
// (test/attacks.test.mjs, "re-entering the module from a getter"): such calls are refused.
let writing = 0;

function refuseWhileWriting(): void {
  throw new MfstateError(
    "refused",
    "mfstate is reading a value being passed to it (a getter or Proxy ran): it cannot be called from there",
  );
}

// Set while some store holds a state its dispatches made in JavaScript alone (App's fast path):
// it writes those states into the module, so whatever enters next sees them.
let beforeEntering: (() => void) | null = null;

/** Runs `sync` once, before the next call into the module (see beforeEntering). */
export function syncBeforeEntering(sync: () => void): void {
  beforeEntering = sync;
}

// While a reducer runs on a store's fast path (App.dispatch), a call into the module makes it step
// aside: the call is refused before it does anything, and the action runs again through the
// module, where that call (a command to its own store, a send, an unmount) happens once and is
// ordered as the module orders it. Page-wide: a call into another host's part of the module
// would run twice as well (App.#fastAllowed keeps another host's dispatch off its fast path then).
let fastReducers = 0;
let steppedAside = false;

/** A fast-path reducer starts (+1) or ends (-1). */
export function fastReducer(delta: 1 | -1): void {
  if (delta === 1) watchTurn();
  fastReducers += delta;
}

// A finally that could not make its call (at the edge of the stack, where a hostile app can call
// on purpose) would leave a count raised for good: with `depth` raised every later call would
// believe itself nested (timers wait for an outermost leave that never comes, a plain delivery's
// hold keeps every app's notifications), with `fastReducers` raised every call would be refused.
// Between two turns of the event loop nothing of ours can be running, so a microtask queued by
// the first such count raised in a turn puts right whatever is still raised then.
let turnWatched = false;

function watchTurn(): void {
  if (turnWatched) return;
  // Queued first, then noted: a queueMicrotask that fails at the edge of the stack, once noted
  // as queued, left no turn watched for good (nothing put right, nothing told at a turn's end).
  queueMicrotask(endOfTurn);
  turnWatched = true;
}

function endOfTurn(): void {
  turnWatched = false;
  if (rolledBack.pending) {
    rolledBack.pending = false;
    epoch++;
  }
  try {
    if (depth === 0 && fastReducers === 0 && holdFor === 0 && heldHost === 0) return;
    depth = 0;
    fastReducers = 0;
    holdFor = 0;
    try {
      endHold();
    } finally {
      leftOutermost();
    }
  } finally {
    try {
      turnEnd?.();
    } finally {
      if (keptHolds.size !== 0) endKeptHolds();
    }
  }
}

// Run at the end of a watched turn, once the counts are right (App: what a fast batch cut short at
// the edge of the stack had still to tell).
let turnEnd: (() => void) | null = null;

/** Runs `fn` at the end of every turn in which the package ran a fast reducer or entered the module. */
export function atTurnEnd(fn: () => void): void {
  turnEnd = fn;
}

/** Whether a call into the module was refused since the last time this was asked. */
export function takeSteppedAside(): boolean {
  const was = steppedAside;
  steppedAside = false;
  return was;
}

// A plain message delivered in JavaScript (App.emit): the module runs none of it, but what its
// listeners do in the module must be told after the delivery, as when the module delivers. So the
// first call a listener makes into the module first has the module hold the host's notifications
// (Host::hold_notifications), and the delivery's leave ends the hold. A delivery whose listeners
// stay in JavaScript never calls the module. The hold is made and ended by a call with nothing to
// read back (at the edge of the stack, reading a handle could fail after the module held), and
// one that could not be ended (no stack left) is ended by the next call into the module: a hold
// left in place would keep every app's notifications for good. Page-wide, though each host has its
// batch of fast-path work (App's FastBatch): a plain delivery is always the outermost call (it
// starts only when no call is under way, and counts as one), so one hold at most is pending, and
// it names the one host whose notifications it keeps; another host's are not held, as in the module.
let holdFor = 0; // the host whose notifications the next entry holds
let heldHost = 0; // the host whose notifications are held, until their end has run
let endingHold = false;
// Hosts whose hold a delivery made from their batch of fast-path work kept past its end (see
// leavePlain): ended when that batch reaches the point the delivery ended at (endKeptHold). A set:
// a subscriber of one host's batch can start another host's batch, whose delivery keeps its own.
const keptHolds = new Set<number>();
/** Whether some hold is kept (keptHolds is not empty): read by App on every fast telling. */
export let holdKept = false;
/**
 * While a kept hold ends: what the module held is told now, after the batch told what it queued
 * before, and a store told meanwhile may have been told this very change (App.#toldState).
 */
export let endingKeptHold = false;

// Entries into the module so far: a plain delivery none of whose listeners entered it has nothing
// to do when it ends.
let entries = 0;

/**
 * A plain message's delivery on host `host` starts, as the outermost call: it counts as a call
 * under way (nothing else is plain, no store's dispatch fast, meanwhile), and the first call a
 * listener makes into the module holds the host's notifications (holdFor). Returns what
 * leavePlain needs. Unlike enter, it writes no pending store state: a listener's own call does.
 */
export function enterPlain(host: number): number {
  if (abandonedBy !== null) refuseAbandoned(abandonedBy.error);
  if (depth === 0) enteringOutermost();
  depth++;
  holdFor = host;
  return entries;
}

// An outermost call starts: the turn's check is queued, and a hold a leave could not end is ended.
function enteringOutermost(): void {
  watchTurn();
  if (heldHost !== 0 || holdFor !== 0) endHold();
}

/**
 * The delivery ends: when a listener entered the module, what the hold kept is told, unless
 * `inBatch` (the delivery is an item of its host's batch of fast-path work, see App's FastBatch):
 * then the hold is kept, and the host returned, for the batch to end it (endKeptHold) once it has
 * told what it queued before; 0 when nothing was held, or the host's hold is kept already.
 */
export function leavePlain(mark: number, inBatch: boolean): number {
  depth--;
  if (entries === mark && afterOutermost.length === 0) {
    holdFor = 0;
    return 0;
  }
  let kept = 0;
  // What the listeners published through the module: through the module, the batch delivering
  // this message would queue it behind the stores and messages queued before it (the batch's
  // stores are told after a round, never inside it); ended here, the hold told it before them.
  if (inBatch && heldHost !== 0 && depth === 0) {
    if (!keptHolds.has(heldHost)) keptHolds.add((kept = heldHost));
    holdKept = true;
    heldHost = 0;
  }
  afterLeaving();
  return kept;
}

function endHold(): void {
  holdFor = 0;
  if (heldHost === 0 || endingHold) return;
  endingHold = true;
  try {
    // A kept hold of the host ends too: the module ends every hold of the host.
    const wasKept = keptHolds.delete(heldHost);
    holdKept = keptHolds.size !== 0;
    endingKeptHold = wasKept;
    const status = api.mfs_host_hold(heldHost, 0);
    heldHost = 0; // ended (every hold of the host): its notifications told, what they threw went to the shell
    if (status < 0) throw readError();
  } finally {
    endingHold = false;
    endingKeptHold = false;
  }
}

/**
 * Ends the hold a delivery kept on `host` for its batch (leavePlain): what it held is told now.
 * Made while no call into the module is under way (a batch tells only then; a state about to be
 * written ends it from a listener of a plain delivery at most). Nothing to do when it ended
 * already (the host's next delivery outside a batch, a state written, the end of the turn).
 */
export function endKeptHold(host: number): void {
  if (!keptHolds.delete(host)) return;
  holdKept = keptHolds.size !== 0;
  const outer = endingKeptHold;
  endingKeptHold = true;
  try {
    const status = api.mfs_host_hold(host, 0);
    if (status < 0) throw readError();
  } finally {
    endingKeptHold = outer;
    afterLeaving();
  }
}

// Ends the kept holds of the hosts `which` names (every one by default): before a fast-path
// state is written into the module, those of the hosts the states are of (the write's
// notification, held, would come after the write stopped ignoring it, and the store that was told
// in its batch would be told again: "told once" in test/bus-plain-path.test.mjs); and at the end
// of the turn (a batch cut short at the edge of the stack may never reach the point).
function endKeptHolds(which?: (host: number) => boolean): void {
  for (const host of Array.from(keptHolds)) if (which === undefined || which(host)) endKeptHold(host);
}

// Whether a state waiting to be written into the module is one of host `host`'s (App: its apps
// whose fast-path state is newer than the module's).
let pendingOn: (host: number) => boolean = () => true;

/** Says which hosts have a state waiting to be written (see syncBeforeEntering). */
export function pendingStatesOn(which: (host: number) => boolean): void {
  pendingOn = which;
}

// ---- a module whose frames were abandoned ----

// A call into the module that runs out of stack inside it (or traps) ends with its C++ frames
// abandoned: WebAssembly cannot catch a stack overflow, so no destructor runs, and what those frames
// were changing (a host's notification batch, a store's dispatch, the allocator's lists) stays
// half-changed. An app can do that on purpose: recurse until the stack is nearly full, then call
// mfstate. Carrying on would silently lose every app's notifications of that host, or worse; so the
// module is not used again: every later call throws, naming the first failure.
let abandonedBy: { error: unknown } | null = null;
// Told once when the module stops (each host's error handler): an app that only listens would
// otherwise just stop hearing.
const stopListeners = new Set<(error: MfstateError) => void>();

/** Calls `listener` once if the module stops (see abandonedBy); returns its remover. */
export function onModuleStop(listener: (error: MfstateError) => void): () => void {
  stopListeners.add(listener);
  return () => stopListeners.delete(listener);
}

function stopped(error: unknown): void {
  if (abandonedBy !== null) return;
  abandonedBy = { error };
  // In a microtask: not on the stack that just ran out, and not inside whatever call failed.
  queueMicrotask(() => {
    for (const listener of Array.from(stopListeners)) {
      try {
        listener(stoppedError(error));
      } catch {
        // a handler's own failure is its own
      }
    }
  });
}

function guardExports(ex: Exports): Exports {
  const guarded: Exports = Object.create(null);
  for (const name of Object.keys(ex)) {
    const f = ex[name];
    if (typeof f === "function" && f.length > 3) throw new MfstateError("internal", `mfstate bridge: export ${name} takes ${f.length} parameters; the guard passes 3`);
    guarded[name] = typeof f === "function" ? guardExport(f as (a?: number, b?: number, c?: number) => number) : f;
  }
  return guarded;
}

// Three parameters: the most any export takes (those it does not take are ignored).
function guardExport(f: (a?: number, b?: number, c?: number) => number): (a?: number, b?: number, c?: number) => number {
  return (a, b, c) => {
    clockRead = false;
    try {
      return f(a, b, c);
    } catch (e) {
      stopped(e);
      throw e;
    }
  };
}

function stoppedError(error: unknown): MfstateError {
  return new MfstateError(
    "internal",
    `mfstate's module stopped: a call ran out of stack inside it (or trapped), which leaves its state unknown, so it is not used again (reload the page). The first failure: ${messageOf(error)}`,
    { cause: error },
  );
}

function refuseAbandoned(error: unknown): never {
  throw stoppedError(error);
}

/** Throws what enter would refuse a call with now, entering nothing. */
export function refuseUnlessCallable(): void {
  if (abandonedBy !== null) refuseAbandoned(abandonedBy.error);
  if (writing !== 0) refuseWhileWriting();
  if (fastReducers !== 0) {
    steppedAside = true;
    throw new MfstateError("refused", "a reducer called mfstate on the fast path: the action runs again through the module");
  }
}

/** Enters the module: callers pair it with leave() in a finally. */
export function enter(mutates = true): void {
  refuseUnlessCallable();
  if (depth === 0) enteringOutermost();
  if (beforeEntering !== null && keptHolds.size !== 0) endKeptHolds(pendingOn);
  if (beforeEntering !== null) {
    const sync = beforeEntering;
    beforeEntering = null;
    // Written before a plain delivery's hold is taken, not under it (the write is no listener's
    // call): held, the write's notification came once the hold ended, after the write had stopped
    // ignoring it, so a store changed on the fast path and told already in its batch was told that
    // change again (test/bus-plain-path.test.mjs, "told once"). Put back by assignment.
    const hold = holdFor;
    holdFor = 0;
    try {
      sync(); // re-arms itself when it fails and leaves something pending
    } finally {
      holdFor = hold;
    }
  }
  if (holdFor !== 0) {
    const host = holdFor;
    const status = api.mfs_host_hold(host, 1);
    // No call between the export's return and these: one failing for want of stack would lose the hold.
    holdFor = 0;
    heldHost = status < 0 ? 0 : host;
    if (status < 0) throw readError();
  }
  if (mutates) {
    epoch++;
  } else if (rolledBack.pending) {
    rolledBack.pending = false;
    epoch++;
  }
  entries++;
  depth++;
}

/** No call into the module is under way (nor a value being written into it). */
export function idle(): boolean {
  return depth === 0 && writing === 0;
}

/** idle(), and no reducer runs on a store's fast path (which a call into the module makes step aside). */
export function idleOutsideReducers(): boolean {
  return depth === 0 && writing === 0 && fastReducers === 0;
}

/**
 * Leaves the module. Small on purpose: it is called from a finally, where at the edge of the stack
 * a call can fail to start; the smaller its frame, the rarer that is (what it leaves raised is put
 * right at the turn's end: watchTurn).
 */
export function leave(): void {
  depth--;
  afterLeaving();
}

function afterLeaving(): void {
  if (rolledBack.pending) {
    rolledBack.pending = false;
    epoch++;
  }
  views();
  if (u32[controlWord + 3] !== 0) dropReleased();
  if (depth === 0) {
    try {
      // A plain message's delivery was the outermost call: what its listeners caused is told now.
      if (holdFor !== 0 || heldHost !== 0) endHold();
    } finally {
      leftOutermost();
    }
  }
}

function leftOutermost(): void {
  // Nothing may stay staged once the outermost call has returned: values staged for an export
  // that then was not called (or failed before taking them) would stay on the module's stack,
  // never freed, and a later export taking more than its caller staged would read them. Asked
  // only after something was staged: a dispatch or an emit stages nothing.
  if (stagedSince) {
    stagedSince = false;
    if (exports!.mfs_staged_count() !== 0) exports!.mfs_unstage(0);
  }
  if (errorReleases.length !== 0) flushErrorReleases();
  // Drained by the outermost leave only: work that calls the module leaves again at depth 0, and
  // draining there too recursed once per queued item (20,000 timers firing in one advance
  // overflowed the stack).
  if (!draining) {
    draining = true;
    try {
      while (afterOutermost.length !== 0) {
        const fn = afterOutermost.shift()!;
        fn();
      }
    } finally {
      draining = false;
    }
  }
}

/**
 * Arms a module timer: `schedule(id)` is the export call that schedules JavaScript function `id`
 * (`api.mfs_app_schedule_after(h, ms, id)`, say). Returns the timer's subscription handle. A timer
 * that fired ends its subscription too, through `ender()` (the caller's ender of that handle, made
 * once this returns): its entry in the module's handle table, and the callback, were otherwise
 * kept for good, one per timer that ever fired.
 */
export function scheduleTimer(schedule: (fnId: number) => number, callback: () => void, ender: () => (() => void) | undefined): number {
  let sub = 0;
  enter();
  try {
    callWith(() => {
      const id = fn(() => {
        whenIdle(() => ender()?.());
        callback();
      });
      check(schedule(id));
      sub = result() as number;
    });
  } finally {
    leave();
  }
  return sub;
}

/** Ends module subscription `sub` (a handle an export returned) once, whenever it is first called. */
export function unsubscriber(sub: number): () => void {
  let done = false;
  return () => {
    if (done) return;
    enter(); // may refuse (called from a getter while a value is written): then it can be called again
    done = true;
    try {
      check(api.mfs_unsubscribe(sub));
    } finally {
      leave();
    }
  };
}

/** Throws the error an export reported (status -1). */
export function check(status: number): void {
  if (status < 0) throw readError();
}

function dropReleased(): void {
  const count = u32[controlWord + 3];
  const at = u32[controlWord + 2] >>> 2;
  for (let i = 0; i < count; i++) {
    twins[u32[at + i]] = undefined;
  }
  exports!.mfs_twins_dropped();
}

// ---- writing (JavaScript -> module) ----

let base = 0; // word index of the buffer's start
let cap = 0; // its capacity in words
let pos = 0; // words written
let newTwins: Scratch<object> | null = null;

function bufferAt(): void {
  views();
  base = u32[controlWord] >>> 2;
  cap = u32[controlWord + 1];
}

function need(words: number): void {
  if (pos + words <= cap) return;
  exports!.mfs_reserve((pos + words) * 2);
  refresh();
  bufferAt();
}

/**
 * Tells the module where the arguments just written end (Control.written): an export that decodes
 * them straight from the buffer refuses to act unless its reading ends exactly there.
 */
function sealArgs(): void {
  u32[controlWord + 4] = pos;
}

/** Starts writing arguments at the buffer's start. */
export function begin(): void {
  if (writing !== 0) refuseWhileWriting();
  bufferAt();
  pos = 0;
}

export function writeNull(): void {
  need(1);
  u32[base + pos++] = TAG_NULL;
}

export function writeUndefined(): void {
  need(1);
  u32[base + pos++] = TAG_UNDEFINED;
}

export function writeBool(b: boolean): void {
  need(1);
  u32[base + pos++] = b ? TAG_TRUE : TAG_FALSE;
}

export function writeNumber(n: number): void {
  need(3);
  if ((n | 0) === n && !Object.is(n, -0)) {
    u32[base + pos++] = TAG_INT;
    i32[base + pos++] = n;
  } else {
    f64[0] = n;
    u32[base + pos++] = TAG_DOUBLE;
    u32[base + pos++] = f64Words[0];
    u32[base + pos++] = f64Words[1];
  }
}

function writeBytes(s: string): number {
  const n = s.length;
  need(1 + ((n * 3 + 3) >>> 2));
  const at = (base + pos) * 4;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    u8[at + i] = c;
  }
  if (i === n) return n;
  return encoder.encodeInto(s, u8.subarray(at, at + n * 3)).written;
}

// Positions are kept relative to the buffer's start: writing may grow (and move) the buffer.

// A header word keeps a length or count in its upper 28 bits: a longer one would wrap, and the
// module would decode the rest of the value (a string's bytes, an array's later elements) as
// further values: words the writer chose, such as a tag_ref to another app's state. Refused first.
export const MAX_LENGTH = 0x0fffffff;

export function tooLong(what: string, n: number): never {
  throw new MfstateError("invalid_argument", `mfstate cannot carry ${what} of ${n} (at most ${MAX_LENGTH})`);
}

export function writeString(s: string): void {
  if (s.length > MAX_LENGTH) tooLong("a string of length", s.length);
  need(1);
  const head = pos++;
  const len = writeBytes(s);
  if (len > MAX_LENGTH) tooLong("a string of UTF-8 bytes", len);
  u32[base + head] = TAG_STRING | (len << 4);
  pos += (len + 3) >>> 2;
}

function writeKey(s: string): void {
  if (s.length > MAX_LENGTH) tooLong("a key of length", s.length);
  need(1);
  const head = pos++;
  const len = writeBytes(s);
  if (len > MAX_LENGTH) tooLong("a key of UTF-8 bytes", len);
  u32[base + head] = len;
  pos += (len + 3) >>> 2;
}

function pathOf(path: Array<string | number>): string {
  return path.length === 0 ? "the root" : "/" + path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

/**
 * A query key handed to the module inside a value the package writes (a filter's or an option's
 * `queryKey`, or a key alone): its numbers may be NaN or ±Infinity, which data may not (JSON has
 * neither). The module holds such a key as any key, every NaN as one NaN (docs/keys.md): so
 * `["k", NaN]` is its own key, never `["k", null]`. Read where a value that is no plain object is
 * already refused, so writing anything else costs nothing more.
 */
class KeyArg {
  constructor(readonly key: unknown) {}
}
const keyArgProto = KeyArg.prototype;

/** `key` marked as a query key for the module (see KeyArg). */
export function keyArg(key: unknown): unknown {
  return new KeyArg(key);
}

// Keys being written (a KeyArg, or writeKeyAndTwinnedData's key): their numbers may be non-finite.
let keyWrites = 0;

function notJson(what: string, path: Array<string | number>): never {
  throw new MfstateError(
    "invalid_argument",
    `mfstate holds JSON data: got ${what} at ${pathOf(path)} (convert it first, e.g. a Date to date.toISOString())`,
  );
}

function describe(x: object): string {
  const ctor = (x as { constructor?: { name?: string } }).constructor;
  return ctor && ctor.name ? `a ${ctor.name}` : "an object with a custom prototype";
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

/**
 * Gives plain object `o` its own member `k`. An assignment would reach a setter (or a read-only
 * member) any app can define on the page's one Object.prototype: it read values other apps
 * exchanged (a command's session token) and kept them from arriving. Only names Object.prototype
 * has take the slower definition.
 */
export function setOwn(o: object, k: string, v: unknown): void {
  if (k in Object.prototype) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else (o as Record<string, unknown>)[k] = v;
}

/** setOwn for element `i` of an array made with `new Array(n)` (its holes reach the prototypes). */
export function setOwnIndex(a: unknown[], i: number, v: unknown): void {
  if (i in Array.prototype) Object.defineProperty(a, i, { value: v, writable: true, enumerable: true, configurable: true });
  else a[i] = v;
}

// Writes `x`; returns its twin (arrays and objects when twinning) or the primitive itself. A twin
// is what the module holds: its strings and member names with a lone surrogate as U+FFFD.
function writeAny(x: unknown, level: number, path: Array<string | number> | null): unknown {
  switch (typeof x) {
    case "string":
      writeString(x);
      return newTwins === null ? x : asModuleHoldsIt(x);
    case "number":
      if (!Number.isFinite(x) && keyWrites === 0) notJson(String(x), path ?? []);
      writeNumber(x);
      // The module holds -0 as the integer 0 (writeNumber): so does a twin.
      return x === 0 ? 0 : x;
    case "boolean":
      writeBool(x);
      return x;
    case "undefined":
      writeNull();
      return null;
    case "object":
      break;
    case "bigint":
      return notJson("a BigInt", path ?? []);
    default:
      return notJson(`a ${typeof x}`, path ?? []);
  }
  if (x === null) {
    writeNull();
    return null;
  }
  const slot = slotOf(x);
  if (slot >= 0) {
    need(1);
    u32[base + pos++] = TAG_REF | (slot << 4);
    return x;
  }
  if (level >= MAX_DEPTH) {
    throw new MfstateError("depth_limit", `a value nested deeper than ${MAX_DEPTH} levels (or a cycle) at ${pathOf(path ?? [])}`);
  }
  const twinning = newTwins !== null;
  if (Array.isArray(x)) {
    const n = x.length;
    if (!(n >= 0 && n <= MAX_LENGTH && Number.isInteger(n))) tooLong("an array of length", n);
    need(1);
    u32[base + pos++] = TAG_ARRAY | (n << 4);
    const copy: unknown[] | null = twinning ? new Array(n) : null;
    for (let i = 0; i < n; i++) {
      const t = writeAny(x[i], level + 1, path ? (path.push(i), path) : null);
      if (path) path.pop();
      if (copy) setOwnIndex(copy, i, t);
    }
    if (copy) {
      // Stamped before it is frozen (see TwinStamp): its slot is set once the module tells it.
      TwinStamp.pending(copy);
      Object.freeze(copy);
      newTwins!.add(copy);
      return copy;
    }
    return x;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) {
    if (proto === keyArgProto) return writeKeyArg(x as KeyArg, level, path);
    notJson(describe(x), path ?? []);
  }
  need(1);
  const head = pos++;
  let count = 0;
  const copy: Record<string, unknown> | null = twinning ? {} : null;
  // for-in, not Object.keys: V8 walks a plain object's keys from its enum cache and loads each
  // member by field index, where Object.keys makes an array and each load is a keyed lookup
  // (writing a nested five-member value: 645 -> 475 ns). The own-property check keeps it exact
  // when a page makes something on Object.prototype enumerable (for-in would list it).
  for (const k in x) {
    if (!hasOwnProperty.call(x, k)) continue;
    const v = (x as Record<string, unknown>)[k];
    if (v === undefined) continue; // as JSON: an undefined member is absent
    writeKey(k);
    const t = writeAny(v, level + 1, path ? (path.push(k), path) : null);
    if (path) path.pop();
    if (copy) setOwn(copy, asModuleHoldsIt(k), t);
    count++;
  }
  if (count > MAX_LENGTH) tooLong("an object with members", count);
  u32[base + head] = TAG_OBJECT | (count << 4);
  if (copy) {
    TwinStamp.pending(copy);
    Object.freeze(copy);
    newTwins!.add(copy);
    return copy;
  }
  return x;
}

/** writeAny of a key marked by keyArg: the key itself, non-finite numbers taken. */
function writeKeyArg(x: KeyArg, level: number, path: Array<string | number> | null): unknown {
  keyWrites++;
  try {
    return writeAny(x.key, level, path);
  } finally {
    keyWrites--;
  }
}

// ---- a store's state checked without the module (App's fast path) ----

// Values a reducer returned that the fast path checked and froze: JSON as the module holds it,
// kept for the app itself. Never twins: when the store's state is next written into the module, the
// module holds a copy of them (writeResult), and that copy is what other apps get. Branded in the
// twins' field (TwinStamp; a WeakSet's add cost a third of a fast dispatch), after freezing (where the
// engine follows the proposal, TwinStamp.checkedExtensible before freezing instead).

/**
 * Whether `x` can be a store's state as writeResult would take it (plain objects and arrays,
 * finite numbers, strings, booleans, null; undefined members, left out), deeply frozen now if so.
 * Twins and values checked before are not walked again, so a reducer's `{...state, count}` costs
 * its new object only. False when in doubt (too deep, a long string): the module's path then runs
 * the action and says exactly what is wrong.
 */
export function adoptState(x: unknown): boolean {
  // A root that is not an object: the module may hand back another value (-0 as 0, a lone
  // surrogate replaced), which only its path reports to the subscribers.
  if (typeof x !== "object" || x === null) return false;
  if (adoptShallow(x)) return true;
  const found = foundScratch;
  found.clear();
  if (!whileReading(x, found)) {
    found.clear();
    return false;
  }
  // Frozen only once the whole value passed: a value refused is left as the reducer returned it.
  // Nothing is left branded that is not frozen: branded once every part is frozen, or where the
  // engine wants the brand first (fieldsNeedExtensible), the brands taken back when a Proxy trap
  // throws (asked whether it is extensible, or on freezing).
  const first = fieldsNeedExtensible;
  try {
    if (first) for (let i = 0; i < found.count; i++) TwinStamp.checkedExtensible(found.items[i]);
    for (let i = 0; i < found.count; i++) Object.freeze(found.items[i]);
  } catch {
    if (first) for (let i = 0; i < found.count; i++) TwinStamp.unchecked(found.items[i]);
    found.clear();
    return false;
  }
  if (!first) for (let i = 0; i < found.count; i++) TwinStamp.checked(found.items[i]);
  found.clear();
  return true;
}

// The common case, a reducer's `{...state, count: state.count + 1}`: a plain object whose members
// are primitives or values checked before, adopted without the general walk's list and recursion
// (a third of a fast dispatch went there). False when it is not that case.
function adoptShallow(x: object): boolean {
  // whileReading's guard, written out for the hot path: through a helper shared with this check
  // (two targets at one call site) a fast dispatch measured 3-5% slower.
  let ok = false;
  writing++;
  try {
    ok = shallowState(x);
  } catch {
    ok = false;
  } finally {
    writing--;
  }
  if (!ok) return false;
  if (fieldsNeedExtensible) return brandThenFreeze(x);
  try {
    Object.freeze(x);
  } catch {
    return false;
  }
  TwinStamp.checked(x);
  return true;
}

// adoptShallow's end where the engine follows the proposal: the brand before freezing, taken back
// when a Proxy trap throws.
function brandThenFreeze(x: object): boolean {
  try {
    TwinStamp.checkedExtensible(x);
    Object.freeze(x);
  } catch {
    TwinStamp.unchecked(x);
    return false;
  }
  return true;
}

function shallowState(x: object): boolean {
  // A root already stamped (an earlier state, a twin) is not asked about first: one that passes is
  // stamped by TwinStamp.checked as the general walk would leave it (a current twin stays a twin, one no
  // longer current becomes checked, a checked one is left as it is), and asking cost a lookup that
  // misses on every new root (with the typeof tests below, W1: 273 -> 260 ns a dispatch).
  if (Object.getPrototypeOf(x) !== Object.prototype) return false;
  for (const k in x) {
    if (!hasOwnProperty.call(x, k)) continue;
    if (k.length > MAX_LENGTH / 3) return false;
    const v = (x as Record<string, unknown>)[k];
    // Comparisons of typeof with a literal, not a switch on it: V8 compiles those to a test of the
    // value's type, a switch to a call of its Typeof builtin for each member.
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return false;
    } else if (typeof v === "object") {
      if (v !== null && !TwinStamp.known(v)) return false;
    } else if (typeof v === "string") {
      if (v.length > MAX_LENGTH / 3) return false;
    } else if (typeof v !== "boolean" && typeof v !== "undefined") {
      return false;
    }
  }
  return true;
}

/**
 * Whether `x` would cross into the module as it is (an action's payload or meta on the fast path,
 * which the module's path would have written and refused): nothing is frozen. False when in doubt.
 */
export function isJson(x: unknown): boolean {
  if (typeof x !== "object" || x === null) return x === undefined || checkState(x, 0, jsonScratch);
  const ok = whileReading(x, jsonScratch);
  jsonScratch.clear();
  return ok;
}

/**
 * Checks `x` (checkState) as a write reads a value: a getter or Proxy trap calling mfstate
 * meanwhile is refused (the module's path then reports that), and whatever is thrown means "in
 * doubt" (false).
 */
function whileReading(x: unknown, found: Scratch<object>): boolean {
  writing++;
  try {
    return checkState(x, 0, found);
  } catch {
    return false;
  } finally {
    writing--;
  }
}


// The parts adoptState finds new, and a list isJson's check fills and forgets.
const foundScratch = new Scratch<object>();
const jsonScratch = new Scratch<object>();

function checkState(x: unknown, level: number, found: Scratch<object>): boolean {
  switch (typeof x) {
    case "string":
      return x.length <= MAX_LENGTH / 3; // its UTF-8 bytes fit a header word
    case "number":
      return Number.isFinite(x);
    case "boolean":
    case "undefined":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (x === null || TwinStamp.known(x)) return true;
  if (level >= MAX_DEPTH) return false;
  if (Array.isArray(x)) {
    const n = x.length;
    if (n > MAX_LENGTH) return false;
    for (let i = 0; i < n; i++) if (!checkState(x[i], level + 1, found)) return false;
  } else {
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const k in x) {
      if (!hasOwnProperty.call(x, k)) continue;
      if (k.length > MAX_LENGTH / 3 || !checkState((x as Record<string, unknown>)[k], level + 1, found)) return false;
    }
  }
  found.add(x);
  return true;
}

// ---- a message's payload copied without the module (App.emit's plain path) ----

/** plainCopy's answer when only the module's path can say what `x` becomes (or why it is refused). */
export const IN_DOUBT: unique symbol = Symbol("mfstate.inDoubt");

/**
 * `x` as the module would hand it to a message's subscribers: a deeply frozen copy of what is new,
 * with what the module handed out (twins) or already checked kept as they are; undefined members
 * left out, undefined as null. Getters and Proxy traps run once, as a write runs them (a call into
 * mfstate from one is refused; what one throws is thrown). IN_DOUBT for anything the module would
 * refuse or change (a non-finite number, -0, a string with a surrogate, a class instance, nesting
 * too deep): its path then runs them again, and says what is wrong.
 */
export function plainCopy(x: unknown): unknown {
  writing++;
  try {
    return copyPlain(x, 0);
  } finally {
    writing--;
  }
}

// Strings holding a surrogate: the module's UTF-8 turns a lone one into U+FFFD. A loop for short
// strings (most keys and values): a regular expression's call costs more than the scan.
const surrogate = /[\uD800-\uDFFF]/;

/** Whether `s` holds a surrogate (the module's UTF-8 turns a lone one into U+FFFD). */
export function holdsSurrogate(s: string): boolean {
  const n = s.length;
  if (n > 32) return surrogate.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` as the module holds it: a lone surrogate as U+FFFD (what TextEncoder writes). */
export function asModuleHoldsIt(s: string): string {
  return holdsSurrogate(s) ? s.replace(loneSurrogate, "\uFFFD") : s;
}

/** A number the module hands back as it is: finite, and not -0. */
function plainNumber(n: number): boolean {
  return n - n === 0 && (n !== 0 || 1 / n > 0);
}

function copyPlain(x: unknown, level: number): unknown {
  switch (typeof x) {
    case "string":
      return x.length > MAX_LENGTH / 3 || holdsSurrogate(x) ? IN_DOUBT : x;
    case "number":
      return plainNumber(x) ? x : IN_DOUBT;
    case "boolean":
      return x;
    case "undefined":
      return null;
    case "object":
      break;
    default:
      return IN_DOUBT;
  }
  if (x === null) return x;
  // What the module handed out is frozen: a caller's new object is not, and skips the brand check
  // (its call site, shared with every other value's, is megamorphic). A store's state the fast path
  // checked is copied like anything else: it is the reducer's own object (see writeResult).
  if (Object.isFrozen(x) && slotOf(x) >= 0) return x;
  if (level >= MAX_DEPTH) return IN_DOUBT;
  if (Array.isArray(x)) {
    const n = x.length;
    if (n > MAX_LENGTH) return IN_DOUBT;
    const copy: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = copyPlain(x[i], level + 1);
      if (v === IN_DOUBT) return IN_DOUBT;
      setOwnIndex(copy, i, v);
    }
    return Object.freeze(copy);
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return IN_DOUBT;
  const copy: Record<string, unknown> = {};
  for (const k in x) {
    if (!hasOwnProperty.call(x, k)) continue;
    const member = (x as Record<string, unknown>)[k];
    if (member === undefined) continue;
    if (k.length > MAX_LENGTH / 3 || holdsSurrogate(k)) return IN_DOUBT;
    let v: unknown;
    // A number member, the most common, without the call (a third of a one-member copy).
    if (typeof member === "number") {
      if (!plainNumber(member)) return IN_DOUBT;
      v = member;
    } else {
      v = copyPlain(member, level + 1);
      if (v === IN_DOUBT) return IN_DOUBT;
    }
    // setOwn written out: its store site, shared with every value read from the module, is
    // megamorphic once a page has read a few shapes (W6 after the other workloads: +20%).
    if (k in Object.prototype) Object.defineProperty(copy, k, { value: v, writable: true, enumerable: true, configurable: true });
    else copy[k] = v;
  }
  return Object.freeze(copy);
}

/** Writes a value (no twins are made of what is new: it is not handed back as is). */
export function writeValue(x: unknown): void {
  writing++;
  try {
    writeAny(x, 0, null);
  } finally {
    writing--;
  }
}

function retryWithPath(x: unknown): never {
  writeAll([x]);
  throw new MfstateError("internal", "value rejected without a reason");
}

/** Stages the `count` values written since begin(). */
export function stage(count: number): void {
  sealArgs();
  stagedSince = true;
  const status = exports!.mfs_stage(count, 0);
  if (status < 0) throw readError();
}

/**
 * Writes `x` and stages it, making a frozen twin of each new array and object (they are tied to
 * the nodes the module builds). Returns the twin of `x` (or `x` when it is a primitive or a twin).
 */
export function stageTwinned(x: unknown): unknown {
  begin();
  const list = stagedScratch;
  list.clear();
  newTwins = list;
  let twin: unknown;
  writing++;
  try {
    twin = writeAny(x, 0, null);
  } catch (e) {
    writing--;
    newTwins = null;
    if (e instanceof MfstateError && e.code === "invalid_argument") retryWithPath(x);
    throw e;
  }
  writing--;
  newTwins = null;
  sealArgs();
  stagedSince = true;
  const status = exports!.mfs_stage(1, 1);
  if (status < 0) throw readError();
  views();
  bufferAt();
  const n = u32[base];
  for (let i = 0; i < n; i++) setTwin(u32[base + 1 + i], list.items[i]);
  list.clear();
  return twin;
}

// What stageTwinned made twins of; what the last writeResult made twins of, until the module tells
// their slots (mfs_js_twins).
const stagedScratch = new Scratch<object>();
const resultTwins = new Scratch<object>();

/**
 * Writes a callback's result into the buffer for the module to read when the callback returns: new
 * arrays and objects are copied, frozen, and the copies become twins once the module tells their
 * slots. For a reducer's result: a copy of the state it returns becomes the store's. Never the
 * reducer's own objects (not even those the fast path checked): a twin is handed to other apps (an
 * export, a message), and an app's own object, frozen, keeps a getter a getter and a Proxy free to
 * answer. Only what the package made crosses to others by identity.
 */
export function writeResult(x: unknown): void {
  begin();
  const list = resultTwins;
  list.clear();
  newTwins = list;
  let failed: unknown;
  let threw = false;
  writing++;
  try {
    writeAny(x, 0, null);
  } catch (e) {
    threw = true;
    failed = e;
  } finally {
    writing--;
    newTwins = null;
  }
  if (threw) {
    list.clear();
    if (failed instanceof MfstateError && failed.code === "invalid_argument") retryWithPath(x);
    throw failed;
  }
  sealArgs();
}

// Writes `values` from the buffer's start. The fast path keeps no path; a value refused as not
// JSON is written again with one, so the error names where it is.
function writeAll(values: ArrayLike<unknown>): void {
  begin();
  writing++;
  try {
    for (let i = 0; i < values.length; i++) writeAny(values[i], 0, null);
  } catch (e) {
    rethrowWithPath(e, values);
  } finally {
    writing--;
  }
  sealArgs();
}

// The error of a write that failed, named by where the offending value is when it is not JSON.
// Called while `writing` still counts the write: the second pass runs the same getters.
function rethrowWithPath(e: unknown, values: ArrayLike<unknown>): never {
  if (e instanceof MfstateError && e.code === "invalid_argument") {
    for (let i = 0; i < values.length; i++) {
      pos = 0;
      writeAny(values[i], 0, []);
    }
  }
  throw e;
}

// writeOne, writePair and writeValues are the hot paths (a dispatch, an emit, a query write): they
// write their arguments without gathering them into an array first.

// Writes the first `n` of a, b, c from the buffer's start.
function writeArgs(n: number, a: unknown, b: unknown, c: unknown): void {
  begin();
  writing++;
  try {
    if (n > 0) writeAny(a, 0, null);
    if (n > 1) writeAny(b, 0, null);
    if (n > 2) writeAny(c, 0, null);
  } catch (e) {
    rethrowWithPath(e, [a, b, c].slice(0, n));
  } finally {
    writing--;
  }
  sealArgs();
}

/** begin() + one value (the export reads it from the buffer itself). */
export function writeOne(x: unknown): void {
  writeArgs(1, x, undefined, undefined);
}

/** begin() + two values (the export reads them from the buffer itself). */
export function writePair(a: unknown, b: unknown): void {
  writeArgs(2, a, b, undefined);
}

/** begin() + three values (the export reads them from the buffer itself). */
export function writeValues(a: unknown, b: unknown, c: unknown): void {
  writeArgs(3, a, b, c);
}

/**
 * begin() + a query key, its data and updatedAt, for an export that keeps the data and hands it
 * back (setQueryData of a new key): the new arrays and objects of the data are copied and frozen
 * as they are written, and the copies become the twins of the nodes the module builds of them (it
 * tells their slots as it does a callback result's). What it hands back then crosses as references
 * to those twins: the data is not written out again and decoded (a tenth of the write).
 */
export function writeKeyAndTwinnedData(key: unknown, data: unknown, updatedAt: unknown): void {
  begin();
  const list = resultTwins;
  list.clear();
  writing++;
  try {
    keyWrites++;
    try {
      writeAny(key, 0, null);
    } finally {
      keyWrites--;
    }
    newTwins = list;
    try {
      writeAny(data, 0, null);
    } finally {
      newTwins = null;
    }
    writeAny(updatedAt, 0, null);
  } catch (e) {
    list.clear();
    rethrowWithPath(e, [new KeyArg(key), data, updatedAt]);
  } finally {
    writing--;
  }
  sealArgs();
}

/** Writes `values` and stages them for the next export. */
export function stageValues(...values: unknown[]): void {
  writeAll(values);
  stage(values.length);
}

// ---- reading (module -> JavaScript) ----

let rpos = 0;

/** Starts reading results at the buffer's start. */
export function beginRead(): void {
  if (writing !== 0) refuseWhileWriting();
  bufferAt();
  rpos = 0;
}

// Short strings (object keys, action types, topics) repeat: a direct-mapped cache of strings of up
// to 24 bytes, keyed by their words, turns their decoding into a few word compares.
const CACHE_SLOTS = 1024;
const CACHE_WORDS = 6;
const cacheLen = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheWords = new Uint32Array(CACHE_SLOTS * CACHE_WORDS);
const cacheText: string[] = new Array(CACHE_SLOTS).fill("");

function decodeShort(at: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) {
    const c = u8[at + i];
    if (c >= 0x80) return decoder.decode(u8.subarray(at, at + len));
    s += String.fromCharCode(c);
  }
  return s;
}

function readBytes(len: number): string {
  const w = base + rpos;
  const at = w * 4;
  const words = (len + 3) >>> 2;
  rpos += words;
  if (len > CACHE_WORDS * 4) return decoder.decode(u8.subarray(at, at + len));
  // The bytes past `len` in the last word are not the string's: they are masked off.
  const last = words - 1;
  const tail = len & 3 ? (1 << ((len & 3) * 8)) - 1 : -1;
  let hash = len;
  for (let i = 0; i < words; i++) {
    const x = i === last ? u32[w + i] & tail : u32[w + i];
    hash = Math.imul(hash ^ x, 0x9e3779b1);
  }
  const k = (hash >>> 22) & (CACHE_SLOTS - 1);
  const o = k * CACHE_WORDS;
  if (cacheLen[k] === len) {
    let same = true;
    for (let i = 0; i < words; i++) {
      const x = i === last ? u32[w + i] & tail : u32[w + i];
      if (cacheWords[o + i] !== x >>> 0) {
        same = false;
        break;
      }
    }
    if (same) return cacheText[k];
  }
  const text = decodeShort(at, len);
  cacheLen[k] = len;
  for (let i = 0; i < words; i++) cacheWords[o + i] = (i === last ? u32[w + i] & tail : u32[w + i]) >>> 0;
  cacheText[k] = text;
  return text;
}

/** The next value: strings, numbers, booleans, null, undefined, or frozen twins. */
export function readValue(): unknown {
  const head = u32[base + rpos++];
  switch (head & 15) {
    case TAG_NULL:
      return null;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_INT:
      return i32[base + rpos++];
    case TAG_DOUBLE:
      f64Words[0] = u32[base + rpos++];
      f64Words[1] = u32[base + rpos++];
      return f64[0];
    case TAG_STRING:
      return readBytes(head >>> 4);
    case TAG_ARRAY: {
      const n = head >>> 4;
      const slot = u32[base + rpos++];
      const a = new Array(n);
      for (let i = 0; i < n; i++) setOwnIndex(a, i, readValue());
      // Stamped before it is frozen: V8 adds the stamp to a frozen object 10-20 ns slower.
      setTwin(slot, a);
      Object.freeze(a);
      return a;
    }
    case TAG_OBJECT: {
      const n = head >>> 4;
      const slot = u32[base + rpos++];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const len = u32[base + rpos++];
        const k = readBytes(len);
        setOwn(o, k, readValue());
      }
      setTwin(slot, o);
      Object.freeze(o);
      return o;
    }
    case TAG_REF:
      return twins[head >>> 4];
    case TAG_UNDEFINED:
      return undefined;
    default:
      throw new MfstateError("internal", `mfstate bridge: unknown tag ${head & 15}`);
  }
}

export function readString(): string {
  return readValue() as string;
}

export function readNumber(): number {
  return readValue() as number;
}

export function readBool(): boolean {
  return readValue() as boolean;
}

/** The one value an export wrote. */
export function result(): unknown {
  beginRead();
  return readValue();
}

// ---- errors ----

// Each thrown value is kept by an id the module carries (JsError, nested in the errors it makes of
// it) and hands back with the error: a caller's or the error sink's cause is found by that id, never
// by its message, which another app's callback could have thrown too.
const jsErrors = new Map<number, unknown>();
let nextErrorId = 1;
const errorReleases: number[] = [];

function flushErrorReleases(): void {
  for (const id of errorReleases) jsErrors.delete(id);
  errorReleases.length = 0;
}

/** The JavaScript error `id` names (a thrown callback's), if it is still held. */
export function jsError(id: number): unknown {
  return jsErrors.get(id);
}

/** Keeps a thrown JavaScript value for the module to carry; returns its id. */
function keepError(e: unknown): number {
  const id = nextErrorId++;
  jsErrors.set(id, e);
  return id;
}

function readError(): MfstateError {
  beginRead();
  const code = readValue() as ErrorCode;
  const message = readValue() as string;
  const id = readValue() as number;
  const cause = id > 0 ? jsErrors.get(id) : undefined;
  return new MfstateError(code, message, cause === undefined ? undefined : { cause });
}

/** Reads the (code, message, detail) an error callback or outcome carries. */
export function readErrorFields(): { code: ErrorCode; message: string; detail: unknown } {
  const code = readValue() as ErrorCode;
  const message = readValue() as string;
  const detail = readValue();
  return { code, message, detail };
}

// ---- JavaScript functions the module calls ----

type Invoker = () => void;
const functions: Array<Invoker | undefined> = ownList();
append(functions, undefined);
const claimed: number[] = ownList();
append(claimed, 0);
const freeIds: number[] = ownList();
let callRegistered: Scratch<number> | null = null;
// One list per nesting level of callWith, reused (see Scratch).
const callLists: Array<Scratch<number>> = ownList();
let callLevel = 0;

/**
 * Registers `invoker` (which reads its arguments with readValue, calls user code, and stages a
 * result when the module expects one); returns its id. An id the next call does not take is dropped
 * when that call returns (see call()).
 */
export function fn(invoker: Invoker): number {
  const id = freeIds.length > 0 ? takeLast(freeIds)! : functions.length;
  functions[id] = invoker;
  claimed[id] = 0;
  if (callRegistered) callRegistered.add(id);
  return id;
}

function dropFunction(id: number): void {
  functions[id] = undefined;
  claimed[id] = 0;
  append(freeIds, id);
}

/**
 * Calls export `name` with `args`, registering the functions `prepare` makes: those the call did not
 * take are dropped afterwards. Throws the export's error.
 */
export function callWith<T>(run: () => T): T {
  const outer = callRegistered;
  if (callLevel === callLists.length) callLists[callLevel] = new Scratch<number>();
  const mine = callLists[callLevel++];
  mine.clear();
  callRegistered = mine;
  try {
    return run();
  } finally {
    callRegistered = outer;
    callLevel--;
    for (let i = 0; i < mine.count; i++) {
      const id = mine.items[i];
      if (claimed[id] === 0 && functions[id] !== undefined) dropFunction(id);
    }
    mine.clear();
  }
}

/** What a thrown value says, whatever it is: a throw while converting it must not escape here. */
export function messageOf(e: unknown): string {
  try {
    return String(e instanceof Error ? e.message : e);
  } catch {
    return "a thrown value that cannot be converted to a string";
  }
}

function invoke(id: number): number {
  const f = functions[id];
  epoch++;
  callbacks++;
  depth++;
  views();
  if (u32[controlWord + 3] !== 0) dropReleased();
  bufferAt();
  rpos = 0;
  try {
    if (f === undefined) throw new MfstateError("internal", `mfstate bridge: function ${id} is gone`);
    f();
    return 0;
  } catch (e) {
    const message = messageOf(e);
    const errId = keepError(e);
    begin();
    writeString(message);
    sealArgs();
    return errId;
  } finally {
    depth--;
    clockRead = false;
  }
}

const imports = {
  env: {
    mfs_js_invoke: invoke,
    mfs_js_claim(id: number): void {
      claimed[id]++;
    },
    mfs_js_release(id: number): void {
      if (--claimed[id] <= 0) dropFunction(id);
    },
    mfs_js_release_error(id: number): void {
      errorReleases.push(id);
      if (depth === 0) flushErrorReleases();
    },
    mfs_js_now: (): number => {
      if (!clockRead) {
        clockTime = now();
        clockRead = true;
      }
      return clockTime;
    },
    mfs_js_twins(at: number, count: number): void {
      views();
      const list = resultTwins;
      for (let i = 0; i < count; i++) setTwin(u32[(at >>> 2) + i], list.items[i]);
      list.clear();
    },
    // The module's one JSON text (the manifest schema, wasm/manifest_schema.cpp): parsed here, so
    // the module carries no JSON text parser of its own.
    mfs_js_parse_json(at: number, length: number): void {
      views();
      stageValues(JSON.parse(decoder.decode(u8.subarray(at, at + length))));
    },
    emscripten_notify_memory_growth(): void {
      grown = true;
      growths++;
    },
  },
  wasi_snapshot_preview1: {
    proc_exit(code: number): void {
      throw new MfstateError("internal", `the mfstate module exited (${code})`);
    },
    fd_write(): number {
      return 52; // ENOSYS: the module reports errors through the host, never to a file
    },
    fd_read: (): number => 52,
    fd_seek: (): number => 52,
    fd_close: (): number => 52,
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      views();
      u32[countPtr >>> 2] = 0;
      u32[sizePtr >>> 2] = 0;
      return 0;
    },
    environ_get: (): number => 0,
  },
};

// The time the module read during the call into it under way: one call happens at one instant. A
// write of a new key read the clock twice (its updatedAt, its place in the collection lists), and
// each read leaves the module (~60 ns, 2% of the write). Read again after every entry into the
// module and after every callback out of it returns: a callback that takes long is seen to.
let clockRead = false;
let clockTime = 0;

/** The time the module reads: Date.now() (a test may mock Date). */
export function now(): number {
  return Date.now();
}

// ---- loading ----

let loading: Promise<void> | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p === "object" && p !== null && typeof p.versions?.node === "string";
}

async function bytesOf(source: WasmSource | undefined): Promise<BufferSource | WebAssembly.Module | Response> {
  if (source === undefined) source = new URL("./mfstate.wasm", import.meta.url);
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source as BufferSource;
  // webpackIgnore: a bundler must not try to resolve a run-time string ("Critical dependency").
  if (typeof source === "string") source = new URL(/* webpackIgnore: true */ source, import.meta.url);
  if (source instanceof URL) {
    if (source.protocol === "file:" && isNode()) {
      const fsName = "node:fs/promises";
      const fs = (await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName)) as {
        readFile(path: URL): Promise<Uint8Array>;
      };
      return fs.readFile(source);
    }
    return fetch(source);
  }
  return source;
}

async function instantiate(source: WasmSource | undefined): Promise<void> {
  const bytes = await bytesOf(source);
  let instance: WebAssembly.Instance;
  if (bytes instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(bytes, imports);
  } else if (bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes)) {
    // Bytes first: in node the first read of the global `Response` loads its fetch implementation
    // (~25 ms of start-up), which the module's bytes read from a file never need.
    instance = (await WebAssembly.instantiate(bytes, imports)).instance;
  } else if (typeof Response !== "undefined" && bytes instanceof Response) {
    if (!bytes.ok) throw new MfstateError("io_error", `could not load mfstate.wasm: HTTP ${bytes.status} from ${bytes.url}`);
    if (typeof WebAssembly.instantiateStreaming === "function" && bytes.headers.get("content-type") === "application/wasm") {
      instance = (await WebAssembly.instantiateStreaming(bytes, imports)).instance;
    } else {
      instance = (await WebAssembly.instantiate(await bytes.arrayBuffer(), imports)).instance;
    }
  } else {
    // Neither bytes nor a Response: WebAssembly says what is wrong with it.
    instance = (await WebAssembly.instantiate(bytes as unknown as BufferSource, imports)).instance;
  }
  const ex = guardExports(instance.exports as unknown as Exports);
  memory = ex.memory;
  ex._initialize();
  exports = ex;
  api = ex as unknown as Api;
  refresh();
  controlWord = ex.mfs_control() >>> 2;
}

/** Instantiates the module once per page; later calls share the first one. */
export function load(source?: WasmSource): Promise<void> {
  if (!loading) {
    loading = instantiate(source).catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
  }
  return loading;
}

/** Throws unless the module is instantiated (a class used before createHost / loadMfstate). */
export function ready(what: string): void {
  if (!exports) {
    throw new MfstateError(
      "not_loaded",
      `${what} needs the WebAssembly module: await createHost() or await loadMfstate() first`,
    );
  }
}

/** Bytes of the module's heap in use (diagnostics: the bench's memory per entry). */
export function heapUsed(): number {
  return exports ? (exports.mfs_heap_used as () => number)() : 0;
}

/** The module's memory: its size in bytes and how many times it has grown (diagnostics, tests). */
export function memoryGrowth(): { bytes: number; growths: number } {
  return { bytes: memory ? memory.buffer.byteLength : 0, growths };
}

/** Live twin slots (diagnostics, tests of memory). */
export function liveTwins(): number {
  return exports ? exports.mfs_twins_live() : 0;
}
